/**
 * Provider creates, finds and destroys the hosts of one lab, of one kind: local system
 * containers, libvirt VMs, or existing machines over SSH. Everything above a provider sees
 * only the Inventory it returns, and what the provider says it offers: what its hosts offer
 * (`offers`, carried by every inventory), stopping and starting (`power`) and snapshots
 * (`snapshots`), each with the reason where it has none. Nothing above it tests its kind.
 */
import type { HostOffers, Inventory, ProviderKind } from '../inventory.ts';
import type { MachineOs } from '../os/host-os.ts';
import type { Progress } from '../progress.ts';
import type { SnapshotManifest } from '../snapshot/manifest.ts';
import type { TestbedSpec } from '../testbed/testbed.ts';
import type { LabState } from './lab-state.ts';

export interface HostState {
  name: string;
  address: string;
  /** The host's OS label (e.g. "rocky-8.10"). */
  os: string;
  platform: string;
  state: string;
  /** The machine stands in for the labelled OS (the local provider's Debian hosts). */
  standIn?: boolean;
  /** What the machine's /etc/os-release says, read while the lab is up; `error` when it could not be read. */
  machineOs?: MachineOs | { error: string };
}

/** What `lab status` shows about one lab. */
export interface LabStatus {
  name: string;
  provider: ProviderKind;
  subnet: string;
  /** See lab-state.ts: up, stopped (hosts kept, not running), engine down, partial (only recreating helps). */
  state: LabState;
  hosts: HostState[];
  /** Provider-specific facts worth showing (engine in use, cached images, state dir). */
  details: Record<string, unknown>;
}

export interface UpOptions {
  /** Remove whatever exists of the lab (its hosts' files and containers too) and create it anew. */
  recreate?: boolean;
}

/** A snapshot of a lab as `lab snapshot list` shows it. */
export interface SnapshotSummary {
  name: string;
  savedAt: string;
  /** The lab it was saved from (another lab's name for an imported file). */
  fromLab: string;
  hosts: string[];
  /** What the snapshot holds beyond the host image: its hosts' own image layers and Docker volumes. */
  bytes: { layers: number; volumes: number };
}

/**
 * Checkpoints of a lab: what its hosts hold (files, their Docker engines' images, containers
 * and volumes, etcd's data and flannel's leases) saved under a name, put back exactly, and
 * carried to another lab (of the same shape, on any LAN) as a file.
 */
export interface LabSnapshots {
  save(lab: string, name: string, progress: Progress, meta?: Record<string, unknown>): Promise<SnapshotManifest>;
  /** Puts the lab's hosts back as they were saved; the lab may be up or stopped. */
  restore(lab: string, name: string, progress: Progress): Promise<Inventory>;
  list(lab: string): Promise<SnapshotSummary[]>;
  /** The manifest of one of the lab's snapshots, or one clear error naming those there are. */
  manifest(lab: string, name: string): SnapshotManifest;
  remove(lab: string, name: string, progress: Progress): Promise<void>;
  exportFile(lab: string, name: string, file: string, progress: Progress, options?: { withBase?: boolean }): Promise<{ bytes: number }>;
  /**
   * Adds a file's snapshot to the lab's (as `as`, else the name it was saved under). Nothing of
   * the lab changes. With `reuse`, a snapshot of the same save already there is used as it is.
   */
  importFile(
    lab: string,
    file: string,
    progress: Progress,
    options?: { as?: string; reuse?: boolean },
  ): Promise<{ manifest: SnapshotManifest; reused: boolean }>;
  /** Reads a file whole and checks it (and, with `target`, that its lab shape fits), changing nothing. */
  checkFile(file: string, target?: TestbedSpec): Promise<SnapshotManifest>;
}

/** Whether a provider can take lab snapshots, and why not when it cannot. */
export type SnapshotSupport = { available: true; snapshots: LabSnapshots } | { available: false; reason: string };

/** Whether a provider stops and starts its labs' hosts (`lab stop|start`), and why not when it cannot. */
export type PowerSupport =
  | {
      available: true;
      /** Stops every host, keeping their disks. */
      stop(name: string, progress: Progress): Promise<void>;
      /** Starts the hosts of a stopped lab as they were. */
      start(name: string, progress: Progress): Promise<Inventory>;
    }
  | { available: false; reason: string };

export interface Provider {
  readonly kind: ProviderKind;
  /** What the hosts of its labs offer beyond their OS; every inventory it returns carries the same. */
  readonly offers: HostOffers;
  /** Set when the provider's hosts are given (an inventory file), not chosen by the user's flags. */
  readonly fixedSpec?: TestbedSpec;
  /** Checks preconditions without changing anything; throws ConfigError/ProviderError with a hint. */
  preflight(spec: TestbedSpec): Promise<void>;
  /**
   * Brings the lab up and returns how to reach its hosts: a no-op when it is up, starts the hosts
   * of a stopped lab (keeping everything), and removes and creates it again only with `recreate`.
   */
  up(spec: TestbedSpec, progress: Progress, options?: UpOptions): Promise<Inventory>;
  /** The inventory of a running lab, or undefined when it is not up. */
  inventory(name: string): Promise<Inventory | undefined>;
  status(name: string): Promise<LabStatus | undefined>;
  /** Every lab the provider knows on this machine (`lab list`); providers without labs of their own leave it out. */
  list?(): Promise<LabStatus[]>;
  /** Removes everything the lab created (its snapshots too; exported files stay); idempotent. */
  down(name: string, progress: Progress): Promise<void>;
  /** `lab stop` and `lab start`, or the reason this provider offers neither. */
  readonly power: PowerSupport;
  /** Lab snapshots (`lab snapshot …`), or the reason this provider offers none. */
  readonly snapshots: SnapshotSupport;
}
