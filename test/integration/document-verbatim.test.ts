/**
 * The course document typed as a student would: every command of chapters 1–4 in the
 * document's order, on the document's host, in a login shell, each checked against what the
 * document says it shows. Where a command cannot be typed as printed (addresses and container
 * IDs that differ, a ping without -c, `docker exec -it … bash` without a terminal, the JSON's
 * // comments), the test types the nearest working form and README lists why. Chapter 4 runs
 * as a course exercise: `pnpm course check` grades each section after it is typed, fails with
 * its hint on a wrong FLANNEL_ETCD_PREFIX and on the document's own bip copied to host B, and
 * never changes a host.
 */
import test, { type ExecutionContext } from 'ava';
import type { StepCheck } from '../../src/course/course.ts';
import type { Host } from '../../src/host.ts';
import type { Lab } from '../../src/lab.ts';
import { cli, rootSkipReason } from '../support/cli.ts';
import { labForFile, snapshotHost, typeIn } from '../support/course.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const LAB = 'i11doc';
const SUBNET = '10.211.72.0/24';
const lab = skip ? () => undefined as unknown as Lab : labForFile(LAB, SUBNET);
const A = (): Host => lab().host('hostA');
const B = (): Host => lab().host('hostB');

/** Types a command on a host; checks its exit code and, when given, what it printed. Returns the output. */
async function say(t: ExecutionContext, host: Host, command: string, expect?: RegExp, exit = 0): Promise<string> {
  const r = await typeIn(host, command);
  const out = r.stdout + r.stderr;
  t.log(`${host.name} # ${command}\n${out.trimEnd().split('\n').slice(0, 12).join('\n')}`);
  if (exit === 0) t.is(r.exitCode, 0, `${host.name} # ${command}\n${out}`);
  else t.not(r.exitCode, 0, `${host.name} # ${command} should fail as the document shows\n${out}`);
  if (expect) t.regex(out, expect, `${host.name} # ${command}`);
  return out;
}

/**
 * docker0 back to 172.17.0.1/16: Docker keeps docker0's address when daemon.json no longer names
 * a bip, so the default is named once, then daemon.json removed.
 */
const DOCKER0_BACK = `echo '{"bip": "172.17.0.1/16"}' > /etc/docker/daemon.json && systemctl restart docker && rm -f /etc/docker/daemon.json && systemctl reset-failed docker.service docker.socket && systemctl restart docker`;

/**
 * Between sections the document starts from a fresh host; these lines are the test's, not the
 * document's. systemd allows docker three starts a minute, and the document restarts it often:
 * the start counter is reset first.
 */
async function between(host: Host, command: string): Promise<void> {
  await typeIn(host, `systemctl reset-failed docker.service docker.socket; ${command}`);
}

const course = (...args: string[]) => cli(['course', ...args, '--name', LAB]);

/** `pnpm course check --step N --json` with both hosts unchanged by it. */
async function check(t: ExecutionContext, step: number): Promise<{ code: number | null; result: StepCheck }> {
  const before = [await snapshotHost(A()), await snapshotHost(B())];
  const r = await course('check', '--step', String(step), '--json');
  t.deepEqual([await snapshotHost(A()), await snapshotHost(B())], before, `the check of step ${step} changed nothing`);
  return { code: r.code, result: JSON.parse(r.stdout || '{}') as StepCheck };
}

async function passes(t: ExecutionContext, step: number): Promise<void> {
  const { code, result } = await check(t, step);
  t.is(
    code,
    0,
    `step ${step}: ${(result.checks ?? [])
      .filter((c) => !c.ok)
      .map((c) => `${c.label} (${c.actual ?? ''})`)
      .join('; ')}`,
  );
}

async function failsOn(t: ExecutionContext, step: number, label: RegExp, hint: RegExp): Promise<void> {
  const { code, result } = await check(t, step);
  t.is(code, 1);
  const hit = result.checks.find((c) => !c.ok && label.test(c.label));
  t.truthy(
    hit,
    `step ${step}: no failed check ${label}: ${result.checks
      .filter((c) => !c.ok)
      .map((c) => c.label)
      .join(' | ')}`,
  );
  t.regex(hit?.hint ?? '', hint);
}

run(title('一、容器网络 (1.1, 1.2) on host B'), async (t) => {
  const b = B();
  await say(t, b, 'ip a', /docker0: <[^>]*> mtu 1500[^\n]*\n[^\n]*\n\s+inet 172\.17\.0\.1\/16 /);
  await say(t, b, 'docker run -itd --name centos01 centos:7.9', /^[0-9a-f]{64}\n$/);
  await say(t, b, 'docker run -itd --name centos02 centos:7.9', /^[0-9a-f]{64}\n$/);
  await say(t, b, 'ip a', /\d+: veth\w+@if\d+: <[^>]*> mtu 1500 [^\n]*master docker0/);
  await say(t, b, 'docker exec centos01 ip a', /\d+: eth0@if\d+: [^\n]*\n[^\n]*\n\s+inet 172\.17\.0\.2\/16 /);
  await say(t, b, 'brctl show', /docker0\s+8000\.[0-9a-f]+\s+no\s+veth\w+/);
  // 1.2: the document pings from inside each container, without -c (it stops with ^C); its addresses are .3 and .4 there.
  await say(t, b, 'docker exec centos01 ping -c 3 172.17.0.3', /3 packets transmitted, 3 (packets )?received/);
  await say(t, b, 'docker exec centos02 ping -c 3 172.17.0.2', /3 packets transmitted, 3 (packets )?received/);
  // --icc=false as daemon.json sets it: the document names the flag; the pings then fail.
  await between(b, 'docker rm -f centos01 centos02');
  await say(t, b, `echo '{"icc": false}' > /etc/docker/daemon.json && systemctl restart docker`);
  await say(t, b, 'docker run -itd --name centos01 centos:7.9 && docker run -itd --name centos02 centos:7.9');
  await say(t, b, 'docker exec centos01 ping -c 2 -W 1 172.17.0.3', /2 packets transmitted, 0 (packets )?received/, 1);
  // 注: "bip": "192.168.100.1/24" in daemon.json and a restart move docker0.
  await between(b, 'docker rm -f centos01 centos02');
  await say(t, b, `echo '{"bip": "192.168.100.1/24"}' > /etc/docker/daemon.json && systemctl restart docker`);
  await say(t, b, 'ip a show docker0', /inet 192\.168\.100\.1\/24 /);
  await between(b, DOCKER0_BACK);
});

run(title('二、容器名称互联 (2.1–2.3) on host B'), async (t) => {
  const b = B();
  await say(t, b, 'docker run -d -it --name centos01 centos:7.9');
  await say(t, b, 'docker run -d -it --name centos02 --link centos01 centos:7.9');
  await say(t, b, 'docker exec centos01 cat /etc/hosts', /^172\.17\.0\.2\t[0-9a-f]{12}$/m);
  const hosts02 = await say(
    t,
    b,
    'docker exec centos02 cat /etc/hosts',
    /^(?=[\s\S]*^172\.17\.0\.2\tcentos01 [0-9a-f]{12}$)(?=[\s\S]*^172\.17\.0\.3\t[0-9a-f]{12}$)/m,
  );
  const oldId = /centos01 ([0-9a-f]{12})/.exec(hosts02)?.[1];
  // centos01 删除重启: the new container has a new ID; centos02's line still names the old one (Docker 20.10 hands the freed address .2 out again, the document's got .4).
  await say(t, b, 'docker rm -f centos01 && docker run -d -it --name centos01 centos:7.9');
  const newHosts01 = await say(t, b, 'docker exec centos01 cat /etc/hosts', /^172\.17\.0\.\d+\t[0-9a-f]{12}$/m);
  t.false(newHosts01.includes(oldId ?? 'none'), 'the re-created centos01 has a new ID');
  await say(t, b, `cat "$(docker inspect -f '{{.HostsPath}}' centos02)"`, new RegExp(`\\tcentos01 ${oldId}$`, 'm'));
  // 2.2
  await between(b, 'docker rm -f centos01 centos02');
  await say(t, b, 'docker run -d -it --name centos01 centos:7.9');
  await say(t, b, 'docker run -d -it --name centos02 --link centos01:server1 centos:7.9');
  await say(t, b, 'docker exec centos02 cat /etc/hosts', /^(?=[\s\S]*^172\.17\.0\.2\tserver1 [0-9a-f]{12} centos01$)(?=[\s\S]*^172\.17\.0\.3\t[0-9a-f]{12}$)/m);
  // 2.3: one-way
  const hosts01 = await say(t, b, 'docker exec centos01 cat /etc/hosts');
  t.false(/centos02|server1/.test(hosts01));
  await between(b, 'docker rm -f centos01 centos02');
});

run(title('三、网络连接模式 (3.1–3.6) on host B'), async (t) => {
  const b = B();
  await say(t, b, 'docker network ls', /bridge\s+bridge\s+local[\s\S]*host\s+host\s+local[\s\S]*none\s+null\s+local/);
  await say(
    t,
    b,
    'docker network inspect bridge',
    /"Subnet": "172\.17\.0\.0\/16",\s+"Gateway": "172\.17\.0\.1"[\s\S]*"com\.docker\.network\.bridge\.enable_icc": "true"/,
  );
  // The document's daemon.json with its // comments is not JSON; typed without them.
  await say(
    t,
    b,
    `printf '%s\\n' '{' '  "bip": "10.0.0.1/24",' '  "default-gateway": "10.0.0.254",' '  "dns": ["1.1.1.1","8.8.8.8"]' '}' > /etc/docker/daemon.json && systemctl restart docker`,
  );
  await say(t, b, 'ip a', /docker0: <[^>]*> [^\n]*\n[^\n]*\n\s+inet 10\.0\.0\.1\/24 /);
  await say(t, b, 'docker run centos:7.9 hostname -i', /^10\.0\.0\.\d+\n$/);
  await say(t, b, 'docker run centos:7.9 cat /etc/resolv.conf | grep -w nameserver', /^nameserver 1\.1\.1\.1\nnameserver 8\.8\.8\.8\n$/);
  await say(t, b, 'docker network inspect host', /"Driver": "host"/);
  await say(
    t,
    b,
    'docker run --network host centos:7.9 ifconfig',
    new RegExp(`^(?=[\\s\\S]*inet addr:10\\.0\\.0\\.1 )(?=[\\s\\S]*inet addr:${b.address.replaceAll('.', '\\.')} )`),
  );
  await say(t, b, 'docker network inspect none', /"Driver": "null"/);
  const none = await say(t, b, 'docker run --network none centos:7.9 ifconfig', /^lo\s+Link encap:Local Loopback/);
  t.false(/eth0/.test(none));
  // 3.5
  await say(t, b, 'docker network create', /requires (exactly )?1 argument/, 1);
  await say(t, b, 'docker network create --help', /--subnet strings/);
  await say(t, b, 'docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01', /^[0-9a-f]{64}\n$/);
  await say(t, b, 'ifconfig', /br-[0-9a-f]{12}: flags=\d+<[^>]*>\s+mtu 1500\n\s+inet 172\.10\.0\.1\s+netmask 255\.255\.255\.0/);
  await say(t, b, 'docker network ls', /network01\s+bridge\s+local/);
  await say(t, b, 'docker network inspect network01', /"Subnet": "172\.10\.0\.0\/24",\s+"Gateway": "172\.10\.0\.1"/);
  await say(t, b, 'docker run -d -it --name server01 --network network01 centos:7.9');
  await say(t, b, 'docker run -d -it --name server02 --network network01 centos:7.9');
  await say(t, b, 'brctl show', /br-[0-9a-f]{12}\s+8000\.[0-9a-f]+\s+no\s+veth\w+\n\s+veth\w+/);
  await say(
    t,
    b,
    'route -n',
    /^(?=[\s\S]*\n10\.0\.0\.0\s+0\.0\.0\.0\s+255\.255\.255\.0\s+U\s+0\s+0\s+0\s+docker0\n)(?=[\s\S]*\n172\.10\.0\.0\s+0\.0\.0\.0\s+255\.255\.255\.0\s+U\s+0\s+0\s+0\s+br-[0-9a-f]{12}\n)/,
  );
  await say(
    t,
    b,
    'docker exec server01 ifconfig',
    /eth0\s+Link encap:Ethernet[^\n]*\n\s+inet addr:172\.10\.0\.2\s+Bcast:172\.10\.0\.255\s+Mask:255\.255\.255\.0/,
  );
  await say(t, b, 'docker exec server02 ifconfig', /inet addr:172\.10\.0\.3 /);
  // `docker exec -it server02 bash`, then the pings typed into that bash (no terminal here: bash -c).
  const id01 = (await typeIn(b, "docker inspect -f '{{.Id}}' server01")).stdout.slice(0, 12);
  await say(t, b, "docker exec server02 bash -c 'ping -c 3 172.10.0.2'", /3 packets transmitted, 3 (packets )?received/);
  await say(t, b, "docker exec server02 bash -c 'ping -c 3 server01'", /PING server01 \(172\.10\.0\.2\)[\s\S]*3 packets transmitted, 3 (packets )?received/);
  await say(t, b, `docker exec server02 bash -c 'ping -c 3 ${id01}'`, /\(172\.10\.0\.2\)[\s\S]*3 packets transmitted, 3 (packets )?received/);
  // 3.6
  await say(t, b, 'docker network create --subnet 172.20.0.0/24 --gateway 172.20.0.1 network02');
  await say(t, b, 'docker network ls', /network01\s+bridge\s+local[\s\S]*network02\s+bridge\s+local/);
  await say(t, b, 'docker run -d -it --name server03 --network network02 centos:7.9');
  await say(t, b, "docker exec server03 bash -c 'ping -c server01'", undefined, 1);
  await say(t, b, "docker exec server03 bash -c 'ping -c 3 172.10.0.2'", /3 packets transmitted, 0 (packets )?received/, 1);
  await say(t, b, `docker exec server03 bash -c 'ping -c 3 ${id01}'`, undefined, 1);
  await say(t, b, 'docker network connect network02 server01');
  await say(t, b, 'docker network connect network01 server03');
  await say(t, b, 'docker exec server01 ifconfig', /eth1\s+Link encap:Ethernet[^\n]*\n\s+inet addr:172\.20\.0\.3 /);
  await say(t, b, 'docker exec server03 ifconfig', /eth1\s+Link encap:Ethernet[^\n]*\n\s+inet addr:172\.10\.0\.4 /);
  await say(
    t,
    b,
    'docker exec server03 route -n',
    /0\.0\.0\.0\s+172\.10\.0\.1\s+0\.0\.0\.0\s+UG\s+0\s+0\s+0\s+eth1[\s\S]*172\.10\.0\.0\s+0\.0\.0\.0\s+255\.255\.255\.0\s+U\s+0\s+0\s+0\s+eth1[\s\S]*172\.20\.0\.0\s+0\.0\.0\.0\s+255\.255\.255\.0\s+U\s+0\s+0\s+0\s+eth0/,
  );
  await say(t, b, 'docker exec server01 route -n', /172\.20\.0\.0\s+0\.0\.0\.0\s+255\.255\.255\.0\s+U\s+0\s+0\s+0\s+eth1/);
  await say(t, b, "docker exec server03 bash -c 'ping -c 3 server01'", /3 packets transmitted, 3 (packets )?received/);
  // Chapter 4 gives 172.20.0.0/16 to flannel: network02 (172.20.0.0/24) and the bip must go first.
  await between(b, `docker rm -f server01 server02 server03; docker network rm network01 network02; docker container prune -f; ${DOCKER0_BACK}`);
});

run(title('四、跨宿主机容器间通信 (4.1, 4.2) on hosts A and B, graded by pnpm course check'), async (t) => {
  t.timeout(6 * 60_000);
  const [a, b] = [A(), B()];
  const started = await course('start', 'flannel-two-host');
  t.is(started.code, 0, started.stdout + started.stderr);
  t.regex(started.stdout, /Work on: pnpm lab shell hostA --name i11doc/);
  // 主机A
  await say(t, a, 'yum -y install etcd flannel', /yum \(labbench stand-in on Debian 12\): installing the Debian equivalents: etcd-server etcd-client flannel/);
  await say(
    t,
    a,
    `cat > /etc/etcd/etcd.conf <<'EOF'
ETCD_DATA_DIR="/var/lib/etcd/default.etcd"
ETCD_LISTEN_CLIENT_URLS="http://0.0.0.0:2379"
ETCD_NAME="default"
ETCD_ADVERTISE_CLIENT_URLS="http://0.0.0.0:2379"
EOF`,
  );
  await say(t, a, 'systemctl start etcd && systemctl enable etcd');
  await passes(t, 1);
  // The document's endpoint is its host A, 192.168.100.12; this lab's host A has another address.
  await say(
    t,
    a,
    `cat > /etc/sysconfig/flanneld <<'EOF'
FLANNEL_ETCD_ENDPOINTS="http://${a.address}:2379"
FLANNEL_ETCD_PREFIX="/atomic.io/network"
EOF`,
  );
  await say(t, a, `etcdctl mk /atomic.io/network/config '{"Network":"172.20.0.0/16"}'`, /^\{"Network":"172\.20\.0\.0\/16"\}\n$/);
  await say(t, a, 'etcdctl get /atomic.io/network/config', /^\{"Network":"172\.20\.0\.0\/16"\}\n$/);
  await passes(t, 2);
  await say(t, a, 'systemctl start flanneld && systemctl enable flanneld');
  await passes(t, 3);
  // 主机B: a fresh machine has no flanneld until flannel is installed.
  await say(t, b, 'systemctl start flanneld', /Unit flanneld\.service not found/, 1);
  await say(t, b, 'apt -y install flannel', /Setting up flannel \(/);
  await say(
    t,
    b,
    `cat > /etc/sysconfig/flanneld <<'EOF'
FLANNEL_ETCD_ENDPOINTS="http://${a.address}:2379"
FLANNEL_ETCD_PREFIX="/coreos.com/network"
EOF`,
  );
  await failsOn(t, 4, /^hostB: FLANNEL_ETCD_PREFIX$/, /where etcdctl mk stored the config key/);
  await say(
    t,
    b,
    `cat > /etc/sysconfig/flanneld <<'EOF'
FLANNEL_ETCD_ENDPOINTS="http://${a.address}:2379"
FLANNEL_ETCD_PREFIX="/atomic.io/network"
EOF`,
  );
  await say(t, b, 'systemctl start flanneld && systemctl enable flanneld');
  await passes(t, 4);
  // 4.2
  const envA = await say(
    t,
    a,
    'cat /run/flannel/subnet.env',
    /^FLANNEL_NETWORK=172\.20\.0\.0\/16\nFLANNEL_SUBNET=172\.20\.\d+\.1\/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n$/,
  );
  const envB = await say(
    t,
    b,
    'cat /run/flannel/subnet.env',
    /^FLANNEL_NETWORK=172\.20\.0\.0\/16\nFLANNEL_SUBNET=172\.20\.\d+\.1\/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n$/,
  );
  const subnet = (env: string) => /FLANNEL_SUBNET=(\S+)/.exec(env)?.[1] ?? '';
  t.not(subnet(envA), subnet(envB), '每个 flannel 主机的 FLANNEL_SUBNET 不一样');
  await passes(t, 5);
  // The document's host B bip (172.20.32.1/24) typed as printed, while host B leased another subnet: the check says so.
  const docBip = subnet(envB) === '172.20.32.1/24' ? '172.20.33.1/24' : '172.20.32.1/24';
  await say(t, a, `printf '{\\n  "bip": "${subnet(envA)}",\\n  "mtu": 1472\\n}\\n' > /etc/docker/daemon.json && systemctl restart docker`);
  await say(t, b, `printf '{\\n  "bip": "${docBip}",\\n  "mtu": 1472\\n}\\n' > /etc/docker/daemon.json && systemctl restart docker`);
  await failsOn(t, 6, /^hostB: daemon\.json bip is FLANNEL_SUBNET$/, /copy FLANNEL_SUBNET from hostB's own \/run\/flannel\/subnet\.env/);
  await say(t, b, `printf '{\\n  "bip": "${subnet(envB)}",\\n  "mtu": 1472\\n}\\n' > /etc/docker/daemon.json && systemctl restart docker`);
  for (const [h, env] of [
    [a, envA],
    [b, envB],
  ] as const) {
    await say(t, h, 'ifconfig docker0', new RegExp(`inet ${subnet(env).split('/')[0]!.replaceAll('.', '\\.')}\\s+netmask 255\\.255\\.255\\.0`));
  }
  await passes(t, 6);
  // 测试容器网络互通 (the document's ping has no -c and its addresses are 172.20.24.2 and 172.20.32.2)
  for (const h of [a, b]) await say(t, h, 'docker run -it -d --name test centos:latest');
  const ip = async (h: Host) => (await typeIn(h, "docker inspect -f '{{.NetworkSettings.IPAddress}}' test")).stdout.trim();
  if ((await typeIn(a, `docker exec test ping -c 2 -W 2 ${await ip(b)}`)).exitCode !== 0) {
    t.log("ping failed: the document's fallback (its iptables -F is left out: it would flush flannel's and Docker's rules)");
    for (const h of [a, b]) await say(t, h, 'iptables -P INPUT ACCEPT && iptables -P FORWARD ACCEPT');
  }
  await say(t, a, `docker exec test ping -c 3 ${await ip(b)}`, /3 packets transmitted, 3 (packets )?received/);
  await say(t, b, `docker exec test ping -c 3 ${await ip(a)}`, /3 packets transmitted, 3 (packets )?received/);
  await passes(t, 7);
  const status = await course('status');
  t.regex(status.stdout, /flannel-two-host \(§4\), on step 7 of 7/);

  // A student who deleted etcd's configuration: step 1's check says what is missing; reset goes back to the start.
  await say(t, a, 'rm /etc/etcd/etcd.conf');
  await failsOn(t, 1, /^hostA: \/etc\/etcd\/etcd\.conf exists$/, /the document's four ETCD_ settings/);
  const reset = await course('reset');
  t.is(reset.code, 0, reset.stdout.slice(-2000) + reset.stderr);
  t.regex((await course('status')).stdout, /on step 1 of 7/);
  await say(t, a, 'systemctl is-active flanneld', /inactive/, 3);
});
