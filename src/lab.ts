/**
 * Opening a lab's hosts: one Host per inventory entry, reached over SSH with the pinned host
 * key, or by container exec when SSH cannot reach it (never when the key is wrong).
 */
import { HostKeyError, LabbenchError, ProviderError } from './errors.ts';
import { Host } from './host.ts';
import type { Inventory, InventoryHost } from './inventory.ts';
import { ContainerExecTransport } from './transports/container-exec.ts';
import { SshTransport } from './transports/ssh.ts';
import type { Transport } from './transports/transport.ts';

/** A lab's hosts by name, plus the inventory they came from. */
export interface Lab {
  inventory: Inventory;
  hosts: Host[];
  host(name: string): Host;
  close(): Promise<void>;
}

export async function openLab(inventory: Inventory, options: { transport?: 'ssh' | 'exec' | 'auto' } = {}): Promise<Lab> {
  const opened = await Promise.allSettled(inventory.hosts.map((h) => openHost(h, options.transport ?? 'auto')));
  const hosts = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    // Do not leave the other hosts' connections open behind the error.
    await Promise.all(hosts.map((h) => h.close()));
    throw failure.reason;
  }
  return {
    inventory,
    hosts,
    host(name: string): Host {
      const info = findHost(inventory, name);
      return hosts.find((h) => h.name === info.name)!;
    },
    async close() {
      await Promise.all(hosts.map((h) => h.close()));
    },
  };
}

/** The inventory entry of a host by name (case-insensitive), or one clear error naming the hosts there are. */
export function findHost(inventory: Inventory, name: string): InventoryHost {
  const found = inventory.hosts.find((h) => h.name === name) ?? inventory.hosts.find((h) => h.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw new LabbenchError(`no host "${name}" in lab "${inventory.lab}"`, { hint: `its hosts are ${inventory.hosts.map((h) => h.name).join(', ')}` });
  }
  return found;
}

async function openHost(info: InventoryHost, mode: 'ssh' | 'exec' | 'auto'): Promise<Host> {
  if (mode === 'exec' || (!info.ssh && info.container)) return new Host(info, exec(info));
  if (!info.ssh) throw new ProviderError(`the inventory gives no way to reach ${info.name}`);
  const ssh = new SshTransport(info.name, info.ssh);
  if (mode === 'ssh' || !info.container) return new Host(info, ssh);
  try {
    const probe = await ssh.exec('true', { timeoutMs: 15_000 });
    if (probe.exitCode === 0) return new Host(info, ssh);
  } catch (err) {
    if (err instanceof HostKeyError) throw err;
  }
  await ssh.close();
  return new Host(info, exec(info));
}

function exec(info: InventoryHost): Transport {
  if (!info.container) throw new ProviderError(`${info.name} is not a container; it can only be reached over SSH`);
  return new ContainerExecTransport(info.name, info.container);
}
