/**
 * The data plane as it is now, parsed from `ip -j` and `bridge -j` output. Pure.
 */
import type { FdbEntry, NeighEntry, RouteEntry } from './plan.ts';

/** A link as `ip -j -d link show` describes it (vxlan details when it is one). */
export interface CurrentDevice {
  name: string;
  kind: string;
  mtu: number;
  up: boolean;
  mac: string;
  vxlan?: { vni: number; local?: string; link?: string; port: number; learning: boolean; gbp: boolean };
}

/** Everything the diff compares against. */
export interface CurrentDataplane {
  device?: CurrentDevice;
  addresses: string[];
  /** All IPv4 routes of the main table (the diff filters the managed ones). */
  routes: RouteEntry[];
  /** PERMANENT neighbour entries on the device. */
  neighbours: NeighEntry[];
  /** Permanent `self` fdb entries with a remote dst on the device. */
  fdb: FdbEntry[];
}

/** Parses `ip -j -d link show dev X`; undefined for an empty answer. */
export function parseLinkJson(text: string): CurrentDevice | undefined {
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data) || data.length === 0) return undefined;
  const l = data[0] as {
    ifname: string;
    mtu: number;
    flags?: string[];
    address?: string;
    linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; link?: string; port?: number; learning?: boolean; gbp?: boolean } };
  };
  const device: CurrentDevice = {
    name: l.ifname,
    kind: l.linkinfo?.info_kind ?? '',
    mtu: l.mtu,
    up: (l.flags ?? []).includes('UP'),
    mac: (l.address ?? '').toLowerCase(),
  };
  const d = l.linkinfo?.info_data;
  if (device.kind === 'vxlan' && d) {
    device.vxlan = {
      vni: d.id ?? 0,
      ...(d.local !== undefined ? { local: d.local } : {}),
      ...(d.link !== undefined ? { link: d.link } : {}),
      port: d.port ?? 0,
      learning: d.learning ?? true,
      gbp: d.gbp === true,
    };
  }
  return device;
}

/** Parses `ip -j -4 addr show dev X` into a.b.c.d/len strings. */
export function parseAddrJson(text: string): string[] {
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data)) return [];
  return data.flatMap((link) =>
    ((link as { addr_info?: { family?: string; local?: string; prefixlen?: number }[] }).addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.local !== undefined)
      .map((a) => `${a.local}/${a.prefixlen ?? 32}`),
  );
}

/** Parses `ip -j -4 route show table main`; host routes get /32, the default route is left out. */
export function parseRouteJson(text: string): RouteEntry[] {
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data)) return [];
  return data.flatMap((r) => {
    const route = r as { dst?: string; gateway?: string; dev?: string; flags?: string[]; type?: string };
    if (!route.dst || route.dst === 'default' || !route.dev || (route.type !== undefined && route.type !== 'unicast')) return [];
    const entry: RouteEntry = {
      dst: route.dst.includes('/') ? route.dst : `${route.dst}/32`,
      dev: route.dev,
      onlink: (route.flags ?? []).includes('onlink'),
    };
    if (route.gateway !== undefined) entry.gateway = route.gateway;
    return [entry];
  });
}

/** Parses `ip -j -4 neigh show dev X`, keeping PERMANENT entries (the ones flannel writes). */
export function parseNeighJson(text: string, dev: string): NeighEntry[] {
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data)) return [];
  return data.flatMap((n) => {
    const e = n as { dst?: string; lladdr?: string; state?: string[] };
    if (!e.dst || !e.lladdr || !(e.state ?? []).includes('PERMANENT')) return [];
    return [{ dev, ip: e.dst, mac: e.lladdr.toLowerCase() }];
  });
}

/** Parses `bridge -j fdb show dev X`, keeping permanent `self` entries with a remote dst. */
export function parseFdbJson(text: string, dev: string): FdbEntry[] {
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data)) return [];
  return data.flatMap((f) => {
    const e = f as { mac?: string; dst?: string; flags?: string[]; state?: string };
    if (!e.mac || !e.dst || !(e.flags ?? []).includes('self') || e.state !== 'permanent') return [];
    return [{ dev, mac: e.mac.toLowerCase(), dst: e.dst }];
  });
}
