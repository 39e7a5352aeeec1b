/**
 * 1.1 容器的默认网络配置 — docker0 and veth pairs. docker0 holds the default bridge address
 * 172.17.0.1/16; every new container adds a host-side `veth…@ifN` attached to docker0 whose
 * peer is the container's `eth0@ifM` (M is the veth's index, N the container eth0's); a `bip`
 * in daemon.json moves docker0 once docker restarts.
 *
 * Knobs (--set):
 *   bip=ADDR/LEN   the address daemon.json gives docker0 (default: the document's example
 *                  192.168.100.1/24, or 192.168.101.1/24 when the lab's LAN overlaps it)
 *   restart=false  edits daemon.json but does not restart docker (the note's "并重启docker服务"
 *                  left out): docker0 stays where it was and step 3 fails
 */
import { ConfigError } from '../src/errors.ts';
import { contains, parseCidr, parseIp, tryParseCidr, tryParseIp } from '../src/net/ipv4.ts';
import { defineScenario, step, type ScenarioParams, type StepContext } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, interfacesOf } from '../src/scenario/lib/container-steps.ts';
import { configureEngine, docker0Address, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { removeContainers, runContainer, restartDocker } from '../src/scenario/lib/host-steps.ts';
import { firstClearAddress, isInterfaceAddress, overlapping } from '../src/scenario/lib/pick-addresses.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { bridgeInterfaces, parseBrctlShow } from '../src/scenario/lib/parse-brctl.ts';
import { addedInterfaces, interfaceNamed, parseIpInterfaces } from '../src/scenario/lib/parse-ip.ts';

const DEFAULT_BRIDGE = '172.17.0.1/16';
/** The document's example first; the next one when the lab's LAN is the document's 192.168.100.0/24. */
const BIP_CANDIDATES = ['192.168.100.1/24', '192.168.101.1/24', '192.168.102.1/24'];
const CONTAINERS = ['centos01', 'centos02'];

function bipOf(params: ScenarioParams, lan: string | undefined): string {
  return params.overrides.bip ?? firstClearAddress(BIP_CANDIDATES, [DEFAULT_BRIDGE, ...(lan ? [lan] : [])]);
}

export default defineScenario({
  name: 'bridge-basics',
  section: '1.1',
  title: '容器的默认网络配置: docker0, veth pairs and bip',
  summary: 'docker0 holds 172.17.0.1/16; each container adds a veth on docker0 paired with its eth0; bip moves docker0',

  validate(params, lan) {
    flagOverride(params, 'restart', true);
    const bip = params.overrides.bip;
    if (bip === undefined) return;
    if (!isInterfaceAddress(bip)) {
      throw new ConfigError(`--set bip=${bip} is not an interface address with a prefix length`, { hint: 'e.g. --set bip=192.168.100.1/24, as the document writes it' });
    }
    const clash = overlapping(bip, [DEFAULT_BRIDGE, ...(lan ? [lan] : [])]);
    if (clash) throw new ConfigError(`--set bip=${bip} overlaps ${clash}, ${clash === lan ? "the lab's LAN" : "Docker's default bridge"}`, { hint: 'pick a bip in a network of its own' });
  },

  steps: [
    step('1.1 容器的默认网络配置 — ip a: docker0 holds the default bridge address 172.17.0.1/16', async (ctx) => {
      const h = documentHost(ctx);
      const docker0 = interfaceNamed(await interfacesOf(h), 'docker0');
      ctx.check(`${h.name}: ip a lists docker0`, docker0 !== undefined);
      ctx.expectEqual('docker0 address', docker0?.inet[0], DEFAULT_BRIDGE);
      const bridges = parseBrctlShow((await h.$`brctl show`).stdout);
      ctx.check('brctl show lists the bridge docker0', bridgeInterfaces(bridges, 'docker0') !== undefined, { actual: bridges.map((b) => b.name).join(' ') });
    }),

    step('每当我们创建一个容器后，宿主机上会增加一个 veth 开头的网卡 — docker run; ip a on the host and in the container; brctl show', async (ctx) => {
      const h = documentHost(ctx);
      await removeContainers(h, CONTAINERS);
      await ensureBoxImage(h);
      const veths: string[] = [];
      for (const name of CONTAINERS) {
        const before = await interfacesOf(h);
        await runContainer(h, name, [BOX_IMAGE]);
        const added = addedInterfaces(before, await interfacesOf(h));
        ctx.expectEqual(`${name}: interfaces the host gained`, added.length, 1);
        const veth = added[0];
        if (!veth) continue;
        ctx.check(`${name}: the new interface ${veth.name} is a veth`, veth.name.startsWith('veth'), { actual: veth.name });
        veths.push(veth.name);
        ctx.expectEqual(`${name}: the bridge ${veth.name} is attached to (master)`, veth.master, 'docker0');
        const eth0 = interfaceNamed(await interfacesOf(h, name), 'eth0');
        ctx.check(`${name}: eth0@if${eth0?.peerIndex} names the host's ${veth.index}: ${veth.name}`, eth0?.peerIndex === veth.index, { expected: veth.index, actual: eth0?.peerIndex });
        ctx.check(`${name}: ${veth.name}@if${veth.peerIndex} names the container's ${eth0?.index}: eth0`, veth.peerIndex === eth0?.index, { expected: eth0?.index, actual: veth.peerIndex });
        const addr = eth0?.inet[0] ?? '';
        ctx.check(`${name}: eth0 ${addr} lies in docker0's 172.17.0.0/16`, addr !== '' && contains(parseCidr('172.17.0.0/16'), parseIp(addr.split('/')[0]!)), { actual: addr });
      }
      const attached = bridgeInterfaces(parseBrctlShow((await h.$`brctl show`).stdout), 'docker0') ?? [];
      ctx.expectEqual('brctl show: docker0 interfaces', [...attached].sort().join(' '), [...veths].sort().join(' '));
      const masters = parseIpInterfaces((await h.$`ip link show master docker0`).stdout).map((i) => i.name);
      ctx.expectEqual('ip link show master docker0', [...masters].sort().join(' '), [...veths].sort().join(' '));
    }),

    step('注：更改默认网段 — daemon.json "bip"; systemctl restart docker; docker0 moves', async (ctx) => {
      const h = documentHost(ctx);
      const bip = bipOf(ctx.params, ctx.lab.inventory.subnet);
      if (bip !== BIP_CANDIDATES[0] && ctx.params.overrides.bip === undefined) {
        ctx.note(`the document's example ${BIP_CANDIDATES[0]} overlaps this lab's LAN ${ctx.lab.inventory.subnet}: using ${bip}`);
      }
      // The containers go first: their `sh` ignores SIGTERM, so a restart would wait 10 s for each.
      await removeContainers(h, CONTAINERS);
      await configureEngine(h, { bip });
      ctx.expectEqual('daemon.json bip', (await h.$`cat /etc/docker/daemon.json`).json<{ bip?: string }>().bip, bip);
      if (flagOverride(ctx.params, 'restart', true)) await restartDocker(h);
      else ctx.note('restart=false: docker is not restarted, so it has not read the new daemon.json');
      ctx.expectEqual('docker0 address after the restart', await docker0Address(h), bip);
      const ip = (await h.$`docker run --rm ${BOX_IMAGE} hostname -i`).text();
      const ipNumber = tryParseIp(ip);
      ctx.check(`a new container's address ${ip} lies in ${bip}`, ipNumber !== undefined && contains(tryParseCidr(bip, false)!, ipNumber), { actual: ip });
    }),
  ],

  async cleanup(ctx: StepContext) {
    const h = documentHost(ctx);
    await removeContainers(h, CONTAINERS);
    await restoreEngine(h);
  },
});

