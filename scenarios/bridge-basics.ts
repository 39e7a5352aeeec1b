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
import { addressIn } from '../src/net/ipv4.ts';
import { defineScenario, type ScenarioParams, type StepContext, step } from '../src/scenario/define.ts';
import { CENTOS_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { containerState, documentHost, eth0Of, interfacesOf } from '../src/scenario/lib/container-steps.ts';
import { configureEngine, docker0Address, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { removeContainers, restartDocker, runContainer } from '../src/scenario/lib/host-steps.ts';
import { flagOverride } from '../src/scenario/lib/overrides.ts';
import { bridgeInterfaces, parseBrctlShow } from '../src/scenario/lib/parse-brctl.ts';
import { interfaceNamed } from '../src/scenario/lib/parse-ip.ts';
import { firstClearAddress, isInterfaceAddress, overlapping } from '../src/scenario/lib/pick-addresses.ts';

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
      throw new ConfigError(`--set bip=${bip} is not an interface address with a prefix length`, {
        hint: 'e.g. --set bip=192.168.100.1/24, as the document writes it',
      });
    }
    const clash = overlapping(bip, [DEFAULT_BRIDGE, ...(lan ? [lan] : [])]);
    if (clash)
      throw new ConfigError(`--set bip=${bip} overlaps ${clash}, ${clash === lan ? "the lab's LAN" : "Docker's default bridge"}`, {
        hint: 'pick a bip in a network of its own',
      });
  },

  steps: [
    step('1.1 容器的默认网络配置 — ip a: docker0 holds the default bridge address 172.17.0.1/16', {
      doc: {
        heading: '1.1 容器的默认网络配置',
        text: '每台主机安装完 docker 程序后，都会生成一个 `docker0` 网卡，默认的IP网段为 `172.17.0.1/16`，该网卡是容器的默认网卡，所有容器通过桥接该网卡与外界通讯，容器的 IP 都在该网段范围内。\n\n# ip a\n# brctl show',
      },
      summary: 'Look at docker0 with `ip a` and `brctl show`: it is a bridge holding 172.17.0.1/16.',
      on: 'document',
      hint: 'docker0 should hold 172.17.0.1/16; if /etc/docker/daemon.json sets a "bip", remove it and run systemctl restart docker',
      async solve(ctx) {
        const h = documentHost(ctx);
        await h.$`ip a`;
        await h.$`brctl show`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const docker0 = interfaceNamed(await interfacesOf(h), 'docker0');
        ctx.check(`${h.name}: ip a lists docker0`, docker0 !== undefined, { hint: 'is docker running? systemctl status docker' });
        ctx.expectEqual('docker0 address', docker0?.inet[0], DEFAULT_BRIDGE);
        const bridges = parseBrctlShow((await h.$`brctl show`).stdout);
        ctx.check('brctl show lists the bridge docker0', bridgeInterfaces(bridges, 'docker0') !== undefined, { actual: bridges.map((b) => b.name).join(' ') });
      },
    }),

    step('每当我们创建一个容器后，宿主机上会增加一个 veth 开头的网卡 — docker run; ip a on the host and in the container; brctl show', {
      doc: {
        heading: '1.1 容器的默认网络配置',
        text: '每当我们创建一个容器后，宿主机上会增加一个 `veth` 开头的网卡，`if2`表示容器内的2张号网卡。\n\ndocker run -itd --name centos01 centos:7.9\ndocker run -itd --name centos02 centos:7.9\n# ip a\n# brctl show',
      },
      summary: "Run centos01 and centos02 from centos:7.9; each adds a veth on docker0 paired with the container's eth0.",
      on: 'document',
      hint: 'run the containers with `docker run -itd --name centos01 centos:7.9` (and centos02) on the default bridge; compare `ip a` on the host with `docker exec centos01 ip a`',
      async solve(ctx) {
        const h = documentHost(ctx);
        await removeContainers(h, CONTAINERS);
        await ensureBoxImage(h);
        for (const name of CONTAINERS) await runContainer(h, name, [CENTOS_IMAGE]);
        await h.$`ip a`;
        await h.$`docker exec centos01 ip a`;
        await h.$`brctl show`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const hostInterfaces = await interfacesOf(h);
        const veths: string[] = [];
        for (const name of CONTAINERS) {
          const state = await containerState(h, name);
          if (!ctx.expectEqual(`${name}: state`, state, 'running', `start it: docker run -itd --name ${name} centos:7.9`)) continue;
          const eth0 = await eth0Of(h, name);
          const veth = hostInterfaces.find((i) => i.index === eth0?.peerIndex);
          ctx.check(`${name}: eth0@if${eth0?.peerIndex ?? '?'} names a host veth (${veth?.name ?? 'none'})`, veth?.name.startsWith('veth') === true, {
            hint: 'the container should be on the default bridge (no --network option)',
          });
          if (!veth) continue;
          veths.push(veth.name);
          ctx.expectEqual(
            `${name}: the bridge ${veth.name} is attached to (master)`,
            veth.master,
            'docker0',
            'the container should be on the default bridge (no --network option)',
          );
          ctx.check(`${name}: ${veth.name}@if${veth.peerIndex} names the container's ${eth0?.index}: eth0`, veth.peerIndex === eth0?.index, {
            expected: eth0?.index,
            actual: veth.peerIndex,
          });
          const addr = eth0?.inet[0] ?? '';
          ctx.check(`${name}: eth0 ${addr} lies in docker0's 172.17.0.0/16`, addressIn(addr, '172.17.0.0/16'), {
            actual: addr,
            hint: 'docker0 must still be 172.17.0.1/16 here (no bip yet)',
          });
        }
        const attached = bridgeInterfaces(parseBrctlShow((await h.$`brctl show`).stdout), 'docker0') ?? [];
        ctx.check(
          `brctl show: docker0 carries ${veths.join(' ') || "the containers' veths"}`,
          veths.length === CONTAINERS.length && veths.every((v) => attached.includes(v)),
          { actual: attached.join(' ') },
        );
      },
    }),

    step('注：更改默认网段 — daemon.json "bip"; systemctl restart docker; docker0 moves', {
      doc: {
        heading: '1.1 容器的默认网络配置',
        text: '注：如果想更改该默认网段，可以在 `daemon.json` 增加配置 `"bip": "192.168.100.1/24"`。并重启docker服务。',
      },
      summary: 'Set "bip" in /etc/docker/daemon.json (192.168.101.1/24 when the lab\'s LAN is 192.168.100.0/24) and restart docker: docker0 moves there.',
      on: 'document',
      hint: 'write {"bip": "ADDR/LEN"} into /etc/docker/daemon.json with a network the LAN does not use, then systemctl restart docker and look at ip a show docker0',
      async solve(ctx) {
        const h = documentHost(ctx);
        const bip = bipOf(ctx.params, ctx.lab.inventory.subnet);
        if (bip !== BIP_CANDIDATES[0] && ctx.params.overrides.bip === undefined) {
          ctx.note(`the document's example ${BIP_CANDIDATES[0]} overlaps this lab's LAN ${ctx.lab.inventory.subnet}: using ${bip}`);
        }
        // The containers go first: their shell ignores SIGTERM, so a restart would wait 10 s for each.
        await removeContainers(h, CONTAINERS);
        await configureEngine(h, { bip });
        if (flagOverride(ctx.params, 'restart', true)) await restartDocker(h);
        else ctx.note('restart=false: docker is not restarted, so it has not read the new daemon.json');
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const bip = (await h.$({ nothrow: true })`cat /etc/docker/daemon.json`).stdout.match(/"bip"\s*:\s*"([^"]+)"/)?.[1];
        ctx.check(
          `daemon.json sets a bip clear of the LAN and 172.17.0.0/16 (${bip ?? 'none'})`,
          bip !== undefined && isInterfaceAddress(bip) && overlapping(bip, [DEFAULT_BRIDGE, ctx.lab.inventory.subnet]) === undefined,
          {
            hint: `add "bip": "192.168.101.1/24" to /etc/docker/daemon.json (the document's 192.168.100.1/24 is this lab's LAN ${ctx.lab.inventory.subnet})`,
          },
        );
        ctx.expectEqual(
          'docker0 address after the restart',
          await docker0Address(h),
          bip,
          'docker reads daemon.json only when it starts: systemctl restart docker',
        );
      },
    }),
  ],

  async cleanup(ctx: StepContext) {
    const h = documentHost(ctx);
    await removeContainers(h, CONTAINERS);
    await restoreEngine(h);
  },
});
