/**
 * The cloud images labbench boots for each OS label of the course document, and the user each
 * image's cloud-init creates. Rocky's image is pinned by digest; Ubuntu re-spins its "release"
 * image, so it is verified against the SHA256SUMS published next to it (pin `sha256` in
 * labbench:images for a fixed build). Debian 12 has no default: its image is built here, offline,
 * by `pnpm vm-image`, which prints the labbench:images entry that boots it.
 */
import type { VolumeFormat } from './libvirt/volume.ts';

/** Where an OS image comes from, how it is verified, and who logs in. */
export interface OsImage {
  source: string;
  sha256?: string;
  checksumUrl?: string;
  format: VolumeFormat;
  /** The image's default cloud-init user, who gets the lab's SSH key. */
  user: string;
  /**
   * Direct kernel boot, for images without a boot loader (labbench's Debian 12 image, built by
   * `pnpm vm-image`): kernel and initramfs (path or URL, each with its SHA-256) and the command line.
   */
  kernel?: string;
  kernelSha256?: string;
  initrd?: string;
  initrdSha256?: string;
  cmdline?: string;
}

/** Default images by OS label (label forms in src/os/releases.ts). */
export const DEFAULT_IMAGES: Readonly<Record<string, OsImage>> = {
  'rocky-8.10': {
    source: 'https://dl.rockylinux.org/pub/rocky/8.10/images/x86_64/Rocky-8-GenericCloud-Base-8.10-20240528.0.x86_64.qcow2',
    sha256: 'e56066c58606191e96184de9a9183a3af33c59bcbd8740d8b10ca054a7a89c14',
    format: 'qcow2',
    user: 'rocky',
  },
  'ubuntu-24.04': {
    source: 'https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-amd64.img',
    checksumUrl: 'https://cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS',
    format: 'qcow2',
    user: 'ubuntu',
  },
};

/** Default login user of each OS label's cloud image, also for images given in labbench:images. */
export const DEFAULT_USERS: Readonly<Record<string, string>> = {
  'rocky-8.10': 'rocky',
  'ubuntu-24.04': 'ubuntu',
  'debian-12': 'debian',
};
