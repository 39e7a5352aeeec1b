import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { type AgentOptions, flagEnvName, parseAgentCommand } from '../../src/flannel/options.ts';
import { expandExecArgs, parseEnvironmentFile, renderSysconfig, splitWords } from '../../src/flannel/sysconfig.ts';
import { EXEC_START_ARGS, renderFlanneldUnit } from '../../src/flannel/unit.ts';

const run = (argv: string[], env: Record<string, string> = {}): AgentOptions => {
  const command = parseAgentCommand(argv, env);
  if (command.kind !== 'run') throw new Error(`expected run, got ${command.kind}`);
  return command.options;
};

test('flanneld defaults', (t) => {
  const o = run([]);
  t.deepEqual(o.etcdEndpoints, ['http://127.0.0.1:4001', 'http://127.0.0.1:2379']);
  t.is(o.etcdPrefix, '/coreos.com/network');
  t.is(o.subnetFile, '/run/flannel/subnet.env');
  t.is(o.subnetLeaseRenewMargin, 60);
  t.is(o.ipMasq, false);
  t.is(o.iptablesForwardRules, true);
  t.is(o.iptablesResync, 5);
  t.is(o.etcdApi, 'auto');
  t.is(o.healthzPort, 0);
  t.is(o.readyFile, '/run/flannel/flanneld.ready');
  t.deepEqual(o.ifaces, []);
  t.is(o.publicIp, undefined);
});

test('Go flag syntax: -a=b, --a=b, -a b, bare and explicit booleans, repeated -iface', (t) => {
  const o = run([
    '-etcd-endpoints=http://192.168.100.12:2379',
    '--etcd-prefix',
    '/atomic.io/network',
    '-iface',
    'eth1',
    '--iface=10.0.0.5',
    '-ip-masq',
    '-iptables-forward-rules=false',
    '-public-ip=192.168.100.12',
    '-subnet-lease-renew-margin',
    '30',
    '-v=2',
  ]);
  t.deepEqual(o.etcdEndpoints, ['http://192.168.100.12:2379']);
  t.is(o.etcdPrefix, '/atomic.io/network');
  t.deepEqual(o.ifaces, ['eth1', '10.0.0.5']);
  t.is(o.ipMasq, true);
  t.is(o.iptablesForwardRules, false);
  t.is(o.publicIp, ((192 << 24) >>> 0) + (168 << 16) + (100 << 8) + 12);
  t.is(o.subnetLeaseRenewMargin, 30);
  t.is(o.verbosity, 2);
});

test('FLANNELD_* environment applies only to flags not on the command line', (t) => {
  const o = run(['-etcd-prefix=/cli'], { FLANNELD_ETCD_PREFIX: '/env', FLANNELD_IFACE: 'eth9', FLANNELD_IP_MASQ: 'true', FLANNELD_SUBNET_FILE: '/tmp/s.env' });
  t.is(o.etcdPrefix, '/cli');
  t.deepEqual(o.ifaces, ['eth9']);
  t.is(o.ipMasq, true);
  t.is(o.subnetFile, '/tmp/s.env');
  t.is(flagEnvName('subnet-lease-renew-margin'), 'FLANNELD_SUBNET_LEASE_RENEW_MARGIN');
});

test('empty -etcd-endpoints= / -etcd-prefix= fall back to the RPM wrapper legacy variables, then defaults', (t) => {
  const legacy = run(['-etcd-endpoints=', '-etcd-prefix='], { FLANNEL_ETCD: 'http://10.0.0.1:2379', FLANNEL_ETCD_KEY: '/old/network' });
  t.deepEqual(legacy.etcdEndpoints, ['http://10.0.0.1:2379']);
  t.is(legacy.etcdPrefix, '/old/network');
  const bare = run(['-etcd-endpoints=', '-etcd-prefix=']);
  t.deepEqual(bare.etcdEndpoints, ['http://127.0.0.1:4001', 'http://127.0.0.1:2379']);
  t.is(bare.etcdPrefix, '/coreos.com/network');
});

test('-version and -help', (t) => {
  t.deepEqual(parseAgentCommand(['-version'], {}), { kind: 'version' });
  t.deepEqual(parseAgentCommand(['--version'], {}), { kind: 'version' });
  const help = parseAgentCommand(['-h'], {});
  t.is(help.kind, 'help');
  if (help.kind === 'help') t.regex(help.text, /-etcd-api value\n\t.*\[labbench agent only\]/);
});

const bad: [string[], RegExp][] = [
  [['-nope'], /flag provided but not defined: -nope/],
  [['-etcd-prefix'], /flag needs an argument: -etcd-prefix/],
  [['extra'], /unexpected argument "extra"/],
  [['-ip-masq=yes'], /invalid boolean value "yes" for -ip-masq/],
  [['-subnet-lease-renew-margin=1440'], /Invalid subnet-lease-renew-margin option, out of acceptable range/],
  [['-subnet-lease-renew-margin=0'], /out of acceptable range/],
  [['-subnet-lease-renew-margin=ten'], /not an integer/],
  [['-etcd-endpoints=192.168.100.12:2379'], /not an http:\/\/ URL/],
  [['-etcd-endpoints=https://192.168.100.12:2379'], /uses https/],
  [['-etcd-cafile=/etc/ca.pem'], /-etcd-cafile is not supported/],
  [['-kube-subnet-mgr'], /-kube-subnet-mgr is not supported/],
  [['-public-ip=1.2.3'], /-public-ip "1\.2\.3" is not an IPv4 address/],
  [['-etcd-api=v4'], /-etcd-api must be auto, v2 or v3/],
  [['-etcd-prefix=atomic.io'], /must start with "\/"/],
  [['---x'], /bad flag syntax/],
];
for (const [argv, message] of bad) {
  test(`bad command line: ${argv.join(' ')}`, (t) => {
    const err = t.throws(() => parseAgentCommand(argv, {}), { instanceOf: ConfigError });
    t.regex(err.message, message);
  });
}

const RPM_DEFAULT = `# Flanneld configuration options

# etcd url location.  Point this to the server where etcd runs
FLANNEL_ETCD_ENDPOINTS="http://192.168.100.12:2379"

# etcd config key.  This is the configuration key that flannel queries
# For address range assignment
FLANNEL_ETCD_PREFIX="/atomic.io/network"

# Any additional options that you want to pass
#FLANNEL_OPTIONS=""
`;

test('the document’s /etc/sysconfig/flanneld parses like systemd reads it', (t) => {
  t.deepEqual(parseEnvironmentFile(RPM_DEFAULT), { FLANNEL_ETCD_ENDPOINTS: 'http://192.168.100.12:2379', FLANNEL_ETCD_PREFIX: '/atomic.io/network' });
});

test('environment file quoting, escapes, comments and continuations', (t) => {
  const env = parseEnvironmentFile(`A=plain value  \nB='single $x'\nC="dq \\"q\\" \\\\"\n; semicolon comment\nD=one\\\ntwo\nE=\nF=mixed"quoted part"tail\n`);
  t.deepEqual(env, { A: 'plain value', B: 'single $x', C: 'dq "q" \\', D: 'onetwo', E: '', F: 'mixedquoted parttail' });
  t.throws(() => parseEnvironmentFile('FOO="open'), { message: /unterminated quote/ });
  t.throws(() => parseEnvironmentFile('not an assignment'), { message: /not KEY=VALUE/ });
});

test('renderSysconfig round-trips through parseEnvironmentFile', (t) => {
  t.is(renderSysconfig({ etcdEndpoints: 'http://192.168.100.12:2379', etcdPrefix: '/atomic.io/network' }), RPM_DEFAULT);
  const text = renderSysconfig({ etcdEndpoints: 'http://a:2379,http://b:2379', etcdPrefix: '/p', options: '-iface=eth1 -ip-masq' });
  t.deepEqual(parseEnvironmentFile(text), {
    FLANNEL_ETCD_ENDPOINTS: 'http://a:2379,http://b:2379',
    FLANNEL_ETCD_PREFIX: '/p',
    FLANNEL_OPTIONS: '-iface=eth1 -ip-masq',
  });
});

test('the unit’s ExecStart expands the sysconfig file into flanneld’s argv', (t) => {
  const env = parseEnvironmentFile(
    renderSysconfig({ etcdEndpoints: 'http://192.168.100.12:2379', etcdPrefix: '/atomic.io/network', options: '-iface=eth1  -ip-masq' }),
  );
  const argv = expandExecArgs(EXEC_START_ARGS, env);
  t.deepEqual(argv, ['/usr/local/bin/flanneld', '-etcd-endpoints=http://192.168.100.12:2379', '-etcd-prefix=/atomic.io/network', '-iface=eth1', '-ip-masq']);
  const o = run(argv.slice(1), env);
  t.deepEqual([o.etcdEndpoints, o.etcdPrefix, o.ifaces, o.ipMasq], [['http://192.168.100.12:2379'], '/atomic.io/network', ['eth1'], true]);
});

test('ExecStart with a missing sysconfig file still yields a usable command line', (t) => {
  const argv = expandExecArgs(EXEC_START_ARGS, {});
  t.deepEqual(argv, ['/usr/local/bin/flanneld', '-etcd-endpoints=', '-etcd-prefix=']);
  t.deepEqual(run(argv.slice(1)).etcdEndpoints, ['http://127.0.0.1:4001', 'http://127.0.0.1:2379']);
});

test('splitWords honours quotes like systemd', (t) => {
  t.deepEqual(splitWords(` -iface=eth1 "-iface-regex=^en.*" '' `), ['-iface=eth1', '-iface-regex=^en.*', '']);
});

test('unit file: agent flavour waits for the ready file, upstream flavour is Type=notify', (t) => {
  const agent = renderFlanneldUnit();
  t.true(agent.includes('Type=simple\n'));
  t.true(agent.includes('EnvironmentFile=-/etc/sysconfig/flanneld\n'));
  // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's ${…}, written into the unit as is
  t.true(agent.includes('ExecStart=/usr/local/bin/flanneld -etcd-endpoints=${FLANNEL_ETCD_ENDPOINTS} -etcd-prefix=${FLANNEL_ETCD_PREFIX} $FLANNEL_OPTIONS\n'));
  t.true(agent.includes("ExecStartPost=/bin/sh -c 'while [ ! -e /run/flannel/flanneld.ready ]; do sleep 0.2; done'\n"));
  t.true(agent.includes('Before=docker.service\n'));
  t.true(agent.includes('RequiredBy=docker.service\n'));
  const upstream = renderFlanneldUnit({ binary: '/usr/bin/flanneld', readiness: 'sd-notify' });
  t.true(upstream.includes('Type=notify\n'));
  t.true(upstream.includes('ExecStart=/usr/bin/flanneld -etcd-endpoints='));
  t.false(upstream.includes('ExecStartPost'));
  t.false(upstream.includes('ready'));
});
