/**
 * The Debian 12 VM image manifest: the host image's package recipe plus what a VM needs to boot
 * on its own (kernel, initramfs, udev, cloud-init). Its hash names the image directory, so any
 * change to the packages, the injected files or the recipe builds a new image. Pure.
 */
import { type HostImageManifest, hostImageManifest, manifestHash, sha256 } from '../../local/host-image/manifest.ts';
import { KERNEL_CMDLINE, PRUNED_MODULE_DIRS, VM_DISABLED_UNITS, VM_ENABLED_UNITS, VM_IMAGE_FILES, VM_MASKED_UNITS } from './files.ts';

/** Bump when the VM build steps change in a way the manifest does not otherwise show. */
export const VM_RECIPE_VERSION = 1;

/**
 * Packages a VM needs on top of the host image's (a system container borrows the machine's kernel
 * and udev). python3-cffi-backend is named because debootstrap does not resolve virtual packages:
 * cloud-init → python3-oauthlib → python3-cryptography needs python3-cffi-backend-api-min, which
 * only python3-cffi-backend provides. apparmor because Debian's kernel boots with AppArmor on:
 * without apparmor_parser Docker cannot load its docker-default profile and refuses to start any
 * container (`docker run` exits 127); docker.io only recommends it, and debootstrap skips
 * recommends.
 */
export const VM_EXTRA_PACKAGES: readonly string[] = [
  'linux-image-amd64',
  'initramfs-tools',
  'udev',
  'cloud-init',
  'python3-cffi-backend',
  'e2fsprogs',
  'apparmor',
];

/** Size of the root file system in the base image (the overlay may be larger: cloud-init grows the file system). */
export const ROOT_FS_MIB = 3072;

export interface VmImageManifest extends HostImageManifest {
  kind: 'vm';
  vmRecipe: number;
  rootFsMiB: number;
  cmdline: string;
  units: { enabled: string[]; disabled: string[]; masked: string[] };
  prunedModules: string[];
}

/** One file the build produced, as the stack config takes it (path and SHA-256). */
export interface VmImageArtifact {
  path: string;
  sha256: string;
  bytes: number;
}

/** A built image: the manifest, the exact package versions, and the three boot files. */
export interface BuiltVmImage extends VmImageManifest {
  hash: string;
  builtAt: string;
  kernelRelease: string;
  packageVersions: Record<string, string>;
  disk: VmImageArtifact;
  kernel: VmImageArtifact;
  initrd: VmImageArtifact;
}

export function vmImageManifest(options: { mirror?: string } = {}): VmImageManifest {
  const base = hostImageManifest({ ...options, extraPackages: VM_EXTRA_PACKAGES });
  const files: Record<string, string> = {};
  for (const f of VM_IMAGE_FILES) files[f.path] = sha256(f.content);
  return {
    ...base,
    files,
    kind: 'vm',
    vmRecipe: VM_RECIPE_VERSION,
    rootFsMiB: ROOT_FS_MIB,
    cmdline: KERNEL_CMDLINE,
    units: { enabled: [...VM_ENABLED_UNITS], disabled: [...VM_DISABLED_UNITS], masked: [...VM_MASKED_UNITS] },
    prunedModules: [...PRUNED_MODULE_DIRS],
  };
}

/** Content hash of the manifest (the mirror left out), naming the image directory. */
export function vmImageHash(m: VmImageManifest): string {
  return manifestHash(m);
}

/** The stack config entry (labbench:images["debian-12"]) that boots a built image. */
export function stackImageEntry(built: BuiltVmImage): Record<string, string> {
  return {
    source: built.disk.path,
    sha256: built.disk.sha256,
    format: 'qcow2',
    user: 'debian',
    kernel: built.kernel.path,
    kernelSha256: built.kernel.sha256,
    initrd: built.initrd.path,
    initrdSha256: built.initrd.sha256,
    cmdline: built.cmdline,
  };
}
