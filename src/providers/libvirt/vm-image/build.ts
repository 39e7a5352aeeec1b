/**
 * Building the Debian 12 VM image offline from Debian packages: debootstrap the manifest's
 * packages (the host image's recipe plus kernel, initramfs, udev and cloud-init), configure it
 * for a NoCloud-seeded VM, copy the kernel and initramfs out for direct kernel boot, and write
 * the root file system into an ext4 image with `mkfs.ext4 -d` (no loop mounts), converted to
 * qcow2. The directory is named by the manifest hash; a complete one is the cache.
 *
 *   <LABBENCH_HOME>/vm-images/<hash>/debian-12.qcow2  vmlinuz  initrd.img  manifest.json
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256OfFile } from '../../../../infra/libvirt/image-source.ts';
import { ProviderError } from '../../../errors.ts';
import { runLocal } from '../../../machine/run.ts';
import type { StateRoot } from '../../../machine/state-root.ts';
import type { Progress } from '../../../progress.ts';
import { quoteArg } from '../../../shell-quote.ts';
import { buildBoxTarball, chroot, debootstrapRoot, lockBuild, writeFile } from '../../local/host-image/build.ts';
import { parsePackageVersions } from '../../local/host-image/manifest.ts';
import { ROOT_LABEL, VM_IMAGE_FILES } from './files.ts';
import { type BuiltVmImage, type VmImageArtifact, type VmImageManifest, vmImageHash, vmImageManifest } from './manifest.ts';

export const DISK_FILE = 'debian-12.qcow2';

/** Where built VM images live. */
export function vmImagesDir(paths: Pick<StateRoot, 'root'>): string {
  return join(paths.root, 'vm-images');
}

/** The manifest labbench builds VM images from on this machine. */
export function currentVmManifest(env: NodeJS.ProcessEnv = process.env): VmImageManifest {
  return vmImageManifest(env.LABBENCH_DEBIAN_MIRROR ? { mirror: env.LABBENCH_DEBIAN_MIRROR } : {});
}

/** The built image in `dir`, when its manifest and all three files are there. */
function readBuilt(dir: string): BuiltVmImage | undefined {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  const built = JSON.parse(readFileSync(file, 'utf8')) as BuiltVmImage;
  return [built.disk, built.kernel, built.initrd].every((a) => existsSync(a.path) && statSync(a.path).size === a.bytes) ? built : undefined;
}

/** Makes sure the VM image of `manifest` is built; builds it when it is not. */
export async function ensureVmImage(paths: Pick<StateRoot, 'root' | 'debs'>, progress: Progress, manifest = currentVmManifest()): Promise<BuiltVmImage> {
  const hash = vmImageHash(manifest);
  const dir = join(vmImagesDir(paths), hash);
  const cached = readBuilt(dir);
  if (cached) {
    progress.note(`VM image ${hash} found in ${dir}`);
    return cached;
  }
  const release = await lockBuild(vmImagesDir(paths), hash, progress, 'the VM image');
  try {
    return readBuilt(dir) ?? (await buildVmImage(dir, hash, paths, progress, manifest));
  } finally {
    release();
  }
}

async function buildVmImage(dir: string, hash: string, paths: Pick<StateRoot, 'debs'>, progress: Progress, manifest: VmImageManifest): Promise<BuiltVmImage> {
  if (process.getuid?.() !== 0) {
    throw new ProviderError('building the VM image needs root (debootstrap and chroot)', {
      hint: 'run `pnpm vm-image` as root once; later labs reuse the built image',
    });
  }
  const work = join(dir, 'work');
  const rootfs = join(work, 'rootfs');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(rootfs, { recursive: true });
  try {
    await debootstrapRoot(rootfs, manifest, paths, progress);
    const configured = await progress.step('Configuring the VM image', () => configureRootfs(rootfs, manifest));
    const kernel = join(work, 'vmlinuz');
    const initrd = join(work, 'initrd.img');
    copyFileSync(join(rootfs, 'boot', `vmlinuz-${configured.kernelRelease}`), kernel);
    copyFileSync(join(rootfs, 'boot', `initrd.img-${configured.kernelRelease}`), initrd);
    const raw = join(work, 'root.raw');
    await progress.step(`Writing the root file system into a ${manifest.rootFsMiB} MiB ext4 image (mkfs.ext4 -d)`, () =>
      runLocal(['mkfs.ext4', '-q', '-F', '-L', ROOT_LABEL, '-d', rootfs, raw, `${manifest.rootFsMiB}M`], { timeoutMs: 900_000 }),
    );
    rmSync(rootfs, { recursive: true, force: true });
    const qcow2 = join(work, DISK_FILE);
    await progress.step('Converting it to qcow2', () => runLocal(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2], { timeoutMs: 900_000 }));
    rmSync(raw, { force: true });
    for (const f of [DISK_FILE, 'vmlinuz', 'initrd.img']) renameSync(join(work, f), join(dir, f));
    const artifact = async (name: string): Promise<VmImageArtifact> => {
      const path = join(dir, name);
      return { path, sha256: await sha256OfFile(path), bytes: statSync(path).size };
    };
    const built: BuiltVmImage = {
      ...manifest,
      hash,
      builtAt: new Date().toISOString(),
      kernelRelease: configured.kernelRelease,
      packageVersions: configured.packageVersions,
      disk: await artifact(DISK_FILE),
      kernel: await artifact('vmlinuz'),
      initrd: await artifact('initrd.img'),
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(built, null, 2));
    return built;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function configureRootfs(rootfs: string, manifest: VmImageManifest): Promise<{ kernelRelease: string; packageVersions: Record<string, string> }> {
  for (const f of VM_IMAGE_FILES) writeFile(join(rootfs, f.path), f.content, f.mode);
  const kernelRelease = (await chroot(rootfs, 'ls /lib/modules')).stdout.trim().split('\n').pop() ?? '';
  if (!/^\d+\.\d+/.test(kernelRelease)) throw new ProviderError(`the VM image has no kernel modules directory (found ${JSON.stringify(kernelRelease)})`);
  const q = (items: readonly string[]) => items.map((u) => quoteArg(u)).join(' ');
  const modules = `/lib/modules/${kernelRelease}/kernel`;
  await chroot(
    rootfs,
    [
      `systemctl enable ${q(manifest.units.enabled)}`,
      `systemctl disable ${q(manifest.units.disabled)}`,
      `systemctl mask ${q(manifest.units.masked)}`,
      // Each lab pins its own host keys through cloud-init; a fresh machine-id per VM at first boot.
      'rm -f /etc/ssh/ssh_host_*',
      ': > /etc/machine-id',
      'rm -f /var/lib/dbus/machine-id',
      'echo labbench-vm > /etc/hostname',
      `cd ${quoteArg(modules)} && rm -rf ${q(manifest.prunedModules)}`,
      `depmod -a ${quoteArg(kernelRelease)}`,
      `update-initramfs -u -k ${quoteArg(kernelRelease)}`,
      'rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/*',
    ].join(' && '),
  );
  await buildBoxTarball(rootfs);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format fields, expanded by dpkg-query
  const packageVersions = parsePackageVersions((await chroot(rootfs, "dpkg-query -W -f '${Package} ${Version}\\n'")).stdout);
  writeFile(join(rootfs, 'etc/labbench/manifest.json'), JSON.stringify({ ...manifest, kernelRelease, packageVersions }, null, 2), 0o644);
  return { kernelRelease, packageVersions };
}
