/**
 * A lab snapshot's manifest: what was saved, from which lab shape, with which host images, and
 * what must be started again after a restore. The same document describes a snapshot kept with a
 * lab and heads an exported file. Pure: reading one checks it and names the file on every error.
 */
import { ConfigError } from '../errors.ts';
import type { HostSpec, TestbedSpec } from '../testbed/testbed.ts';

export const SNAPSHOT_FORMAT = 'labbench-snapshot';
/** Bumped whenever a reader of this version could not restore what a newer writer saved. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** A snapshot name: it goes into image tags and file names, so letters, digits, '_' and '-'. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/** One file of a snapshot (a host's Docker volume, the image archive), with what it must hold. */
export interface SnapshotFile {
  /** Relative path, inside the snapshot's directory or the exported file. */
  path: string;
  bytes: number;
  sha256: string;
}

/** An etcd v2 key that expires (a flannel lease), with the seconds it had left when saved. */
export interface ExpiringKey {
  key: string;
  value: string;
  ttl: number;
}

export interface SnapshotHost {
  name: string;
  /** The committed image of the host's file system (its Docker volume excluded). */
  image: { id: string; diffIds: string[] };
  /** The host's /var/lib/docker (its own engine's images, containers and volumes), as a tar. */
  volume: SnapshotFile;
  /** Inner containers that were running (id and name): started again after a restore. */
  runningContainers: { id: string; name: string }[];
  /** Services of the lab (docker, etcd, flanneld, …) that were active: started again after a restore. */
  activeServices: string[];
  /** Text files under /etc that name a host's LAN address: rewritten when the lab's addresses differ. */
  addressFiles: string[];
  /** etcd's expiring keys, when etcd ran on this host: put back with the time they had left. */
  etcd?: ExpiringKey[];
}

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  formatVersion: number;
  /** Unique per save: an import of the same file twice is recognised. */
  id: string;
  name: string;
  savedAt: string;
  labbenchVersion: string;
  provider: 'local';
  /** The lab it was saved from: its name, LAN and hosts (the shape a restore must match). */
  lab: TestbedSpec;
  /** The host image the hosts' images were committed on, and its layers. */
  hostImage: { tag: string; diffIds: string[] };
  hosts: SnapshotHost[];
  /**
   * Exported files only: the image archive of every host's image. Without the host image's
   * layers (`withBase: false`), importing needs those layers in the engine already.
   */
  images?: { files: SnapshotFile[]; withBase: boolean };
  /** What a command layered on labs keeps with the snapshot (course progress). */
  meta?: Record<string, unknown>;
}

/** Checks a snapshot name, or one clear error. */
export function checkSnapshotName(name: string | undefined): string {
  if (name === undefined || !NAME.test(name)) {
    throw new ConfigError(`snapshot name ${JSON.stringify(name ?? '')} is not valid`, {
      hint: "give 1–40 letters, digits, '_' or '-', starting with a letter or digit (e.g. after-step5)",
    });
  }
  return name;
}

/** Every file a snapshot's manifest lists (host volumes, then the image archive of an exported file). */
export function filesOf(m: SnapshotManifest): SnapshotFile[] {
  return [...m.hosts.map((h) => h.volume), ...(m.images?.files ?? [])];
}

/**
 * Reads a manifest out of JSON text, checking what a restore relies on. `source` names where it
 * came from ("file chapter3.lbsnap", "snapshot after-step5 of lab s20a") in every error.
 */
export function parseManifest(text: string, source: string, fix: string): SnapshotManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source} is not a labbench snapshot: its manifest is not JSON`, { hint: fix });
  }
  const m = (typeof value === 'object' && value !== null ? value : {}) as Partial<SnapshotManifest>;
  if (m.format !== SNAPSHOT_FORMAT)
    throw new ConfigError(`${source} is not a labbench snapshot (its manifest has no "format": "${SNAPSHOT_FORMAT}")`, { hint: fix });
  if (m.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw new ConfigError(
      `${source} is a labbench snapshot of format version ${JSON.stringify(m.formatVersion)}; this labbench reads version ${SNAPSHOT_FORMAT_VERSION}`,
      { hint: `use the labbench that saved it (version ${String(m.labbenchVersion ?? 'unknown')}), or save and export the lab again with this one` },
    );
  }
  const problems: string[] = [];
  const isString = (v: unknown) => typeof v === 'string' && v !== '';
  const isFile = (f: unknown): f is SnapshotFile => {
    const x = f as SnapshotFile | undefined;
    return (
      typeof x === 'object' &&
      x !== null &&
      isString(x.path) &&
      !x.path.split('/').includes('..') &&
      !x.path.startsWith('/') &&
      Number.isInteger(x.bytes) &&
      x.bytes >= 0 &&
      /^[0-9a-f]{64}$/.test(x.sha256)
    );
  };
  if (!isString(m.id)) problems.push('no id');
  if (!isString(m.name) || !NAME.test(m.name!)) problems.push('no valid name');
  if (m.provider !== 'local') problems.push(`provider ${JSON.stringify(m.provider)} (only local snapshots exist)`);
  const lab = m.lab as Partial<TestbedSpec> | undefined;
  if (!lab || !isString(lab.name) || !isString(lab.subnet) || !Array.isArray(lab.hosts) || lab.hosts.length === 0) problems.push('no lab shape');
  if (!m.hostImage || !isString(m.hostImage.tag) || !Array.isArray(m.hostImage.diffIds)) problems.push('no host image');
  if (!Array.isArray(m.hosts) || m.hosts.length === 0) problems.push('no hosts');
  for (const h of m.hosts ?? []) {
    const ok =
      isString(h?.name) &&
      isString(h.image?.id) &&
      Array.isArray(h.image?.diffIds) &&
      isFile(h.volume) &&
      Array.isArray(h.runningContainers) &&
      Array.isArray(h.activeServices) &&
      Array.isArray(h.addressFiles) &&
      (h.etcd === undefined || (Array.isArray(h.etcd) && h.etcd.every((k) => isString(k?.key) && typeof k.value === 'string' && Number.isInteger(k.ttl))));
    if (!ok) problems.push(`host ${JSON.stringify(h?.name)} is incomplete`);
  }
  if (lab?.hosts && m.hosts && (lab.hosts.length !== m.hosts.length || lab.hosts.some((h, i) => h?.name !== m.hosts![i]?.name)))
    problems.push('its hosts do not match its lab shape');
  if (m.images !== undefined && (!Array.isArray(m.images.files) || !m.images.files.every(isFile) || typeof m.images.withBase !== 'boolean'))
    problems.push('its image archive is not described');
  if (problems.length > 0) throw new ConfigError(`${source} is not a usable labbench snapshot: ${problems.join('; ')}`, { hint: fix });
  return m as SnapshotManifest;
}

const describeHost = (h: HostSpec) => `${h.name} (${h.os}, ${h.roles.join('+') || 'no roles'})`;

/**
 * Why a snapshot of lab shape `saved` cannot be restored into a lab of shape `target`, or
 * undefined when it can: the same hosts by name, OS label and roles, in the same order. The LAN
 * and the addresses may differ (a restore maps them).
 */
export function shapeMismatch(saved: TestbedSpec, target: TestbedSpec): string | undefined {
  const a = saved.hosts.map(describeHost);
  const b = target.hosts.map(describeHost);
  if (a.length === b.length && a.every((x, i) => x === b[i])) return undefined;
  return `it is a snapshot of a lab with ${a.length} host(s) ${a.join(', ')}; lab "${target.name}" has ${b.length}: ${b.join(', ')}`;
}
