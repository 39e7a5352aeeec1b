/**
 * 1.2 容器间的通信 — two containers on the default bridge reach each other by IP; with
 * `"icc": false` in daemon.json (dockerd --icc=false) Docker drops traffic between them
 * (`-A FORWARD -i docker0 -o docker0 -j DROP`) and they no longer do.
 *
 * Knobs (--set):
 *   icc=true   writes "icc": true instead of false: inter-container traffic stays allowed and
 *              step 2 fails (the containers still reach each other)
 */
import { defineScenario, type StepContext, step } from '../src/scenario/define.ts';
import { CENTOS_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, eth0Of, pingFrom } from '../src/scenario/lib/container-steps.ts';
import { configureEngine, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { removeContainers, restartDocker, runContainer } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { describePing } from '../src/scenario/lib/ping-outcome.ts';

const CONTAINERS = ['centos01', 'centos02'] as const;

/** Each container's eth0 address, from `ip a` inside it ('' when it has none). */
async function addressesOf(ctx: StepContext): Promise<Map<string, string>> {
  const h = documentHost(ctx);
  const addresses = new Map<string, string>();
  for (const name of CONTAINERS) {
    const cidr = (await eth0Of(h, name))?.inet[0];
    ctx.check(`${name}: runs with an eth0 address (${cidr ?? 'none'})`, cidr !== undefined, { hint: `start it: docker run -itd --name ${name} centos:7.9` });
    addresses.set(name, (cidr ?? '').split('/')[0]!);
  }
  return addresses;
}

/** Each container pings the other's IP; returns how many replies each direction got. */
async function pingBothWays(ctx: StepContext, addresses: Map<string, string>, count: number): Promise<{ label: string; received: number; text: string }[]> {
  const h = documentHost(ctx);
  const [a, b] = CONTAINERS;
  const out = [];
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    if (!addresses.get(to)) continue;
    const p = await pingFrom(h, from, addresses.get(to)!, count);
    out.push({ label: `${from} → ${to} (${addresses.get(to)})`, received: p.received, text: describePing(p) });
  }
  return out;
}

export default defineScenario({
  name: 'icc',
  section: '1.2',
  title: '容器间的通信: containers on docker0 reach each other unless icc is off',
  summary: 'two containers on the default bridge ping each other by IP; with "icc": false they cannot',

  validate(params) {
    flagOverride(params, 'icc', false);
  },

  steps: [
    step('1.2 容器间的通信 — docker run -itd --name centos01/centos02; ip a; each pings the other by IP', {
      doc: {
        heading: '1.2 容器间的通信',
        text: '默认情况下，同一台宿主机的容器间可以互相通信。\n\n# 两个容器之间，可以通过容器IP互相通信\ndocker run -itd --name centos01 centos:7.9\ndocker run -itd --name centos02 centos:7.9\n# ip a\n# ping 172.17.0.4',
      },
      summary: 'Run centos01 and centos02 on the default bridge; each pings the other by IP.',
      on: 'document',
      hint: 'both containers must run on the default bridge (`docker run -itd --name centos01 centos:7.9`), and icc must be on (no "icc": false in daemon.json)',
      async solve(ctx) {
        const h = documentHost(ctx);
        await removeContainers(h, CONTAINERS);
        await ensureBoxImage(h);
        for (const name of CONTAINERS) await runContainer(h, name, [CENTOS_IMAGE]);
        const addresses = await addressesOf(ctx);
        await h.$`docker exec centos01 ping -c 3 ${addresses.get('centos02')!}`;
      },
      async check(ctx) {
        const addresses = await addressesOf(ctx);
        for (const r of await pingBothWays(ctx, addresses, 3))
          ctx.check(`${r.label}: ${r.text}`, r.received > 0, {
            hint: 'containers on docker0 reach each other unless "icc": false is set in /etc/docker/daemon.json',
          });
      },
    }),

    step('--icc=false 禁止同一个宿主机的不同容器间通信 — daemon.json "icc": false; systemctl restart docker; the containers ping again', {
      doc: {
        heading: '1.2 容器间的通信',
        text: '--icc 为默认桥接网络启用容器间通信 (默认：true)\n# 添加daemon启动参数：dockerd --icc=false 选项可以禁止同一个宿主机的不同容器间通信',
      },
      summary: 'Turn inter-container communication off ("icc": false in /etc/docker/daemon.json, restart docker, start the containers again): the pings fail.',
      on: 'document',
      hint: 'set "icc": false in /etc/docker/daemon.json, systemctl restart docker, then docker start centos01 centos02 (or run them again)',
      async solve(ctx) {
        const h = documentHost(ctx);
        const icc = flagOverride(ctx.params, 'icc', false);
        if (icc) ctx.note('icc=true: daemon.json keeps inter-container communication on');
        // The containers go first: their shell ignores SIGTERM, so a restart would wait 10 s for each.
        await removeContainers(h, CONTAINERS);
        await configureEngine(h, { icc });
        await restartDocker(h);
        for (const name of CONTAINERS) await runContainer(h, name, [CENTOS_IMAGE]);
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const icc = (await h.$({ nothrow: true })`cat /etc/docker/daemon.json`).stdout.match(/"icc"\s*:\s*(\w+)/)?.[1];
        ctx.expectEqual('daemon.json icc', icc, 'false', 'add "icc": false to /etc/docker/daemon.json');
        const options = (await h.$`docker network inspect bridge`).json<{ Options: Record<string, string> }[]>()[0]?.Options ?? {};
        ctx.expectEqual(
          'docker network inspect bridge: com.docker.network.bridge.enable_icc',
          options['com.docker.network.bridge.enable_icc'],
          'false',
          'docker reads daemon.json only when it starts: systemctl restart docker',
        );
        const forward = (await h.$`iptables -S FORWARD`).lines();
        ctx.check('iptables FORWARD drops docker0 → docker0', forward.includes('-A FORWARD -i docker0 -o docker0 -j DROP'), {
          actual: forward.filter((l) => l.includes('-i docker0 -o docker0')).join('; '),
        });
        const addresses = await addressesOf(ctx);
        for (const r of await pingBothWays(ctx, addresses, 2))
          ctx.check(`${r.label}: ${r.text} (expected none)`, r.received === 0, { hint: 'icc is still on: the containers still reach each other' });
      },
    }),
  ],

  async cleanup(ctx) {
    const h = documentHost(ctx);
    await removeContainers(h, CONTAINERS);
    await restoreEngine(h);
  },
});
