/**
 * The whole libvirt lab from a LabConfig: the LAN (NAT by default) with a fixed DHCP lease per
 * VM, the storage pool (unless an existing one is named), and one LabVm per host. Returns the
 * stack outputs, which infra/index.ts exports and src/providers/libvirt maps onto an Inventory.
 */
import * as pulumi from '@pulumi/pulumi';
import { gatewayOf } from '../src/testbed/testbed.ts';
import type { LabConfig } from './config.ts';
import { LabVm } from './lab-vm.ts';
import { Network } from './libvirt/network.ts';
import { Pool } from './libvirt/pool.ts';
import type { LabStackOutputs } from './outputs.ts';
import type { HostKeyPair } from './render/cloud-init.ts';
import { lanLayout } from './render/network-xml.ts';

/** Host keys by host name, from the secret config key labbench:hostKeys. */
export type HostKeys = Record<string, HostKeyPair>;

/** The declared lab: its resources and the stack outputs. */
export interface DeclaredLab {
  network: Network;
  pool: Pool | undefined;
  vms: LabVm[];
  outputs: { [K in keyof LabStackOutputs]: pulumi.Output<LabStackOutputs[K]> };
}

/** Declares every resource of the lab. */
export function declareLab(config: LabConfig, hostKeys: pulumi.Input<HostKeys | undefined>): DeclaredLab {
  const uri = config.hypervisorUri;
  const lab = config.labName;

  const network = new Network(`${lab}-lan`, {
    uri,
    name: `${lab}-lan`,
    mode: config.networkMode,
    addresses: [config.lanCidr],
    dhcpHosts: config.hosts.map((h) => ({ mac: h.mac, name: h.name, ip: h.address })),
  });

  const pool = config.storagePoolPath === '' ? undefined : new Pool(`${lab}-pool`, { uri, name: config.storagePool, path: config.storagePoolPath });

  const keys = pulumi.output(hostKeys);
  const vms = config.hosts.map(
    (host) =>
      new LabVm(`${lab}-${host.name}`, {
        host,
        uri,
        domainType: config.domainType,
        pool: pool ? pool.name : config.storagePool,
        networkName: network.name,
        prefix: lanLayout(config.lanCidr).prefix,
        gateway: gatewayOf(config.lanCidr),
        routed: config.networkMode === 'nat',
        sshPublicKey: config.sshPublicKey,
        hostKey: keys.apply((k) => k?.[host.name]),
        imageCacheDir: config.imageCacheDir,
      }),
  );

  return {
    network,
    pool,
    vms,
    outputs: {
      lab: pulumi.output(lab),
      subnet: pulumi.output(config.lanCidr),
      hypervisorUri: pulumi.output(uri),
      domainType: pulumi.output(config.domainType),
      sshKeyPath: pulumi.output(config.sshPrivateKeyPath),
      knownHostsPath: pulumi.output(config.knownHostsPath),
      hosts: pulumi.all(vms.map((vm) => vm.hostOutput)),
    },
  };
}
