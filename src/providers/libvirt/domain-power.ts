/**
 * `lab stop` / `lab start` of a libvirt lab: its domains are shut down (ACPI, as a power button
 * does, then powered off past a grace period) and started again with `virsh`. Nothing is
 * undefined or deleted: each domain keeps its disk volume, so files, containers and etcd's data
 * are there after `lab start`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../../errors.ts';
import { runLocal } from '../../machine/run.ts';
import type { Progress } from '../../progress.ts';

/** How long a guest gets to shut down by itself before it is powered off (TCG guests are slow). */
const SHUTDOWN_GRACE_MS = 180_000;

async function virsh(uri: string, args: string[], nothrow = false) {
  return runLocal(['virsh', '--connect', uri, ...args], { nothrow, timeoutMs: 60_000 });
}

export async function domainState(uri: string, domain: string): Promise<string> {
  const r = await virsh(uri, ['domstate', domain], true);
  return r.exitCode === 0 ? r.stdout.trim() : 'missing';
}

/** Shuts the running domains down (virsh shutdown), powering off any that outlast the grace period. */
export async function shutDownDomains(uri: string, domains: string[], progress: Progress, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  const running: string[] = [];
  for (const d of domains) if ((await domainState(uri, d)) === 'running') running.push(d);
  if (running.length === 0) return;
  await progress.step(`Shutting down ${running.join(', ')} (virsh shutdown; disks kept)`, async () => {
    for (const d of running) await virsh(uri, ['shutdown', d]);
    const deadline = Date.now() + graceMs;
    let left = running;
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(2_000);
      const states = await Promise.all(left.map((d) => domainState(uri, d)));
      left = left.filter((_, i) => states[i] !== 'shut off');
    }
    for (const d of left) {
      progress.note(`${d} did not shut down within ${graceMs / 1000}s: powering it off (virsh destroy; its disk is kept)`);
      await virsh(uri, ['destroy', d], true);
    }
  });
}

/** Starts the domains that do not run (virsh start): same disks, addresses and host keys. */
export async function startDomains(uri: string, domains: string[], progress: Progress): Promise<string[]> {
  const stopped: string[] = [];
  for (const d of domains) {
    const state = await domainState(uri, d);
    if (state === 'missing') {
      throw new ProviderError(`the domain ${d} is gone`, { hint: '`pnpm lab up --provider libvirt --recreate` creates the lab anew' });
    }
    if (state !== 'running') stopped.push(d);
  }
  if (stopped.length > 0)
    await progress.step(`Starting ${stopped.join(', ')} (virsh start)`, async () => {
      for (const d of stopped) await virsh(uri, ['start', d]);
    });
  return stopped;
}
