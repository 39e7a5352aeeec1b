/**
 * TestbedSpec is the declarative description of a lab: its name, its LAN and its hosts.
 * Pure data plus validation; validation reports every problem at once, before anything is
 * created.
 */
import { ConfigError } from '../errors.ts';
import { type Cidr, contains, formatCidr, formatIp, isHostAddress, maskOf, overlaps, size, tryParseCidr, tryParseIp } from '../net/ipv4.ts';
import { labelFamily, labelForms, type OsFamily } from '../os/releases.ts';

export type { OsFamily } from '../os/releases.ts';
export type Role = 'etcd' | 'flannel';

export const ROLES: readonly Role[] = ['etcd', 'flannel'];

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

/** How many hosts `--hosts` may ask for. */
export const MIN_HOSTS = 2;
export const MAX_HOSTS = 64;
/** Host number of the document's host A on its LAN (192.168.100.12); the other hosts follow it. */
const FIRST_HOST_NUMBER = 12;

/**
 * The course document's lab (chapter 4.1): host A runs etcd and flannel, host B flannel; with
 * `hosts` > 2, more flannel hosts (hostC, hostD, …) on the addresses that follow. With another
 * subnet the hosts keep their host numbers (.12, .13, …).
 */
export function documentSpec(options: { name?: string; subnet?: string; hosts?: number } = {}): TestbedSpec {
  const name = options.name ?? DEFAULT_LAB_NAME;
  const subnet = options.subnet ?? DEFAULT_SUBNET;
  const count = options.hosts ?? MIN_HOSTS;
  const cidr = tryParseCidr(subnet);
  checkHostCount(count, cidr && { subnet, cidr });
  const at = (index: number) => (cidr ? formatIp(cidr.network + FIRST_HOST_NUMBER + index) : `?.?.?.${FIRST_HOST_NUMBER + index}`);
  const more = Array.from(
    { length: count - 2 },
    (_, i): HostSpec => ({ name: `host${letters(i + 2)}`, address: at(i + 2), os: 'debian-12', roles: ['flannel'] }),
  );
  return validateSpec({
    name,
    subnet,
    hosts: [
      { name: 'hostA', address: at(0), os: 'rocky-8.10', roles: ['etcd', 'flannel'] },
      { name: 'hostB', address: at(1), os: 'ubuntu-24.04', roles: ['flannel'] },
      ...more,
    ],
  });
}

/** A, B, …, Z, AA, AB, … for 0, 1, …, 25, 26, 27, … */
function letters(index: number): string {
  const head = Math.floor(index / 26);
  return (head > 0 ? letters(head - 1) : '') + String.fromCharCode(65 + (index % 26));
}

/** How many hosts fit on a LAN from the document's host number on (the broadcast address excluded). */
export function hostRoom(cidr: Cidr): number {
  return Math.max(0, size(cidr) - 1 - FIRST_HOST_NUMBER);
}

/** Rejects a host count out of range, or too many hosts for the subnet, naming the fix. */
function checkHostCount(count: number, lan: { subnet: string; cidr: Cidr } | undefined): void {
  if (!Number.isInteger(count) || count < MIN_HOSTS || count > MAX_HOSTS) {
    throw new ConfigError(`--hosts ${count}: a lab has ${MIN_HOSTS} to ${MAX_HOSTS} hosts`, {
      hint: `give a whole number from ${MIN_HOSTS} (the document's host A and host B) to ${MAX_HOSTS}`,
    });
  }
  if (lan && hostRoom(lan.cidr) < count) {
    let prefix = lan.cidr.prefix;
    while (prefix > 8 && hostRoom({ network: 0, prefix }) < count) prefix--;
    throw new ConfigError(
      `subnet ${lan.subnet} is too small for ${count} hosts: from .${FIRST_HOST_NUMBER} (the document's host A) on it has room for ${hostRoom(lan.cidr)}`,
      {
        hint: `use a /${prefix} or larger subnet, or fewer --hosts; nothing was created`,
      },
    );
  }
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

  const lan: Cidr | undefined = typeof spec.subnet === 'string' ? tryParseCidr(spec.subnet) : undefined;
  if (typeof spec.subnet !== 'string' || !lan) {
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

    if (typeof h?.os !== 'string' || !labelFamily(h.os)) {
      problems.push(`${label}: os ${JSON.stringify(h?.os)} is not one of the OS labels labbench has a path for: ${labelForms()}`);
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

/**
 * A LAN for a new lab when `preferred` is taken: the first block of the same size, counting on
 * from `preferred` and wrapping round within its /16 (192.168.100.0/24, 192.168.101.0/24, …),
 * that overlaps neither a reserved network nor a taken one. Undefined when none is left. Pure.
 */
export function pickFreeSubnet(preferred: string, taken: readonly { cidr: string }[]): string | undefined {
  const start = tryParseCidr(preferred);
  if (!start) return undefined;
  const blocked = [...RESERVED_NETWORKS, ...taken].flatMap((t) => tryParseCidr(t.cidr) ?? []);
  const within = Math.min(start.prefix, 16);
  const span = 2 ** (start.prefix - within);
  const base = (start.network & maskOf(within)) >>> 0;
  const offset = (start.network - base) / size(start);
  for (let k = 0; k < span; k++) {
    const candidate = { network: (base + ((offset + k) % span) * size(start)) >>> 0, prefix: start.prefix };
    if (!blocked.some((b) => overlaps(candidate, b))) return formatCidr(candidate);
  }
  return undefined;
}

/** The LAN gateway address (first usable address) of a valid subnet. */
export function gatewayOf(subnet: string): string {
  const c = tryParseCidr(subnet);
  if (!c) throw new ConfigError(`subnet "${subnet}" is not valid`);
  return formatIp(c.network + 1);
}

/** The family an OS label names (what a VM image of that label is provisioned as); the machine itself is checked when its lab is opened. */
export function familyOf(os: string): OsFamily {
  const f = labelFamily(os);
  if (!f) throw new ConfigError(`unknown OS "${os}"`, { hint: `OS labels: ${labelForms()}` });
  return f;
}
