/**
 * The host image manifest: everything that decides what goes into a lab host's root file
 * system. Its hash names the image (labbench/host:<hash>), so any change to the package list,
 * the injected files or the build recipe builds a new image and an unchanged manifest reuses
 * the cached one. Pure.
 */
import { createHash } from 'node:crypto';
import { flannelControl, flannelMaintainerFiles, flannelPackageFiles } from '../../../flannel/package.ts';
import { BOX_PROGRAMS, BOX_RELEASE_FILES, HOST_IMAGE_FILES } from './files.ts';

/** Bump when the build steps change in a way the manifest does not otherwise show. */
export const BUILD_RECIPE_VERSION = 2;

/** Debian packages of a lab host: the document's tools plus what scenarios and the bench run. */
export const HOST_PACKAGES: readonly string[] = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'docker.io',
  'etcd-server',
  'etcd-client',
  'iperf3',
  'iproute2',
  'iptables',
  'bridge-utils',
  'net-tools',
  'iputils-ping',
  'openssh-server',
  'nodejs',
  'python3',
  'ca-certificates',
  'procps',
  'kmod',
  'less',
  'busybox-static',
  'util-linux',
  'tcpdump',
  'sudo',
];

export interface HostImageManifest {
  schema: 1;
  recipe: number;
  distribution: { suite: string; variant: string; mirror: string };
  packages: string[];
  /** sha256 of every file labbench puts into the image, by path (box: and flannel.deb: for the box image's and the flannel package's). */
  files: Record<string, string>;
  /** Programs copied into the box image. */
  boxPrograms: string[];
}

/** A manifest after the build: the exact package versions that went in. */
export interface BuiltHostImage extends HostImageManifest {
  hash: string;
  tag: string;
  builtAt: string;
  packageVersions: Record<string, string>;
}

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export function hostImageManifest(options: { mirror?: string; extraPackages?: readonly string[] } = {}): HostImageManifest {
  const packages = [...new Set([...HOST_PACKAGES, ...(options.extraPackages ?? [])])].sort();
  const files: Record<string, string> = {};
  for (const f of HOST_IMAGE_FILES) files[f.path] = sha256(f.content);
  for (const f of BOX_RELEASE_FILES) files[`box:${f.path}`] = sha256(f.content);
  for (const f of [
    ...flannelPackageFiles(),
    { path: 'DEBIAN/control', content: flannelControl() },
    ...flannelMaintainerFiles().map((m) => ({ ...m, path: `DEBIAN/${m.path}` })),
  ]) {
    files[`flannel.deb:${f.path}`] = sha256(f.content);
  }
  return {
    schema: 1,
    recipe: BUILD_RECIPE_VERSION,
    distribution: { suite: 'bookworm', variant: 'minbase', mirror: options.mirror ?? DEFAULT_MIRROR },
    packages,
    files,
    boxPrograms: [...BOX_PROGRAMS],
  };
}

/**
 * Content hash of a manifest (first 12 hex digits of sha256 over canonical JSON). The mirror
 * is left out: the same packages from another mirror make the same image.
 */
export function manifestHash(m: HostImageManifest): string {
  const { distribution, ...rest } = m;
  const canonical = canonicalJson({ ...rest, distribution: { suite: distribution.suite, variant: distribution.variant } });
  return sha256(canonical).slice(0, 12);
}

export function hostImageTag(m: HostImageManifest): string {
  return `labbench/host:${manifestHash(m)}`;
}

/** Parses `dpkg-query -W -f '${Package} ${Version}\n'` output. */
export function parsePackageVersions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [name, version] = line.trim().split(/\s+/);
    if (name && version) out[name] = version;
  }
  return out;
}

/** JSON with object keys sorted at every level, so equal manifests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
