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
import { defineScenario, type StepContext, step } from '../src/scenario/define.ts';
import { CENTOS_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { documentHost, lastRunOf, removeFinishedRuns } from '../src/scenario/lib/container-steps.ts';
import { stringOverride } from '../src/scenario/lib/overrides.ts';
import { parseNetworkLs } from '../src/scenario/lib/parse-docker.ts';
import { type IfconfigInterface, parseIfconfig } from '../src/scenario/lib/parse-ifconfig.ts';

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
  list
    .map((i) => `${i.name} ${i.cidr ?? '-'}`)
    .sort()
    .join(', ');

/** `docker network inspect <mode>; docker run --network <mode> centos:7.9 ifconfig` (the knob `--set <knob>=NET` runs it on another network). */
async function runIfconfigOn(ctx: StepContext, mode: 'host' | 'none', knob: string): Promise<void> {
  const h = documentHost(ctx);
  await ensureBoxImage(h);
  await removeFinishedRuns(h, CENTOS_IMAGE);
  await h.$`docker network inspect ${mode}`;
  const network = stringOverride(ctx.params, knob, mode);
  if (network !== mode) ctx.note(`${knob}=${network}: the container runs on ${network}, not on ${mode}`);
  await h.$`docker run --network ${network} ${CENTOS_IMAGE} ifconfig`;
}

/** What the student's `docker run --network <mode> centos:7.9 ifconfig` printed, with checks that it ran on `mode`. */
async function ifconfigRun(ctx: StepContext, mode: string): Promise<IfconfigInterface[] | undefined> {
  const h = documentHost(ctx);
  const run = await lastRunOf(h, CENTOS_IMAGE, 'ifconfig');
  if (
    !ctx.check(`a container ran ifconfig (docker ps -a: ${run ? run.id : 'none'})`, run !== undefined, {
      hint: `run it: docker run --network ${mode} centos:7.9 ifconfig`,
    })
  )
    return undefined;
  if (!ctx.expectEqual('its network (HostConfig.NetworkMode)', run!.network, mode, `the newest ifconfig container must run with --network ${mode}`))
    return undefined;
  return parseIfconfig(run!.output);
}

export default defineScenario({
  name: 'network-modes',
  section: '3.1, 3.3, 3.4',
  title: '网络连接模式: the default networks, host mode and none mode',
  summary: "docker network ls lists bridge/host/none; a host-mode container sees the host's interfaces; none has only lo",

  steps: [
    step('3.1 网络模式介绍 — docker network ls', {
      doc: { heading: '3.1 网络模式介绍', text: '使用命令查看Docker默认的网络模式：\n\n# docker network ls' },
      summary: "List Docker's networks: bridge (bridge), host (host) and none (null).",
      on: 'document',
      hint: 'the three default networks come with Docker; if one is missing, the engine was started with unusual options (systemctl status docker)',
      async solve(ctx) {
        await documentHost(ctx).$`docker network ls`;
      },
      async check(ctx) {
        const h = documentHost(ctx);
        const rows = parseNetworkLs((await h.$`docker network ls`).stdout);
        for (const want of DEFAULT_NETWORKS) {
          const row = rows.find((r) => r.name === want.name);
          ctx.expectEqual(`${want.name}: DRIVER SCOPE`, row ? `${row.driver} ${row.scope}` : 'missing', `${want.driver} ${want.scope}`);
        }
      },
    }),

    step('3.3 Host 网络模式 — docker network inspect host; docker run --network host centos:7.9 ifconfig', {
      doc: {
        heading: '3.3 Host 网络模式',
        text: 'Host模式启动的容器，那么新创建的容器不会创建自己的虚拟网卡，而是直接使用宿主机的网卡和IP地址，因此在容器里面查看到的IP信息就是宿主机的信息，共享宿主机的网络空间。\n\n# docker network inspect host\n# docker run --network host centos:7.9 ifconfig',
      },
      summary: "Run ifconfig in a container on the host network: it shows the host's own interfaces and addresses.",
      on: 'document',
      hint: 'run docker run --network host centos:7.9 ifconfig and compare with ifconfig on the host',
      solve: (ctx) => runIfconfigOn(ctx, 'host', 'hostNetwork'),
      async check(ctx) {
        const h = documentHost(ctx);
        const [host] = (await h.$`docker network inspect host`).json<NetworkInspect[]>();
        ctx.expectEqual('docker network inspect host: Driver', host?.Driver, 'host');
        // The document (a newer Docker) prints "Config": null; Docker 20.10 prints []. Either way: no address pool.
        ctx.check('docker network inspect host: no address pool (IPAM.Config)', (host?.IPAM.Config ?? []).length === 0, {
          actual: JSON.stringify(host?.IPAM.Config),
        });
        const inContainer = await ifconfigRun(ctx, 'host');
        if (!inContainer) return;
        const lan = inContainer.find((i) => i.inet === h.address);
        ctx.check(`the container sees the host's LAN address ${h.address}`, lan !== undefined, { actual: summary(inContainer) });
        const onHost = parseIfconfig((await h.$`ifconfig`).stdout);
        ctx.check(
          "the container saw the host's interfaces (each of them is on the host)",
          inContainer.every((i) => onHost.some((o) => o.name === i.name)),
          { actual: summary(inContainer), expected: summary(onHost) },
        );
      },
    }),

    step('3.4 None 网络模式 — docker network inspect none; docker run --network none centos:7.9 ifconfig', {
      doc: {
        heading: '3.4 None 网络模式',
        text: '在使用 none 模式后，Docker 容器不会进行任何网络配置，没有网卡、没有IP也没有路由，仅有本地lo回环网卡\n\n# docker network inspect none\n# docker run --network none centos:7.9 ifconfig',
      },
      summary: 'Run ifconfig in a container on the none network: it has only lo.',
      on: 'document',
      hint: 'run docker run --network none centos:7.9 ifconfig',
      solve: (ctx) => runIfconfigOn(ctx, 'none', 'noneNetwork'),
      async check(ctx) {
        const h = documentHost(ctx);
        const [none] = (await h.$`docker network inspect none`).json<NetworkInspect[]>();
        ctx.expectEqual('docker network inspect none: Driver', none?.Driver, 'null');
        ctx.check('docker network inspect none: no address pool (IPAM.Config)', (none?.IPAM.Config ?? []).length === 0, {
          actual: JSON.stringify(none?.IPAM.Config),
        });
        const ifconfig = await ifconfigRun(ctx, 'none');
        if (ifconfig) ctx.expectEqual('ifconfig in the container', summary(ifconfig), 'lo 127.0.0.1/8');
      },
    }),
  ],

  async cleanup(ctx) {
    await removeFinishedRuns(documentHost(ctx), CENTOS_IMAGE);
  },
});
