/**
 * "lab down leaves nothing behind", asserted from two machine snapshots. The machine is shared
 * while tests run, so of the processes only the kinds a lab starts count (engines, shims, the
 * hosts' systemd, sshd, etcd, flanneld): another user's editor or compiler is not residue.
 */
import type { ExecutionContext } from 'ava';
import { diff, type MachineSnapshot } from './machine-snapshot.ts';

const LAB_PROCESS = /\b(dockerd|containerd|containerd-shim\S*|runc|systemd\S*|sshd|etcd|flanneld|iperf3|udp-relay\S*)$/;

export function assertNoResidue(t: ExecutionContext, before: MachineSnapshot, after: MachineSnapshot): void {
  const d = diff(before, after);
  const processes = (d.processes?.added ?? []).filter((p) => LAB_PROCESS.test(p));
  delete d.processes;
  t.deepEqual(d, {}, `the machine changed: ${JSON.stringify(d, null, 2)}`);
  t.deepEqual(processes, [], `lab processes left running: ${processes.join(', ')}`);
}
