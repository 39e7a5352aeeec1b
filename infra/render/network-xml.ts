/**
 * libvirt network XML for the lab LAN: NAT (so VMs can install packages) or isolated, the
 * gateway on the first address, a DHCP range in the upper half of the subnet, and one fixed
 * DHCP host entry per VM (the same MAC and address cloud-init configures statically).
 */
import { broadcast, formatIp, maskOf, size, tryParseCidr } from '../../src/net/ipv4.ts';
import { el, renderXml } from './xml.ts';

/** How the LAN reaches the outside: `nat` through the hypervisor, `none` isolated. */
export type NetworkMode = 'nat' | 'none';

/** A fixed DHCP lease: this MAC always gets this address and name. */
export interface DhcpHost {
  mac: string;
  name: string;
  ip: string;
}

/** The plain (resolved) description of a libvirt network, named like @pulumi/libvirt's Network. */
export interface NetworkSpec {
  name: string;
  mode: NetworkMode;
  /** IPv4 CIDRs; the first one is the LAN (the gateway takes its first address). */
  addresses: string[];
  /** Bridge device name; libvirt picks virbrN when absent. */
  bridge?: string;
  dhcpHosts: DhcpHost[];
}

/** The gateway, netmask and DHCP range libvirt serves on a LAN CIDR. */
export function lanLayout(cidr: string): { gateway: string; netmask: string; prefix: number; rangeStart: string; rangeEnd: string } {
  const lan = tryParseCidr(cidr);
  if (!lan || lan.prefix > 29) throw new Error(`network address ${JSON.stringify(cidr)} is not an IPv4 CIDR of /29 or larger`);
  const half = lan.network + size(lan) / 2;
  return {
    gateway: formatIp(lan.network + 1),
    netmask: formatIp(maskOf(lan.prefix)),
    prefix: lan.prefix,
    rangeStart: formatIp(half),
    rangeEnd: formatIp(broadcast(lan) - 1),
  };
}

/** Renders the network definition passed to `virsh net-define`. */
export function renderNetworkXml(spec: NetworkSpec): string {
  const cidr = spec.addresses[0];
  if (cidr === undefined) throw new Error(`network ${spec.name} needs at least one address (CIDR)`);
  const lan = lanLayout(cidr);
  const xml = renderXml(
    el(
      'network',
      {},
      el('name', {}, spec.name),
      spec.mode === 'nat' && el('forward', { mode: 'nat' }),
      el('bridge', { name: spec.bridge, stp: 'on', delay: 0 }),
      el(
        'ip',
        { address: lan.gateway, netmask: lan.netmask },
        el('dhcp', {}, el('range', { start: lan.rangeStart, end: lan.rangeEnd }), ...spec.dhcpHosts.map((h) => dhcpHostElement(h))),
      ),
    ),
  );
  return `${xml}\n`;
}

/** The `<host/>` element of one DHCP reservation, also what `virsh net-update … ip-dhcp-host` takes. */
export function renderDhcpHostXml(host: DhcpHost): string {
  return renderXml(dhcpHostElement(host));
}

function dhcpHostElement(host: DhcpHost) {
  return el('host', { mac: host.mac.toLowerCase(), name: host.name, ip: host.ip });
}
