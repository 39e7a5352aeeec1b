/**
 * Opening a lab's hosts: one Host per inventory entry, reached over SSH with the pinned host
 * key, or by container exec when SSH cannot reach it (never when the key is wrong). Each
 * machine's /etc/os-release is read once, first: a host whose label contradicts its machine, or
 * whose OS labbench has no path for, stops the opening with one error before anything else runs.
 */
import { HostKeyError, LabbenchError, ProviderError } from './errors.ts';
import { Host } from './host.ts';
import type { Inventory, InventoryHost } from './inventory.ts';
import { checkHostOs, type HostOsFailure, hostOsError } from './os/host-os.ts';
import { type OsRelease, parseOsRelease, READ_OS_RELEASE } from './os/os-release.ts';
import type { HostOs } from './os/releases.ts';
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

type TransportMode = 'ssh' | 'exec' | 'auto';

export async function openLab(inventory: Inventory, options: { transport?: TransportMode } = {}): Promise<Lab> {
  const opened = await Promise.allSettled(inventory.hosts.map((h) => reach(h, options.transport ?? 'auto')));
  const reached = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  // Do not leave the other hosts' connections open behind an error.
  const closeAll = () => Promise.all(reached.map((r) => r.transport.close()));
  const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await closeAll();
    throw failure.reason;
  }
  const checks = reached.map((r) => checkHostOs({ ...r.info, standIn: inventory.offers.standIn }, r.release));
  const wrong = checks.filter((c): c is HostOsFailure => !c.ok);
  if (wrong.length > 0) {
    await closeAll();
    throw hostOsError(inventory.lab, inventory.offers.labelSource, wrong);
  }
  const hosts = reached.map((r, i) => new Host(r.info, r.transport, (checks[i] as { os: HostOs }).os));
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

/** Each host's os-release, or why it could not be read; for `lab status`, which shows every host whatever one says. */
export async function readMachineReleases(inventory: Inventory): Promise<Map<string, OsRelease | Error>> {
  const read = await Promise.allSettled(
    inventory.hosts.map(async (h) => {
      const { transport, release } = await reach(h, 'auto');
      await transport.close();
      return release;
    }),
  );
  return new Map(
    inventory.hosts.map((h, i) => {
      const r = read[i]!;
      return [h.name, r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason))];
    }),
  );
}

/** The inventory entry of a host by name (case-insensitive), or one clear error naming the hosts there are. */
export function findHost(inventory: Inventory, name: string): InventoryHost {
  const found = inventory.hosts.find((h) => h.name === name) ?? inventory.hosts.find((h) => h.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw new LabbenchError(`no host "${name}" in lab "${inventory.lab}"`, { hint: `its hosts are ${inventory.hosts.map((h) => h.name).join(', ')}` });
  }
  return found;
}

interface Reached {
  info: InventoryHost;
  transport: Transport;
  release: OsRelease;
}

/** A way into the host and what its os-release says: the first command labbench runs there. */
async function reach(info: InventoryHost, mode: TransportMode): Promise<Reached> {
  const transport = await connect(info, mode);
  try {
    const r = await transport.exec(READ_OS_RELEASE, { timeoutMs: 30_000 });
    if (r.exitCode !== 0) {
      throw new ProviderError(`cannot read /etc/os-release on ${info.name} (${r.stderr.trim() || (r.signal ?? `exit ${r.exitCode}`)})`, {
        hint: 'labbench reads it to know which OS family it drives; every systemd-based distribution has it',
      });
    }
    return { info, transport, release: parseOsRelease(r.stdout) };
  } catch (err) {
    await transport.close();
    throw err;
  }
}

async function connect(info: InventoryHost, mode: TransportMode): Promise<Transport> {
  if (mode === 'exec' || (!info.ssh && info.container)) return exec(info);
  if (!info.ssh) throw new ProviderError(`the inventory gives no way to reach ${info.name}`);
  const ssh = new SshTransport(info.name, info.ssh);
  if (mode === 'ssh' || !info.container) return ssh;
  try {
    const probe = await ssh.exec('true', { timeoutMs: 15_000 });
    if (probe.exitCode === 0) return ssh;
  } catch (err) {
    if (err instanceof HostKeyError) throw err;
  }
  await ssh.close();
  return exec(info);
}

function exec(info: InventoryHost): Transport {
  if (!info.container) throw new ProviderError(`${info.name} is not a container; it can only be reached over SSH`);
  return new ContainerExecTransport(info.name, info.container);
}
