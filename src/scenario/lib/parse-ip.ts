/**
 * Parser for the interface listings of iproute2 and BusyBox `ip`: `ip a`, `ip link` and their
 * one-line forms (`ip -o link`, where a backslash stands for each line break). Pure.
 */

/** One interface as `ip a` / `ip link` shows it. */
export interface IpInterface {
  index: number;
  name: string;
  /** What follows `@` in the name: `if30` for a veth whose peer is interface 30 in another namespace, `NONE`, or a parent's name. */
  link?: string;
  /** The peer's interface index when `link` is `ifN` (veth pairs, macvlan children). */
  peerIndex?: number;
  flags: string[];
  mtu?: number;
  /** The bridge (or bond) this interface is attached to (`master docker0`). */
  master?: string;
  state?: string;
  mac?: string;
  /** IPv4 addresses with their prefix length, as printed (`172.17.0.2/16`). */
  inet: string[];
}

const HEADER = /^(\d+):\s+([^:@\s]+)(?:@([^:\s]+))?:\s+<([^>]*)>(.*)$/;

/** Parses `ip a`, `ip link` or `ip -o link` output into interfaces, in the order printed. */
export function parseIpInterfaces(text: string): IpInterface[] {
  const out: IpInterface[] = [];
  const lines = text.replace(/\r\n/g, '\n').replace(/\\\s*/g, '\n').split('\n');
  for (const line of lines) {
    const head = HEADER.exec(line);
    if (head) {
      const rest = head[5]!;
      const iface: IpInterface = { index: Number(head[1]), name: head[2]!, flags: head[4] ? head[4].split(',') : [], inet: [] };
      if (head[3]) {
        iface.link = head[3];
        const peer = /^if(\d+)$/.exec(head[3]);
        if (peer) iface.peerIndex = Number(peer[1]);
      }
      const mtu = /\bmtu (\d+)/.exec(rest);
      if (mtu) iface.mtu = Number(mtu[1]);
      const master = /\bmaster (\S+)/.exec(rest);
      if (master) iface.master = master[1]!;
      const state = /\bstate (\S+)/.exec(rest);
      if (state) iface.state = state[1]!;
      out.push(iface);
      continue;
    }
    const current = out.at(-1);
    if (!current) continue;
    const ether = /^\s*link\/ether (\S+)/.exec(line);
    if (ether) current.mac = ether[1]!.toLowerCase();
    const inet = /^\s*inet (\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    if (inet) current.inet.push(inet[1]!);
  }
  return out;
}

/** The interface with this name, or undefined. */
export function interfaceNamed(interfaces: readonly IpInterface[], name: string): IpInterface | undefined {
  return interfaces.find((i) => i.name === name);
}

/** Interfaces present in `after` but not in `before` (matched by index and name). */
export function addedInterfaces(before: readonly IpInterface[], after: readonly IpInterface[]): IpInterface[] {
  const known = new Set(before.map((i) => `${i.index}:${i.name}`));
  return after.filter((i) => !known.has(`${i.index}:${i.name}`));
}
