/**
 * Parser for `ifconfig` in both dialects the labs show: net-tools on the hosts
 * (`eth0: flags=4163<UP,…>  mtu 1500` / `inet 10.0.0.1  netmask 255.255.255.0`) and BusyBox in
 * the containers (`eth0  Link encap:Ethernet` / `inet addr:172.17.0.2  Mask:255.255.0.0`). Pure.
 */
import { prefixOfMask } from './parse-route.ts';

/** One interface block of `ifconfig`. */
export interface IfconfigInterface {
  name: string;
  /** IPv4 address, without prefix. */
  inet?: string;
  netmask?: string;
  /** The IPv4 address with its prefix length (`172.10.0.2/24`). */
  cidr?: string;
  mtu?: number;
  flags: string[];
}

const NET_TOOLS_HEAD = /^(\S+?): flags=\d+<([^>]*)>(?:\s+mtu (\d+))?/;
const BUSYBOX_HEAD = /^(\S+)\s+Link encap:/;
const NET_TOOLS_INET = /^\s+inet (\d+\.\d+\.\d+\.\d+)\s+netmask (\d+\.\d+\.\d+\.\d+)/;
const BUSYBOX_INET = /^\s+inet addr:(\d+\.\d+\.\d+\.\d+)\s+(?:(?:Bcast|P-t-P):\S+\s+)?Mask:(\d+\.\d+\.\d+\.\d+)/;
const BUSYBOX_FLAGS = /^\s+((?:[A-Z]+ )*[A-Z]+)\s+MTU:(\d+)/;

/** Parses `ifconfig` (either dialect) into interfaces, in the order printed. */
export function parseIfconfig(text: string): IfconfigInterface[] {
  const out: IfconfigInterface[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const nt = NET_TOOLS_HEAD.exec(line);
    const bb = nt ? null : BUSYBOX_HEAD.exec(line);
    if (nt) {
      out.push({ name: nt[1]!, flags: nt[2] ? nt[2].split(',') : [], ...(nt[3] ? { mtu: Number(nt[3]) } : {}) });
      continue;
    }
    if (bb) {
      out.push({ name: bb[1]!, flags: [] });
      continue;
    }
    const current = out.at(-1);
    if (!current) continue;
    const inet = NET_TOOLS_INET.exec(line) ?? BUSYBOX_INET.exec(line);
    if (inet && current.inet === undefined) {
      current.inet = inet[1]!;
      current.netmask = inet[2]!;
      current.cidr = `${inet[1]}/${prefixOfMask(inet[2]!)}`;
    }
    const flags = BUSYBOX_FLAGS.exec(line);
    if (flags) {
      current.flags = flags[1]!.split(' ');
      current.mtu = Number(flags[2]);
    }
  }
  return out;
}
