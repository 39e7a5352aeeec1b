/** Parser for `brctl show` (bridge-utils): each bridge with the interfaces attached to it. Pure. */

/** One bridge as `brctl show` lists it. */
export interface BrctlBridge {
  name: string;
  id: string;
  stp: boolean;
  interfaces: string[];
}

/** Parses `brctl show`; a bridge's further interfaces are the indented lines under it. */
export function parseBrctlShow(text: string): BrctlBridge[] {
  const bridges: BrctlBridge[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '' || /^bridge name\s/.test(line)) continue;
    const fields = line.trim().split(/\s+/);
    if (/^\s/.test(line)) {
      bridges.at(-1)?.interfaces.push(...fields);
      continue;
    }
    const [name, id, stp, ...interfaces] = fields;
    bridges.push({ name: name!, id: id ?? '', stp: stp === 'yes', interfaces });
  }
  return bridges;
}

/** The interfaces attached to a bridge, or undefined when `brctl show` does not list the bridge. */
export function bridgeInterfaces(bridges: readonly BrctlBridge[], name: string): string[] | undefined {
  return bridges.find((b) => b.name === name)?.interfaces;
}
