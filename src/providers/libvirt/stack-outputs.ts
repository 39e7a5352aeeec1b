/**
 * The libvirt lab's stack outputs (what infra/index.ts exports, typed in infra/outputs.ts) checked
 * and mapped onto the Inventory every scenario reads. Pure: the provider feeds it `stack.up()`/`stack.outputs()`.
 */

import type { LabStackOutputs, StackHostOutput } from '../../../infra/outputs.ts';
import { ProviderError } from '../../errors.ts';
import type { HostOffers, Inventory, InventoryHost } from '../../inventory.ts';
import { ROLES, type Role } from '../../testbed/testbed.ts';

/** The Automation API's output map ({key: {value, secret}}) as plain values. */
export function plainOutputs(outputs: Record<string, { value: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}

const badOutputs = (what: string) =>
  new ProviderError(`the libvirt lab stack outputs are not what labbench expects: ${what}`, {
    hint: 'the stack was made by another version of infra/: run `pnpm lab up --provider libvirt` again to refresh it',
  });

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw badOutputs(`${what} is not a string`);
  return value;
}

/** Checks the shape of raw stack outputs and returns them typed. */
export function parseStackOutputs(raw: Record<string, unknown>): LabStackOutputs {
  if (!Array.isArray(raw['hosts']) || raw['hosts'].length === 0) throw badOutputs('hosts is missing or empty');
  const hosts = raw['hosts'].map((h: unknown, i: number): StackHostOutput => {
    const o = (typeof h === 'object' && h !== null ? h : {}) as Record<string, unknown>;
    const at = `hosts[${i}]`;
    const family = str(o['family'], `${at}.family`);
    if (family !== 'rhel' && family !== 'debian') throw badOutputs(`${at}.family "${family}" is not rhel or debian`);
    const roles = Array.isArray(o['roles']) ? o['roles'] : [];
    for (const r of roles) if (!ROLES.includes(r as Role)) throw badOutputs(`${at}.roles has unknown role ${JSON.stringify(r)}`);
    return {
      name: str(o['name'], `${at}.name`),
      address: str(o['address'], `${at}.address`),
      os: str(o['os'], `${at}.os`),
      family,
      user: str(o['user'], `${at}.user`),
      roles: roles as Role[],
      domain: str(o['domain'], `${at}.domain`),
      mac: str(o['mac'], `${at}.mac`),
    };
  });
  return {
    lab: str(raw['lab'], 'lab'),
    subnet: str(raw['subnet'], 'subnet'),
    hypervisorUri: str(raw['hypervisorUri'], 'hypervisorUri'),
    domainType: str(raw['domainType'], 'domainType'),
    sshKeyPath: str(raw['sshKeyPath'], 'sshKeyPath'),
    knownHostsPath: str(raw['knownHostsPath'] ?? '', 'knownHostsPath'),
    hosts,
  };
}

/** A libvirt lab's hosts: VMs of the OS their labels name, with the OS's own package sources, on a LAN the hypervisor may route out. */
export const LIBVIRT_HOST_OFFERS: HostOffers = {
  standIn: false,
  online: true,
  labelSource: 'the lab spec, or point labbench:images.<label> at an image of that OS',
  packages: { yumStandIn: false, flannel: false },
};

/** Maps the stack outputs onto the Inventory: every VM reached over SSH as its image's user, host key pinned. */
export function inventoryFromStackOutputs(raw: Record<string, unknown>): Inventory {
  const out = parseStackOutputs(raw);
  if (out.knownHostsPath === '') {
    throw new ProviderError(`lab "${out.lab}" has no pinned SSH host keys (stack output knownHostsPath is empty)`, {
      hint: 'bring it up with `pnpm lab up --provider libvirt`, which pins them, or set labbench:hostKeys and labbench:knownHostsPath in the stack config',
    });
  }
  const hosts: InventoryHost[] = out.hosts.map((h) => ({
    name: h.name,
    address: h.address,
    os: h.os,
    platform: `${h.os} VM (libvirt ${out.domainType}, domain ${h.domain})`,
    roles: h.roles,
    ssh: { host: h.address, port: 22, user: h.user, keyPath: out.sshKeyPath, knownHostsPath: out.knownHostsPath },
  }));
  return { lab: out.lab, provider: 'libvirt', subnet: out.subnet, hosts, offers: LIBVIRT_HOST_OFFERS };
}
