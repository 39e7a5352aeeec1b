/**
 * 二、容器名称互联 (2.1–2.3) — `docker run --link` writes the target's address, name,
 * alias(es) and ID into the linking container's /etc/hosts; the entry is written once, so
 * after the target is removed and re-created with a new address it is stale; and the link is
 * one-way.
 *
 * Docker 20.10 differs from the document in two ways the scenario shows in notes:
 * - it gives a freed address to the next container, so centos01 would come back on its old
 *   address; a placeholder container takes that address first, so centos01 comes back on a
 *   new one (172.17.0.4, as in the document);
 * - once the target is gone, the linking container refuses `docker exec` ("Cannot link to a
 *   non running container"), so its /etc/hosts is read from the host (`docker inspect
 *   -f '{{.HostsPath}}'`).
 *
 * Knobs (--set):
 *   link=false   runs centos02 without --link: its /etc/hosts has no centos01 and step 1 fails
 */
import type { Host } from '../src/host.ts';
import { defineScenario, step } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, pingFrom, shortIdOf } from '../src/scenario/lib/container-steps.ts';
import { containerAddress, removeContainers, runContainer } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { hostsEntryAt, hostsEntryFor, parseHostsFile, type HostsEntry } from '../src/scenario/lib/parse-etc.ts';
import { describePing } from '../src/scenario/lib/ping-outcome.ts';

const CONTAINERS = ['centos01', 'centos02', 'centos03', 'placeholder'];
const STALE_EXEC = /Cannot link to a non running container/;

async function hostsOf(h: Host, container: string): Promise<HostsEntry[]> {
  return parseHostsFile((await h.$`docker exec ${container} cat /etc/hosts`).stdout);
}

const show = (e: HostsEntry | undefined): string => (e ? `${e.address}\t${e.names.join(' ')}` : 'no entry');

export default defineScenario({
  name: 'link',
  section: '2.1–2.3',
  title: '容器名称互联: --link entries in /etc/hosts, their staleness, aliases',
  summary: '--link writes name, aliases and ID into /etc/hosts; re-creating the target leaves the entry stale',

  validate(params) {
    flagOverride(params, 'link', true);
  },

  steps: [
    step('2.1 实现容器名称互联 — docker run --name centos01; docker run --name centos02 --link centos01; cat /etc/hosts', async (ctx) => {
      const h = documentHost(ctx);
      await removeContainers(h, CONTAINERS);
      await ensureBoxImage(h);
      await runContainer(h, 'centos01', [BOX_IMAGE]);
      if (flagOverride(ctx.params, 'link', true)) await runContainer(h, 'centos02', ['--link', 'centos01', BOX_IMAGE]);
      else {
        ctx.note('link=false: centos02 runs without --link centos01');
        await runContainer(h, 'centos02', [BOX_IMAGE]);
      }
      const ip01 = await containerAddress(h, 'centos01');
      const id01 = await shortIdOf(h, 'centos01');
      const ip02 = await containerAddress(h, 'centos02');
      const id02 = await shortIdOf(h, 'centos02');
      ctx.state.set('old', { ip: ip01, id: id01 });

      const own = hostsEntryAt(await hostsOf(h, 'centos01'), ip01);
      ctx.expectEqual('centos01 /etc/hosts: its own line', show(own), `${ip01}\t${id01}`);
      const hosts02 = await hostsOf(h, 'centos02');
      const linked = ctx.expectEqual('centos02 /etc/hosts: the line --link wrote for centos01', show(hostsEntryFor(hosts02, 'centos01')), `${ip01}\tcentos01 ${id01}`);
      ctx.expectEqual('centos02 /etc/hosts: its own line', show(hostsEntryAt(hosts02, ip02)), `${ip02}\t${id02}`);
      // Without the line, the names would go to the DNS servers outside the lab (and time out there).
      if (!linked) return;
      for (const target of ['centos01', id01]) {
        const p = await pingFrom(h, 'centos02', target, 2);
        ctx.check(`centos02: ping ${target} → ${p.address ?? '?'}: ${describePing(p)}`, p.address === ip01 && p.received > 0, { expected: ip01, actual: p.address ?? p.error });
      }
    }),

    step('centos01 删除重启，IP变成 172.17.0.4 — the entry --link wrote in centos02 is stale', async (ctx) => {
      const h = documentHost(ctx);
      const old = ctx.state.get('old') as { ip: string; id: string };
      await h.$`docker rm -f centos01`;
      ctx.note(`Docker 20.10 gives a freed address to the next container: a placeholder takes ${old.ip} so that centos01 comes back on a new address, as in the document`);
      await runContainer(h, 'placeholder', [BOX_IMAGE]);
      await runContainer(h, 'centos01', [BOX_IMAGE]);
      const ip = await containerAddress(h, 'centos01');
      const id = await shortIdOf(h, 'centos01');
      ctx.expectEqual('the new centos01 /etc/hosts: its own line', show(hostsEntryAt(await hostsOf(h, 'centos01'), ip)), `${ip}\t${id}`);
      ctx.check(`the new centos01 has a new address (${old.ip} → ${ip})`, ip !== old.ip, { actual: ip });
      ctx.check(`the new centos01 has a new ID (${old.id} → ${id})`, id !== old.id, { actual: id });

      const exec = await h.$({ nothrow: true })`docker exec centos02 cat /etc/hosts`;
      let text = exec.stdout;
      if (!exec.ok && STALE_EXEC.test(exec.stderr)) {
        ctx.note('Docker 20.10 refuses to exec into a container whose link target is gone ("Cannot link to a non running container"): reading centos02\'s /etc/hosts from the host');
        text = (await h.$`cat "$(docker inspect -f '{{.HostsPath}}' centos02)"`).stdout;
      } else if (!exec.ok) ctx.check('docker exec centos02 cat /etc/hosts', false, { actual: exec.stderr.trim() });
      const entry = hostsEntryFor(parseHostsFile(text), 'centos01');
      ctx.expectEqual('centos02 /etc/hosts: still the old line for centos01 (stale)', show(entry), `${old.ip}\tcentos01 ${old.id}`);
      ctx.check(`centos02 /etc/hosts does not point centos01 at its new address ${ip}`, entry?.address !== ip, { actual: show(entry) });
    }),

    step('2.2 自定义容器别名互联 — docker run --link centos01:server1 (and the general form --link centos01:"server1 server2")', async (ctx) => {
      const h = documentHost(ctx);
      await removeContainers(h, CONTAINERS);
      await runContainer(h, 'centos01', [BOX_IMAGE]);
      await runContainer(h, 'centos02', ['--link', 'centos01:server1', BOX_IMAGE]);
      await runContainer(h, 'centos03', ['--link', 'centos01:server1 server2', BOX_IMAGE]);
      const ip01 = await containerAddress(h, 'centos01');
      const id01 = await shortIdOf(h, 'centos01');
      ctx.expectEqual('centos02 /etc/hosts: alias, ID and name of centos01', show(hostsEntryFor(await hostsOf(h, 'centos02'), 'centos01')), `${ip01}\tserver1 ${id01} centos01`);
      ctx.expectEqual('centos03 /etc/hosts: both aliases, ID and name of centos01', show(hostsEntryFor(await hostsOf(h, 'centos03'), 'centos01')), `${ip01}\tserver1 server2 ${id01} centos01`);
      const p = await pingFrom(h, 'centos02', 'server1', 2);
      ctx.check(`centos02: ping server1 → ${p.address ?? '?'}: ${describePing(p)}`, p.address === ip01 && p.received > 0, { expected: ip01, actual: p.address ?? p.error });
    }),

    step('2.3 容器名称互联总结 — --link is one-way: centos01 knows nothing of centos02', async (ctx) => {
      const h = documentHost(ctx);
      const hosts01 = await hostsOf(h, 'centos01');
      for (const name of ['centos02', 'centos03', await shortIdOf(h, 'centos02')]) {
        ctx.expectEqual(`centos01 /etc/hosts: entry for ${name}`, show(hostsEntryFor(hosts01, name)), 'no entry');
      }
    }),
  ],

  async cleanup(ctx) {
    await removeContainers(documentHost(ctx), CONTAINERS);
  },
});
