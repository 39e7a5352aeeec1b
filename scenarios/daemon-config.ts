/**
 * 3.2 Bridge 网络模式 — the default bridge network as `docker network inspect bridge` shows it,
 * then daemon.json `bip`, `default-gateway` and `dns` as the document sets them
 * (10.0.0.1/24, 10.0.0.254, 1.1.1.1 and 8.8.8.8): docker0 moves to the bip, a container gets an
 * address in that network, its default route goes through default-gateway and its
 * /etc/resolv.conf lists the dns servers.
 *
 * Knobs (--set):
 *   bip=ADDR/LEN, defaultGateway=ADDR, dns=A,B   other values for the three keys (when the
 *                  lab's LAN overlaps 10.0.0.0/24, for instance)
 *   restart=false  edits daemon.json but does not restart docker: docker0 keeps its address
 *                  and step 2 fails
 */
import { ConfigError } from '../src/errors.ts';
import { contains, tryParseCidr, tryParseIp } from '../src/net/ipv4.ts';
import { defineScenario, step, type ScenarioParams } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, interfacesOf } from '../src/scenario/lib/container-steps.ts';
import { configureEngine, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { restartDocker } from '../src/scenario/lib/host-steps.ts';
import { flagOverride, stringOverride } from '../src/scenario/lib/overrides.ts';
import { parseNameservers } from '../src/scenario/lib/parse-etc.ts';
import { interfaceNamed } from '../src/scenario/lib/parse-ip.ts';
import { defaultRoute, parseRouteN } from '../src/scenario/lib/parse-route.ts';
import { isInterfaceAddress, overlapping } from '../src/scenario/lib/pick-addresses.ts';

/** `docker network inspect bridge` fields the chapter shows. */
interface BridgeInspect {
  Driver: string;
  IPAM: { Config: { Subnet?: string; Gateway?: string }[] | null };
  Options: Record<string, string>;
}

/** The three daemon.json keys, from the document unless overridden. */
function settingsOf(params: ScenarioParams): { bip: string; gateway: string; dns: string[] } {
  return {
    bip: stringOverride(params, 'bip', '10.0.0.1/24'),
    gateway: stringOverride(params, 'defaultGateway', '10.0.0.254'),
    dns: stringOverride(params, 'dns', '1.1.1.1,8.8.8.8').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

const DEFAULT_BRIDGE_OPTIONS: Record<string, string> = {
  'com.docker.network.bridge.default_bridge': 'true',
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
  'com.docker.network.bridge.name': 'docker0',
  'com.docker.network.driver.mtu': '1500',
};

export default defineScenario({
  name: 'daemon-config',
  section: '3.2',
  title: 'Bridge 网络模式: daemon.json bip, default-gateway and dns',
  summary: 'bip/default-gateway/dns in daemon.json → docker0 address, container address, default route, resolv.conf',

  validate(params, lan) {
    flagOverride(params, 'restart', true);
    const { bip, gateway, dns } = settingsOf(params);
    if (!isInterfaceAddress(bip)) throw new ConfigError(`bip ${bip} is not an interface address with a prefix length`, { hint: 'e.g. --set bip=10.0.0.1/24, as the document writes it' });
    const clash = overlapping(bip, [...(lan ? [lan] : []), '172.17.0.0/16']);
    if (clash) throw new ConfigError(`bip ${bip} overlaps ${clash}${clash === lan ? ", the lab's LAN" : ''}`, { hint: 'choose another with --set bip=… --set defaultGateway=…' });
    const gw = tryParseIp(gateway);
    if (gw === undefined || !contains(tryParseCidr(bip, false)!, gw)) {
      throw new ConfigError(`default-gateway ${gateway} is not an address in ${bip}`, { hint: 'e.g. --set defaultGateway=10.0.0.254' });
    }
    const bad = dns.find((d) => tryParseIp(d) === undefined);
    if (bad !== undefined || dns.length === 0) throw new ConfigError(`dns "${dns.join(',')}" is not a list of IPv4 addresses`, { hint: 'e.g. --set dns=1.1.1.1,8.8.8.8' });
  },

  steps: [
    step('3.2 Bridge 网络模式 — docker network inspect bridge; ip_forward', async (ctx) => {
      const h = documentHost(ctx);
      const [bridge] = (await h.$`docker network inspect bridge`).json<BridgeInspect[]>();
      ctx.expectEqual('Driver', bridge?.Driver, 'bridge');
      ctx.expectEqual('IPAM.Config', JSON.stringify(bridge?.IPAM.Config), JSON.stringify([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]));
      for (const [key, value] of Object.entries(DEFAULT_BRIDGE_OPTIONS)) ctx.expectEqual(`Options ${key}`, bridge?.Options[key], value);
      ctx.expectEqual('此模式宿主机需要启动ip_forward功能: net.ipv4.ip_forward', (await h.$`cat /proc/sys/net/ipv4/ip_forward`).text(), '1');
    }),

    step('修改 daemon.json — "bip", "default-gateway", "dns"; systemctl restart docker; ip a: docker0', async (ctx) => {
      const h = documentHost(ctx);
      const { bip, gateway, dns } = settingsOf(ctx.params);
      await configureEngine(h, { bip, 'default-gateway': gateway, dns });
      const written = (await h.$`cat /etc/docker/daemon.json`).json<Record<string, unknown>>();
      ctx.expectEqual('daemon.json', JSON.stringify([written.bip, written['default-gateway'], written.dns]), JSON.stringify([bip, gateway, dns]));
      if (flagOverride(ctx.params, 'restart', true)) await restartDocker(h);
      else ctx.note('restart=false: docker is not restarted, so it has not read the new daemon.json');
      const docker0 = interfaceNamed(await interfacesOf(h), 'docker0');
      ctx.expectEqual('docker0 address', docker0?.inet[0], bip);
    }),

    step('启动容器查看容器IP与dns地址 — docker run centos:7.9 hostname -i; cat /etc/resolv.conf | grep -w nameserver; route -n', async (ctx) => {
      const h = documentHost(ctx);
      const { bip, gateway, dns } = settingsOf(ctx.params);
      await ensureBoxImage(h);
      const ip = (await h.$`docker run --rm ${BOX_IMAGE} hostname -i`).text();
      const ipNumber = tryParseIp(ip);
      ctx.check(`hostname -i: ${ip} lies in ${bip}`, ipNumber !== undefined && contains(tryParseCidr(bip, false)!, ipNumber), { actual: ip });
      const nameservers = parseNameservers((await h.$`docker run --rm ${BOX_IMAGE} cat /etc/resolv.conf | grep -w nameserver`).stdout);
      ctx.expectEqual('nameserver lines', nameservers.join(' '), dns.join(' '));
      const route = defaultRoute(parseRouteN((await h.$`docker run --rm ${BOX_IMAGE} route -n`).stdout));
      ctx.expectEqual('the container\'s default route: gateway', route?.gateway, gateway);
    }),
  ],

  async cleanup(ctx) {
    await restoreEngine(documentHost(ctx));
  },
});
