/**
 * 3.5 自定义网络 — `docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01`
 * adds a bridge `br-<network id>` holding 172.10.0.1/24 and a route to 172.10.0.0/24 through
 * it; server01 and server02 on network01 get 172.10.0.2 and 172.10.0.3, each behind a veth on
 * br-<id>, and reach each other by IP, by name and by container ID (Docker's embedded DNS).
 *
 * Knobs (--set):
 *   serverNetwork=NAME  the network server01 and server02 run on (default network01); bridge
 *                       puts them on docker0 and step 2 fails
 */
import { defineScenario, step } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, ifconfigOf, pingFrom, removeNetworks, shortIdOf } from '../src/scenario/lib/container-steps.ts';
import { removeContainers, runContainer } from '../src/scenario/lib/host-steps.ts';
import { stringOverride } from '../src/scenario/lib/overrides.ts';
import { bridgeInterfaces, parseBrctlShow } from '../src/scenario/lib/parse-brctl.ts';
import { parseNetworkLs } from '../src/scenario/lib/parse-docker.ts';
import { parseRouteN, routeTo } from '../src/scenario/lib/parse-route.ts';
import { describePing } from '../src/scenario/lib/ping-outcome.ts';

const NETWORK01 = { name: 'network01', subnet: '172.10.0.0/24', gateway: '172.10.0.1' } as const;
const SERVERS = [
  { name: 'server01', address: '172.10.0.2' },
  { name: 'server02', address: '172.10.0.3' },
] as const;

export default defineScenario({
  name: 'custom-network',
  section: '3.5',
  title: '自定义网络: network01 with its own bridge, addresses and name resolution',
  summary: 'docker network create 172.10.0.0/24: br-<id>, a route, .2 and .3 for two containers that reach each other by IP, name and ID',

  steps: [
    step('3.5 自定义网络 — docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01; ifconfig; docker network ls; docker network inspect network01', async (ctx) => {
      const h = documentHost(ctx);
      await removeContainers(h, SERVERS.map((s) => s.name));
      await removeNetworks(h, [NETWORK01.name]);
      const id = (await h.$`docker network create --subnet ${NETWORK01.subnet} --gateway ${NETWORK01.gateway} ${NETWORK01.name}`).text().slice(0, 12);
      const bridge = `br-${id}`;
      ctx.state.set('bridge', bridge);
      const iface = (await ifconfigOf(h)).find((i) => i.name === bridge);
      ctx.expectEqual(`ifconfig: ${bridge}`, iface ? `${iface.inet} netmask ${iface.netmask}` : 'missing', '172.10.0.1 netmask 255.255.255.0');
      const row = parseNetworkLs((await h.$`docker network ls`).stdout).find((r) => r.name === NETWORK01.name);
      ctx.expectEqual('docker network ls: network01', row ? `${row.id} ${row.driver} ${row.scope}` : 'missing', `${id} bridge local`);
      const [inspect] = (await h.$`docker network inspect ${NETWORK01.name}`).json<{ IPAM: { Config: unknown[] } }[]>();
      ctx.expectEqual('docker network inspect network01: IPAM.Config', JSON.stringify(inspect?.IPAM.Config), JSON.stringify([{ Subnet: NETWORK01.subnet, Gateway: NETWORK01.gateway }]));
    }),

    step('使用自定义网络创建容器 — docker run --network network01 server01/server02; brctl show; route -n; docker exec server0N ifconfig', async (ctx) => {
      const h = documentHost(ctx);
      const bridge = String(ctx.state.get('bridge'));
      const network = stringOverride(ctx.params, 'serverNetwork', NETWORK01.name);
      if (network !== NETWORK01.name) ctx.note(`serverNetwork=${network}: the servers run on ${network}`);
      await ensureBoxImage(h);
      for (const s of SERVERS) await runContainer(h, s.name, ['--network', network, BOX_IMAGE]);
      const attached = bridgeInterfaces(parseBrctlShow((await h.$`brctl show`).stdout), bridge) ?? [];
      ctx.check(`brctl show: ${bridge} has two veth interfaces (${attached.join(' ') || 'none'})`, attached.length === 2 && attached.every((i) => i.startsWith('veth')));
      const route = routeTo(parseRouteN((await h.$`route -n`).stdout), NETWORK01.subnet);
      ctx.expectEqual(`route -n: ${NETWORK01.subnet}`, route ? `${route.gateway} ${route.flags} ${route.iface}` : 'missing', `0.0.0.0 U ${bridge}`);
      for (const s of SERVERS) ctx.expectEqual(`${s.name}: eth0`, (await ifconfigOf(h, s.name)).find((i) => i.name === 'eth0')?.cidr, `${s.address}/24`);
    }),

    step('使用容器IP、容器名、容器ID也可以容器间通信 — from server02: ping -c 3 172.10.0.2, server01, <server01 ID>', async (ctx) => {
      const h = documentHost(ctx);
      const [server01] = SERVERS;
      for (const target of [server01.address, server01.name, await shortIdOf(h, server01.name)]) {
        const p = await pingFrom(h, 'server02', target, 3);
        ctx.check(`server02: ping -c 3 ${target} → ${p.address ?? '?'}: ${describePing(p)}`, p.address === server01.address && p.received > 0, { expected: server01.address, actual: p.address ?? p.error });
      }
    }),
  ],

  async cleanup(ctx) {
    const h = documentHost(ctx);
    await removeContainers(h, SERVERS.map((s) => s.name));
    await removeNetworks(h, [NETWORK01.name]);
  },
});
