/**
 * 1.2 容器间的通信 — two containers on the default bridge reach each other by IP; with
 * `"icc": false` in daemon.json (dockerd --icc=false) Docker drops traffic between them
 * (`-A FORWARD -i docker0 -o docker0 -j DROP`) and they no longer do.
 *
 * Knobs (--set):
 *   icc=true   writes "icc": true instead of false: inter-container traffic stays allowed and
 *              step 2 fails (the containers still reach each other)
 */
import { defineScenario, step, type StepContext } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, interfacesOf, pingFrom } from '../src/scenario/lib/container-steps.ts';
import { configureEngine, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { removeContainers, runContainer, restartDocker } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { interfaceNamed } from '../src/scenario/lib/parse-ip.ts';
import { describePing } from '../src/scenario/lib/ping-outcome.ts';

const CONTAINERS = ['centos01', 'centos02'] as const;

/** Runs the two containers and reads each one's eth0 address from `ip a` inside it. */
async function runPair(ctx: StepContext): Promise<Map<string, string>> {
  const h = documentHost(ctx);
  const addresses = new Map<string, string>();
  for (const name of CONTAINERS) await runContainer(h, name, [BOX_IMAGE]);
  for (const name of CONTAINERS) {
    const cidr = interfaceNamed(await interfacesOf(h, name), 'eth0')?.inet[0];
    ctx.check(`${name}: eth0 has an address (${cidr ?? 'none'})`, cidr !== undefined);
    addresses.set(name, (cidr ?? '').split('/')[0]!);
  }
  return addresses;
}

/** Each container pings the other's IP; returns how many replies each direction got. */
async function pingBothWays(ctx: StepContext, addresses: Map<string, string>, count: number): Promise<{ label: string; received: number; text: string }[]> {
  const h = documentHost(ctx);
  const [a, b] = CONTAINERS;
  const out = [];
  for (const [from, to] of [[a, b], [b, a]] as const) {
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
    step('1.2 容器间的通信 — docker run -itd --name centos01/centos02; ip a; each pings the other by IP', async (ctx) => {
      const h = documentHost(ctx);
      await removeContainers(h, CONTAINERS);
      await ensureBoxImage(h);
      const addresses = await runPair(ctx);
      for (const r of await pingBothWays(ctx, addresses, 3)) ctx.check(`${r.label}: ${r.text}`, r.received > 0);
    }),

    step('--icc=false 禁止同一个宿主机的不同容器间通信 — daemon.json "icc": false; systemctl restart docker; the containers ping again', async (ctx) => {
      const h = documentHost(ctx);
      const icc = flagOverride(ctx.params, 'icc', false);
      if (icc) ctx.note('icc=true: daemon.json keeps inter-container communication on');
      // The containers go first: their `sh` ignores SIGTERM, so a restart would wait 10 s for each.
      await removeContainers(h, CONTAINERS);
      await configureEngine(h, { icc });
      ctx.expectEqual('daemon.json icc', (await h.$`cat /etc/docker/daemon.json`).json<{ icc?: boolean }>().icc, icc);
      await restartDocker(h);
      const options = (await h.$`docker network inspect bridge`).json<{ Options: Record<string, string> }[]>()[0]?.Options ?? {};
      ctx.expectEqual('docker network inspect bridge: com.docker.network.bridge.enable_icc', options['com.docker.network.bridge.enable_icc'], 'false');
      const forward = (await h.$`iptables -S FORWARD`).lines();
      ctx.check('iptables FORWARD drops docker0 → docker0', forward.includes('-A FORWARD -i docker0 -o docker0 -j DROP'), { actual: forward.filter((l) => l.includes('-i docker0 -o docker0')).join('; ') });
      const addresses = await runPair(ctx);
      for (const r of await pingBothWays(ctx, addresses, 2)) ctx.check(`${r.label}: ${r.text} (expected none)`, r.received === 0);
    }),
  ],

  async cleanup(ctx) {
    const h = documentHost(ctx);
    await removeContainers(h, CONTAINERS);
    await restoreEngine(h);
  },
});
