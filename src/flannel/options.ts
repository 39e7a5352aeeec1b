/**
 * flanneld's command line, parsed like flanneld parses it: Go `flag` syntax (`-name=value`,
 * `-name value`, `--name`, bare booleans), then `FLANNELD_<NAME>` environment variables for
 * every flag not given on the command line (coreos/pkg flagutil.SetFlagsFromEnv). Pure.
 */
import { ConfigError } from '../errors.ts';
import { tryParseIp } from '../net/ipv4.ts';
import { DEFAULT_SUBNET_FILE } from './subnet-env.ts';

/** How the agent chooses between etcd's v2 keys API and the v3 API (see etcd/select.ts). */
export type EtcdApiChoice = 'auto' | 'v2' | 'v3';

/** Everything the agent needs from its command line. */
export interface AgentOptions {
  etcdEndpoints: string[];
  etcdPrefix: string;
  etcdApi: EtcdApiChoice;
  /** `-iface` values in order: interface names or IPv4 addresses. */
  ifaces: string[];
  ifaceRegexes: string[];
  publicIp: number | undefined;
  subnetFile: string;
  /** Minutes before expiry at which the lease is renewed. */
  subnetLeaseRenewMargin: number;
  ipMasq: boolean;
  /** Seconds between iptables checks. */
  iptablesResync: number;
  iptablesForwardRules: boolean;
  healthzIp: string;
  /** 0 disables the health server. */
  healthzPort: number;
  /** File created once the subnet file is written and the data plane is up (systemd readiness). */
  readyFile: string;
  verbosity: number;
}

/** What the command line asks for. */
export type AgentCommand = { kind: 'run'; options: AgentOptions } | { kind: 'version' } | { kind: 'help'; text: string };

/** flanneld's defaults for the etcd flags. */
export const DEFAULT_ETCD_ENDPOINTS = 'http://127.0.0.1:4001,http://127.0.0.1:2379';
export const DEFAULT_ETCD_PREFIX = '/coreos.com/network';
/** Where the agent signals readiness; the systemd unit waits for it (see unit.ts). */
export const DEFAULT_READY_FILE = '/run/flannel/flanneld.ready';

type FlagKind = 'string' | 'bool' | 'int' | 'list';
type FlagValue = string | boolean | number | string[];

interface FlagDef {
  name: string;
  kind: FlagKind;
  default: FlagValue;
  help: string;
  /** Set for flanneld flags this agent recognises but cannot honour; giving them a value is an error. */
  unsupported?: string;
  /** Set for flags labbench's agent adds (flanneld has no such flag). */
  labbench?: true;
}

const FLAGS: readonly FlagDef[] = [
  { name: 'etcd-endpoints', kind: 'string', default: DEFAULT_ETCD_ENDPOINTS, help: 'a comma-delimited list of etcd endpoints' },
  { name: 'etcd-prefix', kind: 'string', default: DEFAULT_ETCD_PREFIX, help: 'etcd prefix' },
  { name: 'etcd-api', kind: 'string', default: 'auto', help: 'etcd API: auto, v2 or v3 (auto: where <prefix>/config exists, v3 if both)', labbench: true },
  { name: 'etcd-keyfile', kind: 'string', default: '', help: 'SSL key file used to secure etcd communication', unsupported: 'TLS to etcd' },
  { name: 'etcd-certfile', kind: 'string', default: '', help: 'SSL certification file used to secure etcd communication', unsupported: 'TLS to etcd' },
  { name: 'etcd-cafile', kind: 'string', default: '', help: 'SSL Certificate Authority file used to secure etcd communication', unsupported: 'TLS to etcd' },
  { name: 'etcd-username', kind: 'string', default: '', help: 'username for BasicAuth to etcd', unsupported: 'etcd authentication' },
  { name: 'etcd-password', kind: 'string', default: '', help: 'password for BasicAuth to etcd', unsupported: 'etcd authentication' },
  { name: 'iface', kind: 'list', default: [], help: 'interface to use (IP or name) for inter-host communication; may be repeated' },
  { name: 'iface-regex', kind: 'list', default: [], help: 'regex matching the interface (IP or name) to use; may be repeated' },
  {
    name: 'iface-can-reach',
    kind: 'string',
    default: '',
    help: 'detect the interface to use by a destination it can reach',
    unsupported: 'interface detection by reachability',
  },
  { name: 'public-ip', kind: 'string', default: '', help: 'IP accessible by other nodes for inter-host communication' },
  { name: 'public-ip6', kind: 'string', default: '', help: 'IPv6 accessible by other nodes', unsupported: 'IPv6' },
  { name: 'subnet-file', kind: 'string', default: DEFAULT_SUBNET_FILE, help: 'filename where env variables (subnet, MTU, ...) will be written to' },
  { name: 'subnet-lease-renew-margin', kind: 'int', default: 60, help: 'subnet lease renewal margin, in minutes, ranging from 1 to 1439' },
  { name: 'ip-masq', kind: 'bool', default: false, help: 'setup IP masquerade rule for traffic destined outside of overlay network' },
  { name: 'iptables-resync', kind: 'int', default: 5, help: 'resync period for iptables rules, in seconds' },
  { name: 'iptables-forward-rules', kind: 'bool', default: true, help: 'add default accept rules to FORWARD chain in iptables' },
  { name: 'healthz-ip', kind: 'string', default: '0.0.0.0', help: 'the IP address for healthz server to listen' },
  { name: 'healthz-port', kind: 'int', default: 0, help: 'the port for healthz server to listen (0 to disable)' },
  {
    name: 'kube-subnet-mgr',
    kind: 'bool',
    default: false,
    help: 'contact the Kubernetes API for subnet assignment instead of etcd',
    unsupported: 'the Kubernetes subnet manager',
  },
  {
    name: 'ready-file',
    kind: 'string',
    default: DEFAULT_READY_FILE,
    help: 'file created when the subnet file is written and the data plane is up',
    labbench: true,
  },
  { name: 'v', kind: 'int', default: 0, help: 'log level for V logs' },
  { name: 'version', kind: 'bool', default: false, help: 'print version and exit' },
];

const FLAG_BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));
const USAGE_HINT = 'run `flanneld -help` for the list of flags';

/**
 * Parses flanneld's arguments and environment. An empty `-etcd-endpoints=`/`-etcd-prefix=`
 * (what the unit's `${FLANNEL_ETCD_ENDPOINTS}` gives when the sysconfig file lacks it) counts
 * as not given, then falls back to FLANNELD_*, then to the RPM wrapper's legacy FLANNEL_ETCD /
 * FLANNEL_ETCD_KEY, then to flanneld's defaults.
 */
export function parseAgentCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AgentCommand {
  const values = new Map<string, FlagValue>();
  const setOnCommandLine = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (i + 1 < argv.length) throw positional(argv[i + 1]!);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') throw positional(arg);
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw new ConfigError(`bad flag syntax: ${arg}`, { hint: USAGE_HINT });
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    let value = eq === -1 ? undefined : body.slice(eq + 1);
    if ((name === 'h' || name === 'help') && !FLAG_BY_NAME.has(name)) return { kind: 'help', text: usage() };
    const def = FLAG_BY_NAME.get(name);
    if (!def) throw new ConfigError(`flag provided but not defined: -${name}`, { hint: USAGE_HINT });
    if (value === undefined && def.kind !== 'bool') {
      if (i + 1 >= argv.length) throw new ConfigError(`flag needs an argument: -${name}`, { hint: USAGE_HINT });
      value = argv[++i]!;
    }
    setFlag(values, def, value ?? 'true', `-${name}`);
    setOnCommandLine.add(name);
  }

  for (const def of FLAGS) {
    if (setOnCommandLine.has(def.name)) continue;
    const envName = flagEnvName(def.name);
    const value = env[envName];
    if (value !== undefined && value !== '') setFlag(values, def, value, envName);
  }

  if (values.get('version') === true) return { kind: 'version' };
  return { kind: 'run', options: buildOptions(values, env) };
}

/** `FLANNELD_` + the flag name upper-cased with `-` and `.` as `_`, like flagutil.SetFlagsFromEnv. */
export function flagEnvName(flag: string): string {
  return `FLANNELD_${flag.toUpperCase().replace(/[-.]/g, '_')}`;
}

function positional(arg: string): ConfigError {
  return new ConfigError(`unexpected argument "${arg}": flanneld takes only flags`, { hint: USAGE_HINT });
}

function setFlag(values: Map<string, FlagValue>, def: FlagDef, text: string, source: string): void {
  switch (def.kind) {
    case 'string':
      values.set(def.name, text);
      return;
    case 'list': {
      const list = (values.get(def.name) as string[] | undefined) ?? [];
      values.set(def.name, [...list, text]);
      return;
    }
    case 'bool': {
      const b = parseGoBool(text);
      if (b === undefined) throw new ConfigError(`invalid boolean value "${text}" for ${source}`, { hint: 'use true or false' });
      values.set(def.name, b);
      return;
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(text.trim())) throw new ConfigError(`invalid value "${text}" for ${source}: not an integer`);
      values.set(def.name, Number(text.trim()));
      return;
    }
  }
}

/** strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False. */
function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

function buildOptions(values: Map<string, FlagValue>, env: Readonly<Record<string, string | undefined>>): AgentOptions {
  for (const def of FLAGS) {
    const value = values.get(def.name);
    if (def.unsupported && value !== undefined && value !== def.default && value !== '') {
      throw new ConfigError(`-${def.name} is not supported: labbench’s flannel agent does not implement ${def.unsupported}`, {
        hint: `remove -${def.name} from FLANNEL_OPTIONS, or install a real flanneld`,
      });
    }
  }
  const str = (name: string): string => (values.get(name) as string | undefined) ?? (FLAG_BY_NAME.get(name)!.default as string);
  const int = (name: string): number => (values.get(name) as number | undefined) ?? (FLAG_BY_NAME.get(name)!.default as number);
  const bool = (name: string): boolean => (values.get(name) as boolean | undefined) ?? (FLAG_BY_NAME.get(name)!.default as boolean);
  const list = (name: string): string[] => (values.get(name) as string[] | undefined) ?? [];

  const endpointsText = nonEmpty(values.get('etcd-endpoints')) ?? nonEmpty(env.FLANNEL_ETCD) ?? DEFAULT_ETCD_ENDPOINTS;
  const etcdPrefix = nonEmpty(values.get('etcd-prefix')) ?? nonEmpty(env.FLANNEL_ETCD_KEY) ?? DEFAULT_ETCD_PREFIX;
  const etcdEndpoints = endpointsText
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const endpoint of etcdEndpoints) checkEndpoint(endpoint);
  if (!etcdPrefix.startsWith('/')) {
    throw new ConfigError(`-etcd-prefix "${etcdPrefix}" must start with "/"`, { hint: 'e.g. -etcd-prefix=/atomic.io/network' });
  }

  const etcdApi = str('etcd-api');
  if (etcdApi !== 'auto' && etcdApi !== 'v2' && etcdApi !== 'v3') {
    throw new ConfigError(`-etcd-api must be auto, v2 or v3, not "${etcdApi}"`, { hint: 'leave it out to detect the API from where <prefix>/config exists' });
  }

  const publicIpText = str('public-ip');
  const publicIp = publicIpText === '' ? undefined : tryParseIp(publicIpText);
  if (publicIpText !== '' && publicIp === undefined) {
    throw new ConfigError(`-public-ip "${publicIpText}" is not an IPv4 address`, {
      hint: 'give the address other hosts reach this one at, e.g. 192.168.100.12',
    });
  }

  const renewMargin = int('subnet-lease-renew-margin');
  if (renewMargin >= 24 * 60 || renewMargin <= 0) {
    throw new ConfigError('Invalid subnet-lease-renew-margin option, out of acceptable range', { hint: 'use a number of minutes from 1 to 1439 (default 60)' });
  }
  const resync = int('iptables-resync');
  if (resync <= 0) throw new ConfigError('-iptables-resync must be a positive number of seconds', { hint: 'the default is 5' });
  const healthzPort = int('healthz-port');
  if (healthzPort < 0 || healthzPort > 65535) throw new ConfigError(`-healthz-port ${healthzPort} is not a TCP port`, { hint: 'use 0 (off) or 1–65535' });
  for (const re of list('iface-regex')) {
    try {
      new RegExp(re);
    } catch {
      throw new ConfigError(`-iface-regex "${re}" is not a valid regular expression`);
    }
  }

  return {
    etcdEndpoints,
    etcdPrefix,
    etcdApi,
    ifaces: list('iface'),
    ifaceRegexes: list('iface-regex'),
    publicIp,
    subnetFile: str('subnet-file'),
    subnetLeaseRenewMargin: renewMargin,
    ipMasq: bool('ip-masq'),
    iptablesResync: resync,
    iptablesForwardRules: bool('iptables-forward-rules'),
    healthzIp: str('healthz-ip'),
    healthzPort,
    readyFile: str('ready-file'),
    verbosity: int('v'),
  };
}

function nonEmpty(value: FlagValue | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function checkEndpoint(endpoint: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ConfigError(`etcd endpoint "${endpoint}" is not an http:// URL`, { hint: 'write endpoints like http://192.168.100.12:2379, comma-separated' });
  }
  if (url.protocol === 'https:') {
    throw new ConfigError(`etcd endpoint "${endpoint}" uses https, which labbench’s flannel agent does not implement`, {
      hint: 'let etcd listen on plain http on the lab network (ETCD_LISTEN_CLIENT_URLS=http://…:2379)',
    });
  }
}

/** The `-help` text: every flag with its default, labbench-only flags marked. */
export function usage(): string {
  const lines = ['Usage: flanneld [OPTION]...'];
  for (const def of FLAGS) {
    const shown = Array.isArray(def.default) ? '' : def.default === '' ? '' : ` (default ${JSON.stringify(def.default)})`;
    const note = def.labbench ? ' [labbench agent only]' : def.unsupported ? ' [not supported by this agent]' : '';
    lines.push(`  -${def.name}${def.kind === 'bool' ? '' : ' value'}`, `\t${def.help}${shown}${note}`);
  }
  lines.push('', 'Every flag can also be set with FLANNELD_<FLAG> in the environment, e.g. FLANNELD_IFACE=eth1.');
  return lines.join('\n');
}
