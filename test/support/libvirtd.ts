/**
 * A libvirtd for integration tests: installs the Debian packages when missing, starts
 * virtlogd/libvirtd when they are not running (parking the autostart link of libvirt's `default`
 * network, which is never started), and afterwards removes every libvirt object whose name starts
 * with the test's prefix, stops only the daemons it started and removes the iptables chains
 * libvirt made only then. Tests skip visibly, with the reason, when libvirtd cannot run.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../src/machine/process.ts';
import { runLocal } from '../../src/machine/run.ts';

export const URI = 'qemu:///system';
const PACKAGES = ['libvirt-daemon-system', 'dnsmasq-base', 'qemu-system-x86', 'qemu-utils', 'genisoimage'];
const TOOLS = ['virsh', 'libvirtd', 'virtlogd', 'qemu-img', 'qemu-system-x86_64', 'genisoimage', 'isoinfo', 'dnsmasq'];
const DEFAULT_AUTOSTART = '/etc/libvirt/qemu/networks/autostart/default.xml';
// libvirt's own iptables chains (made when its first network starts, kept after it stops): [table, parent chain, chain].
const LIBVIRT_CHAINS: [string, string, string][] = [
  ['filter', 'INPUT', 'LIBVIRT_INP'],
  ['filter', 'OUTPUT', 'LIBVIRT_OUT'],
  ['filter', 'FORWARD', 'LIBVIRT_FWX'],
  ['filter', 'FORWARD', 'LIBVIRT_FWI'],
  ['filter', 'FORWARD', 'LIBVIRT_FWO'],
  ['nat', 'POSTROUTING', 'LIBVIRT_PRT'],
  ['mangle', 'POSTROUTING', 'LIBVIRT_PRT'],
];
/** Directories where libvirt keeps definitions, logs and runtime state of domains, networks and pools. */
export const LIBVIRT_DIRS = [
  '/etc/libvirt/qemu',
  '/etc/libvirt/qemu/networks',
  '/etc/libvirt/storage',
  '/var/lib/libvirt/dnsmasq',
  '/var/log/libvirt/qemu',
  '/run/libvirt/qemu',
  '/run/libvirt/network',
];

export const sh = (argv: string[], timeoutMs = 60_000) => runLocal(argv, { nothrow: true, timeoutMs });
export const virsh = (...args: string[]) => sh(['virsh', '--connect', URI, ...args]);
const onPath = async (tool: string) => (await sh(['sh', '-c', `command -v ${tool}`])).exitCode === 0;

/** What a test set up and must undo: daemons it started, chains that were absent, the parked autostart link. */
export interface LibvirtEnvironment {
  prefix: string;
  work: string;
  startedDaemons: { name: string; pid: number }[];
  absentChains: { ipt: string; table: string; parent: string; chain: string }[];
  parkedAutostart?: string;
}

async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of TOOLS) if (!(await onPath(tool))) missing.push(tool);
  return missing;
}

async function daemonPid(name: string): Promise<number | undefined> {
  const file = `/run/${name}.pid`;
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return processAlive(pid) ? pid : undefined;
}

async function chainExists(ipt: string, table: string, chain: string): Promise<boolean> {
  return (await sh([ipt, '-t', table, '-S', chain])).exitCode === 0;
}

/** Gets libvirtd answering on qemu:///system for objects named `<prefix>…`, or says why it cannot. */
export async function prepareLibvirtd(prefix: string, work: string): Promise<{ env: LibvirtEnvironment } | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'needs root to run libvirtd' };
  let missing = await missingTools();
  if (missing.length > 0) {
    if (!(await onPath('apt-get'))) return { skip: `${missing.join(', ')} missing and no apt-get to install ${PACKAGES.join(' ')}` };
    const install = await runLocal(['sh', '-c', `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${PACKAGES.join(' ')}`], {
      nothrow: true,
      timeoutMs: 900_000,
    });
    missing = await missingTools();
    if (missing.length > 0)
      return { skip: `could not install ${PACKAGES.join(' ')} (apt-get exited ${install.exitCode}; still missing ${missing.join(', ')})` };
  }
  const env: LibvirtEnvironment = { prefix, work, startedDaemons: [], absentChains: [] };
  for (const ipt of ['iptables', 'ip6tables']) {
    for (const [table, parent, chain] of LIBVIRT_CHAINS) if (!(await chainExists(ipt, table, chain))) env.absentChains.push({ ipt, table, parent, chain });
  }
  if ((await virsh('version')).exitCode !== 0) {
    // libvirtd would start the default network on its own: park its autostart link while the test's daemon runs.
    if (existsSync(DEFAULT_AUTOSTART)) {
      env.parkedAutostart = join(work, 'default-autostart.xml');
      renameSync(DEFAULT_AUTOSTART, env.parkedAutostart);
    }
    for (const name of ['virtlogd', 'libvirtd']) {
      if ((await daemonPid(name)) !== undefined) continue;
      const started = await sh([name, '-d']);
      const pid = await daemonPid(name);
      if (started.exitCode !== 0 || pid === undefined) {
        await restoreLibvirtd(env);
        return { skip: `${name} -d did not start (exit ${started.exitCode}): ${started.stderr.trim().split('\n').pop() ?? ''}` };
      }
      env.startedDaemons.push({ name, pid });
    }
    for (let i = 0; i < 50 && (await virsh('version')).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 200));
  }
  const version = await virsh('version');
  if (version.exitCode !== 0) {
    await restoreLibvirtd(env);
    return { skip: `libvirtd does not answer on ${URI}: ${version.stderr.trim()}` };
  }
  return { env };
}

const named = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((n) => n.trim())
    .filter((n) => n.startsWith(prefix));

/** Removes whatever of the test is left, stops what the test started, and restores what it parked. */
export async function restoreLibvirtd(env: LibvirtEnvironment): Promise<void> {
  const { prefix } = env;
  for (const name of named((await virsh('list', '--all', '--name')).stdout, prefix)) {
    await virsh('destroy', name);
    await virsh('undefine', name);
  }
  for (const name of named((await virsh('net-list', '--all', '--name')).stdout, prefix)) {
    await virsh('net-destroy', name);
    await virsh('net-undefine', name);
  }
  for (const name of named((await virsh('pool-list', '--all', '--name')).stdout, prefix)) {
    for (const vol of (await virsh('vol-list', '--pool', name, '--name')).stdout.split('\n').filter((v) => v.trim() !== ''))
      await virsh('vol-delete', '--pool', name, vol.trim());
    await virsh('pool-destroy', name);
    await virsh('pool-delete', name);
    await virsh('pool-undefine', name);
  }
  removeLibvirtLogs(prefix);
  removeNetworkRuntimeLeftovers(prefix);
  for (const { pid } of [...env.startedDaemons].reverse()) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  if (env.startedDaemons.some((d) => d.name === 'libvirtd')) {
    // Chains libvirt created for the test's networks; they are empty once those networks are gone.
    for (const { ipt, table, parent, chain } of env.absentChains) {
      if (!(await chainExists(ipt, table, chain))) continue;
      await sh([ipt, '-t', table, '-D', parent, '-j', chain]);
      await sh([ipt, '-t', table, '-X', chain]);
    }
  }
  if (env.parkedAutostart !== undefined && existsSync(env.parkedAutostart)) renameSync(env.parkedAutostart, DEFAULT_AUTOSTART);
}

/** libvirt keeps a domain's logs after it is undefined (as it does for every domain); the test's go. */
export function removeLibvirtLogs(prefix: string): void {
  for (const log of readdirSafe('/var/log/libvirt/qemu').filter((f) => f.startsWith(prefix))) rmSync(join('/var/log/libvirt/qemu', log), { force: true });
}

/**
 * libvirt 9 keeps a stopped and undefined network's dnsmasq pid file and its `ports` directory in
 * /run/libvirt/network; they are the daemon's runtime state of the test's networks, so they go too.
 */
export function removeNetworkRuntimeLeftovers(prefix: string): string[] {
  const dir = '/run/libvirt/network';
  const leftovers = readdirSafe(dir).filter((f) => f.startsWith(prefix));
  for (const f of leftovers) rmSync(join(dir, f), { recursive: true, force: true });
  return leftovers.sort();
}

export function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
