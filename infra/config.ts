/**
 * The stack configuration of the libvirt lab (keys documented in Pulumi.yaml), read into one
 * validated, plain LabConfig. Every problem is reported at once, before any resource exists.
 */
import { ConfigError } from '../src/errors.ts';
import { tryParseCidr, tryParseIp } from '../src/net/ipv4.ts';
import { DEFAULT_SUBNET, documentSpec, familyOf, type HostSpec, type OsFamily, type Role, validateSpec } from '../src/testbed/testbed.ts';
import { DEFAULT_IMAGES, DEFAULT_USERS, type OsImage } from './images.ts';
import type { DomainType } from './render/domain-xml.ts';
import type { NetworkMode } from './render/network-xml.ts';

/** What the program reads config from: pulumi.Config, or a plain map in tests. */
export interface ConfigSource {
  get(key: string): string | undefined;
  getObject<T>(key: string): T | undefined;
}

/** One VM of the lab, fully resolved. */
export interface HostVm {
  name: string;
  address: string;
  os: string;
  family: OsFamily;
  roles: Role[];
  /** libvirt domain name: `<lab>-<host>`, lower case (names are global on a hypervisor). */
  domainName: string;
  /** Fixed MAC, shared by the DHCP lease, the domain NIC and cloud-init's match. */
  mac: string;
  user: string;
  image: OsImage;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/** The whole lab as the program builds it. */
export interface LabConfig {
  labName: string;
  hypervisorUri: string;
  domainType: DomainType;
  lanCidr: string;
  networkMode: NetworkMode;
  hosts: HostVm[];
  sshPublicKey: string;
  sshPrivateKeyPath: string;
  knownHostsPath: string;
  storagePool: string;
  /** Directory of the pool the stack creates; '' when `storagePool` already exists and is not managed. */
  storagePoolPath: string;
  imageCacheDir: string;
  /** Check images, the hypervisor and KVM before declaring anything (infra/preflight.ts). */
  preflight: boolean;
}

/** Defaults of the scalar keys (Pulumi.yaml documents the same values; a unit test keeps them equal). */
export const CONFIG_DEFAULTS = {
  hypervisorUri: 'qemu:///system',
  domainType: 'kvm',
  lanCidr: DEFAULT_SUBNET,
  networkMode: 'nat',
  vcpus: 2,
  memoryMiB: 2048,
  diskGiB: 20,
  sshPrivateKeyPath: '~/.ssh/id_ed25519',
  knownHostsPath: '',
  imageCacheDir: '~/.cache/labbench/images',
  preflight: true,
} as const;

/** A host entry of labbench:hosts: the spec fields plus optional per-VM sizes. */
interface HostEntry extends Partial<HostSpec> {
  vcpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
}

/** The MAC labbench gives the VM at `address`: QEMU's 52:54:00 prefix and the address's last three bytes. */
export function macFor(address: string): string {
  const ip = tryParseIp(address);
  if (ip === undefined) throw new ConfigError(`"${address}" is not an IPv4 address`);
  return ['52', '54', '00', ...[16, 8, 0].map((shift) => ((ip >>> shift) & 255).toString(16).padStart(2, '0'))].join(':');
}

/** An image that boots its kernel directly needs all of kernel, initrd, their digests and the command line. */
function directBootProblems(host: string, os: string, image: OsImage): string[] {
  const keys = ['kernel', 'kernelSha256', 'initrd', 'initrdSha256', 'cmdline'] as const;
  const given = keys.filter((k) => image[k] !== undefined && image[k] !== '');
  if (given.length === 0 || given.length === keys.length) return [];
  const missing = keys.filter((k) => !given.includes(k));
  return [`host "${host}": the ${os} image boots its kernel directly but labbench:images.${os} lacks ${missing.join(', ')}`];
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? home + path.slice(1) : path;
}

/** Reads and validates the stack config; throws one ConfigError listing every problem. */
export function readLabConfig(source: ConfigSource, stackName: string, home: string): LabConfig {
  const problems: string[] = [];
  const text = (key: string, fallback: string) => source.get(key) ?? fallback;
  const count = (key: string, fallback: number, min: number): number => {
    const raw = source.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) problems.push(`labbench:${key} = ${JSON.stringify(raw)} must be a whole number ≥ ${min}`);
    return n;
  };

  const labName = text('labName', stackName);
  const hypervisorUri = text('hypervisorUri', CONFIG_DEFAULTS.hypervisorUri);
  if (!/^[a-z][a-z0-9+]*:\/\//.test(hypervisorUri))
    problems.push(`labbench:hypervisorUri ${JSON.stringify(hypervisorUri)} is not a libvirt URI (e.g. qemu:///system or qemu+ssh://user@host/system)`);
  const domainType = text('domainType', CONFIG_DEFAULTS.domainType);
  if (domainType !== 'kvm' && domainType !== 'qemu')
    problems.push(`labbench:domainType ${JSON.stringify(domainType)} must be kvm or qemu (qemu emulates, for hosts without usable KVM)`);
  const networkMode = text('networkMode', CONFIG_DEFAULTS.networkMode);
  if (networkMode !== 'nat' && networkMode !== 'none') problems.push(`labbench:networkMode ${JSON.stringify(networkMode)} must be nat or none`);
  const lanCidr = text('lanCidr', CONFIG_DEFAULTS.lanCidr);
  const vcpus = count('vcpus', CONFIG_DEFAULTS.vcpus, 1);
  const memoryMiB = count('memoryMiB', CONFIG_DEFAULTS.memoryMiB, 256);
  const diskGiB = count('diskGiB', CONFIG_DEFAULTS.diskGiB, 1);

  const preflight = text('preflight', String(CONFIG_DEFAULTS.preflight));
  if (preflight !== 'true' && preflight !== 'false') problems.push(`labbench:preflight ${JSON.stringify(preflight)} must be true or false`);

  const sshPublicKey = (source.get('sshPublicKey') ?? '').trim();
  if (sshPublicKey === '') problems.push('labbench:sshPublicKey is not set (the public key the login user accepts)');
  else if (!/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(sshPublicKey))
    problems.push('labbench:sshPublicKey is not an OpenSSH public key (ssh-ed25519 AAAA…)');

  // Without labbench:hosts, the document's two hosts keep their host numbers (.12 and .13) on any LAN.
  const entries: HostEntry[] = source.getObject<HostEntry[]>('hosts') ?? (tryParseCidr(lanCidr) ? documentSpec({ subnet: lanCidr }).hosts : []);
  let hosts: HostSpec[] = [];
  try {
    hosts = validateSpec({ name: labName, subnet: lanCidr, hosts: entries }).hosts;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.message.split('\n  - ').slice(1));
  }

  const imageOverrides = source.getObject<Record<string, Partial<OsImage>>>('images') ?? {};
  const imageFor = (os: string): OsImage | undefined => {
    const base = DEFAULT_IMAGES[os];
    const override = imageOverrides[os];
    if (!override) return base;
    // A new source brings its own checksum: never verify it against the default image's digest.
    const inherited = override.source !== undefined || !base ? {} : base;
    const merged = { format: 'qcow2' as const, user: DEFAULT_USERS[os] ?? '', ...inherited, ...override };
    return merged.source ? (merged as OsImage) : undefined;
  };

  const vms: HostVm[] = [];
  for (const h of hosts) {
    const entry = entries.find((e) => e.name === h.name) ?? {};
    const image = imageFor(h.os);
    if (!image) {
      const build = h.os === 'debian-12' ? ' — build it with `pnpm vm-image`, which prints that entry' : '';
      problems.push(`host "${h.name}": no VM image for ${h.os}; set labbench:images.${h.os} (source, sha256, user)${build}`);
      continue;
    }
    if (!image.sha256 && !image.checksumUrl) problems.push(`host "${h.name}": the ${h.os} image needs a sha256 or checksumUrl in labbench:images`);
    problems.push(...directBootProblems(h.name, h.os, image));
    vms.push({
      name: h.name,
      address: h.address,
      os: h.os,
      family: familyOf(h.os),
      roles: h.roles,
      domainName: `${labName}-${h.name}`.toLowerCase(),
      mac: macFor(h.address),
      user: image.user,
      image,
      vcpus: entry.vcpus ?? vcpus,
      memoryMiB: entry.memoryMiB ?? memoryMiB,
      diskGiB: entry.diskGiB ?? diskGiB,
    });
  }
  const macs = new Set(vms.map((v) => v.mac));
  if (macs.size !== vms.length) problems.push('two hosts share the last three bytes of their address, so their MACs would collide; change an address');

  if (problems.length > 0) {
    throw new ConfigError(`invalid stack config:\n  - ${problems.join('\n  - ')}`, {
      hint: 'fix the keys with `pulumi config set <key> <value>` (see Pulumi.yaml for each key); nothing was created',
    });
  }
  const storagePool = text('storagePool', labName);
  return {
    labName,
    hypervisorUri,
    domainType: domainType as DomainType,
    lanCidr,
    networkMode: networkMode as NetworkMode,
    hosts: vms,
    sshPublicKey,
    sshPrivateKeyPath: expandHome(text('sshPrivateKeyPath', CONFIG_DEFAULTS.sshPrivateKeyPath), home),
    knownHostsPath: expandHome(text('knownHostsPath', CONFIG_DEFAULTS.knownHostsPath), home),
    storagePool,
    storagePoolPath: text('storagePoolPath', `/var/lib/libvirt/images/${storagePool}`),
    imageCacheDir: expandHome(text('imageCacheDir', CONFIG_DEFAULTS.imageCacheDir), home),
    preflight: preflight === 'true',
  };
}
