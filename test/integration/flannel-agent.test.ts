/**
 * labbench's flannel agent against a real etcd 3.4, in network namespaces built here:
 *   - the registries (v2 keys API, v3 JSON gateway) on an etcd bound to 127.0.0.1;
 *   - the bundled agent (as agentInstallFiles() ships it, started with the argv the systemd unit
 *     makes from /etc/sysconfig/flanneld) on two "hosts" A (192.168.100.12) and B (.13) on a
 *     LAN namespace that runs etcd (.11), each with a docker0-like bridge on FLANNEL_SUBNET and a
 *     "container" namespace behind it: subnet.env, lease values and TTLs read back with etcdctl,
 *     container↔container ping for vxlan, host-gw and udp, restart → same subnet, etcd down →
 *     diagnosis and recovery, lease deleted → route gone on the other host.
 * Set LABBENCH_AGENT_NODE to run the agent with another node binary (e.g. Debian 12's node 18).
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { EtcdHttp } from '../../src/flannel/etcd/http.ts';
import { EtcdV2Registry, V2_DISABLED } from '../../src/flannel/etcd/v2.ts';
import { EtcdV3Registry } from '../../src/flannel/etcd/v3.ts';
import { agentInstallFiles } from '../../src/flannel/install.ts';
import { AGENT_BINARY_PATH } from '../../src/flannel/paths.ts';
import { expandExecArgs, parseEnvironmentFile, renderSysconfig } from '../../src/flannel/sysconfig.ts';
import { EXEC_START_ARGS } from '../../src/flannel/unit.ts';
import { formatCidr, parseCidr, tryParseCidr } from '../../src/net/ipv4.ts';

// ---------------------------------------------------------------- helpers

function which(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, name)));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { env: options.env ?? process.env, timeout: options.timeoutMs ?? 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(argv: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(argv, env ? { env } : {});
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A background process with its combined output kept. */
class Proc {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(argv: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      this.output += chunk.toString();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  waitFor(pattern: RegExp, timeoutMs: number, what = String(pattern)): Promise<true> {
    return until(`${what} in output`, timeoutMs, async () => pattern.test(this.output));
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The lease ID of `etcdctl get -w json` output, in the hex etcdctl's lease commands take (too big for a JS number). */
function leaseIdOf(json: string): string {
  const m = /"lease":(\d+)/.exec(json);
  if (!m) throw new Error(`no lease in ${json}`);
  return BigInt(m[1]!).toString(16);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- preconditions

const ETCD_TOOLS = ['etcd', 'etcdctl'];
const NETNS_TOOLS = ['ip', 'bridge', 'iptables', 'iptables-restore', 'python3', 'busybox'];
const missingEtcd = ETCD_TOOLS.filter((t) => !which(t));
const netnsBlockers = [
  ...(process.getuid?.() === 0 ? [] : ['not root']),
  ...missingEtcd.map((t) => `${t} missing (apt-get install -y etcd-server etcd-client)`),
  ...NETNS_TOOLS.filter((t) => !which(t)).map((t) => `${t} missing`),
  ...(existsSync('/dev/net/tun') ? [] : ['/dev/net/tun missing']),
];

// ---------------------------------------------------------------- registries on 127.0.0.1

async function startLocalEtcd(t: ExecutionContext, dir: string, enableV2: boolean): Promise<string> {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const etcd = new Proc([
    'etcd',
    '--name',
    'default',
    '--data-dir',
    join(dir, `etcd-${client}`),
    '--listen-client-urls',
    url,
    '--advertise-client-urls',
    url,
    '--listen-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-cluster',
    `default=http://127.0.0.1:${peer}`,
    ...(enableV2 ? ['--enable-v2'] : []),
  ]);
  t.teardown(() => etcd.stop());
  await until(
    'etcd to serve',
    20_000,
    async () =>
      (await fetch(`${url}/health`)
        .then((r) => r.ok)
        .catch(() => false)) || undefined,
  );
  return url;
}

if (missingEtcd.length > 0) {
  test.skip(`flannel registries against etcd: skipped, ${missingEtcd.join(', ')} missing (apt-get install -y etcd-server etcd-client)`, () => {});
} else {
  test('v2 and v3 registries speak flannel’s key layout to a real etcd 3.4', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'labbench-etcd-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const url = await startLocalEtcd(t, dir, true);
    const http = new EtcdHttp([url]);
    const subnet = parseCidr('10.5.52.0/24');
    const env = { ...process.env, ETCDCTL_ENDPOINTS: url };

    for (const registry of [new EtcdV2Registry(http, '/coreos.com/network'), new EtcdV3Registry(http, '/coreos.com/network')]) {
      const api = registry.api;
      const ctl = (...args: string[]) => must(['etcdctl', ...args], { ...env, ETCDCTL_API: api === 'v2' ? '2' : '3' });
      t.deepEqual(await registry.getConfig(), { state: 'absent' }, `${api} config absent`);
      await ctl(...(api === 'v2' ? ['mk'] : ['put']), '/coreos.com/network/config', '{"Network":"10.5.0.0/16"}');
      t.deepEqual(await registry.getConfig(), { state: 'present', value: '{"Network":"10.5.0.0/16"}' }, `${api} config present`);

      t.deepEqual((await registry.listLeases()).leases, [], `${api} no leases yet`);
      t.true(await registry.createLease(subnet, '{"PublicIP":"10.0.0.1","PublicIPv6":null}', 86400), `${api} create`);
      t.false(await registry.createLease(subnet, '{"PublicIP":"10.0.0.2","PublicIPv6":null}', 86400), `${api} create if absent refuses a taken subnet`);
      const listing = await registry.listLeases();
      t.deepEqual(
        listing.leases.map((l) => [formatCidr(l.subnet), l.value, l.reservation]),
        [['10.5.52.0/24', '{"PublicIP":"10.0.0.1","PublicIPv6":null}', false]],
      );
      if (api === 'v2') {
        t.regex(await ctl('-o', 'extended', 'get', '/coreos.com/network/subnets/10.5.52.0-24'), /TTL: 86(3\d\d|400)\n/, 'v2 TTL 24 h');
      } else {
        const leaseId = leaseIdOf(await ctl('get', '/coreos.com/network/subnets/10.5.52.0-24', '-w', 'json'));
        t.regex(await ctl('lease', 'timetolive', leaseId), /granted with TTL\(86400s\)/, 'v3 lease of 24 h');
      }

      // A quiet watch ends at its bound; a change ends it at once.
      let started = Date.now();
      await registry.waitForChange(listing.revision, 700);
      t.true(Date.now() - started >= 600, `${api} quiet watch waits`);
      started = Date.now();
      const waiting = registry.waitForChange(listing.revision, 10_000);
      await new Promise((r) => setTimeout(r, 200));
      await registry.updateLease(subnet, '{"PublicIP":"10.0.0.1","PublicIPv6":null}', 0);
      await waiting;
      t.true(Date.now() - started < 5_000, `${api} watch wakes on change`);
      t.true((await registry.listLeases()).leases[0]!.reservation, `${api} update without TTL makes a reservation`);

      await registry.deleteLease(subnet);
      await registry.deleteLease(subnet);
      t.deepEqual((await registry.listLeases()).leases, [], `${api} deleted`);
    }

    const noV2 = new EtcdV2Registry(new EtcdHttp([await startLocalEtcd(t, dir, false)]), '/coreos.com/network');
    t.deepEqual(await noV2.getConfig(), { state: 'unavailable', detail: V2_DISABLED });
  });
}

// ---------------------------------------------------------------- the agent in network namespaces

if (netnsBlockers.length > 0) {
  test.skip(`flannel agent on two hosts in network namespaces: skipped, ${netnsBlockers.join('; ')}`, () => {});
} else {
  const tag = `lbf${process.pid % 100000}`;
  const LAN = `${tag}-lan`;
  const ETCD_IP = '192.168.100.11';
  const HOSTS = [
    { name: 'a', ip: '192.168.100.12' },
    { name: 'b', ip: '192.168.100.13' },
  ] as const;
  const nsOf = (host: string) => `${tag}-${host}`;
  const containerOf = (host: string) => `${tag}-c${host}`;
  const netnsCreated: string[] = [];
  const procs: Proc[] = [];
  let work = '';
  let bundle = '';
  let etcd: Proc | undefined;
  const nodeBinary = process.env.LABBENCH_AGENT_NODE ?? process.execPath;

  const netns = async (name: string): Promise<void> => {
    await must(['ip', 'netns', 'add', name]);
    netnsCreated.push(name);
    await must(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  };
  const inNs = (ns: string, ...argv: string[]) => must(['ip', 'netns', 'exec', ns, ...argv]);
  const etcdctl = (api: 2 | 3, ...args: string[]) => must(['ip', 'netns', 'exec', LAN, 'etcdctl', ...args], { ...process.env, ETCDCTL_API: String(api) });

  const startEtcd = (): Proc => {
    const p = new Proc([
      'ip',
      'netns',
      'exec',
      LAN,
      'etcd',
      '--name',
      'default',
      '--data-dir',
      join(work, 'etcd'),
      '--listen-client-urls',
      `http://${ETCD_IP}:2379,http://127.0.0.1:2379`,
      '--advertise-client-urls',
      `http://${ETCD_IP}:2379`,
      '--listen-peer-urls',
      'http://127.0.0.1:2380',
      '--initial-advertise-peer-urls',
      'http://127.0.0.1:2380',
      '--initial-cluster',
      'default=http://127.0.0.1:2380',
      '--enable-v2',
    ]);
    procs.push(p);
    return p;
  };
  const etcdServing = () =>
    until('etcd in the LAN namespace to serve', 20_000, async () => (await run(['ip', 'netns', 'exec', LAN, 'etcdctl', 'endpoint', 'health'])).code === 0);

  test.before(async () => {
    work = await mkdtemp(join(tmpdir(), 'labbench-flannel-'));
    // Install the agent the way a host gets it, under a private root.
    for (const file of await agentInstallFiles()) {
      const path = join(work, 'root', file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content);
      await chmod(path, file.mode);
    }
    bundle = join(work, 'root', AGENT_BINARY_PATH);
    await netns(LAN);
    await must(['ip', '-n', LAN, 'link', 'add', 'br0', 'type', 'bridge']);
    await must(['ip', '-n', LAN, 'addr', 'add', `${ETCD_IP}/24`, 'dev', 'br0']);
    await must(['ip', '-n', LAN, 'link', 'set', 'br0', 'up']);
    etcd = startEtcd();
    await etcdServing();
  });

  test.after.always(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const ns of netnsCreated.reverse()) await run(['ip', 'netns', 'del', ns]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Fresh host namespaces A and B on the LAN (a previous backend's are removed first). */
  const makeHosts = async (): Promise<void> => {
    for (const h of HOSTS) {
      for (const ns of [containerOf(h.name), nsOf(h.name)]) {
        if (netnsCreated.includes(ns)) {
          await run(['ip', 'netns', 'del', ns]);
          netnsCreated.splice(netnsCreated.indexOf(ns), 1);
        }
      }
      await run(['ip', '-n', LAN, 'link', 'del', `lan-${h.name}`]);
      const ns = nsOf(h.name);
      await netns(ns);
      await must(['ip', '-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `lan-${h.name}`, 'netns', LAN]);
      await must(['ip', '-n', LAN, 'link', 'set', `lan-${h.name}`, 'master', 'br0', 'up']);
      await must(['ip', '-n', ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      await must(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      await inNs(ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      await mkdir(join(work, h.name), { recursive: true });
    }
  };

  /** Starts the agent on a host exactly as the unit would: argv and environment from the sysconfig file. */
  const startAgent = (host: string, prefix: string, extraOptions = ''): Proc => {
    const sysconfig = renderSysconfig({
      etcdEndpoints: `http://${ETCD_IP}:2379`,
      etcdPrefix: prefix,
      options: `-subnet-file=${join(work, host, 'subnet.env')} -ready-file=${join(work, host, 'ready')} ${extraOptions}`,
    });
    const env = parseEnvironmentFile(sysconfig);
    const argv = expandExecArgs(EXEC_START_ARGS, env);
    const p = new Proc(['ip', 'netns', 'exec', nsOf(host), nodeBinary, bundle, ...argv.slice(1)], { ...process.env, ...env });
    procs.push(p);
    return p;
  };
  const ready = (host: string, agent: Proc) =>
    until(`agent on ${host} to be ready`, 30_000, async () => {
      if (!agent.running) throw new Error(`agent on ${host} exited:\n${agent.output}`);
      return existsSync(join(work, host, 'ready'));
    });
  const subnetEnv = async (host: string) => readFile(join(work, host, 'subnet.env'), 'utf8');
  const subnetOf = (env: string) => formatCidr(tryParseCidr(/FLANNEL_SUBNET=(\S+)/.exec(env)![1]!, false)!);
  const keyOf = (prefix: string, subnet: string) => `${prefix}/subnets/${subnet.replace('/', '-')}`;

  /** docker0 on FLANNEL_SUBNET's address and one "container" behind it, as Docker would set them up. */
  const makeContainer = async (host: string, env: string): Promise<string> => {
    const ns = nsOf(host);
    const c = containerOf(host);
    const gateway = /FLANNEL_SUBNET=(\S+)/.exec(env)![1]!;
    const mtu = /FLANNEL_MTU=(\d+)/.exec(env)![1]!;
    const containerIp = gateway.replace(/\.1\/(\d+)$/, '.2');
    await netns(c);
    await must(['ip', '-n', ns, 'link', 'add', 'docker0', 'type', 'bridge']);
    await must(['ip', '-n', ns, 'addr', 'add', gateway, 'dev', 'docker0']);
    await must(['ip', '-n', ns, 'link', 'set', 'docker0', 'up']);
    await must(['ip', '-n', ns, 'link', 'add', 'vethc', 'mtu', mtu, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', c]);
    await must(['ip', '-n', ns, 'link', 'set', 'vethc', 'master', 'docker0', 'up']);
    await must(['ip', '-n', c, 'link', 'set', 'eth0', 'mtu', mtu, 'up']);
    await must(['ip', '-n', c, 'addr', 'add', `${containerIp}/${gateway.split('/')[1]}`, 'dev', 'eth0']);
    await must(['ip', '-n', c, 'route', 'add', 'default', 'via', gateway.split('/')[0]!]);
    return containerIp;
  };
  const ping = (fromHost: string, ip: string) => run(['ip', 'netns', 'exec', containerOf(fromHost), 'busybox', 'ping', '-c', '2', '-W', '2', ip]);
  const pingsEventually = (t: ExecutionContext, fromHost: string, ip: string) =>
    until(`container on ${fromHost} to reach ${ip}`, 15_000, async () => (await ping(fromHost, ip)).code === 0).then(() => t.pass(`${fromHost} → ${ip}`));

  interface Backend {
    name: 'vxlan' | 'host-gw' | 'udp';
    config: string;
    /** How the config is written: the document's v2 `mk` or a v3 `put`. */
    api: 2 | 3;
    mtu: number;
    lease: (ip: string, host: string) => Promise<string>;
  }
  const vtepMac = async (host: string) =>
    (JSON.parse(await must(['ip', '-n', nsOf(host), '-j', 'link', 'show', 'flannel.1'])) as { address: string }[])[0]!.address;
  const BACKENDS: Backend[] = [
    {
      name: 'vxlan',
      config: '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}',
      api: 2,
      mtu: 1450,
      lease: async (ip, host) => `{"PublicIP":"${ip}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${await vtepMac(host)}"}}`,
    },
    {
      name: 'host-gw',
      config: '{"Network":"172.20.0.0/16","Backend":{"Type":"host-gw"}}',
      api: 3,
      mtu: 1500,
      lease: async (ip) => `{"PublicIP":"${ip}","PublicIPv6":null,"BackendType":"host-gw"}`,
    },
    // The document's own config: Backend omitted, which is udp.
    { name: 'udp', config: '{"Network":"172.20.0.0/16"}', api: 2, mtu: 1472, lease: async (ip) => `{"PublicIP":"${ip}","PublicIPv6":null}` },
  ];

  for (const backend of BACKENDS) {
    test.serial(`${backend.name}: subnet.env, lease values and TTL, container↔container ping across hosts`, async (t) => {
      const prefix = `/labbench-${backend.name}/network`;
      await makeHosts();
      if (backend.api === 2) await etcdctl(2, 'mk', `${prefix}/config`, backend.config);
      else await etcdctl(3, 'put', `${prefix}/config`, backend.config);

      // host-gw also serves flanneld's health endpoints on A.
      const agents = { a: startAgent('a', prefix, backend.name === 'host-gw' ? '-healthz-ip=127.0.0.1 -healthz-port=8471' : ''), b: startAgent('b', prefix) };
      t.teardown(() => Promise.all(procs.filter((p) => p !== etcd).map((p) => p.stop())));
      await Promise.all([ready('a', agents.a), ready('b', agents.b)]);
      t.regex(agents.a.output, new RegExp(`Using etcd v${backend.api} API`));
      t.regex(agents.a.output, /Using interface with name eth0 and address 192\.168\.100\.12 \(no default route; the only non-loopback interface/);

      const envs = { a: await subnetEnv('a'), b: await subnetEnv('b') };
      for (const env of Object.values(envs)) {
        t.regex(
          env,
          new RegExp(`^FLANNEL_NETWORK=172\\.20\\.0\\.0/16\\nFLANNEL_SUBNET=172\\.20\\.(\\d+)\\.1/24\\nFLANNEL_MTU=${backend.mtu}\\nFLANNEL_IPMASQ=false\\n$`),
        );
      }
      const subnets = { a: subnetOf(envs.a), b: subnetOf(envs.b) };
      t.not(subnets.a, subnets.b);

      for (const h of HOSTS) {
        const key = keyOf(prefix, subnets[h.name]);
        const stored = backend.api === 2 ? await etcdctl(2, 'get', key) : await etcdctl(3, 'get', key, '--print-value-only');
        t.is(stored.trim(), await backend.lease(h.ip, h.name), `lease value of ${h.name}`);
        if (backend.api === 2) {
          t.regex(await etcdctl(2, '-o', 'extended', 'get', key), /TTL: 86(3\d\d|400)\n/);
        } else {
          const leaseId = leaseIdOf(await etcdctl(3, 'get', key, '-w', 'json'));
          t.regex(
            await etcdctl(3, 'lease', 'timetolive', leaseId, '--keys'),
            new RegExp(`granted with TTL\\(86400s\\).*attached keys\\(\\[${escapeRegExp(key)}\\]\\)`),
          );
        }
      }
      if (backend.name === 'host-gw') {
        t.is(await inNs(nsOf('a'), 'busybox', 'wget', '-qO-', 'http://127.0.0.1:8471/readyz'), 'ok\n');
        t.is(await inNs(nsOf('a'), 'busybox', 'wget', '-qO-', 'http://127.0.0.1:8471/healthz'), 'ok\n');
      }
      t.regex(await inNs(nsOf('a'), 'iptables', '-S', 'FLANNEL-FWD'), /-A FLANNEL-FWD -s 172\.20\.0\.0\/16 -m comment --comment "flanneld forward" -j ACCEPT/);

      const ips = { a: await makeContainer('a', envs.a), b: await makeContainer('b', envs.b) };
      await pingsEventually(t, 'a', ips.b);
      await pingsEventually(t, 'b', ips.a);

      if (backend.name === 'vxlan') {
        // Restart: the lease carrying this PublicIP is found and reused.
        await agents.b.stop();
        t.is(await agents.b.exited, 0, 'SIGTERM is a clean exit');
        const again = startAgent('b', prefix);
        await ready('b', again);
        t.is(subnetOf(await subnetEnv('b')), subnets.b, 'same subnet after restart');
        t.regex(again.output, /Found lease \(172\.20\.\d+\.0\/24\) for current IP \(192\.168\.100\.13\), reusing/);
        await pingsEventually(t, 'a', ips.b);

        // etcd goes away: the agent says why and keeps running; when etcd returns it catches up.
        await etcd!.stop();
        await agents.a.waitFor(/etcd is unreachable \(http:\/\/192\.168\.100\.11:2379: connection refused/, 20_000, 'a diagnosis');
        t.true(agents.a.running, 'agent keeps running while etcd is down');
        t.regex(agents.a.output, /hint: check that etcd runs and listens on that address/);
        etcd = startEtcd();
        await etcdServing();
        // A third host's lease appears while A was waiting: A programs it once it has reconnected.
        await etcdctl(
          2,
          'set',
          '--ttl',
          '600',
          keyOf(prefix, '172.20.250.0/24'),
          '{"PublicIP":"192.168.100.14","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:00:00:00:00:fa"}}',
        );
        await until('route to the third host', 30_000, async () =>
          (await inNs(nsOf('a'), 'ip', 'route', 'show', '172.20.250.0/24')).includes('via 172.20.250.0 dev flannel.1 onlink'),
        );
        t.regex(agents.a.output, /Recovered: etcd answers/);
        t.regex(await inNs(nsOf('a'), 'bridge', 'fdb', 'show', 'dev', 'flannel.1'), /0a:00:00:00:00:fa dst 192\.168\.100\.14 self permanent/);

        // Deleting B's lease: A drops B's route, neighbour and fdb entry; B shuts down like flanneld.
        await etcdctl(2, 'rm', keyOf(prefix, subnets.b));
        await until(`A to drop the route to ${subnets.b}`, 20_000, async () => (await inNs(nsOf('a'), 'ip', 'route', 'show', subnets.b)).trim() === '');
        t.notRegex(await inNs(nsOf('a'), 'ip', 'neigh', 'show', 'dev', 'flannel.1'), new RegExp(`^${escapeRegExp(subnets.b.split('/')[0]!)} `, 'm'));
        t.is(await again.exited, 1, 'B exits when its lease is revoked');
        t.regex(again.output, /Lease has been revoked\. Shutting down daemon\./);
      }
    });
  }
}
