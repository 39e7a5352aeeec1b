/**
 * The difference between the desired and the current data plane, as an ordered list of kernel
 * operations, and the `ip`/`bridge` command for each. Pure. Order follows flannel: device
 * first, then per-lease deletions, then neighbour, fdb and finally the route (set last so the
 * kernel never ARPs for a subnet gateway).
 */
import type { DesiredDataplane, FdbEntry, NeighEntry, RouteEntry, VxlanDeviceSpec } from './plan.ts';
import type { CurrentDataplane, CurrentDevice } from './state.ts';

/** One change to the kernel. */
export type KernelOp =
  | { kind: 'link-add'; device: VxlanDeviceSpec }
  | { kind: 'link-del'; name: string }
  | { kind: 'link-mtu'; name: string; mtu: number }
  | { kind: 'link-up'; name: string }
  | { kind: 'addr-add'; dev: string; cidr: string }
  | { kind: 'addr-del'; dev: string; cidr: string }
  | { kind: 'neigh-replace'; entry: NeighEntry }
  | { kind: 'neigh-del'; entry: NeighEntry }
  | { kind: 'fdb-replace'; entry: FdbEntry }
  | { kind: 'fdb-del'; entry: FdbEntry }
  | { kind: 'route-replace'; route: RouteEntry }
  | { kind: 'route-del'; route: RouteEntry };

/** Decides which current routes/addresses the data plane owns (see plan.isManagedRoute). */
export interface DiffScope {
  isManagedRoute(route: RouteEntry): boolean;
  /** True for a device address inside the flannel network (others are left alone). */
  isManagedAddress(cidr: string): boolean;
}

/** Device operations alone: create, recreate when incompatible, fix MTU, bring up. */
export function diffDevice(desired: DesiredDataplane['device'], current: CurrentDevice | undefined): KernelOp[] {
  if (!desired) return [];
  if (desired.kind === 'tun') {
    // The relay owns flannel0's lifetime; without it there is nothing to adjust yet.
    if (!current) return [];
    return [
      ...(current.mtu !== desired.mtu ? [{ kind: 'link-mtu' as const, name: desired.name, mtu: desired.mtu }] : []),
      ...(current.up ? [] : [{ kind: 'link-up' as const, name: desired.name }]),
    ];
  }
  const ops: KernelOp[] = [];
  if (current && !vxlanCompatible(desired, current)) ops.push({ kind: 'link-del', name: desired.name });
  if (!current || ops.length > 0) {
    ops.push({ kind: 'link-add', device: desired }, { kind: 'link-up', name: desired.name });
    return ops;
  }
  if (current.mtu !== desired.mtu) ops.push({ kind: 'link-mtu', name: desired.name, mtu: desired.mtu });
  if (!current.up) ops.push({ kind: 'link-up', name: desired.name });
  return ops;
}

/** flannel's `vxlanLinksIncompat`: a different VNI, local address, lower device, port or GBP means recreate. */
export function vxlanCompatible(desired: VxlanDeviceSpec, current: CurrentDevice): boolean {
  const v = current.vxlan;
  if (current.kind !== 'vxlan' || !v) return false;
  return (
    v.vni === desired.vni &&
    v.local === desired.local &&
    v.link === desired.link &&
    v.port === desired.port &&
    v.gbp === desired.gbp &&
    v.learning === desired.learning
  );
}

/** All operations turning `current` into `desired`. */
export function diffDataplane(desired: DesiredDataplane, current: CurrentDataplane, scope: DiffScope): KernelOp[] {
  const deviceOps = diffDevice(desired.device, current.device);
  const recreated = deviceOps.some((op) => op.kind === 'link-add');
  const deviceName = desired.device?.name;
  // A new device starts empty: nothing that was on the old one survives.
  const onDevice = <T extends { dev: string }>(items: T[]): T[] => (recreated ? items.filter((i) => i.dev !== deviceName) : items);
  const currentAddresses = recreated ? [] : current.addresses;
  const currentRoutes = onDevice(current.routes).filter((r) => scope.isManagedRoute(r));
  const currentNeigh = onDevice(current.neighbours);
  const currentFdb = onDevice(current.fdb);
  const deviceMissing = !current.device && desired.device?.kind === 'tun';

  const ops: KernelOp[] = [...deviceOps];
  if (deviceName !== undefined && !deviceMissing) {
    for (const cidr of currentAddresses) {
      if (scope.isManagedAddress(cidr) && !desired.addresses.includes(cidr)) ops.push({ kind: 'addr-del', dev: deviceName, cidr });
    }
    for (const cidr of desired.addresses) {
      if (!currentAddresses.includes(cidr)) ops.push({ kind: 'addr-add', dev: deviceName, cidr });
    }
  }

  // Deletions first, in flannel's removal order: neighbour, fdb, route.
  for (const n of currentNeigh) {
    if (!desired.neighbours.some((d) => d.dev === n.dev && d.ip === n.ip)) ops.push({ kind: 'neigh-del', entry: n });
  }
  for (const f of currentFdb) {
    if (!desired.fdb.some((d) => d.dev === f.dev && d.mac === f.mac && d.dst === f.dst)) ops.push({ kind: 'fdb-del', entry: f });
  }
  for (const r of currentRoutes) {
    const wanted = desired.routes.find((d) => d.dst === r.dst);
    if (wanted && sameRoute(r, wanted)) continue;
    // A wrong route to a wanted destination is overwritten by `route replace` below, unless the
    // right one is already there too (then this one is a stray duplicate).
    const replacedInPlace = wanted !== undefined && !currentRoutes.some((o) => sameRoute(o, wanted));
    if (!replacedInPlace) ops.push({ kind: 'route-del', route: r });
  }

  if (deviceMissing) return ops;
  for (const n of desired.neighbours) {
    if (!currentNeigh.some((c) => c.dev === n.dev && c.ip === n.ip && c.mac === n.mac)) ops.push({ kind: 'neigh-replace', entry: n });
  }
  for (const f of desired.fdb) {
    if (!currentFdb.some((c) => c.dev === f.dev && c.mac === f.mac && c.dst === f.dst)) ops.push({ kind: 'fdb-replace', entry: f });
  }
  for (const r of desired.routes) {
    if (!currentRoutes.some((c) => sameRoute(c, r))) ops.push({ kind: 'route-replace', route: r });
  }
  return ops;
}

function sameRoute(a: RouteEntry, b: RouteEntry): boolean {
  return a.dst === b.dst && a.dev === b.dev && a.gateway === b.gateway && a.onlink === b.onlink;
}

/** The command that performs `op`, as an argv. */
export function opCommand(op: KernelOp): string[] {
  switch (op.kind) {
    case 'link-add': {
      const d = op.device;
      return [
        'ip',
        'link',
        'add',
        d.name,
        'mtu',
        String(d.mtu),
        'type',
        'vxlan',
        'id',
        String(d.vni),
        'local',
        d.local,
        'dev',
        d.link,
        'dstport',
        String(d.port),
        d.learning ? 'learning' : 'nolearning',
        ...(d.gbp ? ['gbp'] : []),
      ];
    }
    case 'link-del':
      return ['ip', 'link', 'del', op.name];
    case 'link-mtu':
      return ['ip', 'link', 'set', 'dev', op.name, 'mtu', String(op.mtu)];
    case 'link-up':
      return ['ip', 'link', 'set', 'dev', op.name, 'up'];
    case 'addr-add':
      return ['ip', 'addr', 'add', op.cidr, 'dev', op.dev];
    case 'addr-del':
      return ['ip', 'addr', 'del', op.cidr, 'dev', op.dev];
    case 'neigh-replace':
      return ['ip', 'neigh', 'replace', op.entry.ip, 'dev', op.entry.dev, 'lladdr', op.entry.mac, 'nud', 'permanent'];
    case 'neigh-del':
      return ['ip', 'neigh', 'del', op.entry.ip, 'dev', op.entry.dev];
    case 'fdb-replace':
      return ['bridge', 'fdb', 'replace', op.entry.mac, 'dev', op.entry.dev, 'dst', op.entry.dst, 'self', 'permanent'];
    case 'fdb-del':
      return ['bridge', 'fdb', 'del', op.entry.mac, 'dev', op.entry.dev, 'dst', op.entry.dst, 'self'];
    case 'route-replace':
      return [
        'ip',
        'route',
        'replace',
        op.route.dst,
        ...(op.route.gateway ? ['via', op.route.gateway] : []),
        'dev',
        op.route.dev,
        ...(op.route.onlink ? ['onlink'] : []),
      ];
    case 'route-del':
      return ['ip', 'route', 'del', op.route.dst, ...(op.route.gateway ? ['via', op.route.gateway] : []), 'dev', op.route.dev];
  }
}
