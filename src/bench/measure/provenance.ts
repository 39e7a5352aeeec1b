/**
 * Where a night's numbers came from, beyond the lab's fingerprint: labbench's own commit (and
 * whether the tree had uncommitted changes), the machine's identity, and the lab hosts' package
 * versions. Parsing is pure; reading git, /etc/machine-id and the hosts' package lists are the
 * effects.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Host } from '../../host.ts';
import { runLocal } from '../../machine/run.ts';

/** labbench's own version at the time of a night: its git commit, and whether the tree had changes. */
export interface Revision {
  commit: string | null;
  dirty: boolean | null;
}

/**
 * labbench's commit from git in `root`; `LABBENCH_COMMIT` names it where there is no .git (an
 * installed copy). Unknown (null) when neither says.
 */
export async function labbenchRevision(root: string, env: NodeJS.ProcessEnv = process.env): Promise<Revision> {
  const head = await runLocal(['git', '-C', root, 'rev-parse', 'HEAD'], { nothrow: true }).catch(() => null);
  if (head?.exitCode !== 0) return { commit: env.LABBENCH_COMMIT?.trim() || null, dirty: null };
  const status = await runLocal(['git', '-C', root, 'status', '--porcelain', '--untracked-files=no'], { nothrow: true });
  return { commit: head.stdout.trim(), dirty: status.exitCode === 0 ? status.stdout.trim() !== '' : null };
}

/**
 * The machine's identity as a machine field: a hash of /etc/machine-id (the id itself is not
 * published). A runner recreated every night gets a new one, and so a new series.
 */
export function machineIdentity(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string | null {
  try {
    const id = read('/etc/machine-id').trim();
    return id ? createHash('sha256').update(id).digest('hex').slice(0, 12) : null;
  } catch {
    return null;
  }
}

/** Lists "name=version" of every installed package, with dpkg or rpm (Debian/Ubuntu or Rocky hosts). */
export const PACKAGES_SCRIPT = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format fields, expanded by dpkg-query
  "if command -v dpkg-query >/dev/null; then dpkg-query -W -f '${Package}=${Version}\\n';",
  "elif command -v rpm >/dev/null; then rpm -qa --qf '%{NAME}=%{VERSION}-%{RELEASE}\\n';",
  'fi',
].join(' ');

/** Parses the script's lines into name → version. */
export function parsePackages(output: string): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) packages[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return packages;
}

/** One list from several hosts: a package they agree on keeps its version, else each host's ("hostA: 1.0; hostB: (absent)"). */
export function mergePackages(byHost: readonly { host: string; packages: Record<string, string> }[]): Record<string, string> {
  const names = [...new Set(byHost.flatMap((h) => Object.keys(h.packages)))].sort();
  const merged: Record<string, string> = {};
  for (const name of names) {
    const versions = byHost.map((h) => h.packages[name] ?? null);
    merged[name] = versions.every((v) => v === versions[0])
      ? (versions[0] as string)
      : byHost.map((h, i) => `${h.host}: ${versions[i] ?? '(absent)'}`).join('; ');
  }
  return merged;
}

/** The package lists of the lab's hosts, merged; null when no host could list its packages. */
export async function collectPackages(hosts: readonly Host[]): Promise<Record<string, string> | null> {
  const byHost: { host: string; packages: Record<string, string> }[] = [];
  for (const host of hosts) {
    const out = await host.run(PACKAGES_SCRIPT, { quiet: true, timeoutMs: 60_000 }).catch(() => null);
    const packages = out ? parsePackages(out.stdout) : {};
    if (Object.keys(packages).length > 0) byHost.push({ host: host.name, packages });
  }
  return byHost.length === 0 ? null : mergePackages(byHost);
}
