/**
 * The inventory file of the ssh provider: existing machines, how to log in, and their pinned
 * host keys. YAML or JSON. Pure parsing and validation; every problem is reported at once.
 *
 *   lab: course
 *   subnet: 192.168.100.0/24
 *   knownHosts: ./known_hosts        # the machines' host keys, checked on every connection
 *   hosts:
 *     - name: hostA
 *       address: 192.168.100.12
 *       os: rocky-8.10                  # what the machine runs (its /etc/os-release ID-VERSION_ID): checked
 *                                       # on every run; rocky-8.10, almalinux-9.4, ubuntu-24.04, debian-12, …
 *       roles: [etcd, flannel]
 *       user: rocky                     # non-root users need passwordless sudo
 *       key: ~/.ssh/id_ed25519
 *       port: 22                        # optional
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../errors.ts';
import type { HostOffers, Inventory } from '../../inventory.ts';
import { type TestbedSpec, validateSpec } from '../../testbed/testbed.ts';

export interface SshInventoryFile {
  spec: TestbedSpec;
  inventory: Inventory;
}

/**
 * Existing machines: what they run is what their labels say, labbench put nothing of its own on
 * them, and they are taken to reach the internet (a download that cannot says so itself).
 */
export const SSH_HOST_OFFERS: HostOffers = {
  standIn: false,
  online: true,
  labelSource: 'the inventory file (--inventory)',
  packages: { yumStandIn: false, flannel: false },
};

/** Parses the file's text; `path` is where it came from (relative paths resolve against its directory). */
export function parseInventoryFile(text: string, path: string): SshInventoryFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`inventory ${path} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'see the example at the top of src/providers/ssh/inventory-file.ts',
    });
  }
  const doc = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const hosts = Array.isArray(doc.hosts) ? (doc.hosts as Record<string, unknown>[]) : [];
  const problems: string[] = [];
  const base = dirname(path);
  const file = (p: unknown) => (typeof p === 'string' ? (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : isAbsolute(p) ? p : resolve(base, p)) : '');

  if (typeof doc.knownHosts !== 'string')
    problems.push("knownHosts: a known_hosts file with the machines' host keys is required (labbench never accepts an unknown key)");
  hosts.forEach((h, i) => {
    const label = typeof h.name === 'string' ? `host "${h.name}"` : `host #${i + 1}`;
    if (typeof h.user !== 'string' || h.user === '') problems.push(`${label}: user is required`);
    if (typeof h.key !== 'string' || h.key === '') problems.push(`${label}: key (path of the SSH private key) is required`);
    if (h.port !== undefined && !(Number.isInteger(h.port) && (h.port as number) > 0 && (h.port as number) < 65536))
      problems.push(`${label}: port must be 1–65535`);
  });
  if (problems.length > 0) {
    throw new ConfigError(`invalid inventory ${path}:\n  - ${problems.join('\n  - ')}`, {
      hint: 'see the example at the top of src/providers/ssh/inventory-file.ts',
    });
  }
  const spec = validateSpec({
    name: doc.lab ?? 'ssh',
    subnet: doc.subnet,
    hosts: hosts.map((h) => ({ name: h.name, address: h.address, os: h.os, roles: h.roles ?? [] })),
  });
  const knownHostsPath = file(doc.knownHosts);
  return {
    spec,
    inventory: {
      lab: spec.name,
      provider: 'ssh',
      subnet: spec.subnet,
      hosts: spec.hosts.map((h, i) => ({
        name: h.name,
        address: h.address,
        os: h.os,
        platform: 'existing machine',
        roles: h.roles,
        ssh: {
          host: h.address,
          port: (hosts[i]!.port as number | undefined) ?? 22,
          user: hosts[i]!.user as string,
          keyPath: file(hosts[i]!.key),
          knownHostsPath,
        },
      })),
      offers: SSH_HOST_OFFERS,
    },
  };
}
