/**
 * Keeping flannel's iptables rules in place like flanneld: at start the own chains are created
 * or flushed, the rules installed in order with iptables-restore --noflush; every resync period
 * they are checked with `-C`, and if any is missing all are re-installed in order.
 */
import { chainsOf, deletePayload, type IptablesRule, restorePayload } from '../iptables-rules.ts';
import type { CommandRunner } from './exec.ts';
import type { AgentLog } from './log.ts';

const WAIT = ['-w', '5'];

/** True when `iptables --version` reports ≥ 1.6.2, the first with MASQUERADE --random-fully. */
export function supportsRandomFully(versionText: string): boolean {
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major > 1 || (major === 1 && (minor > 6 || (minor === 6 && patch >= 2)));
}

/** Asks iptables whether it can do --random-fully. */
export async function iptablesSupportsRandomFully(runner: CommandRunner): Promise<boolean> {
  const res = await runner.run(['iptables', '--version'], { nothrow: true });
  return res.exitCode === 0 && supportsRandomFully(res.stdout);
}

/** Whether each rule is present now. */
export async function rulesPresent(runner: CommandRunner, rules: readonly IptablesRule[]): Promise<boolean[]> {
  const present: boolean[] = [];
  for (const rule of rules) {
    const res = await runner.run(['iptables', ...WAIT, '-t', rule.table, '-C', rule.chain, ...rule.spec], { nothrow: true });
    present.push(res.exitCode === 0);
  }
  return present;
}

/**
 * Creates each of flannel's chains the rules use, or flushes it if it exists (flannel's
 * ClearChain), then installs `rules` in order (deleting present copies first).
 */
export async function installRules(runner: CommandRunner, rules: readonly IptablesRule[]): Promise<void> {
  for (const { table, chain } of chainsOf(rules)) {
    const created = await runner.run(['iptables', ...WAIT, '-t', table, '-N', chain], { nothrow: true });
    if (created.exitCode !== 0) await runner.run(['iptables', ...WAIT, '-t', table, '-F', chain]);
  }
  const present = await rulesPresent(runner, rules);
  await runner.run(['iptables-restore', ...WAIT, '--noflush'], { input: restorePayload(rules, present) });
}

/** Deletes whichever of `rules` are present (e.g. masquerade rules of a previous subnet). */
export async function deleteRules(runner: CommandRunner, rules: readonly IptablesRule[]): Promise<void> {
  const payload = deletePayload(rules, await rulesPresent(runner, rules));
  if (payload !== '') await runner.run(['iptables-restore', ...WAIT, '--noflush'], { input: payload });
}

/** Re-installs a rule set when any rule of it is missing; returns true when it had to. */
export async function ensureRules(runner: CommandRunner, rules: readonly IptablesRule[], log: AgentLog): Promise<boolean> {
  const present = await rulesPresent(runner, rules);
  if (present.every(Boolean)) return false;
  log.info('Some iptables rules are missing; deleting and recreating rules');
  await runner.run(['iptables-restore', ...WAIT, '--noflush'], { input: restorePayload(rules, present) });
  return true;
}
