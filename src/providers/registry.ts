/** The providers labbench knows, by kind. The only place that switches on a provider kind. */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import { PROVIDER_KINDS, type ProviderKind } from '../inventory.ts';
import { withLabLock } from './lab-lock.ts';
import type { LabSnapshots, PowerSupport, Provider, SnapshotSupport } from './provider.ts';

/** The repository root, where Pulumi.yaml is (the libvirt provider's Pulumi workDir). */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProviderOptions {
  /** Inventory file for the ssh provider. */
  inventoryFile?: string;
  env?: NodeJS.ProcessEnv;
}

export function parseProviderKind(value: string | undefined): ProviderKind {
  const kind = value ?? 'local';
  if (!(PROVIDER_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(`unknown provider "${kind}"`, { hint: `providers are ${PROVIDER_KINDS.join(', ')}` });
  }
  return kind as ProviderKind;
}

/** The provider of that kind; its up, down, stop and start hold the lab's lock (lab-lock.ts). */
export async function createProvider(kind: ProviderKind, options: ProviderOptions = {}): Promise<Provider> {
  const env = options.env ?? process.env;
  return lockingLabs(await providerOf(kind, options, env), env);
}

async function providerOf(kind: ProviderKind, options: ProviderOptions, env: NodeJS.ProcessEnv): Promise<Provider> {
  switch (kind) {
    case 'local': {
      const { LocalProvider } = await import('./local/provider.ts');
      return new LocalProvider(env);
    }
    case 'libvirt': {
      const { createLibvirtProvider } = await import('./libvirt/libvirt-provider.ts');
      return createLibvirtProvider({ repoRoot: REPO_ROOT, env });
    }
    case 'ssh': {
      const { SshProvider } = await import('./ssh/provider.ts');
      return new SshProvider(options.inventoryFile);
    }
  }
}

/** `provider` with each operation that changes a lab (or its snapshots) run under that lab's lock. */
export function lockingLabs(provider: Provider, env: NodeJS.ProcessEnv = process.env): Provider {
  const locked = <T>(name: string, fn: () => Promise<T>) => withLabLock(name, fn, { env });
  const wrapper: Provider = Object.create(provider) as Provider;
  return Object.assign(wrapper, {
    up: (spec, progress, options) => locked(spec.name, () => provider.up(spec, progress, options)),
    down: (name, progress) => locked(name, () => provider.down(name, progress)),
    power: lockingPower(provider.power, locked),
    snapshots: lockingSnapshots(provider.snapshots, locked),
  } satisfies Partial<Provider>);
}

/** Stopping and starting a lab hold its lock. */
function lockingPower(support: PowerSupport, locked: <T>(name: string, fn: () => Promise<T>) => Promise<T>): PowerSupport {
  if (!support.available) return support;
  return {
    available: true,
    stop: (name, progress) => locked(name, () => support.stop(name, progress)),
    start: (name, progress) => locked(name, () => support.start(name, progress)),
  };
}

/** Snapshot operations that freeze, replace or add to a lab hold its lock; reading a file does not. */
function lockingSnapshots(support: SnapshotSupport, locked: <T>(name: string, fn: () => Promise<T>) => Promise<T>): SnapshotSupport {
  if (!support.available) return support;
  const s = support.snapshots;
  const snapshots: LabSnapshots = Object.assign(Object.create(s) as LabSnapshots, {
    save: (lab, name, progress, meta) => locked(lab, () => s.save(lab, name, progress, meta)),
    restore: (lab, name, progress) => locked(lab, () => s.restore(lab, name, progress)),
    remove: (lab, name, progress) => locked(lab, () => s.remove(lab, name, progress)),
    exportFile: (lab, name, file, progress, options) => locked(lab, () => s.exportFile(lab, name, file, progress, options)),
    importFile: (lab, file, progress, options) => locked(lab, () => s.importFile(lab, file, progress, options)),
  } satisfies Partial<LabSnapshots>);
  return { available: true, snapshots };
}
