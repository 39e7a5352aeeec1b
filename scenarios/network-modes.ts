/**
 * 3.1 网络模式介绍, 3.3 Host 网络模式, 3.4 None 网络模式 — the default networks and their
 * drivers (`docker network ls`: bridge/bridge, host/host, none/null); a container on the host
 * network sees the host's own interfaces and addresses; a container on none has only `lo`.
 *
 * Knobs (--set):
 *   hostNetwork=NAME  the network step 2 runs its container on (default host); bridge gives the
 *                     container its own eth0 on docker0 and step 2 fails
 *   noneNetwork=NAME  the network step 3 runs its container on (default none); bridge gives it
 *                     an eth0 and step 3 fails
 */
import { defineScenario, step } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost } from '../src/scenario/lib/container-steps.ts';
import { stringOverride } from '../src/scenario/lib/overrides.ts';
import { parseNetworkLs } from '../src/scenario/lib/parse-docker.ts';
import { parseIfconfig, type IfconfigInterface } from '../src/scenario/lib/parse-ifconfig.ts';
import { parseIpInterfaces } from '../src/scenario/lib/parse-ip.ts';

/** `docker network inspect` fields the chapter shows. */
interface NetworkInspect {
  Name: string;
  Driver: string;
  Scope: string;
  IPAM: { Config: unknown[] | null };
}

const DEFAULT_NETWORKS = [
  { name: 'bridge', driver: 'bridge', scope: 'local' },
  { name: 'host', driver: 'host', scope: 'local' },
  { name: 'none', driver: 'null', scope: 'local' },
];

/** "name inet/len" per interface, sorted, for comparing two ifconfig listings. */
const summary = (list: readonly IfconfigInterface[]): string =>
  list.map((i) => `${i.name} ${i.cidr ?? '-'}`).sort().join(', ');

export default defineScenario({
  name: 'network-modes',
  section: '3.1, 3.3, 3.4',
  title: '网络连接模式: the default networks, host mode and none mode',
  summary: 'docker network ls lists bridge/host/none; a host-mode container sees the host\'s interfaces; none has only lo',

  steps: [
    step('3.1 网络模式介绍 — docker network ls', async (ctx) => {
      const h = documentHost(ctx);
      const rows = parseNetworkLs((await h.$`docker network ls`).stdout);
      for (const want of DEFAULT_NETWORKS) {
        const row = rows.find((r) => r.name === want.name);
        ctx.expectEqual(`${want.name}: DRIVER SCOPE`, row ? `${row.driver} ${row.scope}` : 'missing', `${want.driver} ${want.scope}`);
      }
      const others = rows.filter((r) => !DEFAULT_NETWORKS.some((d) => d.name === r.name));
      if (others.length > 0) ctx.note(`this host also has ${others.map((r) => `${r.name} (${r.driver})`).join(', ')}`);
    }),

    step('3.3 Host 网络模式 — docker network inspect host; docker run --network host centos:7.9 ifconfig', async (ctx) => {
      const h = documentHost(ctx);
      await ensureBoxImage(h);
      const [host] = (await h.$`docker network inspect host`).json<NetworkInspect[]>();
      ctx.expectEqual('docker network inspect host: Driver', host?.Driver, 'host');
      // The document (a newer Docker) prints "Config": null; Docker 20.10 prints []. Either way: no address pool.
      ctx.check('docker network inspect host: no address pool (IPAM.Config)', (host?.IPAM.Config ?? []).length === 0, { actual: JSON.stringify(host?.IPAM.Config) });
      const network = stringOverride(ctx.params, 'hostNetwork', 'host');
      if (network !== 'host') ctx.note(`hostNetwork=${network}: the container runs on ${network}, not on the host's network`);
      const inContainer = parseIfconfig((await h.$`docker run --rm --network ${network} ${BOX_IMAGE} ifconfig`).stdout);
      const onHost = parseIfconfig((await h.$`ifconfig`).stdout);
      ctx.expectEqual('the container\'s ifconfig is the host\'s (interface and IPv4 address)', summary(inContainer), summary(onHost));
      const lan = inContainer.find((i) => i.inet === h.address);
      ctx.check(`the container sees the host's LAN address ${h.address}`, lan !== undefined, { actual: summary(inContainer) });
    }),

    step('3.4 None 网络模式 — docker network inspect none; docker run --network none centos:7.9 ifconfig', async (ctx) => {
      const h = documentHost(ctx);
      const [none] = (await h.$`docker network inspect none`).json<NetworkInspect[]>();
      ctx.expectEqual('docker network inspect none: Driver', none?.Driver, 'null');
      ctx.check('docker network inspect none: no address pool (IPAM.Config)', (none?.IPAM.Config ?? []).length === 0, { actual: JSON.stringify(none?.IPAM.Config) });
      const network = stringOverride(ctx.params, 'noneNetwork', 'none');
      if (network !== 'none') ctx.note(`noneNetwork=${network}: the container runs on ${network}, not on none`);
      const ifconfig = parseIfconfig((await h.$`docker run --rm --network ${network} ${BOX_IMAGE} ifconfig`).stdout);
      ctx.expectEqual('ifconfig in the container', summary(ifconfig), 'lo 127.0.0.1/8');
      // ifconfig lists only interfaces that are up; `ip a` shows that there is nothing else at all.
      const links = parseIpInterfaces((await h.$`docker run --rm --network ${network} ${BOX_IMAGE} ip a`).stdout);
      ctx.expectEqual('ip a in the container: interfaces', links.map((i) => i.name).join(' '), 'lo');
    }),
  ],
});
