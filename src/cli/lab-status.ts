/** `lab status` and `lab list` for every provider: each host's label beside what its machine says it runs, as text. */
import type { Inventory } from '../inventory.ts';
import { readMachineReleases } from '../lab.ts';
import { describeLabel, describeMachine, machineOsOf } from '../os/host-os.ts';
import type { LabStatus } from '../providers/provider.ts';
import { renderTable } from '../text-table.ts';

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
      const standIn = inventory.offers.standIn ? { standIn: true } : {};
      return { ...h, ...standIn, machineOs: release instanceof Error ? { error: release.message.split('\n')[0]! } : machineOsOf(info, release) };
    }),
  };
}

/** `lab list`: one row per lab. */
export function renderList(labs: readonly LabStatus[]): string {
  if (labs.length === 0) return 'no labs (pnpm lab up creates one)\n';
  return renderTable([['LAB', 'PROVIDER', 'SUBNET', 'HOSTS', 'STATE'], ...labs.map((l) => [l.name, l.provider, l.subnet, String(l.hosts.length), l.state])]);
}

/** The status as a small table, kind/containerlab style. */
export function renderStatus(s: LabStatus | undefined): string {
  if (!s) return '';
  const table = renderTable([
    ['HOST', 'ADDRESS', 'OS (label)', 'OS (machine)', 'RUNS AS', 'STATE'],
    ...s.hosts.map((h) => [h.name, h.address, describeLabel(h.os, h.standIn, h.machineOs), describeMachine(h, h.machineOs), h.platform, h.state]),
  ]).trimEnd();
  const details = Object.entries(s.details)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('\n');
  return `lab "${s.name}" (${s.provider}, ${s.subnet}): ${s.state}\n${table}\n${details}\n`;
}
