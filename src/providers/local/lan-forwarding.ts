/**
 * Routed traffic between lab hosts on the LAN bridge. Docker isolates an internal network by
 * dropping, in the machine's FORWARD chain, anything on its bridge whose source or destination
 * lies outside the network's subnet. With bridge netfilter on, that also drops frames between
 * two hosts of the lab carrying other addresses, such as flannel host-gw's container-to-
 * container packets. One rule in DOCKER-USER (evaluated first) accepts what enters and leaves
 * the lab's own bridge; nothing that leaves the bridge is affected, so the LAN still has no
 * route out. The rule carries the lab's name and goes with `lab down`.
 */
import { existsSync } from 'node:fs';
import { runLocal } from '../../machine/run.ts';

const CHAIN = 'DOCKER-USER';

function ruleSpec(bridge: string, lab: string): string[] {
  return ['-i', bridge, '-o', bridge, '-m', 'comment', '--comment', `labbench lab ${lab}`, '-j', 'ACCEPT'];
}

/**
 * Adds the rule when the bridge is on this machine and the engine manages iptables. A restarted
 * dockerd creates DOCKER-USER only with its next new network: for labbench's own engine
 * (`createChain`) the chain is created here as dockerd creates it, so a lab whose engine was
 * restarted (a reboot, a stale engine replaced) gets its rule back at once.
 */
export async function allowLanForwarding(bridge: string, lab: string, options: { createChain?: boolean } = {}): Promise<void> {
  if (!existsSync(`/sys/class/net/${bridge}`)) return;
  const chain = await runLocal(['iptables', '-S', CHAIN], { nothrow: true });
  if (chain.exitCode !== 0) {
    if (!options.createChain) return;
    await runLocal(['iptables', '-N', CHAIN]);
    await runLocal(['iptables', '-A', CHAIN, '-j', 'RETURN']);
    await runLocal(['iptables', '-I', 'FORWARD', '-j', CHAIN]);
  }
  const exists = await runLocal(['iptables', '-C', CHAIN, ...ruleSpec(bridge, lab)], { nothrow: true });
  if (exists.exitCode !== 0) await runLocal(['iptables', '-I', CHAIN, ...ruleSpec(bridge, lab)]);
}

/** Removes every rule labbench added for the lab (whatever bridge it named). */
export async function removeLanForwarding(lab: string): Promise<void> {
  const rules = await runLocal(['iptables', '-S', CHAIN], { nothrow: true });
  for (const line of rules.stdout.split('\n')) {
    if (!line.startsWith(`-A ${CHAIN} `) || !line.includes(`"labbench lab ${lab}"`)) continue;
    const bridge = /-i (\S+)/.exec(line)?.[1];
    if (bridge) await runLocal(['iptables', '-D', CHAIN, ...ruleSpec(bridge, lab)], { nothrow: true });
  }
}
