/** The providers labbench knows, by kind. The only place that switches on a provider kind. */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import { PROVIDER_KINDS, type Provider, type ProviderKind } from './provider.ts';

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

export async function createProvider(kind: ProviderKind, options: ProviderOptions = {}): Promise<Provider> {
  const env = options.env ?? process.env;
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
