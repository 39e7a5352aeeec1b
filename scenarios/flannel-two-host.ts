/**
 * 四、跨宿主机容器间通信 — chapter 4 of the course document: flannel over etcd joins the
 * containers of two hosts. Host A (192.168.100.12) runs etcd and flannel, host B
 * (192.168.100.13) flannel; each gets a subnet of 172.20.0.0/16 in /run/flannel/subnet.env,
 * Docker takes its bip and mtu from there, and a container on each host pings the other.
 */
import { existsSync } from 'node:fs';
import { ConfigError, LabbenchError, TimeoutError } from '../src/errors.ts';
import { UDP_ENCAP_OVERHEAD, VXLAN_ENCAP_OVERHEAD } from '../src/flannel/backend.ts';
import { configKey, subnetKey } from '../src/flannel/lease.ts';
import { DEFAULT_SUBNET_FILE as SUBNET_ENV } from '../src/flannel/subnet-env.ts';
import { parseEnvironmentFile } from '../src/flannel/sysconfig.ts';
import type { Host } from '../src/host.ts';
import { addressIn, overlaps, parseCidr, tryParseCidr } from '../src/net/ipv4.ts';
import { defineScenario, type ScenarioParams, type StepContext, step } from '../src/scenario/define.ts';
import { CENTOS_LATEST, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { lanInterface } from '../src/scenario/lib/container-steps.ts';
import { configureEngine, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { etcdConfigOf, etcdctlPrefix } from '../src/scenario/lib/etcd-host.ts';
import { removeFlannel } from '../src/scenario/lib/flannel-install.ts';
import {
  checkFlanneld,
  checkSysconfig,
  diagnoseFlanneld,
  expectedLease,
  type FlannelEtcd,
  installFlannelOn,
  startFlanneld,
  subnetEnvOf,
  writeSysconfig,
} from '../src/scenario/lib/flannel-steps.ts';
import { containerAddress, removeContainers, restartDocker, runContainer, waitFor } from '../src/scenario/lib/host-steps.ts';
import { prefixOfMask } from '../src/scenario/lib/parse-route.ts';
import { describeMesh, type MeshEndpoint, pingMesh, renderMeshMatrix } from '../src/scenario/lib/ping-mesh.ts';
import { startAndEnableBound } from '../src/scenario/lib/unit-start.ts';
import { ensureDocker, ensureEtcd, prepareFirewall } from '../src/scenario/platform.ts';

/** The document's values (4.1); the bench reads the overlay this scenario configures under ETCD_PREFIX. */
export const ETCD_PREFIX = '/atomic.io/network';
const DOC_ETCD_CONF = '/etc/etcd/etcd.conf';
const DOC_ETCD_SETTINGS = [
  ['ETCD_DATA_DIR', '/var/lib/etcd/default.etcd'],
  ['ETCD_LISTEN_CLIENT_URLS', 'http://0.0.0.0:2379'],
  ['ETCD_NAME', 'default'],
  ['ETCD_ADVERTISE_CLIENT_URLS', 'http://0.0.0.0:2379'],
] as const;
const NETWORK = '172.20.0.0/16';
/** Bytes each backend's encapsulation takes from the LAN MTU (flannel's own figures). */
const ENCAP_OVERHEAD = { udp: UDP_ENCAP_OVERHEAD, vxlan: VXLAN_ENCAP_OVERHEAD, 'host-gw': 0 } as const;
const SUBNET_ENV_TIMEOUT_MS = 30_000;

type Backend = keyof typeof ENCAP_OVERHEAD;

const backendOf = (p: ScenarioParams): Backend | undefined => p.backend;
const networkOf = (p: ScenarioParams): string => p.overrides.network ?? NETWORK;
/** Backend omitted, exactly as the document writes it; with --backend the Backend key is added. */
const configJson = (p: ScenarioParams): string =>
  JSON.stringify(backendOf(p) ? { Network: networkOf(p), Backend: { Type: backendOf(p) } } : { Network: networkOf(p) });

const etcdHost = (ctx: StepContext): Host => {
  const [a] = ctx.withRole('etcd');
  if (!a) throw new ConfigError('the lab has no host with the etcd role');
  return a;
};
const etcdEndpoint = (ctx: StepContext): string => ctx.params.overrides.etcdEndpoint ?? `http://${etcdHost(ctx).address}:2379`;
/** Where the hosts' flanneld find the document's configuration. */
const flannelEtcd = (ctx: StepContext): FlannelEtcd => ({ endpoint: etcdEndpoint(ctx), prefix: ETCD_PREFIX });

export default defineScenario({
  name: 'flannel-two-host',
  section: '4',
  title: '跨宿主机容器间通信: flannel over etcd joins containers on two hosts',
  summary: 'etcd on host A, flanneld on A and B, Docker bip/mtu from subnet.env, containers ping across hosts',

  validate(params, lanSubnet) {
    if (params.flanneld && !/^https?:\/\//.test(params.flanneld) && !existsSync(params.flanneld)) {
      throw new ConfigError(`--flanneld ${params.flanneld}: no such file`, {
        hint: 'give a flanneld binary, a flannel release tarball, or an https URL of one',
      });
    }
    const network = tryParseCidr(networkOf(params));
    if (!network)
      throw new ConfigError(`flannel network "${networkOf(params)}" is not an IPv4 CIDR block`, { hint: 'e.g. 172.20.0.0/16, as the document uses' });
    if (network.prefix > 22)
      throw new ConfigError(`flannel network ${networkOf(params)} is too small`, { hint: 'use a /22 or larger so each host gets a /24' });
    const clash = [
      ...(lanSubnet ? [{ cidr: lanSubnet, what: "the lab's LAN" }] : []),
      { cidr: '172.17.0.0/16', what: "Docker's default bridge (docker0)" },
    ].find((c) => overlaps(network, parseCidr(c.cidr)));
    if (clash) {
      throw new ConfigError(`flannel network ${networkOf(params)} overlaps ${clash.cidr}, ${clash.what}`, {
        hint: 'pick a flannel network that overlaps neither the LAN nor 172.17.0.0/16 (the document uses 172.20.0.0/16)',
      });
    }
  },

  steps: [
    step('主机A: yum -y install etcd flannel; /etc/etcd/etcd.conf as the document configures it; systemctl start etcd && systemctl enable etcd', {
      doc: {
        heading: '4.1 安装 flannel — 主机A',
        text: 'yum -y install etcd flannel\n\netcd 配置\n# /etc/etcd/etcd.conf\nETCD_DATA_DIR="/var/lib/etcd/default.etcd"\nETCD_LISTEN_CLIENT_URLS="http://0.0.0.0:2379"\nETCD_NAME="default"\nETCD_ADVERTISE_CLIENT_URLS="http://0.0.0.0:2379"\n\n启动 etcd 服务\nsystemctl start etcd && systemctl enable etcd',
      },
      summary: 'On host A: install etcd and flannel, configure etcd as the document shows, start and enable it.',
      on: 'A',
      hint: "host A's /etc/etcd/etcd.conf must hold the document's four ETCD_ settings; then systemctl start etcd && systemctl enable etcd",
      async solve(ctx) {
        const a = etcdHost(ctx);
        if (ctx.lab.inventory.offers.packages.yumStandIn) await a.$({ timeoutMs: 600_000 })`yum -y install etcd flannel`;
        else {
          await ensureDocker(a);
          await ensureEtcd(a);
          await prepareFirewall(a);
        }
        const { file, enableV2 } = await etcdConfigOf(a, DOC_ETCD_CONF);
        if (file !== DOC_ETCD_CONF) ctx.note(`on ${a.os.name} (${a.os.family} family) etcd reads ${file}; the document's Rocky host reads ${DOC_ETCD_CONF}`);
        await a.$`test -e ${file}.labbench-orig || cp -p ${file} ${file}.labbench-orig 2>/dev/null || touch ${file}.labbench-orig`;
        await a.put(
          file,
          [
            ...DOC_ETCD_SETTINGS.map(([k, v]) => `${k}="${v}"`),
            ...(enableV2 ? ['# etcd 3.4+ serves the v2 API (used by `etcdctl mk` and flannel ≤ 0.17) only when asked', 'ETCD_ENABLE_V2="true"'] : []),
            '',
          ].join('\n'),
        );
        await a.$`cat ${file}`;
        await a.$`systemctl daemon-reload`;
        if ((await a.$({ nothrow: true })`systemctl is-active etcd`).ok) await a.$({ timeoutMs: 60_000 })`systemctl restart etcd`;
        await a.$({ timeoutMs: await startAndEnableBound(a, 'etcd') })`systemctl start etcd && systemctl enable etcd`;
        // The document advertises http://0.0.0.0:2379, so clients that follow the advertised URL
        // (etcdctl cluster-health, --sync) dial their own host; --no-sync talks to the given endpoint only.
        ctx.note('ETCD_ADVERTISE_CLIENT_URLS is 0.0.0.0 as in the document: other hosts must use the endpoint itself (etcdctl --no-sync)');
      },
      async check(ctx) {
        const a = etcdHost(ctx);
        const { file } = await etcdConfigOf(a, DOC_ETCD_CONF);
        const read = await a.$({ nothrow: true })`cat ${file}`;
        if (!ctx.check(`${a.name}: ${file} exists`, read.ok, { hint: `write ${file} with the document's four ETCD_ settings` })) return;
        const conf = parseEnvironmentFile(read.stdout);
        for (const [key, value] of DOC_ETCD_SETTINGS) ctx.expectEqual(key, conf[key], value, `set ${key}="${value}" in ${file}, then systemctl restart etcd`);
        ctx.expectEqual(
          'etcd is active',
          (await a.$({ nothrow: true })`systemctl is-active etcd`).text(),
          'active',
          'systemctl start etcd (journalctl -u etcd says why it does not start)',
        );
        ctx.expectEqual('etcd is enabled', (await a.$({ nothrow: true })`systemctl is-enabled etcd`).text(), 'enabled', 'systemctl enable etcd');
        await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
          const ls = await h.$({ nothrow: true, timeoutMs: 20_000 })`ETCDCTL_API=2 etcdctl --no-sync --endpoints ${etcdEndpoint(ctx)} ls /`;
          ctx.check(`${h.name} reaches etcd's v2 API at ${etcdEndpoint(ctx)}`, ls.ok, {
            expected: 'exit 0',
            actual: ls.ok ? 'exit 0' : ls.stderr.trim().split('\n').pop(),
            hint: 'etcd must listen on 0.0.0.0:2379 (ETCD_LISTEN_CLIENT_URLS) and run',
          });
        });
      },
    }),

    step('主机A: flannel 配置 — /etc/sysconfig/flanneld, then etcdctl mk /atomic.io/network/config', {
      doc: {
        heading: '4.1 安装 flannel — 主机A',
        text: 'flannel 配置\n# /etc/sysconfig/flanneld\nFLANNEL_ETCD_ENDPOINTS="http://192.168.100.12:2379"\nFLANNEL_ETCD_PREFIX="/atomic.io/network"\n\n在 etcd 中添加网段\netcdctl mk /atomic.io/network/config \'{"Network":"172.20.0.0/16"}\'\netcdctl get /atomic.io/network/config',
      },
      summary: 'On host A: point /etc/sysconfig/flanneld at etcd on host A and store the flannel network 172.20.0.0/16 in etcd.',
      on: 'A',
      hint: 'FLANNEL_ETCD_ENDPOINTS is host A\'s own address on port 2379 and FLANNEL_ETCD_PREFIX="/atomic.io/network"; the key is <prefix>/config',
      async solve(ctx) {
        const a = etcdHost(ctx);
        await writeSysconfig(a, flannelEtcd(ctx));
        const want = configJson(ctx.params);
        if (ctx.params.backend) ctx.note(`--backend ${ctx.params.backend}: the document leaves Backend out (flannel then uses udp); this run adds it`);
        const v2 = await etcdctlPrefix(a);
        const mk = await a.$({ nothrow: true })`${v2}etcdctl mk ${configKey(ETCD_PREFIX)} ${want}`;
        if (!mk.ok && /Key already exists/.test(mk.stderr)) {
          const have = (await a.$`${v2}etcdctl get ${configKey(ETCD_PREFIX)}`).text();
          if (have !== want) {
            ctx.note("the key exists from an earlier run with another value: setting it to this run's value");
            await a.$`${v2}etcdctl set ${configKey(ETCD_PREFIX)} ${want}`;
          } else ctx.note('the key exists from an earlier run (kept lab) with the same value');
        } else if (!mk.ok) throw new LabbenchError(`etcdctl mk failed: ${mk.stderr.trim() || mk.text()}`);
        await a.$`${v2}etcdctl get ${configKey(ETCD_PREFIX)}`;
      },
      async check(ctx) {
        const a = etcdHost(ctx);
        await checkSysconfig(ctx, a, flannelEtcd(ctx));
        const got = await a.$({ nothrow: true })`ETCDCTL_API=2 etcdctl get ${configKey(ETCD_PREFIX)}`;
        ctx.expectEqual(
          `etcdctl get ${configKey(ETCD_PREFIX)}`,
          got.ok ? got.text() : got.stderr.trim().split('\n').pop(),
          configJson(ctx.params),
          `store it: etcdctl mk ${configKey(ETCD_PREFIX)} '{"Network":"${networkOf(ctx.params)}"}'`,
        );
      },
    }),

    step('主机A: 启动 flannel 服务 — systemctl start flanneld && systemctl enable flanneld', {
      doc: { heading: '4.1 安装 flannel — 主机A', text: '启动 flannel 服务\nsystemctl start flanneld && systemctl enable flanneld' },
      summary: 'On host A: start and enable flanneld; it leases a subnet of 172.20.0.0/16 from etcd.',
      on: 'A',
      hint: 'systemctl start flanneld && systemctl enable flanneld; if it fails, journalctl -u flanneld says why (etcd endpoint, prefix)',
      async solve(ctx) {
        await startFlanneld(ctx, etcdHost(ctx), flannelEtcd(ctx));
      },
      async check(ctx) {
        await checkFlanneld(ctx, etcdHost(ctx));
      },
    }),

    step('主机B: apt -y install flannel; /etc/sysconfig/flanneld; systemctl start flanneld && systemctl enable flanneld', {
      doc: {
        heading: '4.1 安装 flannel — 主机B',
        text: 'apt -y install flannel\n\nflannel 配置\n# /etc/sysconfig/flanneld\nFLANNEL_ETCD_ENDPOINTS="http://192.168.100.12:2379"\nFLANNEL_ETCD_PREFIX="/atomic.io/network"\n\n启动 flannel 服务\nsystemctl start flanneld && systemctl enable flanneld',
      },
      summary: 'On host B: install flannel, point /etc/sysconfig/flanneld at etcd on host A, start and enable flanneld.',
      on: 'B',
      hint: "host B's /etc/sysconfig/flanneld points at host A (FLANNEL_ETCD_ENDPOINTS with host A's address) with the same prefix /atomic.io/network",
      async solve(ctx) {
        await ctx.onEachHost(otherFlannelHosts(ctx), async (h) => {
          if (!ctx.lab.inventory.offers.packages.flannel) {
            await ensureDocker(h);
            await prepareFirewall(h);
          }
          await installFlannelOn(ctx, h);
          await writeSysconfig(h, flannelEtcd(ctx));
          await startFlanneld(ctx, h, flannelEtcd(ctx));
        });
      },
      async check(ctx) {
        await ctx.onEachHost(otherFlannelHosts(ctx), async (h) => {
          await checkSysconfig(ctx, h, flannelEtcd(ctx));
          await checkFlanneld(ctx, h);
        });
      },
    }),

    step("4.2 查看 flannel 的 subnet 信息 — each host's /run/flannel/subnet.env and its lease in etcd", {
      doc: {
        heading: '4.2 使用 flannel 网络',
        text: '查看 flannel 的 subnet 信息，每个 flannel 主机的 `FLANNEL_SUBNET` 不一样\n\n# 192.168.100.12  cat /run/flannel/subnet.env\n# 192.168.100.13  cat /run/flannel/subnet.env',
      },
      summary: 'On both hosts: read /run/flannel/subnet.env; each host has its own FLANNEL_SUBNET in 172.20.0.0/16.',
      on: 'A+B',
      hint: 'subnet.env is written by a running flanneld; both hosts must use the same etcd endpoint and prefix',
      async solve(ctx) {
        await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
          try {
            await waitFor(h, `test -s ${SUBNET_ENV}`, SUBNET_ENV_TIMEOUT_MS);
          } catch (err) {
            if (!(err instanceof TimeoutError)) throw err;
            throw new TimeoutError(
              `${h.name}: flanneld wrote no ${SUBNET_ENV} within ${SUBNET_ENV_TIMEOUT_MS / 1000}s — ${await diagnoseFlanneld(h, flannelEtcd(ctx))}`,
            );
          }
          await h.$`cat ${SUBNET_ENV}`;
        });
      },
      async check(ctx) {
        const network = networkOf(ctx.params);
        const backend: Backend = backendOf(ctx.params) ?? 'udp';
        const found = await ctx.onEachHost(ctx.withRole('flannel'), async (h): Promise<string | undefined> => {
          const env = await subnetEnvOf(h);
          if (
            !ctx.check(`${h.name}: ${SUBNET_ENV} exists`, env !== undefined, {
              hint: `flanneld writes it once it runs on ${h.name}: systemctl status flanneld`,
            })
          )
            return undefined;
          const lanMtu = Number((await h.$`cat /sys/class/net/${(await lanInterface(h)).name}/mtu`).text());
          ctx.expectEqual(`${h.name}: FLANNEL_NETWORK`, env!.FLANNEL_NETWORK, network, `etcd's ${configKey(ETCD_PREFIX)} must say "Network":"${network}"`);
          const subnet = env!.FLANNEL_SUBNET ?? '';
          ctx.check(`${h.name}: FLANNEL_SUBNET ${subnet} lies in ${network}`, addressIn(subnet, network), { actual: subnet });
          ctx.expectEqual(`${h.name}: FLANNEL_MTU for ${backend} on a ${lanMtu}-byte LAN`, env!.FLANNEL_MTU, String(lanMtu - ENCAP_OVERHEAD[backend]));
          ctx.expectEqual(`${h.name}: FLANNEL_IPMASQ`, env!.FLANNEL_IPMASQ, 'false');
          return subnet;
        });
        const subnets = found.filter((x): x is string => x !== undefined);
        ctx.check('each host has its own FLANNEL_SUBNET', new Set(subnets).size === subnets.length, {
          actual: subnets.join(' '),
          hint: 'both hosts must use the same etcd and prefix, so that etcd hands out distinct subnets',
        });
        const a = etcdHost(ctx);
        const hosts = ctx.withRole('flannel');
        await ctx.onEachHost(hosts, async (h) => {
          const subnet = tryParseCidr(found[hosts.indexOf(h)] ?? '', false);
          if (!subnet) return;
          const lease = (await a.$({ nothrow: true })`ETCDCTL_API=2 etcdctl get ${subnetKey(ETCD_PREFIX, subnet)}`).text();
          const vtep = backend === 'vxlan' ? (await h.$({ nothrow: true })`cat /sys/class/net/flannel.1/address`).text() : '';
          ctx.expectEqual(`${h.name}: lease value has flannel's ${backend} shape`, lease, expectedLease(backend, h.address, vtep));
        });
      },
    }),

    step('编辑 docker 的配置文件 — daemon.json bip/mtu from subnet.env; systemctl restart docker; docker0 address', {
      doc: {
        heading: '4.2 使用 flannel 网络',
        text: '编辑 docker 的配置文件\n\n# 192.168.100.12\n{\n  "bip": "172.20.24.1/24",\n  "mtu": 1472\n}\n\n重启 docker\nsystemctl restart docker\n\n查看 docker0 的 ip 地址',
      },
      summary:
        'On both hosts: set daemon.json "bip" to the host\'s FLANNEL_SUBNET and "mtu" to FLANNEL_MTU, restart docker: docker0 moves into the flannel subnet.',
      on: 'A+B',
      hint: "each host's bip is its own FLANNEL_SUBNET from /run/flannel/subnet.env (they differ), mtu is FLANNEL_MTU; then systemctl restart docker",
      async solve(ctx) {
        await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
          const env = (await subnetEnvOf(h)) ?? {};
          await configureEngine(h, { bip: env.FLANNEL_SUBNET, mtu: Number(env.FLANNEL_MTU) });
          await h.$`cat /etc/docker/daemon.json`;
          await restartDocker(h);
          await h.$`ifconfig docker0`;
        });
      },
      async check(ctx) {
        await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
          const env = (await subnetEnvOf(h)) ?? {};
          const read = await h.$({ nothrow: true })`cat /etc/docker/daemon.json`;
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(read.stdout) as Record<string, unknown>;
          } catch {
            ctx.check(`${h.name}: /etc/docker/daemon.json is valid JSON`, false, { hint: 'write it as the document shows: {"bip": "…", "mtu": …}' });
          }
          ctx.expectEqual(
            `${h.name}: daemon.json bip is FLANNEL_SUBNET`,
            json.bip,
            env.FLANNEL_SUBNET,
            `copy FLANNEL_SUBNET from ${h.name}'s own /run/flannel/subnet.env`,
          );
          ctx.expectEqual(`${h.name}: daemon.json mtu is FLANNEL_MTU`, json.mtu, Number(env.FLANNEL_MTU), 'mtu is a number, without quotes');
          const ifconfig = (await h.$({ nothrow: true })`ifconfig docker0`).stdout.match(/inet (\S+)\s+netmask (\S+)/);
          const addr = ifconfig ? `${ifconfig[1]}/${prefixOfMask(ifconfig[2]!)}` : undefined;
          ctx.expectEqual(
            `${h.name}: docker0 carries FLANNEL_SUBNET`,
            addr,
            env.FLANNEL_SUBNET,
            'docker reads daemon.json only when it starts: systemctl restart docker',
          );
        });
      },
    }),

    step('测试容器网络互通 — docker run -it -d --name test centos:latest on each host; each pings the other across hosts', {
      doc: {
        heading: '测试容器网络互通',
        text: 'docker run -it -d --name test centos:latest\n\ndocker exec test ping 172.20.24.2\ndocker exec test ping 172.20.32.2\n\n如果不通，则执行以下命令，修改 iptables 规则表\niptables -P INPUT ACCEPT\niptables -P FORWARD ACCEPT\niptables -F',
      },
      summary: "On both hosts: run a container named test; each pings the other host's test container through flannel.",
      on: 'A+B',
      hint: 'run docker run -it -d --name test centos:latest on both hosts after docker was restarted with the flannel bip; if ping fails, iptables -P FORWARD ACCEPT',
      async solve(ctx) {
        const hosts = ctx.withRole('flannel');
        const ips = await ctx.onEachHost(hosts, async (h) => {
          await removeContainers(h, ['test']);
          await ensureBoxImage(h);
          await runContainer(h, 'test', [CENTOS_LATEST], ['-it', '-d']);
          return containerAddress(h, 'test');
        });
        const mesh = await pingMesh(
          ctx,
          'test',
          hosts.map((host, i) => ({ host, address: ips[i]! })),
        );
        ctx.note(
          `ping -c 3 from container test on each host (row) to test on every other host (column):\n${renderMeshMatrix(
            hosts.map((h) => h.name),
            mesh,
          )}`,
        );
        if (mesh.every((c) => c.ok)) return;
        ctx.note(
          "ping failed: trying the document's fallback, iptables -P INPUT ACCEPT; iptables -P FORWARD ACCEPT (its `iptables -F` is left out: it would also flush flannel's and Docker's rules)",
        );
        await ctx.onEachHost(hosts, (h) => h.$`iptables -P INPUT ACCEPT && iptables -P FORWARD ACCEPT`);
      },
      async check(ctx) {
        const hosts = ctx.withRole('flannel');
        const found = await ctx.onEachHost(hosts, async (h): Promise<MeshEndpoint | undefined> => {
          const ip = await containerAddress(h, 'test').catch(() => '');
          const env = (await subnetEnvOf(h)) ?? {};
          const ok = ctx.check(
            `${h.name}: container test got ${ip || 'no address'} from its flannel subnet ${env.FLANNEL_SUBNET ?? '?'}`,
            addressIn(ip, env.FLANNEL_SUBNET),
            { actual: ip, hint: `run docker run -it -d --name test centos:latest on ${h.name} after docker was restarted with the flannel bip` },
          );
          return ok ? { host: h, address: ip } : undefined;
        });
        const endpoints = found.filter((e): e is MeshEndpoint => e !== undefined);
        if (endpoints.length < 2) return;
        const mesh = await pingMesh(ctx, 'test', endpoints);
        ctx.note(
          `ping -c 3 from container test on each host (row) to test on every other host (column):\n${renderMeshMatrix(
            endpoints.map((e) => e.host.name),
            mesh,
          )}`,
        );
        ctx.check(
          `test containers across hosts ping each other: ${describeMesh(mesh)}`,
          mesh.every((c) => c.ok),
          { hint: "both flanneld must run; if they do, the document's fallback: iptables -P FORWARD ACCEPT" },
        );
      },
    }),
  ],

  async cleanup(ctx) {
    await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
      await removeContainers(h, ['test']);
      await removeFlannel(h);
      await restoreEngine(h);
    });
    const a = etcdHost(ctx);
    const { file } = await etcdConfigOf(a, DOC_ETCD_CONF);
    await a.$`systemctl disable --now etcd >/dev/null 2>&1 || true`;
    await a.$`rm -rf /var/lib/etcd/default.etcd`;
    await a.$`if test -e ${file}.labbench-orig; then if test -s ${file}.labbench-orig; then mv ${file}.labbench-orig ${file}; else rm -f ${file} ${file}.labbench-orig; fi; fi`;
  },
});

/** flannel hosts other than the etcd host (the document's host B). */
function otherFlannelHosts(ctx: StepContext): Host[] {
  return ctx.withRole('flannel').filter((h) => !ctx.withRole('etcd').includes(h));
}
