/**
 * TestbedSpec is the declarative description of a lab: its name, its LAN and its hosts.
 * Pure data plus validation; validation reports every problem at once, before anything is
 * created.
 */
import { ConfigError } from '../errors.ts';
import { contains, formatIp, isHostAddress, overlaps, tryParseCidr, tryParseIp, type Cidr } from '../net/ipv4.ts';

export type Role = 'etcd' | 'flannel';
export type OsFamily = 'debian' | 'rhel';

export const ROLES: readonly Role[] = ['etcd', 'flannel'];

/** OS labels labbench knows, with their family (package manager, config file layout). */
export const KNOWN_OS: Readonly<Record<string, OsFamily>> = {
  'rocky-8.10': 'rhel',
  'ubuntu-24.04': 'debian',
  'debian-12': 'debian',
};

export interface HostSpec {
  name: string;
  address: string;
  os: string;
  roles: Role[];
}

export interface TestbedSpec {
  name: string;
  /** The LAN every host sits on, IPv4 CIDR. */
  subnet: string;
  hosts: HostSpec[];
}

export const DEFAULT_LAB_NAME = 'labbench';
export const DEFAULT_SUBNET = '192.168.100.0/24';

/** ` --name N` for a command line that suggests a command about lab N (nothing for the default lab). */
export function nameFlag(lab: string): string {
  return lab === DEFAULT_LAB_NAME ? '' : ` --name ${lab}`;
}

/** Networks a lab LAN must not overlap: Docker's default bridge and the document's flannel network. */
export const RESERVED_NETWORKS: readonly { cidr: string; why: string }[] = [
  { cidr: '172.17.0.0/16', why: "Docker's default bridge (docker0)" },
  { cidr: '172.20.0.0/16', why: "the document's flannel network" },
];

/**
 * The course document's two hosts (chapter 4.1): host A runs etcd and flannel, host B flannel.
 * With another subnet the hosts keep their host numbers (.12 and .13).
 */
export function documentSpec(options: { name?: string; subnet?: string } = {}): TestbedSpec {
  const name = options.name ?? DEFAULT_LAB_NAME;
  const subnet = options.subnet ?? DEFAULT_SUBNET;
  const cidr = tryParseCidr(subnet);
  const at = (hostNumber: number) => (cidr ? formatIp(cidr.network + hostNumber) : `?.?.?.${hostNumber}`);
  return validateSpec({
    name,
    subnet,
    hosts: [
      { name: 'hostA', address: at(12), os: 'rocky-8.10', roles: ['etcd', 'flannel'] },
      { name: 'hostB', address: at(13), os: 'ubuntu-24.04', roles: ['flannel'] },
    ],
  });
}

const NAME = /^[a-z][a-z0-9-]{0,23}$/;
const HOST_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

/**
 * Checks a spec and returns it normalised. Throws one ConfigError listing every problem.
 * `taken` are networks already in use (other labs); the LAN must not overlap them.
 */
export function validateSpec(input: unknown, taken: readonly { cidr: string; why: string }[] = []): TestbedSpec {
  const problems: string[] = [];
  const spec = (typeof input === 'object' && input !== null ? input : {}) as Partial<TestbedSpec>;

  if (typeof spec.name !== 'string' || !NAME.test(spec.name)) {
    problems.push(`lab name ${JSON.stringify(spec.name)} must be 1–24 characters of a-z, 0-9 and '-', starting with a letter`);
  }

  let lan: Cidr | undefined;
  if (typeof spec.subnet !== 'string' || !(lan = tryParseCidr(spec.subnet))) {
    const loose = typeof spec.subnet === 'string' ? tryParseCidr(spec.subnet, false) : undefined;
    problems.push(
      `subnet ${JSON.stringify(spec.subnet)} is not an IPv4 network in CIDR form` +
        (loose ? ` (did you mean ${formatIp(loose.network)}/${loose.prefix}?)` : ''),
    );
  } else if (lan.prefix > 29 || lan.prefix < 8) {
    problems.push(`subnet ${spec.subnet} must have a prefix between /8 and /29`);
  } else {
    for (const r of [...RESERVED_NETWORKS, ...taken]) {
      const other = tryParseCidr(r.cidr);
      if (other && overlaps(lan, other)) problems.push(`subnet ${spec.subnet} overlaps ${r.cidr}, ${r.why}`);
    }
  }

  const hosts = Array.isArray(spec.hosts) ? spec.hosts : [];
  if (hosts.length === 0) problems.push('a lab needs at least one host');
  const names = new Set<string>();
  const addresses = new Set<number>();
  hosts.forEach((h, i) => {
    const label = typeof h?.name === 'string' ? `host "${h.name}"` : `host #${i + 1}`;
    if (typeof h?.name !== 'string' || !HOST_NAME.test(h.name)) {
      problems.push(`${label}: name must be letters, digits and '-', starting with a letter`);
    } else if (names.has(h.name.toLowerCase())) {
      problems.push(`${label}: duplicate host name`);
    } else names.add(h.name.toLowerCase());

    const ip = typeof h?.address === 'string' ? tryParseIp(h.address) : undefined;
    if (ip === undefined) problems.push(`${label}: address ${JSON.stringify(h?.address)} is not an IPv4 address`);
    else {
      if (lan && !contains(lan, ip)) problems.push(`${label}: address ${h.address} is outside the lab subnet ${spec.subnet}`);
      else if (lan && !isHostAddress(lan, ip)) problems.push(`${label}: address ${h.address} is the network or broadcast address of ${spec.subnet}`);
      else if (lan && ip === lan.network + 1) problems.push(`${label}: address ${h.address} is the LAN gateway (the first address is kept for it)`);
      if (addresses.has(ip)) problems.push(`${label}: duplicate address ${h.address}`);
      addresses.add(ip);
    }

    if (typeof h?.os !== 'string' || !(h.os in KNOWN_OS)) {
      problems.push(`${label}: os ${JSON.stringify(h?.os)} is not one of ${Object.keys(KNOWN_OS).join(', ')}`);
    }
    const roles = Array.isArray(h?.roles) ? h.roles : [];
    for (const r of roles) if (!ROLES.includes(r)) problems.push(`${label}: unknown role ${JSON.stringify(r)} (known: ${ROLES.join(', ')})`);
  });
  const etcdHosts = hosts.filter((h) => Array.isArray(h?.roles) && h.roles.includes('etcd'));
  if (etcdHosts.length > 1) problems.push(`only one host may have the etcd role (found ${etcdHosts.length})`);

  if (problems.length > 0) {
    throw new ConfigError(`invalid lab spec:\n  - ${problems.join('\n  - ')}`, {
      hint: 'fix the spec (or the --name/--subnet flags) and run the command again; nothing was created',
    });
  }
  return {
    name: spec.name!,
    subnet: spec.subnet!,
    hosts: hosts.map((h) => ({ name: h.name, address: h.address, os: h.os, roles: [...new Set(h.roles ?? [])] })),
  };
}

/** The LAN gateway address (first usable address) of a valid subnet. */
export function gatewayOf(subnet: string): string {
  const c = tryParseCidr(subnet);
  if (!c) throw new ConfigError(`subnet "${subnet}" is not valid`);
  return formatIp(c.network + 1);
}

export function familyOf(os: string): OsFamily {
  const f = KNOWN_OS[os];
  if (!f) throw new ConfigError(`unknown OS "${os}"`, { hint: `known: ${Object.keys(KNOWN_OS).join(', ')}` });
  return f;
}
