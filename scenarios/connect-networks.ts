/**
 * 3.6 实现不同网络互联 — containers on different networks cannot reach each other: server03 on
 * network02 (172.20.0.0/24) reaches server01 on network01 (172.10.0.0/24) neither by name, nor
 * by IP, nor by ID. After `docker network connect network02 server01` and `docker network
 * connect network01 server03` each has a second interface and a route in the other's subnet,
 * and they reach each other both ways.
 *
 * network02 is 172.20.0.0/24 as in the document, inside the flannel chapter's 172.20.0.0/16:
 * the scenarios run one after the other and each removes its networks.
 *
 * Knobs (--set):
 *   connect=false  leaves out both `docker network connect` commands: the servers stay
 *                  isolated and step 4 fails
 */
import { ConfigError } from '../src/errors.ts';
import type { Host } from '../src/host.ts';
import { contains, parseCidr, parseIp } from '../src/net/ipv4.ts';
import { defineScenario, step, type StepContext } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, ifconfigOf, pingFrom, removeNetworks, shortIdOf } from '../src/scenario/lib/container-steps.ts';
import { removeContainers, runContainer } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { parseNetworkLs } from '../src/scenario/lib/parse-docker.ts';
import { defaultRoute, parseRouteN, routeTo } from '../src/scenario/lib/parse-route.ts';
import { describePing, type PingOutcome } from '../src/scenario/lib/ping-outcome.ts';
import { overlapping } from '../src/scenario/lib/pick-addresses.ts';

const NETWORK01 = { name: 'network01', subnet: '172.10.0.0/24', gateway: '172.10.0.1' } as const;
const NETWORK02 = { name: 'network02', subnet: '172.20.0.0/24', gateway: '172.20.0.1' } as const;
const CONTAINERS = ['server01', 'server02', 'server03'];

/** The interface of a container with an address in `subnet`, as `ifconfig` inside it shows. */
async function interfaceIn(h: Host, container: string, subnet: string): Promise<{ name: string; cidr: string } | undefined> {
  const net = parseCidr(subnet);
  const found = (await ifconfigOf(h, container)).find((i) => i.inet !== undefined && contains(net, parseIp(i.inet)));
  return found ? { name: found.name, cidr: found.cidr! } : undefined;
}

/** server03 pings server01 by name, IP and ID; returns each outcome. */
async function pingServer01(ctx: StepContext, count: number): Promise<PingOutcome[]> {
  const h = documentHost(ctx);
  const out: PingOutcome[] = [];
  for (const target of ['server01', '172.10.0.2', String(ctx.state.get('server01-id'))]) out.push(await pingFrom(h, 'server03', target, count));
  return out;
}

export default defineScenario({
  name: 'connect-networks',
  section: '3.6',
  title: '实现不同网络互联: isolation between networks, then docker network connect',
  summary: 'server03 on network02 cannot reach server01 on network01 until docker network connect both ways',

  validate(params, lan) {
    flagOverride(params, 'connect', true);
    const clash = lan ? overlapping(lan, [NETWORK01.subnet, NETWORK02.subnet]) : undefined;
    if (clash) throw new ConfigError(`the lab's LAN ${lan} overlaps ${clash}, a network this chapter creates`, { hint: 'bring the lab up with another --subnet' });
  },

  steps: [
    step('3.5 的网络 — network01 (172.10.0.0/24) with server01 and server02', async (ctx) => {
      const h = documentHost(ctx);
      await removeContainers(h, CONTAINERS);
      await removeNetworks(h, [NETWORK01.name, NETWORK02.name]);
      await ensureBoxImage(h);
      await h.$`docker network create --subnet ${NETWORK01.subnet} --gateway ${NETWORK01.gateway} ${NETWORK01.name}`;
      await runContainer(h, 'server01', ['--network', NETWORK01.name, BOX_IMAGE]);
      await runContainer(h, 'server02', ['--network', NETWORK01.name, BOX_IMAGE]);
      ctx.state.set('server01-id', await shortIdOf(h, 'server01'));
      ctx.expectEqual('server01: its address on network01', (await interfaceIn(h, 'server01', NETWORK01.subnet))?.cidr, '172.10.0.2/24');
    }),

    step('新创建一个 network02 — docker network create --subnet 172.20.0.0/24 --gateway 172.20.0.1 network02; docker network ls', async (ctx) => {
      const h = documentHost(ctx);
      await h.$`docker network create --subnet ${NETWORK02.subnet} --gateway ${NETWORK02.gateway} ${NETWORK02.name}`;
      const rows = parseNetworkLs((await h.$`docker network ls`).stdout);
      for (const n of [NETWORK01.name, NETWORK02.name]) {
        const row = rows.find((r) => r.name === n);
        ctx.expectEqual(`docker network ls: ${n}`, row ? `${row.driver} ${row.scope}` : 'missing', 'bridge local');
      }
    }),

    step('新创建一个容器，使用 network02 网络，发现无法 ping 通 network01 网络的容器 — server03: ping server01, 172.10.0.2, <ID>', async (ctx) => {
      const h = documentHost(ctx);
      await runContainer(h, 'server03', ['--network', NETWORK02.name, BOX_IMAGE]);
      for (const p of await pingServer01(ctx, 2)) ctx.check(`server03: ping ${p.target}: ${describePing(p)} (expected no reply)`, p.received === 0);
    }),

    step('解决方案：docker network connect network02 server01; docker network connect network01 server03 — ifconfig, route -n, ping both ways', async (ctx) => {
      const h = documentHost(ctx);
      if (flagOverride(ctx.params, 'connect', true)) {
        await h.$`docker network connect network02 server01`;
        await h.$`docker network connect network01 server03`;
      } else ctx.note('connect=false: the two docker network connect commands are left out');
      for (const [container, other] of [['server01', NETWORK02], ['server03', NETWORK01]] as const) {
        const iface = await interfaceIn(h, container, other.subnet);
        ctx.check(`${container}: ifconfig shows an interface in ${other.name} ${other.subnet} (${iface ? `${iface.name} ${iface.cidr}` : 'none'})`, iface !== undefined);
        const route = routeTo(parseRouteN((await h.$`docker exec ${container} route -n`).stdout), other.subnet);
        ctx.check(`${container}: route -n has ${other.subnet} on ${route?.iface ?? 'no interface'}`, route !== undefined && route.iface === iface?.name, { expected: iface?.name, actual: route?.iface });
      }
      // As the document shows: once on both networks, each container's default route goes through network01's gateway.
      for (const container of ['server01', 'server03']) {
        const route = defaultRoute(parseRouteN((await h.$`docker exec ${container} route -n`).stdout));
        ctx.expectEqual(`${container}: default gateway`, route?.gateway, NETWORK01.gateway);
      }
      for (const p of await pingServer01(ctx, 3)) {
        ctx.check(`server03: ping ${p.target} → ${p.address ?? '?'}: ${describePing(p)}`, p.address === '172.10.0.2' && p.received > 0, { expected: '172.10.0.2', actual: p.address ?? p.error });
      }
      const back = await pingFrom(h, 'server01', 'server03', 3);
      ctx.check(`server01: ping server03 → ${back.address ?? '?'}: ${describePing(back)}`, back.received > 0);
    }),
  ],

  async cleanup(ctx) {
    const h = documentHost(ctx);
    await removeContainers(h, CONTAINERS);
    await removeNetworks(h, [NETWORK01.name, NETWORK02.name]);
  },
});
