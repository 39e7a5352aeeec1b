/**
 * 四、跨宿主机容器间通信 — chapter 4 of the course document: flannel over etcd joins the
 * containers of two hosts. Host A (192.168.100.12) runs etcd and flannel, host B
 * (192.168.100.13) flannel; each gets a subnet of 172.20.0.0/16 in /run/flannel/subnet.env,
 * Docker takes its bip and mtu from there, and a container on each host pings the other.
 */
import { existsSync } from 'node:fs';
import { ConfigError, TimeoutError } from '../src/errors.ts';
import type { Host } from '../src/host.ts';
import { contains, overlaps, parseCidr, parseIp, tryParseCidr, type Cidr } from '../src/net/ipv4.ts';
import { defineScenario, step, type ScenarioParams, type StepContext } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { configureEngine, restoreEngine } from '../src/scenario/lib/docker-engine.ts';
import { containerAddress, removeContainers, restartDocker, runContainer, waitFor } from '../src/scenario/lib/host-steps.ts';
import { etcdConfigFile, ensureDocker, ensureEtcd, prepareFirewall } from '../src/scenario/platform.ts';
import { installFlanneld, removeFlannel, stopFlannel } from '../src/scenario/lib/flannel-install.ts';
import { UDP_ENCAP_OVERHEAD, VXLAN_ENCAP_OVERHEAD } from '../src/flannel/backend.ts';
import { configKey, subnetKey, subnetsDir } from '../src/flannel/lease.ts';
import { DEFAULT_SUBNET_FILE as SUBNET_ENV } from '../src/flannel/subnet-env.ts';
import { parseEnvironmentFile, SYSCONFIG_PATH as SYSCONFIG } from '../src/flannel/sysconfig.ts';
import { prefixOfMask } from '../src/scenario/lib/parse-route.ts';
import { allPairs, describeMesh, pingMesh, renderMeshMatrix } from '../src/scenario/lib/ping-mesh.ts';

/** The document's values (4.1). */
const ETCD_PREFIX = '/atomic.io/network';
const NETWORK = '172.20.0.0/16';
/** Bytes each backend's encapsulation takes from the LAN MTU (flannel's own figures). */
const ENCAP_OVERHEAD = { udp: UDP_ENCAP_OVERHEAD, vxlan: VXLAN_ENCAP_OVERHEAD, 'host-gw': 0 } as const;
const SUBNET_ENV_TIMEOUT_MS = 30_000;
const FLANNELD_START_TIMEOUT_MS = 40_000;

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

export default defineScenario({
  name: 'flannel-two-host',
  section: '4',
  title: '跨宿主机容器间通信: flannel over etcd joins containers on two hosts',
  summary: 'etcd on host A, flanneld on A and B, Docker bip/mtu from subnet.env, containers ping across hosts',

  validate(params, lanSubnet) {
    if (params.flanneld && !/^https?:\/\//.test(params.flanneld) && !existsSync(params.flanneld)) {
      throw new ConfigError(`--flanneld ${params.flanneld}: no such file`, { hint: 'give a flanneld binary, a flannel release tarball, or an https URL of one' });
    }
    const network = tryParseCidr(networkOf(params));
    if (!network) throw new ConfigError(`flannel network "${networkOf(params)}" is not an IPv4 CIDR block`, { hint: 'e.g. 172.20.0.0/16, as the document uses' });
    if (network.prefix > 22) throw new ConfigError(`flannel network ${networkOf(params)} is too small`, { hint: 'use a /22 or larger so each host gets a /24' });
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
    step('主机A: etcd — /etc/etcd/etcd.conf as the document configures it; systemctl start etcd && systemctl enable etcd', async (ctx) => {
      const a = etcdHost(ctx);
      await ensureDocker(a);
      await ensureEtcd(a);
      await prepareFirewall(a);
      const file = etcdConfigFile(a.os.family);
      if (file !== '/etc/etcd/etcd.conf') ctx.note(`on ${a.os.name} (${a.os.family} family) etcd reads ${file}; the document's Rocky host reads /etc/etcd/etcd.conf`);
      await a.$`test -e ${file}.labbench-orig || cp -p ${file} ${file}.labbench-orig 2>/dev/null || touch ${file}.labbench-orig`;
      await a.put(
        file,
        [
          'ETCD_DATA_DIR="/var/lib/etcd/default.etcd"',
          'ETCD_LISTEN_CLIENT_URLS="http://0.0.0.0:2379"',
          'ETCD_NAME="default"',
          'ETCD_ADVERTISE_CLIENT_URLS="http://0.0.0.0:2379"',
          '# etcd 3.4+ serves the v2 API (used by `etcdctl mk` and flannel ≤ 0.17) only when asked',
          'ETCD_ENABLE_V2="true"',
          '',
        ].join('\n'),
      );
      const conf = parseEnvironmentFile((await a.$`cat ${file}`).stdout);
      ctx.expectEqual('ETCD_DATA_DIR', conf.ETCD_DATA_DIR, '/var/lib/etcd/default.etcd');
      ctx.expectEqual('ETCD_LISTEN_CLIENT_URLS', conf.ETCD_LISTEN_CLIENT_URLS, 'http://0.0.0.0:2379');
      ctx.expectEqual('ETCD_NAME', conf.ETCD_NAME, 'default');
      ctx.expectEqual('ETCD_ADVERTISE_CLIENT_URLS', conf.ETCD_ADVERTISE_CLIENT_URLS, 'http://0.0.0.0:2379');
      await a.$`systemctl daemon-reload`;
      if ((await a.$({ nothrow: true })`systemctl is-active etcd`).ok) await a.$({ timeoutMs: 60_000 })`systemctl restart etcd`;
      await a.$({ timeoutMs: 60_000 })`systemctl start etcd && systemctl enable etcd`;
      ctx.expectEqual('etcd is active', (await a.$({ nothrow: true })`systemctl is-active etcd`).text(), 'active');
      ctx.expectEqual('etcd is enabled', (await a.$({ nothrow: true })`systemctl is-enabled etcd`).text(), 'enabled');
      // The document advertises http://0.0.0.0:2379, so clients that follow the advertised URL
      // (etcdctl cluster-health, --sync) dial their own host; --no-sync talks to the given endpoint only.
      ctx.note('ETCD_ADVERTISE_CLIENT_URLS is 0.0.0.0 as in the document: other hosts must use the endpoint itself (etcdctl --no-sync)');
      await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
        const ls = await h.$({ nothrow: true, timeoutMs: 20_000 })`ETCDCTL_API=2 etcdctl --no-sync --endpoints ${etcdEndpoint(ctx)} ls /`;
        ctx.check(`${h.name} reaches etcd's v2 API at ${etcdEndpoint(ctx)}`, ls.ok, { expected: 'exit 0', actual: ls.ok ? 'exit 0' : ls.stderr.trim().split('\n').pop() });
      });
    }),

    step('主机A: flannel 配置 — /etc/sysconfig/flanneld, then etcdctl mk /atomic.io/network/config', async (ctx) => {
      const a = etcdHost(ctx);
      await writeSysconfig(ctx, a);
      const want = configJson(ctx.params);
      if (ctx.params.backend) ctx.note(`--backend ${ctx.params.backend}: the document leaves Backend out (flannel then uses udp); this run adds it`);
      const mk = await a.$({ nothrow: true })`ETCDCTL_API=2 etcdctl mk ${configKey(ETCD_PREFIX)} ${want}`;
      if (!mk.ok && /Key already exists/.test(mk.stderr)) {
        const have = (await a.$`ETCDCTL_API=2 etcdctl get ${configKey(ETCD_PREFIX)}`).text();
        if (have !== want) {
          ctx.note('the key exists from an earlier run with another value: setting it to this run\'s value');
          await a.$`ETCDCTL_API=2 etcdctl set ${configKey(ETCD_PREFIX)} ${want}`;
        } else ctx.note('the key exists from an earlier run (kept lab) with the same value');
      } else ctx.check('etcdctl mk succeeded', mk.ok, { actual: mk.stderr.trim() || mk.text() });
      const got = await a.$`ETCDCTL_API=2 etcdctl get ${configKey(ETCD_PREFIX)}`;
      ctx.expectEqual(`etcdctl get ${configKey(ETCD_PREFIX)}`, got.text(), want);
    }),

    step('主机B: flannel 配置; systemctl start flanneld && systemctl enable flanneld on both hosts', async (ctx) => {
      await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
        if (!ctx.withRole('etcd').includes(h)) {
          await ensureDocker(h);
          await prepareFirewall(h);
          await writeSysconfig(ctx, h);
        }
        const how = await installFlanneld(h, { ...(ctx.params.flanneld ? { source: ctx.params.flanneld } : {}), online: ctx.lab.inventory.provider !== 'local' });
        ctx.note(`${h.name}: ${how}`);
      });
      await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
        if ((await h.$({ nothrow: true })`systemctl is-active flanneld`).ok) {
          ctx.note(`${h.name}: flanneld was already running (kept lab): stopping it and clearing its data plane so it starts from the current configuration`);
          await removeContainers(h, ['test']);
          await stopFlannel(h);
        }
        // flanneld's start completes once it holds a lease; bound the wait and say why when it does not.
        const start = await h.$({ timeoutMs: FLANNELD_START_TIMEOUT_MS, nothrow: true })`systemctl start flanneld && systemctl enable flanneld`;
        const active = (await h.$({ nothrow: true })`systemctl is-active flanneld`).text();
        if (!start.ok && active !== 'active') {
          throw new TimeoutError(`${h.name}: flanneld did not start within ${FLANNELD_START_TIMEOUT_MS / 1000}s — ${await diagnose(ctx, h)}`);
        }
        ctx.expectEqual(`flanneld is active on ${h.name}`, active, 'active');
        ctx.expectEqual(`flanneld is enabled on ${h.name}`, (await h.$({ nothrow: true })`systemctl is-enabled flanneld`).text(), 'enabled');
      });
    }),

    step('4.2 查看 flannel 的 subnet 信息 — each host\'s /run/flannel/subnet.env and its lease in etcd', async (ctx) => {
      const network = parseCidr(networkOf(ctx.params));
      const backend: Backend = backendOf(ctx.params) ?? 'udp';
      const subnets = await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
        try {
          await waitFor(h, `test -s ${SUBNET_ENV}`, SUBNET_ENV_TIMEOUT_MS);
        } catch (err) {
          if (!(err instanceof TimeoutError)) throw err;
          throw new TimeoutError(`${h.name}: flanneld wrote no ${SUBNET_ENV} within ${SUBNET_ENV_TIMEOUT_MS / 1000}s — ${await diagnose(ctx, h)}`);
        }
        const env = parseEnvironmentFile((await h.$`cat ${SUBNET_ENV}`).stdout);
        const lanMtu = Number((await h.$`ip -o -4 addr show | awk -v a=${h.address} '$4 ~ "^"a"/" {print $2}' | head -n1 | xargs -I{} cat /sys/class/net/{}/mtu`).text());
        ctx.expectEqual(`${h.name}: FLANNEL_NETWORK`, env.FLANNEL_NETWORK, networkOf(ctx.params));
        const subnet = env.FLANNEL_SUBNET ?? '';
        const first = subnet.split('/')[0] ?? '';
        ctx.check(`${h.name}: FLANNEL_SUBNET ${subnet} lies in ${networkOf(ctx.params)}`, tryParseCidr(subnet, false) !== undefined && contains(network, parseIp(first)), { actual: subnet });
        ctx.expectEqual(`${h.name}: FLANNEL_MTU for ${backend} on a ${lanMtu}-byte LAN`, env.FLANNEL_MTU, String(lanMtu - ENCAP_OVERHEAD[backend]));
        ctx.expectEqual(`${h.name}: FLANNEL_IPMASQ`, env.FLANNEL_IPMASQ, 'false');
        ctx.state.set(`subnet:${h.name}`, subnet);
        ctx.state.set(`mtu:${h.name}`, Number(env.FLANNEL_MTU));
        return subnet;
      });
      ctx.check('each host has its own FLANNEL_SUBNET', new Set(subnets).size === subnets.length, { actual: subnets.join(' ') });

      const a = etcdHost(ctx);
      await a.$`ETCDCTL_API=2 etcdctl ls ${subnetsDir(ETCD_PREFIX)}`;
      await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
        const lease = (await a.$`ETCDCTL_API=2 etcdctl get ${subnetKey(ETCD_PREFIX, flannelSubnet(ctx, h))}`).text();
        const vtep = backend === 'vxlan' ? (await h.$`cat /sys/class/net/flannel.1/address`).text() : '';
        ctx.expectEqual(`${h.name}: lease value has flannel's ${backend} shape`, lease, expectedLease(backend, h.address, vtep));
      });
    }),

    step('编辑 docker 的配置文件 — daemon.json bip/mtu from subnet.env; systemctl restart docker; docker0 address', async (ctx) => {
      await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
        const subnet = String(ctx.state.get(`subnet:${h.name}`));
        const mtu = Number(ctx.state.get(`mtu:${h.name}`));
        await configureEngine(h, { bip: subnet, mtu });
        const json = (await h.$`cat /etc/docker/daemon.json`).json<Record<string, unknown>>();
        ctx.expectEqual(`${h.name}: daemon.json bip`, json.bip, subnet);
        ctx.expectEqual(`${h.name}: daemon.json mtu`, json.mtu, mtu);
        await restartDocker(h);
        const ifconfig = (await h.$`ifconfig docker0`).stdout.match(/inet (\S+)\s+netmask (\S+)/);
        const addr = ifconfig ? `${ifconfig[1]}/${prefixOfMask(ifconfig[2]!)}` : undefined;
        ctx.expectEqual(`${h.name}: docker0 carries FLANNEL_SUBNET`, addr, subnet);
      });
    }),

    step('测试容器网络互通 — a test container on each host pings the other across hosts', async (ctx) => {
      const hosts = ctx.withRole('flannel');
      const ips = await ctx.onEachHost(hosts, async (h) => {
        await removeContainers(h, ['test']);
        await ensureBoxImage(h);
        await runContainer(h, 'test', [BOX_IMAGE]);
        const ip = await containerAddress(h, 'test');
        const subnet = flannelSubnet(ctx, h);
        ctx.check(`${h.name}: container test got ${ip} from its flannel subnet`, contains(subnet, parseIp(ip)), { actual: ip });
        return ip;
      });
      const endpoints = hosts.map((host, i) => ({ host, address: ips[i]! }));
      const mesh = await pingMesh(ctx, 'test', endpoints);
      ctx.note(`ping -c 3 from container test on each host (row) to test on every other host (column):\n${renderMeshMatrix(hosts.map((h) => h.name), mesh)}`);
      if (mesh.every((c) => c.ok)) {
        ctx.check(`test containers across hosts ping each other: ${describeMesh(mesh)}`, true);
        return;
      }
      ctx.note('ping failed: trying the document\'s fallback, iptables -P INPUT ACCEPT; iptables -P FORWARD ACCEPT (its `iptables -F` is left out: it would also flush flannel\'s and Docker\'s rules)');
      await ctx.onEachHost(hosts, (h) => h.$`iptables -P INPUT ACCEPT && iptables -P FORWARD ACCEPT`);
      const failed = allPairs(endpoints).filter(([from, to]) => mesh.some((c) => !c.ok && c.from === from.host.name && c.to === to.host.name));
      const retried = await pingMesh(ctx, 'test', endpoints, failed);
      ctx.note(`the pairs that failed, after the fallback:\n${renderMeshMatrix(hosts.map((h) => h.name), retried)}`);
      ctx.check(`test containers across hosts ping each other after the fallback (iptables -P FORWARD ACCEPT): ${describeMesh(retried)}`, retried.every((c) => c.ok));
    }),
  ],

  async cleanup(ctx) {
    await ctx.onEachHost(ctx.withRole('flannel'), async (h) => {
      await removeContainers(h, ['test']);
      await removeFlannel(h);
      await restoreEngine(h);
    });
    const a = etcdHost(ctx);
    const file = etcdConfigFile(a.os.family);
    await a.$`systemctl disable --now etcd >/dev/null 2>&1 || true`;
    await a.$`rm -rf /var/lib/etcd/default.etcd`;
    await a.$`if test -e ${file}.labbench-orig; then if test -s ${file}.labbench-orig; then mv ${file}.labbench-orig ${file}; else rm -f ${file} ${file}.labbench-orig; fi; fi`;
  },
});

async function writeSysconfig(ctx: StepContext, h: Host): Promise<void> {
  await h.put(SYSCONFIG, `FLANNEL_ETCD_ENDPOINTS="${etcdEndpoint(ctx)}"\nFLANNEL_ETCD_PREFIX="${ETCD_PREFIX}"\n`);
  const conf = parseEnvironmentFile((await h.$`cat ${SYSCONFIG}`).stdout);
  ctx.expectEqual(`${h.name}: FLANNEL_ETCD_ENDPOINTS`, conf.FLANNEL_ETCD_ENDPOINTS, etcdEndpoint(ctx));
  ctx.expectEqual(`${h.name}: FLANNEL_ETCD_PREFIX`, conf.FLANNEL_ETCD_PREFIX, ETCD_PREFIX);
}

/** Why a host has no subnet.env: the daemon's state, its last log lines, and whether etcd answers. */
async function diagnose(ctx: StepContext, h: Host): Promise<string> {
  const active = (await h.$({ nothrow: true })`systemctl is-active flanneld`).text();
  const log = (await h.$({ nothrow: true })`journalctl -u flanneld -n 3 --no-pager -o cat`).text().split('\n').join(' | ');
  const etcd = await h.$({ nothrow: true, timeoutMs: 15_000 })`ETCDCTL_API=2 etcdctl --no-sync --endpoints ${etcdEndpoint(ctx)} --timeout 3s ls /`;
  const reach = etcd.ok ? `etcd at ${etcdEndpoint(ctx)} answers` : `etcd at ${etcdEndpoint(ctx)} does not answer`;
  return `flanneld is ${active || 'unknown'}; ${reach}; last log: ${log || '(none)'}`;
}

/** The flannel subnet a host leased (its FLANNEL_SUBNET, e.g. 172.20.9.1/24, as a network). */
function flannelSubnet(ctx: StepContext, h: Host): Cidr {
  const text = String(ctx.state.get(`subnet:${h.name}`));
  return tryParseCidr(text, false) ?? parseCidr(text, 'FLANNEL_SUBNET');
}

/** flannel's lease value for a backend (flannel-facts §1.3): field order and nulls exactly as flannel writes them. */
function expectedLease(backend: Backend, publicIp: string, vtepMac: string): string {
  const base = { PublicIP: publicIp, PublicIPv6: null };
  if (backend === 'udp') return JSON.stringify(base);
  if (backend === 'host-gw') return JSON.stringify({ ...base, BackendType: 'host-gw' });
  return JSON.stringify({ ...base, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: vtepMac } });
}
