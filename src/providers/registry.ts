/** The providers labbench knows, by kind. The only place that switches on a provider kind. */
import { ConfigError } from '../errors.ts';
import { PROVIDER_KINDS, type Provider, type ProviderKind } from './provider.ts';

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
    default:
      throw new ConfigError(`the ${kind} provider is not available in this build`);
  }
}
