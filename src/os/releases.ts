/**
 * The operating systems labbench has a provisioning path for, and the decisions made from a
 * machine's os-release: its family (debian: apt; rhel: dnf), its release line, whether an OS
 * label ("rocky-8.10", "ubuntu-24.04") names a supported release, and whether a label describes
 * a given machine. Pure.
 */
import type { OsRelease } from './os-release.ts';

export type OsFamily = 'debian' | 'rhel';

export interface SupportedDistribution {
  /** os-release ID, also the first part of an OS label. */
  id: string;
  name: string;
  family: OsFamily;
  /** Release lines with a path: the major version on the EL family, VERSION_ID on Debian and Ubuntu. */
  lines: readonly string[];
}

/**
 * EL 8 and 9 share the dnf path (docker-ce repository, etcd release tarball, firewalld,
 * SELinux); Debian 12 and Ubuntu 24.04 get docker.io and etcd from apt. Other releases may
 * lack a package the scenarios need (etcd-server, the v2 API), so they are refused rather
 * than tried.
 */
export const SUPPORTED_DISTRIBUTIONS: readonly SupportedDistribution[] = [
  { id: 'rocky', name: 'Rocky Linux', family: 'rhel', lines: ['8', '9'] },
  { id: 'almalinux', name: 'AlmaLinux', family: 'rhel', lines: ['8', '9'] },
  { id: 'debian', name: 'Debian', family: 'debian', lines: ['12'] },
  { id: 'ubuntu', name: 'Ubuntu', family: 'debian', lines: ['24.04'] },
];

const PACKAGE_MANAGER: Record<OsFamily, string> = { rhel: 'dnf', debian: 'apt' };

/** "rhel family (dnf): Rocky Linux 8, 9, AlmaLinux 8, 9; debian family (apt): Debian 12, Ubuntu 24.04" */
export function supportedSummary(): string {
  return (['rhel', 'debian'] as const)
    .map((family) => {
      const distros = SUPPORTED_DISTRIBUTIONS.filter((d) => d.family === family).map((d) => `${d.name} ${d.lines.join(', ')}`);
      return `${family} family (${PACKAGE_MANAGER[family]}): ${distros.join(', ')}`;
    })
    .join('; ');
}

/** The family a machine belongs to, from its ID and what it is like (ID_LIKE); undefined for others (Alpine, Arch, …). */
export function osFamily(release: OsRelease): OsFamily | undefined {
  const lineage = [release.id, ...release.idLike];
  if (lineage.some((x) => x === 'debian' || x === 'ubuntu')) return 'debian';
  if (lineage.some((x) => x === 'rhel' || x === 'centos')) return 'rhel';
  return undefined;
}

/** The release line a version belongs to: "8" for EL 8.10, "24.04" for Ubuntu, "12" for Debian. */
export function releaseLine(family: OsFamily, version: string): string {
  return family === 'rhel' ? version.split('.')[0]! : version;
}

/** A machine labbench can drive: what it is and how the scenarios branch on it. */
export interface HostOs {
  release: OsRelease;
  family: OsFamily;
  /** VERSION_ID, e.g. "8.10", "24.04", "12". */
  version: string;
  /** The release line labbench's paths are chosen by ("8", "24.04", "12"). */
  line: string;
  /** Short name as the machine gives it: NAME and VERSION_ID, e.g. "Debian GNU/Linux 12". */
  name: string;
  /** The OS label naming exactly this machine, e.g. "debian-12". */
  label: string;
}

/** A decision on a machine; `problem` says why labbench has no path for it (the caller names the machine). */
export type OsDecision = { ok: true; os: HostOs } | { ok: false; problem: string };

/** The machine as os-release describes it, for messages: "Alpine Linux v3.20 (ID=alpine, VERSION_ID=3.20.3)". */
export function describeRelease(release: OsRelease): string {
  return `${release.prettyName} (ID=${release.id}${release.versionId ? `, VERSION_ID=${release.versionId}` : ''})`;
}

/** NAME and VERSION_ID: "Debian GNU/Linux 12", "Rocky Linux 8.10". */
export function shortName(release: OsRelease): string {
  return `${release.name} ${release.versionId}`.trim();
}

/** Whether labbench has a path for the machine, and if so its family and version. */
export function decideOs(release: OsRelease): OsDecision {
  const family = osFamily(release);
  if (!family) return { ok: false, problem: 'neither debian- nor rhel-family; labbench has no path for it' };
  const distro = SUPPORTED_DISTRIBUTIONS.find((d) => d.id === release.id);
  if (!distro) return { ok: false, problem: `${family}-family, but labbench has no path for ${release.name}` };
  const line = releaseLine(family, release.versionId);
  if (!distro.lines.includes(line)) return { ok: false, problem: `labbench has no path for ${distro.name} ${line || 'without a VERSION_ID'}` };
  return { ok: true, os: { release, family, version: release.versionId, line, name: shortName(release), label: `${release.id}-${release.versionId}` } };
}

export interface OsLabel {
  id: string;
  version: string;
}

/** "rocky-8.10" → { id: "rocky", version: "8.10" }; undefined when it is not <distribution>-<version>. */
export function parseOsLabel(label: string): OsLabel | undefined {
  const m = /^([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)-(\d+(?:\.\d+)*)$/.exec(label);
  return m ? { id: m[1]!, version: m[2]! } : undefined;
}

/** The family of a label labbench accepts; undefined when it accepts no such label. */
export function labelFamily(label: string): OsFamily | undefined {
  const parsed = parseOsLabel(label);
  if (!parsed) return undefined;
  const distro = SUPPORTED_DISTRIBUTIONS.find((d) => d.id === parsed.id);
  return distro?.lines.includes(releaseLine(distro.family, parsed.version)) ? distro.family : undefined;
}

/** What to write as a host's os: the accepted label forms, for messages. */
export function labelForms(): string {
  const lines = SUPPORTED_DISTRIBUTIONS.map((d) => `${d.name} ${d.lines.join(' or ')}`).join(', ');
  return `<distribution>-<version> for ${lines} (e.g. rocky-8.10, almalinux-9.4, debian-12, ubuntu-24.04)`;
}

/**
 * Whether a label describes the machine: the same distribution, and the version as precise as
 * the label gives it ("rocky-8" fits Rocky 8.10; "rocky-8.10" fits only 8.10).
 */
export function labelDescribes(label: string, release: OsRelease): boolean {
  const parsed = parseOsLabel(label);
  if (!parsed || parsed.id !== release.id) return false;
  return release.versionId === parsed.version || release.versionId.startsWith(`${parsed.version}.`);
}
