/**
 * A picture of everything a lab could leave behind on the machine: containers, networks,
 * volumes and images of every engine that answers, links, network namespaces, iptables chains
 * and rules, mounts, cgroup directories and processes. Two snapshots are compared with diff().
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface MachineSnapshot {
  engines: string[];
  containers: string[];
  networks: string[];
  volumes: string[];
  images: string[];
  links: string[];
  netns: string[];
  iptables: string[];
  mounts: string[];
  cgroups: string[];
  processes: string[];
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
  } catch {
    return '';
  }
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();

function engineSockets(home: string): string[] {
  return ['/var/run/docker.sock', `${home}/engine/docker.sock`].filter(
    (s) => existsSync(s) && sh('docker', ['-H', `unix://${s}`, 'version', '--format', '{{.Server.Version}}']).trim() !== '',
  );
}

export function snapshotMachine(labbenchHome: string, ignoreImages: RegExp = /^labbench\/host:/): MachineSnapshot {
  const engines = engineSockets(labbenchHome);
  const fromEngines = (args: string[]) => engines.flatMap((s) => lines(sh('docker', ['-H', `unix://${s}`, ...args])).map((l) => `${s}: ${l}`)).sort();
  const cgroupRoot = '/sys/fs/cgroup';
  const cgroups = existsSync(cgroupRoot)
    ? readdirSync(cgroupRoot).flatMap((h) => {
        const d = `${cgroupRoot}/${h}`;
        try {
          return readdirSync(d, { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => `${h}/${e.name}`);
        } catch {
          return [];
        }
      })
    : [];
  return {
    engines,
    containers: fromEngines(['ps', '-a', '--format', '{{.Names}} {{.Image}}']),
    networks: fromEngines(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']),
    volumes: fromEngines(['volume', 'ls', '--format', '{{.Name}}']),
    images: fromEngines(['images', '--format', '{{.Repository}}:{{.Tag}}']).filter((i) => !ignoreImages.test(i.replace(/^[^ ]+ /, ''))),
    links: lines(sh('ip', ['-o', 'link', 'show']))
      .map((l) => l.split(':')[1]!.trim().split('@')[0]!)
      .sort(),
    netns: lines(sh('ip', ['netns', 'list'])),
    iptables: [...lines(sh('iptables', ['-S'])).map((l) => `filter ${l}`), ...lines(sh('iptables', ['-t', 'nat', '-S'])).map((l) => `nat ${l}`)],
    mounts: lines(readFileSync('/proc/self/mounts', 'utf8')).map((l) => l.split(' ').slice(0, 3).join(' ')),
    cgroups: cgroups.sort(),
    processes: liveProcesses(),
  };
}

/**
 * Running processes outside the test run's own session: zombies (already dead, waiting for a
 * PID 1 that may not reap) and kernel threads are left out.
 */
function liveProcesses(): string[] {
  const rows = lines(sh('ps', ['-eo', 'pid=,ppid=,sid=,stat=,comm=']))
    .map((l) => l.split(/\s+/))
    .map(([pid, ppid, sid, stat, ...comm]) => ({ pid: Number(pid), ppid: Number(ppid), sid: Number(sid), stat: stat!, comm: comm.join(' ') }));
  const ownSession = rows.find((r) => r.pid === process.pid)?.sid;
  return rows
    .filter((r) => !r.stat.startsWith('Z') && r.pid !== 2 && r.ppid !== 2 && r.sid !== ownSession)
    .map((r) => `${r.pid} ${r.comm}`)
    .sort();
}

/** What is in `after` and not in `before`, and the other way round, per category. */
export function diff(before: MachineSnapshot, after: MachineSnapshot): Record<string, { added: string[]; removed: string[] }> {
  const out: Record<string, { added: string[]; removed: string[] }> = {};
  for (const key of Object.keys(before) as (keyof MachineSnapshot)[]) {
    const b = new Set(before[key]);
    const a = new Set(after[key]);
    const added = [...a].filter((x) => !b.has(x));
    const removed = [...b].filter((x) => !a.has(x));
    if (added.length || removed.length) out[key] = { added, removed };
  }
  return out;
}
