/** The lab a command is about, from its flags: an inventory's fixed hosts, a spec file, or the document's two hosts. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import type { Provider } from '../providers/provider.ts';
import { DEFAULT_LAB_NAME, documentSpec, validateSpec, type TestbedSpec } from '../spec/testbed-spec.ts';

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
}

export function labName(flags: LabFlags, provider: Provider): string {
  return provider.fixedSpec?.name ?? flags.name ?? process.env.LABBENCH_LAB ?? DEFAULT_LAB_NAME;
}

export function specFromFlags(flags: LabFlags, provider: Provider): TestbedSpec {
  if (provider.fixedSpec) return provider.fixedSpec;
  const name = labName(flags, provider);
  if (flags.spec) {
    let parsed: object;
    try {
      parsed = JSON.parse(readFileSync(flags.spec, 'utf8')) as object;
    } catch (err) {
      throw new ConfigError(`cannot read the lab spec ${flags.spec}: ${(err as Error).message}`, { hint: 'pass a JSON file with name, subnet and hosts' });
    }
    return validateSpec({ ...parsed, ...(flags.name ? { name } : {}) });
  }
  return documentSpec({ name, ...(flags.subnet ? { subnet: flags.subnet } : {}) });
}
