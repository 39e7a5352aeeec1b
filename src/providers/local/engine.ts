/**
 * Finding or starting the Docker engine that runs the lab's host containers.
 *
 * Like kind or containerlab, labbench uses the engine the user already has: `DOCKER_HOST`, else
 * the default socket. Where none answers it starts a private `dockerd` whose data-root,
 * exec-root, pidfile, socket and log live under `$LABBENCH_HOME/engine`, installing Debian's
 * docker.io first when it is missing (root on Debian/Ubuntu only). The private engine is
 * stopped when the last lab goes down, and what it changed on the machine (iptables chains,
 * the FORWARD policy, ip_forward, cgroup directories) is put back as it was.
 *
 * Surviving interruptions:
 * - the private engine is started and stopped under one lock (`locks/engine.lock`), so two
 *   commands never start two engines on one data-root, nor stop one while another starts it;
 * - its processes are found by what they hold (`--data-root` of dockerd; exec-root in the
 *   arguments of containerd and the shims), not by the pidfile or engine.json alone: a record
 *   that is gone or stale cannot hide an engine;
 * - an engine that holds the data-root but does not answer (its socket deleted, or no answer
 *   within 30 s) is stale: it is stopped (SIGTERM, then SIGKILL), with one line saying so,
 *   before a new one starts; its containers stop as in a power cut and start again with
 *   their files from the data-root;
 * - the socket, exec-root and pidfile are removed only once no process of the engine is left;
 * - engine.json is written before dockerd is spawned (atomically), so a command killed at any
 *   moment leaves either no engine or one the next command finds.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, StateFileError, tail } from '../../errors.ts';
import { installDebianPackage } from '../../machine/apt.ts';
import { acquireFileLock } from '../../machine/file-lock.ts';
import { processAlive } from '../../machine/process.ts';
import { onPath, runLocal } from '../../machine/run.ts';
import { readJsonState, writeFileAtomic } from '../../machine/state-file.ts';
import type { Progress } from '../../progress.ts';
import { type DockerEngine, pingEngine } from './docker-cli.ts';
import type { StatePaths } from './paths.ts';

const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const SLOW_ANSWER_TIMEOUT_MS = 30_000;
/** USER_HZ of /proc/<pid>/stat start times (100 on every Linux architecture labbench runs on). */
const CLOCK_TICKS = 100;

/** What the private engine changes on the machine, recorded before it starts. */
interface MachineBefore {
  ipForward: string;
  forwardPolicy: string;
  chains: Record<'filter' | 'nat', string[]>;
  cgroupDirs: string[];
}

interface PrivateEngineRecord {
  pid: number;
  host: string;
  startedAt: string;
  before: MachineBefore;
}

/** The engine already answering (user's or labbench's private one), without starting anything. */
export async function findEngine(paths: StatePaths, env: NodeJS.ProcessEnv = process.env): Promise<DockerEngine | undefined> {
  if (env.DOCKER_HOST) {
    const version = await pingEngine(env.DOCKER_HOST);
    return version ? { host: env.DOCKER_HOST, kind: 'user', version } : undefined;
  }
  const version = await privateEngineAnswers(paths);
  if (version) return { host: privateHost(paths), kind: 'private', version };
  if (existsSync(DEFAULT_SOCKET.slice('unix://'.length))) {
    const version = await pingEngine(DEFAULT_SOCKET);
    if (version) return { host: DEFAULT_SOCKET, kind: 'user', version };
  }
  return undefined;
}

/** Returns an engine that answers, starting labbench's private one when needed. */
export async function acquireEngine(paths: StatePaths, progress: Progress, env: NodeJS.ProcessEnv = process.env): Promise<DockerEngine> {
  const found = await findEngine(paths, env);
  if (found) return found;
  if (env.DOCKER_HOST) {
    throw new ProviderError(`DOCKER_HOST is ${env.DOCKER_HOST}, but no Docker engine answers there`, {
      hint: 'start that engine, or unset DOCKER_HOST so labbench uses the default socket or starts its own engine',
    });
  }
  return withEngineLock(paths, progress, async () => {
    // Another command may have started it while this one waited for the lock.
    const version = await privateEngineAnswers(paths);
    if (version) return { host: privateHost(paths), kind: 'private' as const, version };
    return progress.step('Starting a private Docker engine', () => startPrivateEngine(paths, progress, env));
  });
}

/**
 * labbench's private engine for a lab that lives in it, started again when it does not answer
 * (killed, or the machine rebooted): its data-root still holds the lab's containers and volumes.
 */
export async function ensurePrivateEngine(paths: StatePaths, progress: Progress, env: NodeJS.ProcessEnv = process.env): Promise<DockerEngine> {
  const version = await privateEngineAnswers(paths);
  if (version) return { host: privateHost(paths), kind: 'private', version };
  return withEngineLock(paths, progress, async () => {
    const again = await privateEngineAnswers(paths);
    if (again) return { host: privateHost(paths), kind: 'private' as const, version: again };
    return progress.step("Starting labbench's private Docker engine again (it was not running)", () => startPrivateEngine(paths, progress, env));
  });
}

/** Whether labbench's private engine answers (without starting it). */
export async function privateEngineAnswers(paths: StatePaths, timeoutMs?: number): Promise<string | undefined> {
  return existsSync(paths.engine.socket) ? pingEngine(privateHost(paths), timeoutMs) : undefined;
}

/**
 * Stops labbench's private engine when `idle()` says no lab needs it, under the engine lock so
 * that no command starts or adopts it meanwhile. True when it was stopped.
 */
export async function stopPrivateEngineIfIdle(paths: StatePaths, progress: Progress, idle: () => Promise<boolean>): Promise<boolean> {
  return withEngineLock(paths, progress, async () => {
    if (!(await idle())) return false;
    return progress.step("Stopping labbench's private Docker engine", () => stopPrivateEngine(paths, progress));
  });
}

async function withEngineLock<T>(paths: StatePaths, progress: Progress, fn: () => Promise<T>): Promise<T> {
  const got = await acquireFileLock(paths.engineLock, {
    wait: true,
    onWait: (h) =>
      progress.note(
        `waiting for ${h ? `\`${h.command}\` (pid ${h.pid})` : 'another labbench command'} to finish starting or stopping labbench's private engine`,
      ),
  });
  if (!('lock' in got)) throw new Error('unreachable: a waiting lock is always taken');
  try {
    return await fn();
  } finally {
    got.lock.release();
  }
}

const privateHost = (paths: StatePaths) => `unix://${paths.engine.socket}`;

function isEngineRecord(v: unknown): v is PrivateEngineRecord {
  const r = v as PrivateEngineRecord;
  return typeof r === 'object' && r !== null && Number.isInteger(r.pid) && typeof r.host === 'string' && typeof r.before === 'object' && r.before !== null;
}

/**
 * The engine record, or undefined when there is none. One that cannot be read (cut short, edited
 * by hand) must not lock anyone out: the engine is found by its data-root anyway, so the file is
 * removed with one line saying so, and Docker's own chains are removed without it when the engine
 * stops. Nothing else in it could be used: it is the machine's state from before the engine.
 */
function readEngineRecord(paths: StatePaths, progress: Progress): PrivateEngineRecord | undefined {
  try {
    return readJsonState(paths.engine.record, { what: "record of labbench's private Docker engine", isValid: isEngineRecord, fix: '' });
  } catch (err) {
    if (!(err instanceof StateFileError)) throw err;
    rmSync(paths.engine.record, { force: true });
    progress.note(`${err.message}: removed it; labbench finds its engine by its data-root`);
    return undefined;
  }
}

/** Starts the private engine; the caller holds the engine lock. */
async function startPrivateEngine(paths: StatePaths, progress: Progress, env: NodeJS.ProcessEnv): Promise<DockerEngine> {
  if (process.getuid?.() !== 0) {
    throw new ProviderError('no Docker engine answers, and only root can start one', {
      hint: 'start Docker (or set DOCKER_HOST to an engine), or run labbench as root so it can start its own',
    });
  }
  const dockerd = env.LABBENCH_DOCKERD ?? 'dockerd';
  if (!env.LABBENCH_DOCKERD && !(await onPath('dockerd'))) {
    await installDebianPackage(progress, 'docker.io', {
      what: 'no Docker engine answers and dockerd is not installed',
      hint: 'install Docker for your distribution and start it; labbench installs docker.io by itself only on Debian and Ubuntu',
    });
    // Where systemd runs, the package starts docker.service: use that engine then.
    const version = await pingEngine(DEFAULT_SOCKET);
    if (version) return { host: DEFAULT_SOCKET, kind: 'user', version };
  }

  const adopted = await recoverPrivateEngine(paths, progress);
  if (adopted) return adopted;

  for (const d of [paths.engine.dir, paths.engine.dataRoot, paths.engine.execRoot]) mkdirSync(d, { recursive: true, mode: 0o700 });
  // No other engine answers here (labbench would have used it): Docker chains that exist were left
  // by an engine that died, and are not the machine's own to put back.
  const before = withoutDockerChains(await snapshotMachine());
  const host = privateHost(paths);
  // Recorded before dockerd exists: a command killed right after the spawn leaves a record the next one reads.
  writeEngineRecord(paths, { pid: 0, host, startedAt: new Date().toISOString(), before });
  const log = openSync(paths.engine.log, 'a');
  const child = spawn(
    dockerd,
    [
      '--data-root',
      paths.engine.dataRoot,
      '--exec-root',
      paths.engine.execRoot,
      '--pidfile',
      paths.engine.pidfile,
      '-H',
      host,
      // No docker0 on the machine: labs only use their own networks.
      '--bridge=none',
      '--log-level=warn',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  child.on('error', (err) => (exited = err.message));
  child.unref();
  if (child.pid === undefined) {
    await stopPrivateEngine(paths, progress).catch(() => {});
    throw new ProviderError(`could not start ${dockerd}`, { hint: 'check that dockerd is installed and executable' });
  }
  writeEngineRecord(paths, { pid: child.pid, host, startedAt: new Date().toISOString(), before });

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const version = await pingEngine(host, 5_000);
    if (version) return { host, kind: 'private', version };
    if (exited) break;
    await sleep(250);
  }
  const logTail = existsSync(paths.engine.log) ? tail(readFileSync(paths.engine.log, 'utf8'), 8) : '';
  await stopPrivateEngine(paths, progress).catch(() => {});
  throw new ProviderError(
    `labbench's private Docker engine (${dockerd}) did not start${exited ? `: it ${exited}` : ` within ${START_TIMEOUT_MS / 1000}s`}` +
      (logTail ? `\n  │ ${logTail.split('\n').join('\n  │ ')}` : ''),
    { hint: `see ${paths.engine.log}; or start Docker yourself (labbench then uses it)` },
  );
}

function writeEngineRecord(paths: StatePaths, record: PrivateEngineRecord): void {
  writeFileAtomic(paths.engine.record, JSON.stringify(record, null, 2), { mode: 0o600, dirMode: 0o700 });
}

/**
 * Before a new engine starts: an engine of this data-root that still runs is used when it
 * answers (re-recorded if its record was lost) and stopped when it does not; what a dead one
 * left (containerd, shims, mounts, its record) is cleaned up. The caller holds the engine lock.
 */
async function recoverPrivateEngine(paths: StatePaths, progress: Progress): Promise<DockerEngine | undefined> {
  const running = engineProcesses(paths);
  const host = privateHost(paths);
  if (running.dockerd.length > 0) {
    const pid = running.dockerd[0]!;
    const version = await answerOfRunningEngine(paths, pid);
    if (version) {
      const record = readEngineRecord(paths, progress);
      if (record?.pid !== pid) {
        progress.note(`labbench's private engine (dockerd pid ${pid}) runs without a record of it: using it and recording it again`);
        writeEngineRecord(paths, { pid, host, startedAt: new Date().toISOString(), before: record?.before ?? withoutDockerChains(await snapshotMachine()) });
      }
      return { host, kind: 'private', version };
    }
    const why = existsSync(paths.engine.socket)
      ? `does not answer at ${host} within ${SLOW_ANSWER_TIMEOUT_MS / 1000} s`
      : `its socket ${paths.engine.socket} is gone`;
    progress.note(
      `a stale labbench engine (dockerd pid ${running.dockerd.join(', ')}) holds ${paths.engine.dataRoot} but ${why}: ` +
        `stopping it (SIGTERM, then SIGKILL after ${STOP_TIMEOUT_MS / 1000} s) before starting a new one; the labs' hosts start again with their files`,
    );
    await stopPrivateEngine(paths, progress);
    return undefined;
  }
  if (running.containerd.length + running.shims.length > 0) {
    progress.note(
      `labbench's private engine died and left ${[...running.containerd.map((p) => `containerd (pid ${p})`), ...(running.shims.length ? [`${running.shims.length} container shim(s)`] : [])].join(' and ')}: stopping them`,
    );
  }
  // A record or processes left by a private engine that died (machine reboot, kill -9): clean up after it.
  await stopPrivateEngine(paths, progress);
  return undefined;
}

/**
 * The version of a running private dockerd once it answers. One whose socket is gone although
 * it runs for longer than a start takes is stale at once; otherwise it gets SLOW_ANSWER_TIMEOUT_MS
 * (a busy machine, or an engine a killed command had just started).
 */
async function answerOfRunningEngine(paths: StatePaths, pid: number): Promise<string | undefined> {
  const deadline = Date.now() + SLOW_ANSWER_TIMEOUT_MS;
  while (Date.now() < deadline && processAlive(pid)) {
    if (!existsSync(paths.engine.socket) && processAgeSeconds(pid) > SLOW_ANSWER_TIMEOUT_MS / 1000) return undefined;
    const version = await privateEngineAnswers(paths, Math.max(1_000, Math.min(10_000, deadline - Date.now())));
    if (version) return version;
    await sleep(500);
  }
  return undefined;
}

/**
 * Stops labbench's private engine and everything it left, then restores what it changed on the
 * machine. Its socket, exec-root, pidfile and record go only once none of its processes is left.
 * The caller holds the engine lock.
 */
async function stopPrivateEngine(paths: StatePaths, progress: Progress): Promise<boolean> {
  const record = readEngineRecord(paths, progress);
  const found = engineProcesses(paths);
  const leftovers = [paths.engine.execRoot, paths.engine.socket, paths.engine.pidfile].some((p) => existsSync(p));
  if (!record && found.dockerd.length + found.containerd.length + found.shims.length === 0 && !leftovers) return false;
  await Promise.all(found.dockerd.map((pid) => terminate(pid)));
  // dockerd stops the containerd it started; one left by a dockerd killed with SIGKILL is stopped here.
  await Promise.all(engineProcesses(paths).containerd.map((pid) => terminate(pid)));
  await killOrphanedContainers(paths.engine.execRoot);
  removeContainerCgroups(paths.engine.dataRoot);
  const still = engineProcesses(paths);
  const alive = [...still.dockerd, ...still.containerd, ...still.shims];
  if (alive.length > 0) {
    throw new ProviderError(`labbench's private engine could not be stopped: pid ${alive.join(', ')} still run`, {
      hint: `stop them (\`kill -9 ${alive.join(' ')}\`), then run the command again`,
    });
  }
  // Without a record, Docker's chains go only when no other engine (the user's) could own them.
  const before = record?.before ?? ((await pingEngine(DEFAULT_SOCKET, 2_000)) ? undefined : withoutDockerChains(await snapshotMachine()));
  if (before) await restoreMachine(before);
  await unmountUnder([paths.engine.execRoot, paths.engine.dataRoot]);
  rmSync(paths.engine.execRoot, { recursive: true, force: true });
  for (const f of [paths.engine.pidfile, paths.engine.socket, paths.engine.record]) rmSync(f, { force: true });
  return true;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

function processTable(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8')
          .split('\0')
          .filter((a) => a !== '');
        const ppid = Number(/^\d+ \(.*\) \S+ (\d+)/.exec(readFileSync(`/proc/${d}/stat`, 'utf8'))?.[1]);
        return argv.length > 0 && processAlive(Number(d)) ? [{ pid: Number(d), ppid, argv }] : [];
      } catch {
        return [];
      }
    });
}

/** The private engine's processes on this machine, by what they hold: dockerd its data-root, containerd and the shims its exec-root. */
export function engineProcesses(paths: StatePaths): { dockerd: number[]; containerd: number[]; shims: number[] } {
  const { dataRoot, execRoot } = paths.engine;
  const procs = processTable().filter((p) => p.pid !== process.pid);
  const holdsDataRoot = (argv: string[]) => argv.some((a, i) => (a === '--data-root' && argv[i + 1] === dataRoot) || a === `--data-root=${dataRoot}`);
  const underExecRoot = (argv: string[]) => argv.slice(1).some((a) => a === execRoot || a.startsWith(`${execRoot}/`));
  const base = (argv: string[]) => argv[0]!.split('/').pop()!;
  const dockerd = procs.filter((p) => holdsDataRoot(p.argv)).map((p) => p.pid);
  return {
    dockerd,
    containerd: procs.filter((p) => !dockerd.includes(p.pid) && base(p.argv) === 'containerd' && underExecRoot(p.argv)).map((p) => p.pid),
    shims: procs.filter((p) => base(p.argv).startsWith('containerd-shim') && underExecRoot(p.argv)).map((p) => p.pid),
  };
}

/** Seconds since `pid` started (from /proc: its start time in clock ticks after boot). */
function processAgeSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    const startTicks = Number(fields[19]);
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return uptime - startTicks / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

async function terminate(pid: number): Promise<void> {
  if (!processAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (processAlive(pid) && Date.now() < deadline) await sleep(200);
  if (processAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const killDeadline = Date.now() + 10_000;
  while (processAlive(pid) && Date.now() < killDeadline) await sleep(100);
}

/**
 * A dockerd that was killed leaves its containers running under their containerd shims, which
 * no later engine adopts (exec-root is cleared). They are killed as a crash of the machine
 * would have: the hosts' files stay in their containers' layers and volumes for the next start.
 */
async function killOrphanedContainers(execRoot: string): Promise<void> {
  const procs = processTable();
  const shims = procs
    .filter((p) => (p.argv[0]!.split('/').pop() ?? '').startsWith('containerd-shim') && p.argv.slice(1).some((a) => a.startsWith(`${execRoot}/`)))
    .map((p) => p.pid);
  if (shims.length === 0) return;
  const victims = [...procs.filter((p) => shims.includes(p.ppid)).map((p) => p.pid), ...shims];
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (victims.some(processAlive) && Date.now() < deadline) await sleep(100);
}

async function snapshotMachine(): Promise<MachineBefore> {
  return {
    ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(),
    forwardPolicy: await forwardPolicy(),
    chains: { filter: await chainNames('filter'), nat: await chainNames('nat') },
    cgroupDirs: dockerCgroupDirs(),
  };
}

/**
 * The machine as it was before an engine whose record is lost: as now, less Docker's own chains
 * (ip_forward and the FORWARD policy are left as they are: what they were is not known).
 */
function withoutDockerChains(now: MachineBefore): MachineBefore {
  const notDockers = (chains: string[]) => chains.filter((c) => !/^DOCKER(-|$)/.test(c));
  return { ...now, chains: { filter: notDockers(now.chains.filter), nat: notDockers(now.chains.nat) } };
}

async function restoreMachine(before: MachineBefore): Promise<void> {
  for (const table of ['filter', 'nat'] as const) {
    const added = (await chainNames(table)).filter((c) => !before.chains[table].includes(c));
    if (added.length === 0) continue;
    // Drop jumps into the chains first, then flush and delete them.
    const rules = (await runLocal(['iptables', '-t', table, '-S'])).stdout.split('\n');
    for (const rule of rules) {
      const m = /^-A (\S+) (.*-j (\S+).*)$/.exec(rule);
      if (m && added.includes(m[3]!) && !added.includes(m[1]!)) {
        await runLocal(['bash', '-c', `iptables -t ${table} -D ${m[1]} ${m[2]}`], { nothrow: true });
      }
    }
    for (const c of added) await runLocal(['iptables', '-t', table, '-F', c], { nothrow: true });
    for (const c of added) await runLocal(['iptables', '-t', table, '-X', c], { nothrow: true });
  }
  if ((await forwardPolicy()) !== before.forwardPolicy) await runLocal(['iptables', '-P', 'FORWARD', before.forwardPolicy]);
  writeFileSync('/proc/sys/net/ipv4/ip_forward', `${before.ipForward}\n`);
  for (const dir of dockerCgroupDirs()) {
    if (!before.cgroupDirs.includes(dir)) rmdirTree(dir);
  }
}

async function chainNames(table: 'filter' | 'nat'): Promise<string[]> {
  const r = await runLocal(['iptables', '-t', table, '-S'], { nothrow: true });
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('-N '))
    .map((l) => l.slice(3).trim());
}

async function forwardPolicy(): Promise<string> {
  const r = await runLocal(['iptables', '-S', 'FORWARD'], { nothrow: true });
  return /^-P FORWARD (\S+)/m.exec(r.stdout)?.[1] ?? 'ACCEPT';
}

/** cgroup v1 `docker` parent directories the engine creates in each hierarchy. */
function dockerCgroupDirs(): string[] {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return [];
  const dirs: string[] = [];
  if (existsSync(`${root}/docker`)) dirs.push(`${root}/docker`);
  for (const h of readdirSync(root)) if (existsSync(`${root}/${h}/docker`)) dirs.push(`${root}/${h}/docker`);
  return dirs;
}

/**
 * The cgroup v1 directories of this engine's containers. runc removes them when a container is
 * deleted; an engine that was killed leaves them, with the sub-cgroups systemd made inside the
 * host. The next start of that container then fails ("failed to write a *:* rwm … devices.allow:
 * invalid argument": a devices cgroup with children cannot be widened), so they go once empty.
 */
function removeContainerCgroups(dataRoot: string): void {
  const containers = `${dataRoot}/containers`;
  if (!existsSync(containers)) return;
  const ids = readdirSync(containers).filter((id) => /^[0-9a-f]{64}$/.test(id));
  for (const parent of dockerCgroupDirs()) for (const id of ids) if (existsSync(`${parent}/${id}`)) rmdirTree(`${parent}/${id}`);
}

/** Removes a cgroup directory and its children once no task is left in them. */
function rmdirTree(dir: string): void {
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirTree(`${dir}/${e.name}`);
    // cgroup directories go with rmdir (their control files cannot be unlinked).
    rmdirSync(dir);
  } catch {
    // still in use (another engine's containers): leave it
  }
}

async function unmountUnder(roots: string[]): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && roots.some((r) => m === r || m.startsWith(`${r}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await runLocal(['umount', '-l', m], { nothrow: true });
}
