/**
 * The injection mechanism as commands (pure), on host A only: a chain of N rules in iptables'
 * mangle table that never match (source 192.0.2.1, TEST-NET-1, is never on a lab), jumped to
 * from mangle FORWARD for the path's forwarded packets only — bridge: docker0 → docker0 (bridged,
 * seen by iptables through br_netfilter); overlay: docker0 ↔ the flannel device. Every packet of
 * the path walks N rules: a fixed cost per packet, i.e. added latency per round trip and, as
 * throughput here is CPU-bound, a proportional throughput drop. Loopback and the host path are
 * never forwarded, so never slowed.
 *
 * Docker and flannel manage the filter and nat tables; mangle is left to us, and the chain's
 * name marks everything this adds, so removal finds it even after an interrupted run.
 */
import type { PowerPath } from './plan.ts';

export const POWER_CHAIN = 'LABBENCH-POWER';
/** A source address never present on a lab (RFC 5737): the chain's rules never match. */
const NEVER_SOURCE = '192.0.2.1/32';

/** The `iptables -t mangle -A FORWARD …` arguments that send the path's packets through the chain. */
export function jumpRules(path: PowerPath, overlayDevice: string): string[][] {
  const jump = ['-j', POWER_CHAIN];
  if (path === 'bridge') return [['-i', 'docker0', '-o', 'docker0', ...jump]];
  return [
    ['-i', 'docker0', '-o', overlayDevice, ...jump],
    ['-i', overlayDevice, '-o', 'docker0', ...jump],
  ];
}

/** `iptables-restore --noflush` input that creates (or refills) the chain with `rules` non-matching rules. */
export function chainRestoreInput(rules: number): string {
  if (!Number.isInteger(rules) || rules < 1) throw new RangeError(`rules must be a positive integer, got ${rules}`);
  const rule = `-A ${POWER_CHAIN} -s ${NEVER_SOURCE} -j RETURN\n`;
  return `*mangle\n:${POWER_CHAIN} - [0:0]\n${rule.repeat(rules)}COMMIT\n`;
}

/** The jump rules present in `iptables -t mangle -S FORWARD` output, as arguments for `-D FORWARD`. */
export function presentJumps(forwardRules: string): string[][] {
  return forwardRules
    .split('\n')
    .filter((line) => line.startsWith('-A FORWARD ') && line.endsWith(`-j ${POWER_CHAIN}`))
    .map((line) => line.slice('-A FORWARD '.length).split(/\s+/));
}

/**
 * A host's rule state for the residue check: every rule and every user chain, with its table.
 * Left out is what changes by itself
 * or means nothing: packet counters, iptables-save's comments, and the built-in chains' ACCEPT
 * policies, which appear when a table is first used (iptables-nft creates it on demand).
 */
export function normaliseRules(iptablesSave: string): string {
  const rules: string[] = [];
  let table = '';
  for (const line of iptablesSave.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith('-A ')) rules.push(`${table} ${line}`);
    else if (line.startsWith(':') && !/^:\S+ ACCEPT /.test(line)) rules.push(`${table} ${line.replace(/\[\d+:\d+\]/, '').trimEnd()}`);
  }
  return rules.join('\n');
}

/** The lines of `after` that differ from `before` (both normalised), each marked + or −. */
export function stateDifferences(before: string, after: string): string[] {
  const a = new Set(before.split('\n'));
  const b = new Set(after.split('\n'));
  return [...[...a].filter((l) => !b.has(l)).map((l) => `− ${l}`), ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`)];
}
