/**
 * The desired kernel state of a flannel data plane for a set of leases, as a value: the
 * backend device, its address, and per remote lease the routes, neighbour and fdb entries
 * flannel programs (vxlan: neigh + fdb + onlink route; host-gw: route via the PublicIP; udp:
 * one network route into flannel0 and a subnet→PublicIP table for the relay). Pure.
 */
import { type Cidr, contains, formatCidr, formatIp, maskOf, sameCidr, tryParseCidr } from '../../net/ipv4.ts';
import { backendDeviceName, backendMtu } from '../backend.ts';
import type { BackendConfig } from '../config.ts';
import { type LeaseAttrs, leaseServedBy } from '../lease.ts';

/** A route in the main table. `dst` is always a.b.c.d/len. */
export interface RouteEntry {
  dst: string;
  gateway?: string;
  dev: string;
  onlink: boolean;
}

/** A permanent neighbour (ARP) entry. */
export interface NeighEntry {
  dev: string;
  ip: string;
  mac: string;
}

/** A permanent `self` fdb entry sending a MAC's frames to a remote VTEP. */
export interface FdbEntry {
  dev: string;
  mac: string;
  dst: string;
}

/** flannel.<VNI> as flannel creates it. */
export interface VxlanDeviceSpec {
  kind: 'vxlan';
  name: string;
  vni: number;
  /** Local VTEP address: the public IP (flannel ≥ 0.27.4). */
  local: string;
  /** The external interface (VtepDevIndex). */
  link: string;
  port: number;
  learning: boolean;
  gbp: boolean;
  mtu: number;
}

/** flannel0, created by the udp relay (the agent only sets its MTU, address and state). */
export interface TunDeviceSpec {
  kind: 'tun';
  name: string;
  mtu: number;
}

export type DeviceSpec = VxlanDeviceSpec | TunDeviceSpec;

/** One entry of the udp relay's table: packets for `subnet` go to `publicIp`. */
export interface RelayRoute {
  subnet: string;
  publicIp: string;
}

/** Everything the data plane should look like. */
export interface DesiredDataplane {
  device?: DeviceSpec;
  /** Addresses on the device, a.b.c.d/len. */
  addresses: string[];
  routes: RouteEntry[];
  neighbours: NeighEntry[];
  fdb: FdbEntry[];
  relayRoutes: RelayRoute[];
  /** Leases left out, with the reason, for the log. */
  ignored: { subnet: string; reason: string }[];
}

/** This host's side of the data plane. */
export interface DataplaneContext {
  backend: BackendConfig;
  network: Cidr;
  ownSubnet: Cidr;
  ext: { name: string; mtu: number; address: number; prefix: number; publicIp: number };
}

/** A lease from etcd, as the planner needs it. */
export interface PlannedLease {
  subnet: Cidr;
  attrs: LeaseAttrs;
}

/** The backend device this context uses, before any lease is known (vxlan needs its MAC for the lease). */
export function deviceSpec(ctx: Omit<DataplaneContext, 'ownSubnet'>): DeviceSpec | undefined {
  const name = backendDeviceName(ctx.backend);
  const mtu = backendMtu(ctx.backend, ctx.ext.mtu);
  switch (ctx.backend.type) {
    case 'vxlan':
      return {
        kind: 'vxlan',
        name: name!,
        vni: ctx.backend.vni,
        local: formatIp(ctx.ext.publicIp),
        link: ctx.ext.name,
        port: ctx.backend.port,
        learning: ctx.backend.learning,
        gbp: ctx.backend.gbp,
        mtu,
      };
    case 'udp':
      return { kind: 'tun', name: name!, mtu };
    case 'host-gw':
      return undefined;
  }
}

/** The desired data plane for all `leases` (this host's own lease among them is skipped). */
export function planDataplane(ctx: DataplaneContext, leases: readonly PlannedLease[]): DesiredDataplane {
  const device = deviceSpec(ctx);
  const plan: DesiredDataplane = { addresses: [], routes: [], neighbours: [], fdb: [], relayRoutes: [], ignored: [] };
  if (device) {
    plan.device = device;
    plan.addresses.push(`${formatIp(ctx.ownSubnet.network)}/32`);
  }
  if (ctx.backend.type === 'udp') plan.routes.push({ dst: formatCidr(ctx.network), dev: device!.name, onlink: false });

  const sorted = [...leases].sort((a, b) => a.subnet.network - b.subnet.network);
  for (const lease of sorted) {
    if (sameCidr(lease.subnet, ctx.ownSubnet)) continue;
    const subnet = formatCidr(lease.subnet);
    if (!insideNetwork(ctx.network, lease.subnet)) {
      plan.ignored.push({ subnet, reason: `outside the flannel network ${formatCidr(ctx.network)}` });
      continue;
    }
    if (!leaseServedBy(ctx.backend.type, lease.attrs)) {
      plan.ignored.push({ subnet, reason: `backend type "${lease.attrs.backendType}" is not ${ctx.backend.type}` });
      continue;
    }
    const publicIp = formatIp(lease.attrs.publicIp);
    switch (ctx.backend.type) {
      case 'host-gw':
        plan.routes.push({ dst: subnet, gateway: publicIp, dev: ctx.ext.name, onlink: false });
        break;
      case 'udp':
        plan.relayRoutes.push({ subnet, publicIp });
        break;
      case 'vxlan': {
        if (ctx.backend.directRouting && sameL2(ctx, lease.attrs.publicIp)) {
          plan.routes.push({ dst: subnet, gateway: publicIp, dev: ctx.ext.name, onlink: false });
          break;
        }
        const mac = lease.attrs.vxlan?.vtepMac;
        if (!mac) {
          plan.ignored.push({ subnet, reason: 'vxlan lease without BackendData.VtepMAC' });
          break;
        }
        const dev = device!.name;
        const gateway = formatIp(lease.subnet.network);
        plan.neighbours.push({ dev, ip: gateway, mac });
        plan.fdb.push({ dev, mac, dst: publicIp });
        plan.routes.push({ dst: subnet, gateway, dev, onlink: true });
        break;
      }
    }
  }
  return plan;
}

/**
 * Which routes of the main table belong to flannel and may be removed when no lease wants
 * them: inside the network, and either on the backend device, or subnet-sized via a gateway
 * on the external interface (host-gw, DirectRouting). A Docker bridge route (no gateway, other
 * device) or an administrator's host route is never touched.
 */
export function isManagedRoute(ctx: DataplaneContext, route: RouteEntry): boolean {
  const dst = tryParseCidr(route.dst, false);
  if (!dst || !insideNetwork(ctx.network, dst)) return false;
  const device = backendDeviceName(ctx.backend);
  if (device !== undefined && route.dev === device) return true;
  return route.gateway !== undefined && route.dev === ctx.ext.name && dst.prefix === ctx.ownSubnet.prefix;
}

function insideNetwork(network: Cidr, subnet: Cidr): boolean {
  return subnet.prefix >= network.prefix && contains(network, subnet.network);
}

/** True for a device address inside the flannel network; the diff removes only those when unwanted. */
export function isManagedAddress(ctx: Pick<DataplaneContext, 'network'>, cidr: string): boolean {
  const address = tryParseCidr(cidr, false);
  return address !== undefined && contains(ctx.network, address.network);
}

/** DirectRouting's test: the remote PublicIP is on the external interface's own subnet. */
function sameL2(ctx: DataplaneContext, publicIp: number): boolean {
  const lan = { network: (ctx.ext.address & maskOf(ctx.ext.prefix)) >>> 0, prefix: ctx.ext.prefix };
  return contains(lan, publicIp);
}
