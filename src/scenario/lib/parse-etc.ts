/** Parsers for the name-service files Docker writes into a container: /etc/hosts and /etc/resolv.conf. Pure. */

/** One /etc/hosts line: an address and the names it carries, in order. */
export interface HostsEntry {
  address: string;
  names: string[];
}

/** Parses /etc/hosts; comments and blank lines are skipped. */
export function parseHostsFile(text: string): HostsEntry[] {
  const entries: HostsEntry[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const [address, ...names] = line.replace(/#.*$/, '').trim().split(/\s+/);
    if (address && names.length > 0) entries.push({ address, names });
  }
  return entries;
}

/** The entry that carries `name`, or undefined. */
export function hostsEntryFor(entries: readonly HostsEntry[], name: string): HostsEntry | undefined {
  return entries.find((e) => e.names.includes(name));
}

/** The entry for `address`, or undefined. */
export function hostsEntryAt(entries: readonly HostsEntry[], address: string): HostsEntry | undefined {
  return entries.find((e) => e.address === address);
}

/** The `nameserver` addresses of a resolv.conf (or of `grep -w nameserver` output), in order. */
export function parseNameservers(text: string): string[] {
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
}
