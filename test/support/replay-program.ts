/**
 * Running infra/ under `pulumi.runtime.setMocks` and then creating, for real, exactly what it
 * declared: the mock records each registration (type, name, inputs) and answers with placeholder
 * ids and paths; the replay calls the same dynamic providers `pulumi up` would (check, then
 * create) in registration order — an order in which every resource comes after the ones its
 * inputs depend on — substituting each placeholder with what the real create returned.
 * Only the engine is stood in for; the inputs are the program's own.
 */
import * as pulumi from '@pulumi/pulumi';
import { cloudInitDiskProvider } from '../../infra/libvirt/cloud-init-disk.ts';
import { domainProvider } from '../../infra/libvirt/domain.ts';
import { networkProvider } from '../../infra/libvirt/network.ts';
import { poolProvider } from '../../infra/libvirt/pool.ts';
import { volumeProvider } from '../../infra/libvirt/volume.ts';

type AnyProvider = pulumi.dynamic.ResourceProvider<Record<string, unknown>, Record<string, unknown>>;

const PROVIDERS: Record<string, AnyProvider> = {
  Network: networkProvider as unknown as AnyProvider,
  Pool: poolProvider as unknown as AnyProvider,
  Volume: volumeProvider as unknown as AnyProvider,
  CloudInitDisk: cloudInitDiskProvider as unknown as AnyProvider,
  Domain: domainProvider as unknown as AnyProvider,
};

/** The serialised provider; output properties the classes declare (`path`, `uuid`) arrive undefined and are dropped too. */
const NOT_INPUTS = ['__provider'];

/** One resource the program declared. */
export interface Declared {
  kind: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** One resource created for real. */
export interface Created extends Declared {
  id: string;
  outs: Record<string, unknown>;
}

const placeholder = (what: 'id' | 'path' | 'uuid', name: string) => `mock-${what}:${name}`;

/** Mocks that record every custom resource and answer with placeholders the replay later substitutes. */
export function recordingMocks(declared: Declared[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      if (args.custom) declared.push({ kind: args.type.split(':').pop() ?? args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
      return { id: placeholder('id', args.name), state: { ...args.inputs, path: placeholder('path', args.name), uuid: placeholder('uuid', args.name) } };
    },
    call: (args) => args.inputs,
  };
}

/** Secret inputs arrive wrapped ({sig, value}); the providers get the plain value, as from the engine. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrapSecrets(o['value']);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function substitute(value: unknown, real: Map<string, string>): unknown {
  if (typeof value === 'string') return real.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => substitute(v, real));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, real)]));
  return value;
}

/** The declared inputs of one resource as its provider takes them (placeholders still in). */
export function declaredInputs(d: Declared): Record<string, unknown> {
  const plain = unwrapSecrets(d.inputs) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(plain).filter(([k, v]) => !NOT_INPUTS.includes(k) && v !== undefined));
}

/**
 * Creates every declared resource with its provider, in order; `onCreated` sees each one as it
 * is made (a VM starts booting when its Domain is created). Returns what was created, also when
 * a later create fails (then the error is rethrown after `created` holds what exists).
 */
export async function createDeclared(declared: readonly Declared[], created: Created[], onCreated?: (c: Created) => void): Promise<void> {
  const real = new Map<string, string>();
  for (const d of declared) {
    const provider = PROVIDERS[d.kind];
    if (!provider) throw new Error(`the program declared a ${d.kind} (${d.name}), which has no provider here`);
    const inputs = substitute(declaredInputs(d), real) as Record<string, unknown>;
    const pending = JSON.stringify(inputs).match(/mock-(id|path|uuid):[^"]+/);
    if (pending) throw new Error(`${d.kind} ${d.name} depends on ${pending[0]}, which is not created yet`);
    const checked = await provider.check!({}, inputs);
    if (checked.failures?.length) throw new Error(`${d.kind} ${d.name}: check failed: ${JSON.stringify(checked.failures)}`);
    const { id, outs = {} } = await provider.create(checked.inputs!);
    real.set(placeholder('id', d.name), id);
    if (typeof outs['path'] === 'string') real.set(placeholder('path', d.name), outs['path']);
    if (typeof outs['uuid'] === 'string') real.set(placeholder('uuid', d.name), outs['uuid']);
    const c = { ...d, inputs: checked.inputs!, id, outs };
    created.push(c);
    onCreated?.(c);
  }
}

/** Deletes what was created, newest first (the reverse of the dependency order). */
export async function deleteCreated(created: Created[]): Promise<void> {
  while (created.length > 0) {
    const c = created[created.length - 1]!;
    await PROVIDERS[c.kind]!.delete!(c.id, c.outs);
    created.pop();
  }
}
