/**
 * `/run/flannel/subnet.env`, written in flannel's order (`WriteSubnetFile`, pkg/subnet/subnet.go)
 * and read back on restart like flanneld does (godotenv, then net.ParseCIDR). Pure.
 */
import { type Cidr, formatCidr, formatIp, tryParseCidr } from '../net/ipv4.ts';

/** flanneld's default `-subnet-file`. */
export const DEFAULT_SUBNET_FILE = '/run/flannel/subnet.env';

/** The values flanneld publishes for Docker. */
export interface SubnetEnv {
  network: Cidr;
  /** This host's leased subnet (network address form). */
  subnet: Cidr;
  mtu: number;
  ipMasq: boolean;
}

/** The file text; FLANNEL_SUBNET is the subnet's first usable address with the subnet's length. */
export function renderSubnetEnv(env: SubnetEnv): string {
  const lines = [
    `FLANNEL_NETWORK=${formatCidr(env.network)}`,
    `FLANNEL_SUBNET=${formatIp(env.subnet.network + 1)}/${env.subnet.prefix}`,
    `FLANNEL_MTU=${env.mtu}`,
    `FLANNEL_IPMASQ=${env.ipMasq}`,
  ];
  return lines.map((l) => `${l}\n`).join('');
}

/** What a previous run left in the file: the network and subnet, masked to network addresses. */
export interface PreviousSubnetEnv {
  network?: Cidr;
  subnet?: Cidr;
}

/** Reads FLANNEL_NETWORK and FLANNEL_SUBNET from subnet.env text; missing or malformed values are left out. */
export function parseSubnetEnv(text: string): PreviousSubnetEnv {
  const vars = parseDotenv(text);
  const out: PreviousSubnetEnv = {};
  const network = vars.get('FLANNEL_NETWORK');
  const subnet = vars.get('FLANNEL_SUBNET');
  // flannel reads these with net.ParseCIDR, which drops host bits: 10.5.72.1/24 → 10.5.72.0/24.
  const n = network === undefined ? undefined : tryParseCidr(network, false);
  const s = subnet === undefined ? undefined : tryParseCidr(subnet, false);
  if (n) out.network = n;
  if (s) out.subnet = s;
  return out;
}

/** The subset of dotenv syntax subnet.env files use: KEY=VALUE, optional quotes, `export`, comments. */
export function parseDotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!;
    else value = value.replace(/\s+#.*$/, '').trim();
    vars.set(m[1]!, value);
  }
  return vars;
}
