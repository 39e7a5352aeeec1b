/**
 * What the fault tests share: running labbench as a user's terminal or a CI job does (in its own
 * process group, so that SIGKILL of the group takes the command and all its children, as a CI
 * timeout or a closed terminal does), waiting for a point in its output, and looking at what a
 * lab left in labbench's private engine.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../src/machine/process.ts';
import { runLocal } from '../../src/machine/run.ts';
import { LABEL } from '../../src/providers/local/docker-cli.ts';
import { allowLanForwarding } from '../../src/providers/local/lan-forwarding.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { bridgeName } from '../../src/providers/local/provider.ts';
import { type CliResult, REPO, rootSkipReason } from '../support/cli.ts';

export const paths = statePaths();
export const ENGINE = `unix://${paths.engine.socket}`;

export interface RunningCli {
  pid: number;
  output(): string;
  done: Promise<CliResult>;
  /** Resolves once the output (stdout and stderr) matches; rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGKILL of the whole process group, then waits for the command to be gone. */
  killGroup(): Promise<CliResult>;
}

/** `labbench <args>` through the package's executable, in a process group of its own. */
export function startLabbench(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, ['bin/labbench.mjs', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let both = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    both += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    both += c;
  });
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const pid = child.pid!;
  return {
    pid,
    output: () => both,
    done,
    async waitFor(pattern, timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(both)) {
        if (Date.now() > deadline) throw new Error(`labbench ${args.join(' ')}: no ${pattern} within ${timeoutMs / 1000} s; it printed:\n${both}`);
        if (child.exitCode !== null) throw new Error(`labbench ${args.join(' ')} ended (${child.exitCode}) before ${pattern}; it printed:\n${both}`);
        await sleep(25);
      }
    },
    async killGroup() {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
      return done;
    },
  };
}

export function labbench(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startLabbench(args, env).done;
}

/** `lab status --json` of a lab. */
export async function labState(name: string): Promise<{ state: string; hosts: { name: string; state: string }[] }> {
  const r = await labbench(['lab', 'status', '--name', name, '--json']);
  return JSON.parse(r.stdout) as { state: string; hosts: { name: string; state: string }[] };
}

/** The containers, networks and volumes labbench's private engine holds for lab `name` ("" when it does not answer). */
export async function labResources(name: string): Promise<string> {
  if (!existsSync(paths.engine.socket)) return '';
  const filter = `label=${LABEL.lab}=${name}`;
  const parts = await Promise.all([
    runLocal(['docker', '-H', ENGINE, 'ps', '-aq', '--filter', filter], { nothrow: true, timeoutMs: 30_000 }),
    runLocal(['docker', '-H', ENGINE, 'network', 'ls', '-q', '--filter', filter], { nothrow: true, timeoutMs: 30_000 }),
    runLocal(['docker', '-H', ENGINE, 'volume', 'ls', '-q', '--filter', filter], { nothrow: true, timeoutMs: 30_000 }),
  ]);
  return parts
    .map((p) => p.stdout.trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * Processes of the private engine that run now, seen from /proc independently of labbench's own
 * lookup: dockerd by its --data-root, containerd and the shims by the exec-root in their arguments.
 */
export function engineNow(): { dockerd: number[]; containerd: number[]; shims: number[] } {
  const { dataRoot, execRoot } = paths.engine;
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .flatMap((d) => {
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean);
        return argv.length > 0 && processAlive(Number(d)) ? [{ pid: Number(d), argv }] : [];
      } catch {
        return [];
      }
    });
  const name = (argv: string[]) => argv[0]!.split('/').pop()!;
  const underExec = (argv: string[]) => argv.slice(1).some((a) => a.startsWith(`${execRoot}/`));
  const dockerd = procs.filter((p) => p.argv.some((a, i) => a === '--data-root' && p.argv[i + 1] === dataRoot)).map((p) => p.pid);
  return {
    dockerd,
    containerd: procs.filter((p) => !dockerd.includes(p.pid) && name(p.argv) === 'containerd' && underExec(p.argv)).map((p) => p.pid),
    shims: procs.filter((p) => name(p.argv).startsWith('containerd-shim') && underExec(p.argv)).map((p) => p.pid),
  };
}

/** Labs on this machine that are not this suite's (their prefix is not `prefix`). */
export function foreignLabs(prefix: string): string[] {
  if (!existsSync(paths.labs)) return [];
  return readdirSync(paths.labs).filter((n) => !n.startsWith(prefix) && existsSync(paths.lab(n).record));
}

/**
 * Why a test that kills labbench's private engine cannot run here, or undefined. The engine is
 * shared by every lab of the machine: with other labs in it, killing it would stop their hosts.
 * LABBENCH_FAULTS_KILL_SHARED_ENGINE=1 runs it anyway (their hosts are started again after).
 */
export function engineKillSkipReason(prefix: string): string | undefined {
  const root = rootSkipReason();
  if (root) return root;
  if (process.env.DOCKER_HOST || existsSync('/var/run/docker.sock')) return "labs run on the user's Docker engine here, which a test must not kill";
  const others = foreignLabs(prefix);
  if (others.length > 0 && process.env.LABBENCH_FAULTS_KILL_SHARED_ENGINE !== '1') {
    return `other labs (${others.join(', ')}) live in labbench's private engine; killing it would stop their hosts (LABBENCH_FAULTS_KILL_SHARED_ENGINE=1 runs it anyway)`;
  }
  return undefined;
}

/** Host containers of other labs that run now, to start again after an engine was killed under them. */
export async function foreignRunningContainers(prefix: string): Promise<string[]> {
  if (!existsSync(paths.engine.socket)) return [];
  const r = await runLocal(['docker', '-H', ENGINE, 'ps', '--filter', `label=${LABEL.lab}`, '--format', `{{.ID}} {{.Label "${LABEL.lab}"}}`], {
    nothrow: true,
    timeoutMs: 30_000,
  });
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.split(' ')[1]!.startsWith(prefix))
    .map((l) => l.split(' ')[0]!);
}

/** Starts other labs' hosts that a test's engine kill stopped, with their LAN rule, as their own `lab up` would. */
export async function startContainers(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await runLocal(['docker', '-H', ENGINE, 'start', ...ids], { nothrow: true, timeoutMs: 120_000 });
  for (const lab of foreignLabs('f21-')) await allowLanForwarding(bridgeName(lab), lab, { createChain: true });
}

/**
 * The machine's "reboot" as labbench sees it: every process of the private engine (dockerd,
 * containerd, the shims and every container's processes) killed at once with SIGKILL, the
 * mounts of its exec-root gone and the labs' bridges gone, as after a power cut and boot.
 */
export async function powerCut(): Promise<void> {
  const { dockerd, containerd, shims } = engineNow();
  const children = (await runLocal(['ps', '-eo', 'pid=,ppid='], { nothrow: true })).stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([pid, ppid]) => pid && shims.includes(ppid!))
    .map(([pid]) => pid!);
  for (const pid of [...dockerd, ...containerd, ...shims, ...children]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const all = [...dockerd, ...containerd, ...shims, ...children];
  const deadline = Date.now() + 30_000;
  while (all.some(processAlive) && Date.now() < deadline) await sleep(100);
  const mounts = (await runLocal(['cat', '/proc/self/mounts'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m && m.startsWith(`${paths.engine.execRoot}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await runLocal(['umount', '-l', m], { nothrow: true });
  const bridges = (await runLocal(['ip', '-o', 'link', 'show', 'type', 'bridge'], { nothrow: true })).stdout.match(/^\d+: (lb-[0-9a-f]{10})/gm) ?? [];
  for (const b of bridges) await runLocal(['ip', 'link', 'del', b.replace(/^\d+: /, '')], { nothrow: true });
}

/**
 * A snapshot without what a restart of the shared engine and of other labs' hosts changes: their
 * veth pairs and network namespaces get new names, and the engine's and hosts' processes new
 * pids. Used only where a test restarted them (LABBENCH_FAULTS_KILL_SHARED_ENGINE=1); everything
 * else (containers, networks, volumes, images, iptables, other mounts, cgroups) is still compared.
 */
export function withoutRestartedHosts<T extends { links: string[]; mounts: string[]; processes: string[] }>(snapshot: T): T {
  return {
    ...snapshot,
    links: snapshot.links.filter((l) => !l.startsWith('veth')),
    mounts: snapshot.mounts.filter((m) => !m.includes(`${paths.engine.execRoot}/netns/`)),
    processes: [],
  };
}
