/**
 * macvlan (3.1, "为容器分配 MAC 地址，使其像物理设备一样接入网络") — a macvlan network on host A's
 * LAN interface (ens33 in the document, eth0 here) with the LAN's own subnet and gateway; a
 * container on it gets an address on the LAN and a MAC address of its own, and host B reaches
 * it directly over the LAN (host B's neighbour table holds the container's MAC).
 *
 * The container's address is a spare one at the top of the LAN, clear of the hosts and of the
 * low addresses the provider hands out.
 *
 * Knobs (--set):
 *   parent=IFACE   the macvlan parent (default: host A's LAN interface); parent=docker0 still
 *                  gives the container a LAN address, but on a bridge that is not the LAN:
 *                  host B cannot reach it and step 3 fails
 */
import { defineScenario, type StepContext, step } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { createLanNetwork, eth0Of, hostPair, interfacesOf, lanInterface, removeLanNetwork, spareLanAddress } from '../src/scenario/lib/container-steps.ts';
import { runContainer } from '../src/scenario/lib/host-steps.ts';
import { interfaceNamed } from '../src/scenario/lib/parse-ip.ts';
import { describePing, pingOutcome } from '../src/scenario/lib/ping-outcome.ts';

const NETWORK = 'macvlan01';
const CONTAINER = 'macvlan-c1';

/** The container's LAN address: the highest spare one. */
const containerIp = (ctx: StepContext) => spareLanAddress(ctx, 0);

export default defineScenario({
  name: 'macvlan',
  section: '3.1',
  title: 'macvlan: a container with its own MAC and address on the LAN',
  summary: 'docker network create -d macvlan on the LAN interface; the other host reaches the container directly',

  steps: [
    step('macvlan — docker network create -d macvlan --subnet <LAN> --gateway <LAN gateway> -o parent=<LAN interface> macvlan01', async (ctx) => {
      await createLanNetwork(ctx, 'macvlan', NETWORK, CONTAINER);
    }),

    step('a container on macvlan01 — docker run --network macvlan01 --ip <spare LAN address>; ip a: its own address and MAC', async (ctx) => {
      const { a } = hostPair(ctx);
      const ip = containerIp(ctx);
      const prefix = ctx.lab.inventory.subnet.split('/')[1];
      await ensureBoxImage(a);
      await runContainer(a, CONTAINER, ['--network', NETWORK, '--ip', ip, BOX_IMAGE]);
      const eth0 = await eth0Of(a, CONTAINER);
      ctx.expectEqual("the container's eth0 address", eth0?.inet[0], `${ip}/${prefix}`);
      const parent = interfaceNamed(await interfacesOf(a), String(ctx.state.get('parent')));
      ctx.check(`the container's MAC ${eth0?.mac} is its own, not ${parent?.name}'s ${parent?.mac}`, eth0?.mac !== undefined && eth0.mac !== parent?.mac);
      ctx.state.set('container', { ip, mac: eth0?.mac, peerIndex: eth0?.peerIndex });
    }),

    step("reachable from the other host — host B: ping <container address>; ip neigh shows the container's MAC on the LAN", async (ctx) => {
      const { a, b } = hostPair(ctx);
      const c = ctx.state.get('container') as { ip: string; mac?: string; peerIndex?: number };
      const r = await b.$({ nothrow: true, timeoutMs: 30_000 })`ping -c 3 -W 1 ${c.ip}`;
      const p = pingOutcome(c.ip, r.stdout, r.stderr);
      ctx.check(`${b.name}: ping ${c.ip}: ${describePing(p)}`, p.received > 0);
      const neigh = (await b.$`ip neigh show ${c.ip}`).text();
      ctx.check(`${b.name}: ip neigh ${c.ip} → the container's MAC ${c.mac}`, c.mac !== undefined && neigh.includes(`lladdr ${c.mac}`), {
        actual: neigh || 'no entry',
      });
      const lan = await lanInterface(a);
      ctx.check(`the container's eth0@if${c.peerIndex} hangs off ${a.name}'s LAN interface ${lan.index}: ${lan.name}`, c.peerIndex === lan.index, {
        expected: lan.index,
        actual: c.peerIndex,
      });
      const own = await a.$({ nothrow: true, timeoutMs: 30_000 })`ping -c 1 -W 1 ${c.ip}`;
      if (pingOutcome(c.ip, own.stdout, own.stderr).received === 0)
        ctx.note(`${a.name} itself gets no reply: a macvlan parent does not exchange traffic with its own children`);
    }),
  ],

  async cleanup(ctx) {
    await removeLanNetwork(ctx, NETWORK, CONTAINER, containerIp(ctx));
  },
});
