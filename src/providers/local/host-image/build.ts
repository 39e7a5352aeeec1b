/**
 * Building the lab host image offline from Debian packages: debootstrap a root file system
 * with the manifest's packages, configure it as a system-container host, put the box test
 * image inside, record the exact package versions, and `docker import` it under a tag named
 * by the manifest hash. A tag already present in the engine is the cache: nothing is rebuilt.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../../../errors.ts';
import { flannelControl, flannelDebName, flannelMaintainerFiles, flannelPackageFiles, packagesStanza } from '../../../flannel/package.ts';
import { installDebianPackage } from '../../../machine/apt.ts';
import { processAlive } from '../../../machine/process.ts';
import { onPath, runLocal } from '../../../machine/run.ts';
import type { StateRoot } from '../../../machine/state-root.ts';
import type { Progress } from '../../../progress.ts';
import { quoteArg } from '../../../shell-quote.ts';
import { HOST_IMAGE_PATHS } from '../../../testbed/host-image.ts';
import { type DockerEngine, docker } from '../docker-cli.ts';
import type { StatePaths } from '../paths.ts';
import { BOX_PROGRAMS, BOX_RELEASE_FILES, DISABLED_UNITS, ENABLED_UNITS, HOST_IMAGE_FILES, MASKED_UNITS } from './files.ts';
import { type BuiltHostImage, type HostImageManifest, hostImageManifest, hostImageTag, manifestHash, parsePackageVersions, sha256 } from './manifest.ts';

export const HOST_IMAGE_REPOSITORY = 'labbench/host';

/** The manifest labbench builds hosts from on this machine. */
export function currentManifest(env: NodeJS.ProcessEnv = process.env): HostImageManifest {
  return hostImageManifest(env.LABBENCH_DEBIAN_MIRROR ? { mirror: env.LABBENCH_DEBIAN_MIRROR } : {});
}

/** Makes sure the engine has the host image; builds it when it does not. Returns its tag. */
export async function ensureHostImage(engine: DockerEngine, paths: StatePaths, progress: Progress, manifest = currentManifest()): Promise<string> {
  const tag = hostImageTag(manifest);
  const present = async () => (await docker(engine, ['image', 'inspect', '--format', '{{.Id}}', tag], { nothrow: true })).exitCode === 0;
  if (await present()) {
    progress.note(`host image ${tag} found in the engine's cache`);
    return tag;
  }
  // Two `lab up`s at once must not debootstrap into the same directory: one builds, the other waits.
  const release = await lockBuild(paths.images, manifestHash(manifest), progress, 'the host image');
  try {
    if (!(await present())) await buildHostImage(engine, paths, progress, manifest);
  } finally {
    release();
  }
  return tag;
}

/** Takes the build lock of image `hash` in `dir` (waits while another live process holds it); returns its release. */
export async function lockBuild(dir: string, hash: string, progress: Progress, what: string): Promise<() => void> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, `${hash}.lock`);
  let noted = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch {
      const owner = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (owner && !processAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!noted) progress.note(`another labbench process (pid ${owner || '?'}) is building ${what}: waiting for it`);
      noted = true;
      await sleep(1000);
    }
  }
}

async function buildHostImage(engine: DockerEngine, paths: StatePaths, progress: Progress, manifest: HostImageManifest): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ProviderError('building the lab host image needs root (debootstrap and chroot)', {
      hint: 'run `pnpm lab up` as root once; later labs reuse the cached image',
    });
  }
  const hash = manifestHash(manifest);
  const tag = hostImageTag(manifest);
  const workDir = join(paths.images, hash);
  const rootfs = join(workDir, 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(rootfs, { recursive: true });
  try {
    await debootstrapRoot(rootfs, manifest, paths, progress);
    const built = await progress.step('Configuring the host image', () => configureRootfs(rootfs, manifest, hash, tag));
    await progress.step(`Importing ${tag}`, () =>
      runLocal(
        [
          'bash',
          '-c',
          `tar -C ${quoteArg(rootfs)} -c . | docker -H ${quoteArg(engine.host)} import ` +
            `--change ${quoteArg(`CMD ["${HOST_IMAGE_PATHS.init}"]`)} ` +
            `--change ${quoteArg(`LABEL dev.labbench.image=host dev.labbench.manifest=${hash}`)} - ${quoteArg(tag)}`,
        ],
        { timeoutMs: 600_000 },
      ),
    );
    writeFileSync(join(workDir, 'manifest.json'), JSON.stringify(built, null, 2));
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/**
 * Bootstraps `manifest`'s Debian suite with its packages into `rootfs` (debootstrap; .debs are
 * cached in `paths.debs`). Shared by the host image and the VM image.
 */
export async function debootstrapRoot(rootfs: string, manifest: HostImageManifest, paths: Pick<StateRoot, 'debs'>, progress: Progress): Promise<void> {
  mkdirSync(paths.debs, { recursive: true });
  if (!(await onPath('debootstrap'))) {
    await installDebianPackage(progress, 'debootstrap', {
      what: 'debootstrap is needed to build the lab host image and is not installed',
      hint: 'install debootstrap with your package manager and run the command again',
    });
  }
  const argv = [
    'debootstrap',
    `--variant=${manifest.distribution.variant}`,
    `--cache-dir=${paths.debs}`,
    `--include=${manifest.packages.join(',')}`,
    manifest.distribution.suite,
    rootfs,
    manifest.distribution.mirror,
  ];
  await progress.step(`Bootstrapping Debian ${manifest.distribution.suite} with ${manifest.packages.length} packages (debootstrap)`, async () => {
    const r = await runLocal(argv, { timeoutMs: 1_800_000, nothrow: true });
    if (r.exitCode === 0) return;
    // debootstrap's own messages say little; its log in the target says which package failed and why.
    const log = join(rootfs, 'debootstrap', 'debootstrap.log');
    const tail = (existsSync(log) ? readFileSync(log, 'utf8') : r.stderr).trim().split('\n').slice(-15).join('\n    ');
    throw new ProviderError(`debootstrap of ${manifest.distribution.suite} failed (exit ${r.exitCode}):\n    ${tail}`, {
      hint: `check that ${manifest.distribution.mirror} is reachable (LABBENCH_DEBIAN_MIRROR picks another mirror) and every package exists in ${manifest.distribution.suite}`,
    });
  });
}

export function chroot(rootfs: string, script: string) {
  return runLocal(['chroot', rootfs, '/bin/sh', '-c', script], { timeoutMs: 300_000 });
}

async function configureRootfs(rootfs: string, manifest: HostImageManifest, hash: string, tag: string): Promise<BuiltHostImage> {
  for (const f of HOST_IMAGE_FILES) writeFile(join(rootfs, f.path), f.content, f.mode);
  const q = (units: readonly string[]) => units.map((u) => quoteArg(u)).join(' ');
  await chroot(
    rootfs,
    [
      `systemctl mask ${q(MASKED_UNITS)}`,
      `systemctl disable ${q(DISABLED_UNITS)}`,
      `systemctl enable ${q(ENABLED_UNITS)}`,
      // Each lab generates and pins its own host keys.
      'rm -f /etc/ssh/ssh_host_*',
      'rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*',
      'echo labbench-host > /etc/hostname',
    ].join(' && '),
  );
  await buildBoxTarball(rootfs);
  await buildFlannelPackage(rootfs);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format fields, expanded by dpkg-query
  const versions = parsePackageVersions((await chroot(rootfs, "dpkg-query -W -f '${Package} ${Version}\\n'")).stdout);
  const built: BuiltHostImage = { ...manifest, hash, tag, builtAt: new Date().toISOString(), packageVersions: versions };
  writeFile(join(rootfs, 'etc/labbench/manifest.json'), JSON.stringify(built, null, 2), 0o644);
  return built;
}

/**
 * The box test image: busybox (sh, ping, ip, ifconfig, route, hostname, nc …) and iperf3 with
 * the shared libraries they need, taken from the host root file system itself, so no
 * container registry is involved.
 */
export async function buildBoxTarball(rootfs: string): Promise<void> {
  const box = join(rootfs, 'tmp/labbench-box');
  rmSync(box, { recursive: true, force: true });
  const files = new Set<string>();
  for (const program of BOX_PROGRAMS) {
    files.add(program);
    const ldd = await runLocal(['chroot', rootfs, 'ldd', program], { nothrow: true });
    for (const m of ldd.stdout.matchAll(/(\/\S+) \(0x/g)) files.add(m[1]!);
  }
  for (const f of files) {
    const target = join(box, f);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(rootfs, realPathInRoot(rootfs, f)), target);
    chmodSync(target, 0o755);
  }
  const applets = (await chroot(rootfs, '/bin/busybox --list')).stdout.split('\n').filter((a) => a && a !== 'busybox');
  for (const dir of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev']) mkdirSync(join(box, dir), { recursive: true });
  chmodSync(join(box, 'tmp'), 0o1777);
  for (const a of applets) {
    const link = join(box, 'bin', a);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  writeFile(join(box, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n', 0o644);
  writeFile(join(box, 'etc/group'), 'root:x:0:\n', 0o644);
  for (const f of BOX_RELEASE_FILES) writeFile(join(box, f.path), f.content, f.mode);
  mkdirSync(dirname(join(rootfs, HOST_IMAGE_PATHS.boxTarball)), { recursive: true });
  await runLocal(['tar', '-C', box, '-cf', join(rootfs, HOST_IMAGE_PATHS.boxTarball), '.']);
  rmSync(box, { recursive: true, force: true });
}

/**
 * labbench's flannel package in a package source inside the image (flat repository, indexed
 * here, its lists fetched from the local directory only): `apt -y install flannel` works on a
 * host without network, and until then the host has no flanneld, as a fresh machine.
 */
async function buildFlannelPackage(rootfs: string): Promise<void> {
  const tree = join(rootfs, 'tmp/labbench-flannel');
  rmSync(tree, { recursive: true, force: true });
  for (const f of flannelPackageFiles()) writeFile(join(tree, f.path), f.content, f.mode);
  writeFile(join(tree, 'DEBIAN/control'), flannelControl(), 0o644);
  for (const f of flannelMaintainerFiles()) writeFile(join(tree, 'DEBIAN', f.path), f.content, f.mode);
  const deb = `${HOST_IMAGE_PATHS.aptDir}/${flannelDebName()}`;
  mkdirSync(join(rootfs, HOST_IMAGE_PATHS.aptDir), { recursive: true });
  await chroot(rootfs, `dpkg-deb --root-owner-group --build /tmp/labbench-flannel ${quoteArg(deb)} >/dev/null`);
  rmSync(tree, { recursive: true, force: true });
  const bytes = readFileSync(join(rootfs, deb));
  const stanza = packagesStanza(flannelControl(), {
    name: flannelDebName(),
    size: bytes.length,
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: sha256(bytes),
  });
  writeFile(join(rootfs, HOST_IMAGE_PATHS.aptDir, 'Packages'), stanza, 0o644);
  await chroot(
    rootfs,
    `apt-get update -o Dir::Etc::SourceList=${quoteArg(HOST_IMAGE_PATHS.aptList)} -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0 >/dev/null`,
  );
}

/** Follows symlinks inside the chroot (ldd reports /lib paths that are links into /usr/lib). */
function realPathInRoot(rootfs: string, path: string): string {
  let current = path;
  for (let i = 0; i < 16; i++) {
    const full = join(rootfs, current);
    const st = lstatSync(full);
    if (!st.isSymbolicLink()) return current;
    const target = readlinkSync(full);
    current = target.startsWith('/') ? target : join(dirname(current), target);
  }
  throw new ProviderError(`too many symbolic links resolving ${path} in the host image`);
}

export function writeFile(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}
