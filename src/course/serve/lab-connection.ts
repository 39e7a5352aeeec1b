/**
 * The served lab's hosts, for topology reads and course actions: opened over SSH on first use,
 * and reopened once after a failure, from a freshly read inventory (a restarted lab has new
 * host keys and maybe new addresses).
 */
import { ConfigError, HostKeyError, ProviderError } from '../../errors.ts';
import type { Inventory } from '../../inventory.ts';
import { type Lab, openLab } from '../../lab.ts';

export interface LabConnection {
  /** The inventory as it is now; one clear error when the lab is down. */
  inventory(): Promise<Inventory>;
  use<T>(fn: (lab: Lab) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function labConnection(read: () => Promise<Inventory | undefined>): LabConnection {
  let opened: Promise<Lab> | undefined;
  const inventory = async (): Promise<Inventory> => {
    const inv = await read();
    if (!inv) throw new ConfigError('the lab is down', { hint: 'bring it up again (`pnpm lab up`), then reload the page' });
    return inv;
  };
  const open = () => (opened ??= inventory().then((inv) => openLab(inv, { transport: 'ssh' })));
  const reset = async () => {
    const old = opened;
    opened = undefined;
    if (old) await old.then((l) => l.close()).catch(() => undefined);
  };
  return {
    inventory,
    async use<T>(fn: (lab: Lab) => Promise<T>): Promise<T> {
      try {
        return await fn(await open());
      } catch (err) {
        // Only a lost or refused connection is worth a fresh one; anything else is the answer.
        if (!(err instanceof ProviderError || err instanceof HostKeyError)) throw err;
        await reset();
        return fn(await open());
      }
    },
    close: reset,
  };
}
