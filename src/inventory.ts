/**
 * Inventory is what a provider hands over once hosts exist: who they are and how to reach
 * them. Scenarios and the bench only ever see an Inventory, whichever provider made it.
 */
import type { Role } from './testbed/testbed.ts';

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
  /**
   * OS label of this host, e.g. "rocky-8.10". It must describe the machine (openLab reads the
   * machine's /etc/os-release and refuses a contradiction); scenarios branch on what the machine
   * says (Host.os), never on this label.
   */
  os: string;
  /**
   * The machine stands in for the labelled OS: the local provider's Debian system containers
   * play the document's Rocky and Ubuntu hosts. The label is then the document's, not the machine's.
   */
  standIn?: boolean;
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
