/**
 * Files labbench puts into the Debian 12 VM image besides Debian's packages (their hashes are
 * part of the image manifest, so editing one builds a new image), and the units it enables,
 * disables and masks. The image boots under TCG on machines with no route out, so nothing in
 * it may wait on the network: cloud-init reads only the NoCloud seed, and no unit waits for a
 * network to come "online".
 */
import { HOST_IMAGE_PATHS } from '../../../testbed/host-image.ts';
import { HOST_IMAGE_FILES, type ImageFile } from '../../local/host-image/files.ts';

/** The ext4 file system label of the root file system (the kernel command line mounts it by device). */
export const ROOT_LABEL = 'labbench-root';

/**
 * Kernel command line for direct kernel boot: the root file system is the whole first virtio disk
 * (no partition table); the last console, /dev/console, is the serial port `virsh console` attaches
 * to (and the domain logs), so boot and cloud-init messages land there.
 */
export const KERNEL_CMDLINE = 'root=/dev/vda rw console=tty0 console=ttyS0,115200n8';

const CLOUD_CFG = `# labbench: the seed ISO is the only data source (no metadata server is reachable), and the
# network config is written for systemd-networkd (the image has no ifupdown), and no locale is
# generated at first boot (C.UTF-8 is built in; locale-gen takes long under emulation).
datasource_list: [ NoCloud, None ]
locale: false
system_info:
  network:
    renderers: [ networkd ]
`;

const FSTAB = `# labbench VM image: the root file system is the whole first virtio disk.
/dev/vda / ext4 defaults,noatime 0 1
`;

/**
 * Only the modules the VM needs early: its root file system, and the SATA CD-ROM holding the
 * NoCloud seed, loaded here so the seed is there when cloud-init's first (local) stage looks for
 * it instead of racing udev. A small initramfs also boots faster under emulation.
 */
const INITRAMFS_MODULES = `virtio_pci
virtio_blk
ext4
crc32c_generic
ahci
sr_mod
isofs
`;

const INITRAMFS_CONF = `MODULES=list
COMPRESS=gzip
`;

const fromHostImage = (path: string): ImageFile => {
  const f = HOST_IMAGE_FILES.find((x) => x.path === path);
  if (!f) throw new Error(`host image file ${path} is gone: update the VM image's file list`);
  return f;
};

export const VM_IMAGE_FILES: readonly ImageFile[] = [
  fromHostImage(HOST_IMAGE_PATHS.sshdConfig),
  fromHostImage(HOST_IMAGE_PATHS.journaldConfig),
  // The box test image's loader (the tarball is built into the image too): `centos:7.9`/`centos:latest` without a registry.
  fromHostImage(HOST_IMAGE_PATHS.boxLoader),
  { path: '/etc/cloud/cloud.cfg.d/90-labbench.cfg', content: CLOUD_CFG, mode: 0o644 },
  { path: '/etc/fstab', content: FSTAB, mode: 0o644 },
  { path: '/etc/initramfs-tools/modules', content: INITRAMFS_MODULES, mode: 0o644 },
  { path: '/etc/initramfs-tools/conf.d/labbench.conf', content: INITRAMFS_CONF, mode: 0o644 },
];

/** Enabled at boot; etcd stays off until the scenario enables it on host A, as the document does. */
export const VM_ENABLED_UNITS: readonly string[] = ['systemd-networkd.service', 'ssh.service', 'docker.service'];
export const VM_DISABLED_UNITS: readonly string[] = ['etcd.service'];
/** Units that would wait for a network that never comes or a clock/package service that is not wanted here. */
export const VM_MASKED_UNITS: readonly string[] = [
  'systemd-networkd-wait-online.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'e2scrub_all.timer',
  'e2scrub_reap.service',
];

/**
 * Kernel module trees no lab VM needs (sound, graphics, wireless, …): dropped to keep the image
 * small. Paths under /lib/modules/<release>/kernel/.
 */
export const PRUNED_MODULE_DIRS: readonly string[] = [
  'sound',
  'drivers/gpu',
  'drivers/media',
  'drivers/net/wireless',
  'drivers/infiniband',
  'drivers/staging',
  'drivers/bluetooth',
  'net/bluetooth',
  'net/wireless',
  'net/mac80211',
  'drivers/isdn',
  'drivers/iio',
  'drivers/hid',
  'drivers/input/touchscreen',
  'drivers/net/ethernet',
  'drivers/usb',
  'drivers/md',
  'drivers/nvme',
  'drivers/mmc',
  'drivers/net/can',
];
