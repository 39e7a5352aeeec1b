/** The lab a command is about, from its flags: an inventory's fixed hosts, a spec file, or the document's two hosts. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { overlaps, parseCidr, tryParseCidr } from '../net/ipv4.ts';
import type { Provider } from '../providers/provider.ts';
import { DEFAULT_LAB_NAME, DEFAULT_SUBNET, documentSpec, MAX_HOSTS, MIN_HOSTS, pickFreeSubnet, type TestbedSpec, validateSpec } from '../testbed/testbed.ts';

/** The flags that name a lab and where it runs, shared by the commands that bring one up or use one. */
export const LAB_FLAGS = {
  name: { type: 'string' },
  subnet: { type: 'string' },
  spec: { type: 'string' },
  provider: { type: 'string' },
  inventory: { type: 'string' },
} as const;

export interface LabFlags {
  name?: string;
  subnet?: string;
  spec?: string;
  /** --hosts N: the document's two hosts plus N−2 more flannel hosts. */
  hosts?: string;
}

export function labName(flags: LabFlags, provider: Provider): string {
  return provider.fixedSpec?.name ?? flags.name ?? process.env.LABBENCH_LAB ?? DEFAULT_LAB_NAME;
}

export function specFromFlags(flags: LabFlags, provider: Provider): TestbedSpec {
  if (provider.fixedSpec) return provider.fixedSpec;
  const name = labName(flags, provider);
  const hosts = flags.hosts !== undefined ? hostCount(flags, provider) : undefined;
  if (flags.spec) {
    let parsed: object;
    try {
      parsed = JSON.parse(readFileSync(flags.spec, 'utf8')) as object;
    } catch (err) {
      throw new ConfigError(`cannot read the lab spec ${flags.spec}: ${(err as Error).message}`, { hint: 'pass a JSON file with name, subnet and hosts' });
    }
    return validateSpec({ ...parsed, ...(flags.name ? { name } : {}) });
  }
  return documentSpec({ name, ...(flags.subnet ? { subnet: flags.subnet } : {}), ...(hosts !== undefined ? { hosts } : {}) });
}

/** --hosts as a number, or one clear error when it is not a whole number or does not go with the other flags. */
export function hostCount(flags: LabFlags, provider: Provider): number {
  const range = `a whole number from ${MIN_HOSTS} to ${MAX_HOSTS}`;
  if (provider.fixedSpec)
    throw new ConfigError(`--hosts does not apply to the ${provider.kind} provider: its hosts come from the inventory file`, { hint: 'leave --hosts out' });
  if (flags.spec)
    throw new ConfigError('--hosts and --spec both say which hosts the lab has', {
      hint: `give one of them: --spec FILE lists the hosts, --hosts N (${range}) extends the document's two`,
    });
  const text = flags.hosts ?? '';
  if (!/^\d+$/.test(text)) throw new ConfigError(`--hosts ${JSON.stringify(text)} is not a number of hosts`, { hint: `give ${range}` });
  return Number(text);
}

/**
 * specFromFlags, except that without --subnet (and --spec) a lab that does not exist yet gets a
 * free LAN when the default one is another lab's; `note` says which. An existing lab keeps its
 * own LAN.
 */
export async function resolveSpec(flags: LabFlags, provider: Provider, note: (text: string) => void): Promise<TestbedSpec> {
  if (provider.fixedSpec || flags.spec || flags.subnet || !provider.list) return specFromFlags(flags, provider);
  const name = labName(flags, provider);
  const labs = await provider.list();
  const own = labs.find((l) => l.name === name);
  if (own && own.subnet !== '?') return specFromFlags({ ...flags, subnet: own.subnet }, provider);
  const taken = labs.filter((l) => l.name !== name).map((l) => ({ cidr: l.subnet, lab: l.name }));
  const subnet = pickFreeSubnet(DEFAULT_SUBNET, taken);
  if (subnet === DEFAULT_SUBNET) return specFromFlags(flags, provider);
  if (!subnet)
    throw new ConfigError(`no free subnet left next to ${DEFAULT_SUBNET}: every /24 of 192.168.0.0/16 is another lab's`, {
      hint: 'give --subnet CIDR, or remove labs with `pnpm lab down --name N`',
    });
  const holders = taken
    .filter((t) => {
      const c = tryParseCidr(t.cidr);
      return c !== undefined && overlaps(parseCidr(DEFAULT_SUBNET), c);
    })
    .map((t) => `"${t.lab}"`);
  note(`subnet ${DEFAULT_SUBNET} is taken by lab ${holders.join(', ')}: lab "${name}" gets ${subnet} (give --subnet to choose)`);
  return specFromFlags({ ...flags, subnet }, provider);
}
