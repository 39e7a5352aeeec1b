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
import type { Host } from '../src/host.ts';
import { defineScenario, step } from '../src/scenario/define.ts';
import { CENTOS_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, ifconfigOf, pingFrom, removeNetworks, shortIdOf } from '../src/scenario/lib/container-steps.ts';
import { removeContainers, runContainer } from '../src/scenario/lib/host-steps.ts';
import { stringOverride } from '../src/scenario/lib/overrides.ts';
import { bridgeInterfaces, parseBrctlShow } from '../src/scenario/lib/parse-brctl.ts';
import { parseRouteN, routeTo } from '../src/scenario/lib/parse-route.ts';
import { describePing } from '../src/scenario/lib/ping-outcome.ts';

const NETWORK01 = { name: 'network01', subnet: '172.10.0.0/24', gateway: '172.10.0.1' } as const;
const SERVERS = [
  { name: 'server01', address: '172.10.0.2' },
  { name: 'server02', address: '172.10.0.3' },
] as const;

/** network01's bridge (`br-` and the first 12 characters of its ID), or undefined when network01 does not exist. */
async function bridgeOf(h: Host): Promise<string | undefined> {
  const r = await h.$({ nothrow: true })`docker network inspect -f '{{.Id}}' ${NETWORK01.name}`;
  return r.ok ? `br-${r.text().slice(0, 12)}` : undefined;
}

export default defineScenario({
  name: 'custom-network',
  section: '3.5',
  title: '自定义网络: network01 with its own bridge, addresses and name resolution',
  summary: 'docker network create 172.10.0.0/24: br-<id>, a route, .2 and .3 for two containers that reach each other by IP, name and ID',

  steps: [
    step(
      '3.5 自定义网络 — docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01; ifconfig; docker network ls; docker network inspect network01',
      {
        doc: {
          heading: '3.5 自定义网络',
          text: '使用docker自定义网络可以自定义的网段地址，网关等信息。\n\ndocker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01\n# ifconfig\n# docker network ls\n# docker network inspect network01',
        },
        summary: 'Create network01 (172.10.0.0/24, gateway 172.10.0.1): the host gets a bridge br-<id> holding 172.10.0.1.',
        on: 'document',
        hint: 'docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01 (remove a wrong one first: docker network rm network01)',
        async solve(ctx) {
          const h = documentHost(ctx);
          await removeContainers(
            h,
            SERVERS.map((s) => s.name),
          );
          await removeNetworks(h, [NETWORK01.name]);
          await h.$`docker network create --subnet ${NETWORK01.subnet} --gateway ${NETWORK01.gateway} ${NETWORK01.name}`;
          await h.$`ifconfig`;
          await h.$`docker network ls`;
          await h.$`docker network inspect ${NETWORK01.name}`;
        },
        async check(ctx) {
          const h = documentHost(ctx);
          const bridge = await bridgeOf(h);
          if (!ctx.check('docker network inspect network01: it exists', bridge !== undefined)) return;
          const [inspect] = (await h.$`docker network inspect ${NETWORK01.name}`).json<{ Driver: string; IPAM: { Config: unknown[] } }[]>();
          ctx.expectEqual('docker network inspect network01: Driver', inspect?.Driver, 'bridge');
          ctx.expectEqual(
            'docker network inspect network01: IPAM.Config',
            JSON.stringify(inspect?.IPAM.Config),
            JSON.stringify([{ Subnet: NETWORK01.subnet, Gateway: NETWORK01.gateway }]),
            'give --subnet 172.10.0.0/24 and --gateway 172.10.0.1',
          );
          const iface = (await ifconfigOf(h)).find((i) => i.name === bridge);
          ctx.expectEqual(`ifconfig: ${bridge}`, iface ? `${iface.inet} netmask ${iface.netmask}` : 'missing', '172.10.0.1 netmask 255.255.255.0');
        },
      },
    ),

    step('使用自定义网络创建容器 — docker run --network network01 server01/server02; brctl show; route -n; docker exec server0N ifconfig', {
      doc: {
        heading: '3.5 自定义网络',
        text: '使用自定义网络创建容器：\n\ndocker run -d -it --name server01 --network network01 centos:7.9\ndocker run -d -it --name server02 --network network01 centos:7.9\n# brctl show\n# route -n\n# docker exec server01 ifconfig\n# docker exec server02 ifconfig',
      },
      summary: 'Run server01 and server02 on network01: two veths on br-<id>, addresses 172.10.0.2 and 172.10.0.3, a route to 172.10.0.0/24.',
      on: 'document',
      hint: 'run both with --network network01 (docker rm -f a wrong one and run it again), server01 first',
      async solve(ctx) {
        const h = documentHost(ctx);
        const network = stringOverride(ctx.params, 'serverNetwork', NETWORK01.name);
        if (network !== NETWORK01.name) ctx.note(`serverNetwork=${network}: the servers run on ${network}`);
        await ensureBoxImage(h);
        for (const s of SERVERS) await runContainer(h, s.name, ['--network', network, CENTOS_IMAGE], ['-d', '-it']);
        await h.$`brctl show`;
        await h.$`route -n`;
        for (const s of SERVERS) await h.$`docker exec ${s.name} ifconfig`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const bridge = await bridgeOf(h);
        if (!ctx.check('network01 exists', bridge !== undefined, { hint: 'create it first (step 1)' })) return;
        for (const s of SERVERS)
          ctx.expectEqual(
            `${s.name}: eth0`,
            (await ifconfigOf(h, s.name).catch(() => [])).find((i) => i.name === 'eth0')?.cidr,
            `${s.address}/24`,
            `run ${s.name} with --network network01`,
          );
        const attached = bridgeInterfaces(parseBrctlShow((await h.$`brctl show`).stdout), bridge!) ?? [];
        ctx.check(
          `brctl show: ${bridge} has two veth interfaces (${attached.join(' ') || 'none'})`,
          attached.length === 2 && attached.every((i) => i.startsWith('veth')),
        );
        const route = routeTo(parseRouteN((await h.$`route -n`).stdout), NETWORK01.subnet);
        ctx.expectEqual(`route -n: ${NETWORK01.subnet}`, route ? `${route.gateway} ${route.flags} ${route.iface}` : 'missing', `0.0.0.0 U ${bridge}`);
      },
    }),

    step('使用容器IP、容器名、容器ID也可以容器间通信 — from server02: ping -c 3 172.10.0.2, server01, <server01 ID>', {
      doc: {
        heading: '3.5 自定义网络',
        text: '使用容器IP、容器名、容器ID也可以容器间通信：\n\n# docker exec -it server02 bash\n# ping -c 3 172.10.0.2\n# ping -c 3 server01\n# ping -c 3 773f2514acf3',
      },
      summary: "From a bash in server02, ping server01 by IP, by name and by its container ID: Docker's DNS on network01 answers.",
      on: 'document',
      hint: 'both servers must run on network01 (a user-defined network: its DNS resolves names and IDs; the default bridge does not)',
      async solve(ctx) {
        const h = documentHost(ctx);
        const id = await shortIdOf(h, 'server01');
        for (const target of ['172.10.0.2', 'server01', id]) await h.$`docker exec server02 ping -c 3 ${target}`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const [server01] = SERVERS;
        const id = await shortIdOf(h, server01.name).catch(() => 'server01-id');
        for (const target of [server01.address, server01.name, id]) {
          const p = await pingFrom(h, 'server02', target, 3);
          ctx.check(`server02: ping -c 3 ${target} → ${p.address ?? '?'}: ${describePing(p)}`, p.address === server01.address && p.received > 0, {
            expected: server01.address,
            actual: p.address ?? p.error,
          });
        }
      },
    }),
  ],

  async cleanup(ctx) {
    const h = documentHost(ctx);
    await removeContainers(
      h,
      SERVERS.map((s) => s.name),
    );
    await removeNetworks(h, [NETWORK01.name]);
  },
});
