/**
 * Inventory is what a provider hands over once hosts exist: who they are and how to reach
 * them. Scenarios and the bench only ever see an Inventory, whichever provider made it.
 */
import type { Role } from './testbed/testbed.ts';

/** The provider kinds labbench knows; the registry (src/providers/registry.ts) maps each to its code. */
export const PROVIDER_KINDS = ['local', 'libvirt', 'ssh'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/**
 * What a lab's hosts offer beyond their OS, as the provider that made them knows it (kind's
 * ProviderInfo): scenarios, the OS check and the CLI ask this instead of testing the provider
 * kind or probing the hosts for labbench's files.
 */
export interface HostOffers {
  /**
   * The machines stand in for the OS their labels name: the local provider's Debian 12 system
   * containers play the document's Rocky and Ubuntu hosts. A label is then the document's and is
   * not compared with the machine.
   */
  standIn: boolean;
  /** The hosts may reach the internet (a flannel release, a registry); false where the lab's LAN has no route out. */
  online: boolean;
  /** Where the hosts' OS labels come from, so that a hint says what to edit. */
  labelSource: string;
  /** Package sources on every host beyond the OS's own, usable offline (labbench's host image has both). */
  packages: {
    /** `yum install` of the document's Rocky packages installs their Debian equivalents (src/testbed/host-image.ts). */
    yumStandIn: boolean;
    /** An apt source with labbench's flannel package: `apt install flannel` as the document runs it. */
    flannel: boolean;
  };
}

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
  /** What actually runs there, e.g. "debian-12 system container" or "rocky-8.10 VM". */
  platform: string;
  roles: Role[];
  ssh?: SshEndpoint;
  container?: ContainerEndpoint;
}

export interface Inventory {
  lab: string;
  provider: ProviderKind;
  subnet: string;
  hosts: InventoryHost[];
  /** What every host of the lab offers beyond its OS. */
  offers: HostOffers;
}
