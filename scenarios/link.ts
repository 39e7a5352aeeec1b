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
import { CENTOS_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, pingFrom } from '../src/scenario/lib/container-steps.ts';
import { removeContainers, runContainer } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { type HostsEntry, hostsEntryAt, hostsEntryFor, parseHostsFile } from '../src/scenario/lib/parse-etc.ts';
import { describePing } from '../src/scenario/lib/ping-outcome.ts';

const CONTAINERS = ['centos01', 'centos02', 'centos03', 'placeholder'];

async function hostsOf(h: Host, container: string): Promise<HostsEntry[]> {
  return parseHostsFile((await h.$`docker exec ${container} cat /etc/hosts`).stdout);
}

/**
 * A container's /etc/hosts read from the host (`docker inspect -f '{{.HostsPath}}'`): Docker
 * 20.10 refuses `docker exec` into a container whose link target is gone ("Cannot link to a
 * non running container").
 */
async function hostsFileOf(h: Host, container: string): Promise<HostsEntry[]> {
  const r = await h.$({ nothrow: true })`cat "$(docker inspect -f '{{.HostsPath}}' ${container})"`;
  return parseHostsFile(r.ok ? r.stdout : '');
}

const show = (e: HostsEntry | undefined): string => (e ? `${e.address}\t${e.names.join(' ')}` : 'no entry');

/** centos01's current address and short ID ('' when it does not run). */
async function centos01(h: Host): Promise<{ ip: string; id: string }> {
  const r = await h.$({ nothrow: true })`docker inspect -f '{{.Id}} {{.NetworkSettings.IPAddress}}' centos01`;
  const [id = '', ip = ''] = r.ok ? r.text().split(' ') : [];
  return { ip, id: id.slice(0, 12) };
}

export default defineScenario({
  name: 'link',
  section: '2.1–2.3',
  title: '容器名称互联: --link entries in /etc/hosts, their staleness, aliases',
  summary: '--link writes name, aliases and ID into /etc/hosts; re-creating the target leaves the entry stale',

  validate(params) {
    flagOverride(params, 'link', true);
  },

  steps: [
    step('2.1 实现容器名称互联 — docker run --name centos01; docker run --name centos02 --link centos01; cat /etc/hosts', {
      doc: {
        heading: '2.1 实现容器名称互联',
        text: '通过 `docker run` 指令添加 `--link` 参数，引用容器名，实现容器互联。本质是在容器内 `/etc/hosts` 中添加对应的解析。\n\ndocker run -d -it --name centos01 centos:7.9\ndocker run -d -it --name centos02 --link centos01 centos:7.9\n# cat /etc/hosts',
      },
      summary: "Run centos01, then centos02 with --link centos01: centos02's /etc/hosts resolves centos01 by name and ID.",
      on: 'document',
      hint: 'centos02 must be started with --link centos01 (remove it and run it again: docker rm -f centos02)',
      async solve(ctx) {
        const h = documentHost(ctx);
        await removeContainers(h, CONTAINERS);
        await ensureBoxImage(h);
        await runContainer(h, 'centos01', [CENTOS_IMAGE], ['-d', '-it']);
        if (flagOverride(ctx.params, 'link', true)) await runContainer(h, 'centos02', ['--link', 'centos01', CENTOS_IMAGE], ['-d', '-it']);
        else {
          ctx.note('link=false: centos02 runs without --link centos01');
          await runContainer(h, 'centos02', [CENTOS_IMAGE], ['-d', '-it']);
        }
        await h.$`docker exec centos01 cat /etc/hosts`;
        await h.$`docker exec centos02 cat /etc/hosts`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const c01 = await centos01(h);
        if (!ctx.check(`centos01 runs (${c01.ip || 'no address'})`, c01.ip !== '', { hint: 'start it: docker run -d -it --name centos01 centos:7.9' })) return;
        ctx.expectEqual('centos01 /etc/hosts: its own line', show(hostsEntryAt(await hostsOf(h, 'centos01'), c01.ip)), `${c01.ip}\t${c01.id}`);
        const hosts02 = await hostsFileOf(h, 'centos02');
        const linked = ctx.expectEqual(
          'centos02 /etc/hosts: the line --link wrote for centos01',
          show(hostsEntryFor(hosts02, 'centos01')),
          `${c01.ip}\tcentos01 ${c01.id}`,
        );
        // Without the line, the names would go to the DNS servers outside the lab (and time out there).
        if (!linked) return;
        for (const target of ['centos01', c01.id]) {
          const p = await pingFrom(h, 'centos02', target, 2);
          ctx.check(`centos02: ping ${target} → ${p.address ?? '?'}: ${describePing(p)}`, p.address === c01.ip && p.received > 0, {
            expected: c01.ip,
            actual: p.address ?? p.error,
          });
        }
      },
    }),

    step('centos01 删除重启 — the entry --link wrote in centos02 is stale', {
      doc: { heading: '2.1 实现容器名称互联', text: 'centos01 删除重启，IP变成 `172.17.0.4`\n\ncentos02 容器之前使用 `--link` 参数建立的链接关系已经失效。' },
      summary: "Remove centos01 and run it again: centos02's /etc/hosts still names the old container (the link is stale).",
      on: 'document',
      hint: 'remove centos01 (docker rm -f centos01) and run it again with the same name; leave centos02 as it is',
      async solve(ctx) {
        const h = documentHost(ctx);
        const old = await centos01(h);
        await h.$`docker rm -f centos01`;
        ctx.note(
          `Docker 20.10 gives a freed address to the next container: a placeholder takes ${old.ip} so that centos01 comes back on a new address, as in the document`,
        );
        await runContainer(h, 'placeholder', [CENTOS_IMAGE], ['-d', '-it']);
        await runContainer(h, 'centos01', [CENTOS_IMAGE], ['-d', '-it']);
        await h.$`docker exec centos01 cat /etc/hosts`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const now = await centos01(h);
        if (
          !ctx.check(`centos01 runs again (${now.ip || 'no address'})`, now.ip !== '', { hint: 'run it again: docker run -d -it --name centos01 centos:7.9' })
        )
          return;
        const entry = hostsEntryFor(await hostsFileOf(h, 'centos02'), 'centos01');
        ctx.check(`centos02 /etc/hosts still has the line --link wrote for centos01 (${show(entry)})`, entry !== undefined, {
          hint: 'centos02 must be the container started with --link centos01 in the step before',
        });
        ctx.check(`that line names the old centos01, not the new ${now.id} (stale)`, entry !== undefined && !entry.names.includes(now.id), {
          actual: show(entry),
          hint: 'remove centos01 and run it again: the new container gets a new ID',
        });
      },
    }),

    step('2.2 自定义容器别名互联 — docker run --link centos01:server1', {
      doc: {
        heading: '2.2 自定义容器别名互联',
        text: '也可以通过给容器取别名的方式，实现容器互联功能。\n\ndocker run -d -it --name centos01 centos:7.9\ndocker run -d -it --name centos02 --link centos01:server1 centos:7.9',
      },
      summary: 'Start over with centos02 linked to centos01 under the alias server1: centos02 resolves server1.',
      on: 'document',
      hint: 'remove both containers (docker rm -f centos01 centos02), then run centos01 and centos02 with --link centos01:server1',
      async solve(ctx) {
        const h = documentHost(ctx);
        await removeContainers(h, CONTAINERS);
        await runContainer(h, 'centos01', [CENTOS_IMAGE], ['-d', '-it']);
        await runContainer(h, 'centos02', ['--link', 'centos01:server1', CENTOS_IMAGE], ['-d', '-it']);
        await h.$`docker exec centos02 cat /etc/hosts`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const c01 = await centos01(h);
        if (!ctx.check(`centos01 runs (${c01.ip || 'no address'})`, c01.ip !== '', { hint: 'start it: docker run -d -it --name centos01 centos:7.9' })) return;
        const linked = ctx.expectEqual(
          'centos02 /etc/hosts: alias, ID and name of centos01',
          show(hostsEntryFor(await hostsFileOf(h, 'centos02'), 'centos01')),
          `${c01.ip}\tserver1 ${c01.id} centos01`,
        );
        if (!linked) return;
        const p = await pingFrom(h, 'centos02', 'server1', 2);
        ctx.check(`centos02: ping server1 → ${p.address ?? '?'}: ${describePing(p)}`, p.address === c01.ip && p.received > 0, {
          expected: c01.ip,
          actual: p.address ?? p.error,
        });
      },
    }),

    step('2.3 容器名称互联总结 — --link is one-way: centos01 knows nothing of centos02', {
      doc: { heading: '2.3 容器名称互联总结', text: '`--link` 可以实现容器间基础的通信，但这是单向的，而且受容器生命周期影响。' },
      summary: "Look at centos01's /etc/hosts: it has no entry for centos02 (--link is one-way).",
      on: 'document',
      hint: 'centos01 must run without any --link (only centos02 links to it)',
      async solve(ctx) {
        await documentHost(ctx).$`docker exec centos01 cat /etc/hosts`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const hosts01 = await hostsFileOf(h, 'centos01');
        ctx.check('centos01 /etc/hosts exists', hosts01.length > 0, { hint: 'start it: docker run -d -it --name centos01 centos:7.9' });
        for (const name of ['centos02', 'server1']) ctx.expectEqual(`centos01 /etc/hosts: entry for ${name}`, show(hostsEntryFor(hosts01, name)), 'no entry');
      },
    }),
  ],

  async cleanup(ctx) {
    await removeContainers(documentHost(ctx), CONTAINERS);
  },
});
