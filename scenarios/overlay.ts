/**
 * overlay (3.1, "用于跨主机的容器通信，通常与 Docker Swarm 结合使用") — host A initialises a swarm
 * and host B joins it; an attachable overlay network (10.10.0.0/24, VXLAN between the hosts)
 * carries a container on each host, and they reach each other across hosts by IP and by name.
 *
 * Leaving the swarm does not undo everything in Docker 20.10, so the cleanup does the rest:
 * it removes the docker_gwbridge network swarm mode created, restarts the engine (which drops
 * the namespaces of the ingress and load-balancer sandboxes left behind) and removes their
 * files. A host that was already in a swarm is left alone (step 1 fails instead).
 *
 * Knobs (--set):
 *   join=false   host B does not join the swarm: `docker node ls` shows one node and step 1
 *                fails
 */
import { ConfigError } from '../src/errors.ts';
import type { Host } from '../src/host.ts';
import { addressIn } from '../src/net/ipv4.ts';
import { defineScenario, type StepContext, step } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { eth0Of, hostPair, pingFrom, removeNetworks } from '../src/scenario/lib/container-steps.ts';

import { removeContainers, restartDocker, runContainer } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { parseDockerTable, parseNetworkLs } from '../src/scenario/lib/parse-docker.ts';
import { overlapping } from '../src/scenario/lib/pick-addresses.ts';
import { describePing } from '../src/scenario/lib/ping-outcome.ts';

const NETWORK = { name: 'overlay01', subnet: '10.10.0.0/24' } as const;
const CONTAINER = { a: 'overlay-c1', b: 'overlay-c2' } as const;

/** What a host looked like before this run put it in a swarm (the cleanup undoes only what the run did). */
interface SwarmBefore {
  gwbridge: boolean;
}

async function swarmState(h: Host): Promise<string> {
  return (await h.$`docker info --format '{{.Swarm.LocalNodeState}}'`).text();
}

async function hasNetwork(h: Host, name: string): Promise<boolean> {
  return parseNetworkLs((await h.$`docker network ls`).stdout).some((r) => r.name === name);
}

/** Records the host's state, then marks it as joined by this run. */
async function enterSwarm(ctx: StepContext, h: Host, join: () => Promise<unknown>): Promise<void> {
  const before: SwarmBefore = { gwbridge: await hasNetwork(h, 'docker_gwbridge') };
  ctx.state.set(`swarm-before:${h.name}`, before);
  await join();
}

/** Leaves the swarm this run created on a host and removes what Docker 20.10 leaves behind. */
async function leaveSwarm(h: Host, before: SwarmBefore): Promise<void> {
  await h.$`docker swarm leave --force >/dev/null 2>&1 || true`;
  if (!before.gwbridge) await removeNetworks(h, ['docker_gwbridge']);
  await restartDocker(h);
  await h.$`rm -rf /var/lib/docker/network/files/lb_*`;
}

export default defineScenario({
  name: 'overlay',
  section: '3.1',
  title: 'overlay: a swarm across the two hosts and containers pinging across it',
  summary: 'docker swarm init/join, an attachable overlay network, a container on each host pinging the other',

  validate(params, lan) {
    flagOverride(params, 'join', true);
    if (lan && overlapping(lan, [NETWORK.subnet])) {
      throw new ConfigError(`the lab's LAN ${lan} overlaps ${NETWORK.subnet}, the overlay network of this chapter`, {
        hint: 'bring the lab up with another --subnet',
      });
    }
  },

  steps: [
    step(
      'overlay — docker swarm init --advertise-addr <host A> on host A; docker swarm join --token … <host A>:2377 on host B; docker node ls',
      async (ctx) => {
        const { a, b } = hostPair(ctx);
        for (const h of [a, b]) {
          const state = await swarmState(h);
          if (state !== 'inactive') {
            throw new ConfigError(`${h.name} is already in a swarm (${state}); this chapter creates its own`, {
              hint: `leave it first: docker swarm leave --force on ${h.name}`,
            });
          }
        }
        await enterSwarm(ctx, a, () => a.$`docker swarm init --advertise-addr ${a.address}`);
        const token = (await a.$`docker swarm join-token -q worker`).text();
        if (flagOverride(ctx.params, 'join', true)) {
          await enterSwarm(ctx, b, () => b.$`docker swarm join --advertise-addr ${b.address} --token ${token} ${`${a.address}:2377`}`);
        } else ctx.note('join=false: host B does not join the swarm');
        const nodes = parseDockerTable((await a.$`docker node ls`).stdout);
        for (const h of [a, b]) {
          const node = nodes.find((n) => n.HOSTNAME === h.name);
          ctx.expectEqual(`docker node ls: ${h.name}`, node ? `${node.STATUS} ${node.AVAILABILITY}` : 'missing', 'Ready Active');
        }
      },
    ),

    step('docker network create -d overlay --attachable --subnet 10.10.0.0/24 overlay01', async (ctx) => {
      const { a } = hostPair(ctx);
      await a.$`docker network create -d overlay --attachable --subnet ${NETWORK.subnet} ${NETWORK.name}`;
      const row = parseNetworkLs((await a.$`docker network ls`).stdout).find((r) => r.name === NETWORK.name);
      ctx.expectEqual('docker network ls: overlay01', row ? `${row.driver} ${row.scope}` : 'missing', 'overlay swarm');
    }),

    step('containers on both hosts — docker run --network overlay01 on host A and on host B; ping across hosts by IP and by name', async (ctx) => {
      const { a, b } = hostPair(ctx);
      const addresses = new Map<Host, string>();
      for (const [h, name] of [
        [a, CONTAINER.a],
        [b, CONTAINER.b],
      ] as const) {
        await ensureBoxImage(h);
        await runContainer(h, name, ['--network', NETWORK.name, BOX_IMAGE]);
        const cidr = (await eth0Of(h, name))?.inet[0] ?? '';
        const ip = cidr.split('/')[0]!;
        ctx.check(`${name} on ${h.name}: eth0 ${cidr || 'without an address'} lies in ${NETWORK.subnet}`, addressIn(ip, NETWORK.subnet));
        addresses.set(h, ip);
      }
      for (const [from, fromName, to, toName] of [
        [a, CONTAINER.a, b, CONTAINER.b],
        [b, CONTAINER.b, a, CONTAINER.a],
      ] as const) {
        for (const target of [addresses.get(to)!, toName]) {
          const p = await pingFrom(from, fromName, target, 2);
          ctx.check(`${fromName}@${from.name} → ${target} (${toName}@${to.name}): ${describePing(p)}`, p.address === addresses.get(to) && p.received > 0, {
            expected: addresses.get(to),
            actual: p.address ?? p.error,
          });
        }
      }
    }),
  ],

  async cleanup(ctx) {
    const { a, b } = hostPair(ctx);
    await removeContainers(a, [CONTAINER.a]);
    await removeContainers(b, [CONTAINER.b]);
    const beforeA = ctx.state.get(`swarm-before:${a.name}`) as SwarmBefore | undefined;
    const beforeB = ctx.state.get(`swarm-before:${b.name}`) as SwarmBefore | undefined;
    if (beforeA) await removeNetworks(a, [NETWORK.name]);
    // Workers first, then the manager.
    if (beforeB) await leaveSwarm(b, beforeB);
    if (beforeA) await leaveSwarm(a, beforeA);
  },
});
