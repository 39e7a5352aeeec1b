/**
 * flanneld's iptables rules (v0.20+, pkg/trafficmngr/iptables): FORWARD accept rules for the
 * network in chain FLANNEL-FWD, and, only with -ip-masq, masquerade rules in FLANNEL-POSTRTG.
 * Pure: rule lists and the iptables-restore payload that (re)installs them in order.
 */
import { type Cidr, formatCidr } from '../net/ipv4.ts';

export type IptablesTable = 'filter' | 'nat';

/** One rule: table, chain and the rule spec as iptables arguments. */
export interface IptablesRule {
  table: IptablesTable;
  chain: string;
  spec: string[];
}

/** flannel's own chains. */
export const FORWARD_CHAIN = 'FLANNEL-FWD';
export const MASQ_CHAIN = 'FLANNEL-POSTRTG';
/** kube-proxy's masquerade mark, which flannel leaves alone to avoid double NAT. */
export const KUBE_PROXY_MARK = '0x4000/0x4000';

const FORWARD_COMMENT = ['-m', 'comment', '--comment', 'flanneld forward'];
const MASQ_COMMENT = ['-m', 'comment', '--comment', 'flanneld masq'];

/** `-A FORWARD -j FLANNEL-FWD`, then accept everything from or to the network. */
export function forwardRules(network: Cidr): IptablesRule[] {
  const n = formatCidr(network);
  return [
    { table: 'filter', chain: 'FORWARD', spec: [...FORWARD_COMMENT, '-j', FORWARD_CHAIN] },
    { table: 'filter', chain: FORWARD_CHAIN, spec: ['-s', n, ...FORWARD_COMMENT, '-j', 'ACCEPT'] },
    { table: 'filter', chain: FORWARD_CHAIN, spec: ['-d', n, ...FORWARD_COMMENT, '-j', 'ACCEPT'] },
  ];
}

/** The masquerade rules for this host's subnet within the network; `randomFully` adds --random-fully. */
export function masqRules(network: Cidr, subnet: Cidr, randomFully: boolean): IptablesRule[] {
  const cluster = formatCidr(network);
  const pod = formatCidr(subnet);
  const masq = randomFully ? ['-j', 'MASQUERADE', '--random-fully'] : ['-j', 'MASQUERADE'];
  const rule = (spec: string[]): IptablesRule => ({ table: 'nat', chain: MASQ_CHAIN, spec });
  return [
    { table: 'nat', chain: 'POSTROUTING', spec: [...MASQ_COMMENT, '-j', MASQ_CHAIN] },
    rule(['-m', 'mark', '--mark', KUBE_PROXY_MARK, ...MASQ_COMMENT, '-j', 'RETURN']),
    rule(['-s', pod, '-d', cluster, ...MASQ_COMMENT, '-j', 'RETURN']),
    rule(['-s', cluster, '-d', pod, ...MASQ_COMMENT, '-j', 'RETURN']),
    rule(['!', '-s', cluster, '-d', pod, ...MASQ_COMMENT, '-j', 'RETURN']),
    rule(['-s', cluster, '!', '-d', '224.0.0.0/4', ...MASQ_COMMENT, ...masq]),
    rule(['!', '-s', cluster, '-d', cluster, ...MASQ_COMMENT, ...masq]),
  ];
}

/** The chains a rule list needs (flannel's own chains only; built-in chains always exist). */
export function chainsOf(rules: readonly IptablesRule[]): { table: IptablesTable; chain: string }[] {
  const own = new Map<string, { table: IptablesTable; chain: string }>();
  for (const r of rules) {
    if (r.chain === FORWARD_CHAIN || r.chain === MASQ_CHAIN) own.set(`${r.table} ${r.chain}`, { table: r.table, chain: r.chain });
  }
  return [...own.values()];
}

/**
 * Input for `iptables-restore --noflush` that puts `rules` in place in order, like flannel's
 * bootstrap: a rule that already exists is deleted first so the final order is exactly the
 * list's. `exists[i]` says whether rules[i] is present now.
 */
export function restorePayload(rules: readonly IptablesRule[], exists: readonly boolean[]): string {
  const byTable = new Map<IptablesTable, string[]>();
  rules.forEach((rule, i) => {
    const lines = byTable.get(rule.table) ?? [];
    if (exists[i]) lines.push(restoreLine('-D', rule));
    lines.push(restoreLine('-A', rule));
    byTable.set(rule.table, lines);
  });
  return restoreText(byTable);
}

/** Input for `iptables-restore --noflush` deleting the present rules among `rules` (a teardown). */
export function deletePayload(rules: readonly IptablesRule[], exists: readonly boolean[]): string {
  const byTable = new Map<IptablesTable, string[]>();
  rules.forEach((rule, i) => {
    if (!exists[i]) return;
    byTable.set(rule.table, [...(byTable.get(rule.table) ?? []), restoreLine('-D', rule)]);
  });
  if (byTable.size === 0) return '';
  return restoreText(byTable);
}

/** iptables-restore input: each table's lines between `*table` and `COMMIT`. */
function restoreText(byTable: ReadonlyMap<IptablesTable, readonly string[]>): string {
  const text = [...byTable.entries()].map(([table, lines]) => [`*${table}`, ...lines, 'COMMIT'].join('\n')).join('\n');
  return `${text}\n`;
}

function restoreLine(action: '-A' | '-D', rule: IptablesRule): string {
  return [action, rule.chain, ...rule.spec.map(restoreWord)].join(' ');
}

/** iptables-restore splits on whitespace and honours double quotes. */
function restoreWord(word: string): string {
  return /[\s"]/.test(word) ? `"${word.replace(/"/g, '\\"')}"` : word;
}
