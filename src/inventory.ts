/**
 * Inventory is what a provider hands over once hosts exist: who they are and how to reach
 * them. Scenarios and the bench only ever see an Inventory, whichever provider made it.
 */
import type { OsFamily, Role } from './spec/testbed-spec.ts';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private key file (mode 0600). */
  keyPath: string;
  /** known_hosts file holding this host's pinned key. */
  knownHostsPath: string;
}

export interface ContainerEndpoint {
  /** Docker socket of the engine that runs the host container. */
  dockerHost: string;
  container: string;
}

export interface InventoryHost {
  name: string;
  /** Address on the lab LAN. */
  address: string;
  /** OS the course document gives this host (a label, e.g. "rocky-8.10"). */
  os: string;
  /** OS family that actually runs there; scenarios branch on this. */
  family: OsFamily;
  /** What actually runs there, e.g. "debian-12 system container" or "rocky-8.10 VM". */
  platform: string;
  roles: Role[];
  ssh?: SshEndpoint;
  container?: ContainerEndpoint;
}

export interface Inventory {
  lab: string;
  provider: 'local' | 'libvirt' | 'ssh';
  subnet: string;
  hosts: InventoryHost[];
}
