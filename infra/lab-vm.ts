/**
 * LabVm: one lab host as a Pulumi component — its base image volume, the qcow2 overlay it boots
 * from, its NoCloud seed and the libvirt domain — so each VM is one node of the stack's tree.
 */
import * as pulumi from '@pulumi/pulumi';
import type { HostVm } from './config.ts';
import { CloudInitDisk } from './libvirt/cloud-init-disk.ts';
import { Domain } from './libvirt/domain.ts';
import { Volume } from './libvirt/volume.ts';
import type { StackHostOutput } from './outputs.ts';
import { type HostKeyPair, renderMetaData, renderNetworkConfig, renderUserData } from './render/cloud-init.ts';
import type { DomainType } from './render/domain-xml.ts';

/** What one VM needs from the rest of the lab. */
export interface LabVmArgs {
  host: HostVm;
  uri: string;
  domainType: DomainType;
  /** Storage pool name (an Output when the stack creates the pool, so volumes wait for it). */
  pool: pulumi.Input<string>;
  /** libvirt network name (an Output of the Network, so the domain waits for it). */
  networkName: pulumi.Input<string>;
  prefix: number;
  gateway: string;
  /** The LAN routes out (NAT): give the VM a default route and DNS via the gateway. */
  routed: boolean;
  sshPublicKey: string;
  /** The pinned SSH host key, when the stack has one for this host (a secret). */
  hostKey: pulumi.Input<HostKeyPair | undefined>;
  imageCacheDir: string;
}

/** One lab VM and everything it is made of. */
export class LabVm extends pulumi.ComponentResource {
  readonly domain: Domain;
  readonly seed: CloudInitDisk;
  readonly baseVolume: Volume;
  readonly disk: Volume;
  /** The kernel and initramfs volumes, for images booted directly (no boot loader). */
  readonly kernel?: Volume;
  readonly initrd?: Volume;
  /** This VM's entry in the stack's `hosts` output. */
  readonly hostOutput: pulumi.Output<StackHostOutput>;

  constructor(name: string, args: LabVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super('labbench:libvirt:LabVm', name, {}, opts);
    const { host, uri } = args;
    const child = { parent: this };

    this.baseVolume = new Volume(
      `${name}-base`,
      {
        uri,
        pool: args.pool,
        name: `${host.domainName}-base.${host.image.format}`,
        format: host.image.format,
        source: host.image.source,
        ...(host.image.sha256 !== undefined ? { sha256: host.image.sha256 } : {}),
        ...(host.image.checksumUrl !== undefined ? { checksumUrl: host.image.checksumUrl } : {}),
        cacheDir: args.imageCacheDir,
      },
      child,
    );

    this.disk = new Volume(
      `${name}-disk`,
      {
        uri,
        pool: args.pool,
        name: `${host.domainName}.qcow2`,
        format: 'qcow2',
        baseVolumeId: this.baseVolume.id,
        baseVolumeFormat: host.image.format,
        size: host.diskGiB * 1024 ** 3,
      },
      child,
    );

    // Direct kernel boot: the kernel and initramfs go into the pool too, where the hypervisor's QEMU can read them.
    const bootFile = (kind: 'kernel' | 'initrd', source: string, sha256: string) =>
      new Volume(
        `${name}-${kind}`,
        { uri, pool: args.pool, name: `${host.domainName}-${kind}`, format: 'raw', source, sha256, cacheDir: args.imageCacheDir },
        child,
      );
    const { kernel, kernelSha256, initrd, initrdSha256, cmdline } = host.image;
    if (kernel && kernelSha256 && initrd && initrdSha256 && cmdline) {
      this.kernel = bootFile('kernel', kernel, kernelSha256);
      this.initrd = bootFile('initrd', initrd, initrdSha256);
    }

    const seedSpec = (hostKey: HostKeyPair | undefined) => ({
      instanceId: host.domainName,
      hostname: host.name,
      sshAuthorizedKeys: [args.sshPublicKey],
      ...(hostKey ? { hostKey } : {}),
      mac: host.mac,
      addressCidr: `${host.address}/${args.prefix}`,
      gateway: args.gateway,
      routed: args.routed,
    });
    this.seed = new CloudInitDisk(
      `${name}-seed`,
      {
        uri,
        pool: args.pool,
        name: `${host.domainName}-seed.iso`,
        userData: pulumi.output(args.hostKey).apply((k) => renderUserData(seedSpec(k))),
        metaData: renderMetaData(seedSpec(undefined)),
        networkConfig: renderNetworkConfig(seedSpec(undefined)),
      },
      child,
    );

    this.domain = new Domain(
      name,
      {
        uri,
        name: host.domainName,
        type: args.domainType,
        vcpu: host.vcpus,
        memory: host.memoryMiB,
        disks: [{ volumeId: this.disk.id }],
        cloudinit: this.seed.id,
        networkInterfaces: [{ networkName: args.networkName, mac: host.mac }],
        running: true,
        ...(this.kernel && this.initrd ? { kernel: this.kernel.path, initrd: this.initrd.path, cmdline } : {}),
        // On this machine's system hypervisor, the serial console (boot and cloud-init messages) is kept beside libvirt's own log.
        ...(uri === 'qemu:///system' ? { consoleLog: `/var/log/libvirt/qemu/${host.domainName}-console.log` } : {}),
      },
      child,
    );

    this.hostOutput = this.domain.name.apply((domain) => ({
      name: host.name,
      address: host.address,
      os: host.os,
      family: host.family,
      user: host.user,
      roles: host.roles,
      domain,
      mac: host.mac,
    }));
    this.registerOutputs({ host: this.hostOutput });
  }
}
