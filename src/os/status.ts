/** `lab status` for every provider: each host's label beside what its machine says it runs. */
import type { Inventory } from '../inventory.ts';
import { readMachineReleases } from '../lab.ts';
import type { LabStatus } from '../providers/provider.ts';
import { machineOsOf } from './host-os.ts';

/** The status with each host's machine OS filled in; the machines are asked only when the lab is up. */
export async function withMachineOs(status: LabStatus, inventory: Inventory | undefined): Promise<LabStatus> {
  if (status.state !== 'up' || !inventory) return status;
  const releases = await readMachineReleases(inventory);
  return {
    ...status,
    hosts: status.hosts.map((h) => {
      const info = inventory.hosts.find((i) => i.name === h.name);
      const release = releases.get(h.name);
      if (!info || !release) return h;
      const standIn = info.standIn ? { standIn: true } : {};
      return { ...h, ...standIn, machineOs: release instanceof Error ? { error: release.message.split('\n')[0]! } : machineOsOf(info, release) };
    }),
  };
}
