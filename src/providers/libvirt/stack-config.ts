/**
 * The stack config labbench writes before `pulumi up`: the TestbedSpec (lab name, LAN, hosts)
 * plus the libvirt options and the lab's SSH keys, as the keys infra/config.ts reads. Pure.
 */
import type { OsImage } from '../../../infra/images.ts';
import type { TestbedSpec } from '../../testbed/testbed.ts';

import type { KeyPair } from '../../transports/ssh-keys.ts';

/** The per-lab keys: the login key and one pinned host key per VM. */
export interface LabKeys {
  privateKeyPath: string;
  publicKey: string;
  knownHostsPath: string;
  hostKeys: Record<string, KeyPair>;
}

/** Hypervisor and VM settings of the libvirt provider (each maps to a key documented in Pulumi.yaml). */
export interface LibvirtOptions {
  hypervisorUri?: string;
  domainType?: 'kvm' | 'qemu';
  networkMode?: 'nat' | 'none';
  vcpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
  storagePool?: string;
  storagePoolPath?: string;
  imageCacheDir?: string;
  /** Images by OS label, as labbench:images takes them (format and user may be left to the defaults). */
  images?: Record<string, Partial<OsImage> & { source: string }>;
}

/** One stack config entry as the Automation API's setAllConfig takes it. */
export interface ConfigEntry {
  value: string;
  secret?: boolean;
}

/** The full stack config for a spec; host private keys are secrets. */
export function stackConfigFor(spec: TestbedSpec, options: LibvirtOptions, keys: LabKeys): Record<string, ConfigEntry> {
  const config: Record<string, ConfigEntry> = {
    'labbench:labName': { value: spec.name },
    'labbench:lanCidr': { value: spec.subnet },
    'labbench:hosts': { value: JSON.stringify(spec.hosts.map((h) => ({ name: h.name, address: h.address, os: h.os, roles: h.roles }))) },
    'labbench:sshPublicKey': { value: keys.publicKey.trim() },
    'labbench:sshPrivateKeyPath': { value: keys.privateKeyPath },
    'labbench:knownHostsPath': { value: keys.knownHostsPath },
    'labbench:hostKeys': { value: JSON.stringify(keys.hostKeys), secret: true },
  };
  const scalars: [string, string | number | undefined][] = [
    ['hypervisorUri', options.hypervisorUri],
    ['domainType', options.domainType],
    ['networkMode', options.networkMode],
    ['vcpus', options.vcpus],
    ['memoryMiB', options.memoryMiB],
    ['diskGiB', options.diskGiB],
    ['storagePool', options.storagePool],
    ['storagePoolPath', options.storagePoolPath],
    ['imageCacheDir', options.imageCacheDir],
  ];
  for (const [key, value] of scalars) if (value !== undefined) config[`labbench:${key}`] = { value: String(value) };
  if (options.images !== undefined) config['labbench:images'] = { value: JSON.stringify(options.images) };
  return config;
}
