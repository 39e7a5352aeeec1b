/**
 * The ssh provider: the lab's hosts already exist and are described by an inventory file.
 * `up` only checks that every host answers over SSH with its pinned key, runs the OS its label
 * names (openLab refuses a contradiction) and takes commands as root; `down` closes nothing
 * and deletes nothing (the machines are not labbench's). Scenarios clean up after themselves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, ProviderError } from '../../errors.ts';
import type { Inventory } from '../../inventory.ts';
import { openLab } from '../../lab.ts';
import type { Progress } from '../../progress.ts';
import type { TestbedSpec } from '../../testbed/testbed.ts';
import type { LabStatus, PowerSupport, Provider, SnapshotSupport } from '../provider.ts';
import { parseInventoryFile, SSH_HOST_OFFERS, type SshInventoryFile } from './inventory-file.ts';

export class SshProvider implements Provider {
  readonly kind = 'ssh' as const;
  readonly offers = SSH_HOST_OFFERS;
  readonly power: PowerSupport = {
    available: false,
    reason: 'its hosts are existing machines that labbench reaches over SSH but does not own, so it neither powers them off nor on',
  };
  readonly snapshots: SnapshotSupport = {
    available: false,
    reason: 'its hosts are existing machines that labbench neither creates nor removes, so it cannot put their disks back as they were',
  };
  private readonly file: SshInventoryFile;

  constructor(inventoryPath: string | undefined) {
    if (!inventoryPath)
      throw new ConfigError('the ssh provider needs an inventory file', {
        hint: 'pass --inventory FILE (see src/providers/ssh/inventory-file.ts for the format)',
      });
    if (!existsSync(inventoryPath)) throw new ConfigError(`inventory file ${inventoryPath} does not exist`, { hint: 'check the --inventory path' });
    this.file = parseInventoryFile(readFileSync(inventoryPath, 'utf8'), inventoryPath);
    for (const h of this.file.inventory.hosts) {
      for (const [what, p] of [
        ['key', h.ssh!.keyPath],
        ['knownHosts', h.ssh!.knownHostsPath],
      ] as const) {
        if (!existsSync(p)) throw new ConfigError(`${h.name}: ${what} file ${p} does not exist`, { hint: 'fix the path in the inventory file' });
      }
    }
  }

  /** The lab described by the inventory file (its hosts, not the document's defaults). */
  get fixedSpec(): TestbedSpec {
    return this.file.spec;
  }

  async preflight(_spec: TestbedSpec): Promise<void> {}

  async up(_spec: TestbedSpec, progress: Progress): Promise<Inventory> {
    await progress.step(`Checking SSH to ${this.file.inventory.hosts.map((h) => h.name).join(', ')} (pinned host keys) and the OS they run`, async () => {
      const lab = await openLab(this.file.inventory, { transport: 'ssh' });
      try {
        for (const h of lab.hosts) {
          const r = await h.$({ nothrow: true, timeoutMs: 30_000 })`id -u`;
          if (r.text() !== '0')
            throw new ProviderError(`${h.name}: commands do not run as root (id -u printed ${r.text() || r.stderr.trim()})`, {
              hint: 'log in as root or give the user passwordless sudo',
            });
        }
      } finally {
        await lab.close();
      }
    });
    return this.file.inventory;
  }

  async inventory(name: string): Promise<Inventory | undefined> {
    return name === this.file.inventory.lab ? this.file.inventory : undefined;
  }

  async status(name: string): Promise<LabStatus | undefined> {
    if (name !== this.file.inventory.lab) return undefined;
    return {
      name,
      provider: 'ssh',
      subnet: this.file.inventory.subnet,
      state: 'up',
      hosts: this.file.inventory.hosts.map((h) => ({ name: h.name, address: h.address, os: h.os, platform: h.platform, state: 'existing' })),
      details: { note: 'existing machines: labbench neither creates nor removes them' },
    };
  }

  async down(_name: string, progress: Progress): Promise<void> {
    progress.note("ssh provider: the machines are not labbench's, nothing to remove");
  }
}
