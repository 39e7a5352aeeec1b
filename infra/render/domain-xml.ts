/**
 * libvirt domain XML for one lab VM: q35 machine, the qcow2 system disk (boots first and only),
 * the NoCloud seed as a read-only SATA CD-ROM, one virtio NIC with a fixed MAC on the lab
 * network, and a serial console (cloud images log to ttyS0; `virsh console` attaches to it).
 * Images without a boot loader (labbench's Debian 12 image) boot their kernel directly.
 */
import { el, renderXml } from './xml.ts';

/** `kvm` for hardware virtualisation, `qemu` for plain emulation (TCG) where KVM is absent or unusable. */
export type DomainType = 'kvm' | 'qemu';

/** One NIC: the libvirt network it joins and its fixed MAC. */
export interface NetworkInterfaceSpec {
  networkName: string;
  mac: string;
}

/** The plain (resolved) description of a domain, named like @pulumi/libvirt's Domain. */
export interface DomainSpec {
  name: string;
  /** libvirt's UUID, kept when a domain is redefined so the definition is updated in place. */
  uuid?: string;
  type: DomainType;
  vcpu: number;
  /** MiB, as in @pulumi/libvirt. */
  memory: number;
  arch: string;
  machine: string;
  /** Volume paths on the hypervisor (volume ids); the first one boots. */
  disks: { volumeId: string }[];
  /** Path of the NoCloud seed ISO volume on the hypervisor. */
  cloudinit?: string;
  networkInterfaces: NetworkInterfaceSpec[];
  /**
   * Direct kernel boot: paths on the hypervisor of the kernel and initramfs QEMU loads itself
   * (no boot loader in the image), and the kernel command line.
   */
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  /** File on the hypervisor that receives everything the serial console prints (boot and cloud-init messages). */
  consoleLog?: string;
}

/** Renders the domain definition passed to `virsh define`. */
export function renderDomainXml(spec: DomainSpec): string {
  const xml = renderXml(
    el(
      'domain',
      { type: spec.type },
      el('name', {}, spec.name),
      spec.uuid !== undefined && el('uuid', {}, spec.uuid),
      el('memory', { unit: 'MiB' }, String(spec.memory)),
      el('vcpu', {}, String(spec.vcpu)),
      el(
        'os',
        {},
        el('type', { arch: spec.arch, machine: spec.machine }, 'hvm'),
        spec.kernel !== undefined && el('kernel', {}, spec.kernel),
        spec.initrd !== undefined && el('initrd', {}, spec.initrd),
        spec.cmdline !== undefined && el('cmdline', {}, spec.cmdline),
      ),
      el('features', {}, el('acpi'), el('apic')),
      // Emulated guests get QEMU's default CPU model; host-passthrough needs KVM.
      spec.type === 'kvm' && el('cpu', { mode: 'host-passthrough' }),
      el('on_poweroff', {}, 'destroy'),
      el('on_reboot', {}, 'restart'),
      el('on_crash', {}, 'destroy'),
      el(
        'devices',
        {},
        ...spec.disks.map((d, i) =>
          el(
            'disk',
            { type: 'file', device: 'disk' },
            el('driver', { name: 'qemu', type: 'qcow2' }),
            el('source', { file: d.volumeId }),
            el('target', { dev: `vd${String.fromCharCode(97 + i)}`, bus: 'virtio' }),
            // Only the system disk is bootable, and with a per-device order libvirt boots strictly
            // from it: no network boot attempts on the lab LAN.
            i === 0 && el('boot', { order: 1 }),
          ),
        ),
        spec.cloudinit !== undefined &&
          el(
            'disk',
            { type: 'file', device: 'cdrom' },
            el('driver', { name: 'qemu', type: 'raw' }),
            el('source', { file: spec.cloudinit }),
            el('target', { dev: 'sda', bus: 'sata' }),
            el('readonly'),
          ),
        ...spec.networkInterfaces.map((n) =>
          el(
            'interface',
            { type: 'network' },
            el('mac', { address: n.mac.toLowerCase() }),
            el('source', { network: n.networkName }),
            el('model', { type: 'virtio' }),
          ),
        ),
        el('serial', { type: 'pty' }, spec.consoleLog !== undefined && el('log', { file: spec.consoleLog, append: 'off' }), el('target', { port: 0 })),
        el('console', { type: 'pty' }, el('target', { type: 'serial', port: 0 })),
        // Cloud images generate SSH host keys and seeds at first boot; a virtio RNG keeps that fast.
        el('rng', { model: 'virtio' }, el('backend', { model: 'random' }, '/dev/urandom')),
      ),
    ),
  );
  return `${xml}\n`;
}
