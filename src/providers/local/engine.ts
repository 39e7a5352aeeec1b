/**
 * Finding or starting the Docker engine that runs the lab's host containers.
 *
 * Like kind or containerlab, labbench uses the engine the user already has: `DOCKER_HOST`, else
 * the default socket. Where none answers it starts a private `dockerd` whose data-root,
 * exec-root, pidfile, socket and log live under `$LABBENCH_HOME/engine`, installing Debian's
 * docker.io first when it is missing (root on Debian/Ubuntu only). The private engine is
 * stopped when the last lab goes down, and what it changed on the machine (iptables chains,
 * the FORWARD policy, ip_forward, cgroup directories) is put back as it was.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { ProviderError, tail } from '../../errors.ts';
import { installDebianPackage } from '../../machine/apt.ts';
import { processAlive } from '../../machine/process.ts';
import { onPath, runLocal } from '../../machine/run.ts';
import type { Progress } from '../../progress.ts';
import { pingEngine, type DockerEngine } from './docker-cli.ts';
import type { StatePaths } from './paths.ts';

const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const SLOW_ANSWER_TIMEOUT_MS = 30_000;

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
  const privateHost = `unix://${paths.engine.socket}`;
  if (existsSync(paths.engine.record)) {
    const version = await pingEngine(privateHost);
    if (version) return { host: privateHost, kind: 'private', version };
  }
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
  return progress.step('Starting a private Docker engine', () => startPrivateEngine(paths, progress, env));
}

/**
 * labbench's private engine for a lab that lives in it, started again when it does not answer
 * (killed, or the machine rebooted): its data-root still holds the lab's containers and volumes.
 */
export async function ensurePrivateEngine(paths: StatePaths, progress: Progress, env: NodeJS.ProcessEnv = process.env): Promise<DockerEngine> {
  const host = `unix://${paths.engine.socket}`;
  const version = existsSync(paths.engine.record) ? await pingEngine(host) : undefined;
  if (version) return { host, kind: 'private', version };
  return progress.step("Starting labbench's private Docker engine again (it was not running)", () => startPrivateEngine(paths, progress, env));
}

/** Whether labbench's private engine answers (without starting it). */
export async function privateEngineAnswers(paths: StatePaths): Promise<string | undefined> {
  return existsSync(paths.engine.record) ? pingEngine(`unix://${paths.engine.socket}`) : undefined;
}

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

  const running = runningPrivateEngine(paths);
  if (running) {
    // Alive but slow to answer (a busy machine): never replace an engine that holds labs.
    const version = await pingEngine(running.host, SLOW_ANSWER_TIMEOUT_MS);
    if (version) return { host: running.host, kind: 'private', version };
    throw new ProviderError(`labbench's private Docker engine (pid ${running.pid}) runs but does not answer at ${running.host}`, {
      hint: `see ${paths.engine.log}; \`pnpm lab down\` of its last lab stops it`,
    });
  }
  // A record left by a private engine that died (machine reboot, kill -9): clean up after it.
  await stopPrivateEngine(paths);
  for (const d of [paths.engine.dir, paths.engine.dataRoot, paths.engine.execRoot]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const before = await snapshotMachine();
  const host = `unix://${paths.engine.socket}`;
  const log = openSync(paths.engine.log, 'a');
  const child = spawn(
    dockerd,
    [
      '--data-root', paths.engine.dataRoot,
      '--exec-root', paths.engine.execRoot,
      '--pidfile', paths.engine.pidfile,
      '-H', host,
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
    throw new ProviderError(`could not start ${dockerd}`, { hint: 'check that dockerd is installed and executable' });
  }
  const record: PrivateEngineRecord = { pid: child.pid, host, startedAt: new Date().toISOString(), before };
  writeFileSync(paths.engine.record, JSON.stringify(record, null, 2));

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const version = await pingEngine(host, 5_000);
    if (version) return { host, kind: 'private', version };
    if (exited) break;
    await sleep(250);
  }
  const logTail = existsSync(paths.engine.log) ? tail(readFileSync(paths.engine.log, 'utf8'), 8) : '';
  await stopPrivateEngine(paths).catch(() => {});
  throw new ProviderError(
    `labbench's private Docker engine (${dockerd}) did not start${exited ? `: it ${exited}` : ` within ${START_TIMEOUT_MS / 1000}s`}` +
      (logTail ? `\n  │ ${logTail.split('\n').join('\n  │ ')}` : ''),
    { hint: `see ${paths.engine.log}; or start Docker yourself (labbench then uses it)` },
  );
}

/** The record of labbench's private engine when its dockerd process still runs (not merely a pid reused after a reboot). */
function runningPrivateEngine(paths: StatePaths): PrivateEngineRecord | undefined {
  if (!existsSync(paths.engine.record)) return undefined;
  const record = JSON.parse(readFileSync(paths.engine.record, 'utf8')) as PrivateEngineRecord;
  if (!processAlive(record.pid)) return undefined;
  try {
    return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').includes(paths.engine.execRoot) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Stops labbench's private engine (if it runs) and restores what it changed on the machine. */
export async function stopPrivateEngine(paths: StatePaths): Promise<boolean> {
  if (!existsSync(paths.engine.record)) return false;
  const record = JSON.parse(readFileSync(paths.engine.record, 'utf8')) as PrivateEngineRecord;
  await terminate(record.pid);
  await killOrphanedContainers(paths.engine.execRoot);
  await restoreMachine(record.before);
  await unmountUnder([paths.engine.execRoot, paths.engine.dataRoot]);
  rmSync(paths.engine.execRoot, { recursive: true, force: true });
  for (const f of [paths.engine.pidfile, paths.engine.socket, paths.engine.record]) rmSync(f, { force: true });
  return true;
}


async function terminate(pid: number): Promise<void> {
  if (!processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (processAlive(pid) && Date.now() < deadline) await sleep(200);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  while (processAlive(pid)) await sleep(100);
}

/**
 * A dockerd that was killed leaves its containers running under their containerd shims, which
 * no later engine adopts (exec-root is cleared). They are killed as a crash of the machine
 * would have: the hosts' files stay in their containers' layers and volumes for the next start.
 */
async function killOrphanedContainers(execRoot: string): Promise<void> {
  const address = `${execRoot}/containerd/containerd.sock`;
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        const ppid = Number(/^\d+ \(.*\) \S+ (\d+)/.exec(readFileSync(`/proc/${d}/stat`, 'utf8'))?.[1]);
        return [{ pid: Number(d), ppid, cmdline }];
      } catch {
        return [];
      }
    });
  const shims = procs.filter((p) => /containerd-shim/.test(p.cmdline[0] ?? '') && p.cmdline.includes(address)).map((p) => p.pid);
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
