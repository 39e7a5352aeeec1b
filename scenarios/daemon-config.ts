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
import { addressIn, tryParseIp } from '../src/net/ipv4.ts';
import { defineScenario, type ScenarioParams, step } from '../src/scenario/define.ts';
import { CENTOS_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, interfacesOf, lastRunOf, removeFinishedRuns } from '../src/scenario/lib/container-steps.ts';
import { configureEngine, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { restartDocker } from '../src/scenario/lib/host-steps.ts';
import { flagOverride, stringOverride } from '../src/scenario/lib/overrides.ts';
import { parseNameservers } from '../src/scenario/lib/parse-etc.ts';
import { interfaceNamed } from '../src/scenario/lib/parse-ip.ts';
import { isInterfaceAddress, overlapping } from '../src/scenario/lib/pick-addresses.ts';

/** `docker network inspect bridge` fields the chapter shows. */
interface BridgeInspect {
  Driver: string;
  IPAM: { Config: { Subnet?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[] | null };
  Options: Record<string, string>;
}

/** The three daemon.json keys, from the document unless overridden. */
function settingsOf(params: ScenarioParams): { bip: string; gateway: string; dns: string[] } {
  return {
    bip: stringOverride(params, 'bip', '10.0.0.1/24'),
    gateway: stringOverride(params, 'defaultGateway', '10.0.0.254'),
    dns: stringOverride(params, 'dns', '1.1.1.1,8.8.8.8')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
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
    if (!isInterfaceAddress(bip))
      throw new ConfigError(`bip ${bip} is not an interface address with a prefix length`, { hint: 'e.g. --set bip=10.0.0.1/24, as the document writes it' });
    const clash = overlapping(bip, [...(lan ? [lan] : []), '172.17.0.0/16']);
    if (clash)
      throw new ConfigError(`bip ${bip} overlaps ${clash}${clash === lan ? ", the lab's LAN" : ''}`, {
        hint: 'choose another with --set bip=… --set defaultGateway=…',
      });
    if (!addressIn(gateway, bip)) {
      throw new ConfigError(`default-gateway ${gateway} is not an address in ${bip}`, { hint: 'e.g. --set defaultGateway=10.0.0.254' });
    }
    const bad = dns.find((d) => tryParseIp(d) === undefined);
    if (bad !== undefined || dns.length === 0)
      throw new ConfigError(`dns "${dns.join(',')}" is not a list of IPv4 addresses`, { hint: 'e.g. --set dns=1.1.1.1,8.8.8.8' });
  },

  steps: [
    step('3.2 Bridge 网络模式 — docker network inspect bridge; ip_forward', {
      doc: {
        heading: '3.2 Bridge 网络模式',
        text: 'Bridge桥接模式是docker默认的一种网络模式，也是使用最多的一种模式。当启动一个容器后，该容器自动获得IP地址，并通过桥接docker0网卡通过宿主机对外通信。此模式宿主机需要启动`ip_forward`功能。\n\n# docker network inspect bridge',
      },
      summary: 'Inspect the default bridge network: 172.17.0.0/16 through docker0, icc and masquerading on; ip_forward is on.',
      on: 'document',
      hint: 'the default bridge must be as Docker makes it: no bip, icc or other bridge settings in /etc/docker/daemon.json, and net.ipv4.ip_forward = 1',
      async solve(ctx) {
        await documentHost(ctx).$`docker network inspect bridge`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const [bridge] = (await h.$`docker network inspect bridge`).json<BridgeInspect[]>();
        ctx.expectEqual('Driver', bridge?.Driver, 'bridge');
        ctx.expectEqual('IPAM.Config', JSON.stringify(bridge?.IPAM.Config), JSON.stringify([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]));
        for (const [key, value] of Object.entries(DEFAULT_BRIDGE_OPTIONS)) ctx.expectEqual(`Options ${key}`, bridge?.Options[key], value);
        ctx.expectEqual(
          '此模式宿主机需要启动ip_forward功能: net.ipv4.ip_forward',
          (await h.$`cat /proc/sys/net/ipv4/ip_forward`).text(),
          '1',
          'Docker turns ip_forward on when it starts; check sysctl net.ipv4.ip_forward',
        );
      },
    }),

    step('修改 daemon.json — "bip", "default-gateway", "dns"; systemctl restart docker; ip a: docker0', {
      doc: {
        heading: '3.2 Bridge 网络模式',
        text: '可以通过修改 `daemon.json` 配置文件来修改桥接万卡 `docker0` 的网络配置，\n\n{\n  "bip": "10.0.0.1/24",\n  "default-gateway": "10.0.0.254",\n  "dns": ["1.1.1.1","8.8.8.8"]\n}\n\n添加以上配置，并重启 docker 服务，查看 docker0 网卡配置',
      },
      summary:
        'Put bip 10.0.0.1/24, default-gateway 10.0.0.254 and dns 1.1.1.1, 8.8.8.8 into /etc/docker/daemon.json and restart docker: docker0 moves to 10.0.0.1/24.',
      on: 'document',
      hint: "daemon.json is JSON: leave out the document's // comments; then systemctl restart docker and look at ip a show docker0",
      async solve(ctx) {
        const h = documentHost(ctx);
        const { bip, gateway, dns } = settingsOf(ctx.params);
        await configureEngine(h, { bip, 'default-gateway': gateway, dns });
        if (flagOverride(ctx.params, 'restart', true)) await restartDocker(h);
        else ctx.note('restart=false: docker is not restarted, so it has not read the new daemon.json');
        await h.$`ip a show docker0`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const { bip, gateway, dns } = settingsOf(ctx.params);
        const text = (await h.$({ nothrow: true })`cat /etc/docker/daemon.json`).stdout;
        let written: Record<string, unknown> = {};
        try {
          written = JSON.parse(text) as Record<string, unknown>;
        } catch {
          ctx.check('/etc/docker/daemon.json is valid JSON', false, { hint: "remove the document's // comments: JSON has none" });
        }
        ctx.expectEqual('daemon.json', JSON.stringify([written.bip, written['default-gateway'], written.dns]), JSON.stringify([bip, gateway, dns]));
        const docker0 = interfaceNamed(await interfacesOf(h), 'docker0');
        ctx.expectEqual('docker0 address', docker0?.inet[0], bip, 'docker reads daemon.json only when it starts: systemctl restart docker');
      },
    }),

    step('启动容器查看容器IP与dns地址 — docker run centos:7.9 hostname -i; docker run centos:7.9 cat /etc/resolv.conf | grep -w nameserver', {
      doc: {
        heading: '3.2 Bridge 网络模式',
        text: '启动容器查看容器IP与dns地址\n\n# docker run centos:7.9 hostname -i\n# docker run centos:7.9 cat /etc/resolv.conf | grep -w nameserver',
      },
      summary: 'Run a container for hostname -i and one for /etc/resolv.conf: the address lies in 10.0.0.0/24, the nameservers are 1.1.1.1 and 8.8.8.8.',
      on: 'document',
      hint: 'run the two docker run lines of the document after docker was restarted with the new daemon.json',
      async solve(ctx) {
        const h = documentHost(ctx);
        await ensureBoxImage(h);
        await removeFinishedRuns(h, CENTOS_IMAGE);
        await h.$`docker run ${CENTOS_IMAGE} hostname -i`;
        await h.$`docker run ${CENTOS_IMAGE} cat /etc/resolv.conf | grep -w nameserver`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const { bip, gateway, dns } = settingsOf(ctx.params);
        const hostname = await lastRunOf(h, CENTOS_IMAGE, 'hostname -i');
        const ip = hostname?.output.trim() ?? '';
        ctx.check(`docker run centos:7.9 hostname -i printed ${ip || 'nothing'}, an address in ${bip}`, addressIn(ip, bip), {
          actual: ip || 'no such container (docker ps -a)',
          hint: 'run docker run centos:7.9 hostname -i after docker was restarted with the new bip',
        });
        const resolv = await lastRunOf(h, CENTOS_IMAGE, 'cat /etc/resolv.conf');
        ctx.expectEqual(
          'nameserver lines',
          resolv ? parseNameservers(resolv.output).join(' ') : 'no such container (docker ps -a)',
          dns.join(' '),
          'run docker run centos:7.9 cat /etc/resolv.conf | grep -w nameserver after docker was restarted with the new dns',
        );
        const [bridge] = (await h.$`docker network inspect bridge`).json<BridgeInspect[]>();
        const aux = bridge?.IPAM.Config?.[0]?.AuxiliaryAddresses?.DefaultGatewayIPv4;
        ctx.expectEqual(
          "the bridge's default gateway for containers (IPAM AuxiliaryAddresses.DefaultGatewayIPv4)",
          aux,
          gateway,
          'set "default-gateway" in daemon.json and restart docker',
        );
      },
    }),
  ],

  async cleanup(ctx) {
    await removeFinishedRuns(documentHost(ctx), CENTOS_IMAGE);
    await restoreEngine(documentHost(ctx));
  },
});
