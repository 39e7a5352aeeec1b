/** Parser for the kernel routing table as `route -n` prints it (net-tools and BusyBox alike). Pure. */
import { formatCidr, parseIp, tryParseIp } from '../../net/ipv4.ts';

/** One row of `route -n`. */
export interface RouteRow {
  destination: string;
  gateway: string;
  genmask: string;
  flags: string;
  metric: number;
  iface: string;
  /** Destination and genmask as a CIDR block (`0.0.0.0/0` for the default route). */
  cidr: string;
}

/** Parses `route -n`; header lines are skipped. */
export function parseRouteN(text: string): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || tryParseIp(f[0]!) === undefined || tryParseIp(f[2]!) === undefined) continue;
    const [destination, gateway, genmask, flags, metric, , , iface] = f as [string, string, string, string, string, string, string, string];
    rows.push({
      destination,
      gateway,
      genmask,
      flags,
      metric: Number(metric),
      iface,
      cidr: formatCidr({ network: parseIp(destination), prefix: prefixOfMask(genmask) }),
    });
  }
  return rows;
}

/** The default route (destination 0.0.0.0/0), or undefined. */
export function defaultRoute(rows: readonly RouteRow[]): RouteRow | undefined {
  return rows.find((r) => r.cidr === '0.0.0.0/0');
}

/** The route whose destination is exactly this CIDR block, or undefined. */
export function routeTo(rows: readonly RouteRow[], cidr: string): RouteRow | undefined {
  return rows.find((r) => r.cidr === cidr);
}

/** Prefix length of a dotted netmask (255.255.255.0 → 24). */
export function prefixOfMask(mask: string): number {
  return parseIp(mask).toString(2).replace(/0+$/, '').length;
}
