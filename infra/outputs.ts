/**
 * What the Pulumi program exports (infra/index.ts, one export per key): the program's contract
 * with labbench, which reads it back in src/providers/libvirt/stack-outputs.ts.
 */
import type { OsFamily, Role } from '../src/testbed/testbed.ts';

/** One VM as the stack exports it. */
export interface StackHostOutput {
  name: string;
  address: string;
  /** The document's OS label, e.g. "rocky-8.10". */
  os: string;
  family: OsFamily;
  /** Login user of the cloud image (rocky, ubuntu). */
  user: string;
  roles: Role[];
  /** libvirt domain name. */
  domain: string;
  mac: string;
}

/** Every output of the libvirt lab stack. */
export interface LabStackOutputs {
  lab: string;
  subnet: string;
  hypervisorUri: string;
  domainType: string;
  /** Private key that logs in as each host's user. */
  sshKeyPath: string;
  /** known_hosts with each VM's pinned host key; '' when the stack was given no host keys. */
  knownHostsPath: string;
  hosts: StackHostOutput[];
}
