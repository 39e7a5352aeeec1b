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
import { addressIn } from '../src/net/ipv4.ts';
import { defineScenario, type StepContext, step } from '../src/scenario/define.ts';
import { CENTOS_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, ifconfigOf, pingFrom, removeNetworks, shortIdOf } from '../src/scenario/lib/container-steps.ts';
import { removeContainers, runContainer } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { parseNetworkLs } from '../src/scenario/lib/parse-docker.ts';
import { parseRouteN, routeTo } from '../src/scenario/lib/parse-route.ts';
import { overlapping } from '../src/scenario/lib/pick-addresses.ts';
import { describePing, type PingOutcome } from '../src/scenario/lib/ping-outcome.ts';

const NETWORK01 = { name: 'network01', subnet: '172.10.0.0/24', gateway: '172.10.0.1' } as const;
const NETWORK02 = { name: 'network02', subnet: '172.20.0.0/24', gateway: '172.20.0.1' } as const;
const CONTAINERS = ['server01', 'server02', 'server03'];

/** The interface of a container with an address in `subnet`, as `ifconfig` inside it shows. */
async function interfaceIn(h: Host, container: string, subnet: string): Promise<{ name: string; cidr: string } | undefined> {
  const found = (await ifconfigOf(h, container)).find((i) => addressIn(i.inet, subnet));
  return found ? { name: found.name, cidr: found.cidr! } : undefined;
}

/** server03 pings server01 by name, IP and ID; returns each outcome. */
async function pingServer01(ctx: StepContext, count: number): Promise<PingOutcome[]> {
  const h = documentHost(ctx);
  const id = await shortIdOf(h, 'server01').catch(() => 'server01-id');
  const out: PingOutcome[] = [];
  for (const target of ['server01', '172.10.0.2', id]) out.push(await pingFrom(h, 'server03', target, count));
  return out;
}

/** Checks that a container runs on exactly these networks. */
async function expectNetworks(ctx: StepContext, container: string, networks: readonly string[], hint: string): Promise<void> {
  const r = await documentHost(ctx).$({ nothrow: true })`docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' ${container}`;
  const have = r.ok ? r.text().split(/\s+/).filter(Boolean).sort().join(' ') : 'missing';
  ctx.expectEqual(`${container}: networks`, have, [...networks].sort().join(' '), hint);
}

export default defineScenario({
  name: 'connect-networks',
  section: '3.6',
  title: '实现不同网络互联: isolation between networks, then docker network connect',
  summary: 'server03 on network02 cannot reach server01 on network01 until docker network connect both ways',

  validate(params, lan) {
    flagOverride(params, 'connect', true);
    const clash = lan ? overlapping(lan, [NETWORK01.subnet, NETWORK02.subnet]) : undefined;
    if (clash)
      throw new ConfigError(`the lab's LAN ${lan} overlaps ${clash}, a network this chapter creates`, { hint: 'bring the lab up with another --subnet' });
  },

  steps: [
    step('3.5 的网络 — network01 (172.10.0.0/24) with server01 and server02', {
      doc: {
        heading: '3.5 自定义网络',
        text: 'docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01\ndocker run -d -it --name server01 --network network01 centos:7.9\ndocker run -d -it --name server02 --network network01 centos:7.9',
      },
      summary: 'As in 3.5: network01 (172.10.0.0/24) with server01 and server02 on it.',
      on: 'document',
      hint: 'create network01 with --subnet 172.10.0.0/24 --gateway 172.10.0.1, then run server01 and server02 with --network network01',
      async solve(ctx) {
        const h = documentHost(ctx);
        await removeContainers(h, CONTAINERS);
        await removeNetworks(h, [NETWORK01.name, NETWORK02.name]);
        await ensureBoxImage(h);
        await h.$`docker network create --subnet ${NETWORK01.subnet} --gateway ${NETWORK01.gateway} ${NETWORK01.name}`;
        await runContainer(h, 'server01', ['--network', NETWORK01.name, CENTOS_IMAGE], ['-d', '-it']);
        await runContainer(h, 'server02', ['--network', NETWORK01.name, CENTOS_IMAGE], ['-d', '-it']);
      },
      async check(ctx) {
        const h = documentHost(ctx);
        for (const name of ['server01', 'server02']) await expectNetworks(ctx, name, [NETWORK01.name], `run ${name} with --network network01`);
        ctx.expectEqual(
          'server01: its address on network01',
          (await interfaceIn(h, 'server01', NETWORK01.subnet).catch(() => undefined))?.cidr,
          '172.10.0.2/24',
        );
      },
    }),

    step('新创建一个 network02 — docker network create --subnet 172.20.0.0/24 --gateway 172.20.0.1 network02; docker network ls', {
      doc: {
        heading: '3.6 实现不同网络互联',
        text: '# 新创建一个 network02\ndocker network create --subnet 172.20.0.0/24 --gateway 172.20.0.1 network02\n# 查看网络列表\n# docker network ls',
      },
      summary: 'Create network02 (172.20.0.0/24, gateway 172.20.0.1).',
      on: 'document',
      hint: 'docker network create --subnet 172.20.0.0/24 --gateway 172.20.0.1 network02',
      async solve(ctx) {
        const h = documentHost(ctx);
        await h.$`docker network create --subnet ${NETWORK02.subnet} --gateway ${NETWORK02.gateway} ${NETWORK02.name}`;
        await h.$`docker network ls`;
      },
      async check(ctx) {
        const rows = parseNetworkLs((await documentHost(ctx).$`docker network ls`).stdout);
        for (const n of [NETWORK01.name, NETWORK02.name]) {
          const row = rows.find((r) => r.name === n);
          ctx.expectEqual(`docker network ls: ${n}`, row ? `${row.driver} ${row.scope}` : 'missing', 'bridge local');
        }
        const r = await documentHost(ctx).$({ nothrow: true })`docker network inspect -f '{{json .IPAM.Config}}' ${NETWORK02.name}`;
        ctx.expectEqual('network02: IPAM.Config', r.ok ? r.text() : 'missing', JSON.stringify([{ Subnet: NETWORK02.subnet, Gateway: NETWORK02.gateway }]));
      },
    }),

    step('新创建一个容器，使用 network02 网络，发现无法 ping 通 network01 网络的容器 — server03: ping server01, 172.10.0.2, <ID>', {
      doc: {
        heading: '3.6 实现不同网络互联',
        text: '新创建一个容器，使用 `network02` 网络，发现无法 `ping` 通 `network01` 网络的容器。\n\ndocker run -d -it --name server03 --network network02 centos:7.9\n# docker exec -it server03 bash\n# ping -c 3 server01\n# ping -c 3 172.10.0.2',
      },
      summary: 'Run server03 on network02: it cannot reach server01 by name, IP or ID.',
      on: 'document',
      hint: 'run server03 with --network network02 only (not on network01 yet)',
      async solve(ctx) {
        const h = documentHost(ctx);
        await runContainer(h, 'server03', ['--network', NETWORK02.name, CENTOS_IMAGE], ['-d', '-it']);
        await h.$({ nothrow: true })`docker exec server03 ping -c 3 -W 1 172.10.0.2`;
      },
      async check(ctx) {
        await expectNetworks(ctx, 'server03', [NETWORK02.name], 'run server03 with --network network02 (docker rm -f server03 and run it again)');
        for (const p of await pingServer01(ctx, 2)) ctx.check(`server03: ping ${p.target}: ${describePing(p)} (expected no reply)`, p.received === 0);
      },
    }),

    step('解决方案：docker network connect network02 server01; docker network connect network01 server03 — ifconfig, route -n, ping both ways', {
      doc: {
        heading: '3.6 实现不同网络互联',
        text: '解决方案：**使用 `docker network connect` 将容器附加到对方网络**\n\ndocker network connect network02 server01\ndocker network connect network01 server03\n# docker exec server01 ifconfig\n# docker exec server03 route -n',
      },
      summary: 'Connect server01 to network02 and server03 to network01: each gets an interface and a route in the other network, and they reach each other.',
      on: 'document',
      hint: 'docker network connect <network> <container>, once for each container',
      async solve(ctx) {
        const h = documentHost(ctx);
        if (flagOverride(ctx.params, 'connect', true)) {
          await h.$`docker network connect network02 server01`;
          await h.$`docker network connect network01 server03`;
        } else ctx.note('connect=false: the two docker network connect commands are left out');
        await h.$`docker exec server01 ifconfig`;
        await h.$`docker exec server03 ifconfig`;
        await h.$`docker exec server03 route -n`;
        await h.$`docker exec server01 route -n`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        for (const [container, other] of [
          ['server01', NETWORK02],
          ['server03', NETWORK01],
        ] as const) {
          const iface = await interfaceIn(h, container, other.subnet).catch(() => undefined);
          ctx.check(
            `${container}: ifconfig shows an interface in ${other.name} ${other.subnet} (${iface ? `${iface.name} ${iface.cidr}` : 'none'})`,
            iface !== undefined,
            { hint: `docker network connect ${other.name} ${container}` },
          );
          const route = routeTo(parseRouteN((await h.$({ nothrow: true })`docker exec ${container} route -n`).stdout), other.subnet);
          ctx.check(`${container}: route -n has ${other.subnet} on ${route?.iface ?? 'no interface'}`, route !== undefined && route.iface === iface?.name, {
            expected: iface?.name,
            actual: route?.iface,
          });
        }
        for (const p of await pingServer01(ctx, 3)) {
          ctx.check(`server03: ping ${p.target} → ${p.address ?? '?'}: ${describePing(p)}`, p.address === '172.10.0.2' && p.received > 0, {
            expected: '172.10.0.2',
            actual: p.address ?? p.error,
          });
        }
        const back = await pingFrom(h, 'server01', 'server03', 3);
        ctx.check(`server01: ping server03 → ${back.address ?? '?'}: ${describePing(back)}`, back.received > 0);
      },
    }),
  ],

  async cleanup(ctx) {
    const h = documentHost(ctx);
    await removeContainers(h, CONTAINERS);
    await removeNetworks(h, [NETWORK01.name, NETWORK02.name]);
  },
});
