/**
 * `pnpm bench`: measure the lab's loopback, host, bridge and overlay paths with iperf3 TCP/UDP,
 * ping and the request-response probe, compare with the stored baseline (or two variants
 * with each other), print the table, write the reports. Exit 0 without FAIL, 1 with a FAIL,
 * 2 when the bench could not run, 3 when most cells could not be judged.
 */

import { dirname, join } from 'node:path';
import { baselinePath } from '../bench/judge/baseline.ts';
import { formatNumber } from '../bench/judge/format.ts';
import type { RunRecord } from '../bench/measure/run-record.ts';
import { BASELINE_RUNS, DEFAULT_RUNS, randomSeed } from '../bench/plan/schedule.ts';
import { BENCH_PROBE_SETTINGS, badBenchOptions, probeSettingsProblems, resolveSuite } from '../bench/plan/suite.ts';
import { renderConsole } from '../bench/report/console.ts';
import { renderJson } from '../bench/report/json.ts';
import { BenchNotRunError, runSession, type SessionOptions, type SessionOutcome } from '../bench/session.ts';
import { stateRoot } from '../machine/state-root.ts';
import { consoleSink, createProgress, formatDuration } from '../progress.ts';
import { withLabLock } from '../providers/lab-lock.ts';
import { parseFlags } from './args.ts';

const USAGE = `usage: pnpm bench [--baseline FILE] [--update-baseline] [--history DIR | --no-history] [--json] [--report DIR]
                  [--runs N] [--warmups N] [--seed N] [--paths loopback,host,bridge,overlay] [--probes tcp,udp,ping,rr]
                  [--backend vxlan|udp|host-gw]… [--ab VARIANT_A,VARIANT_B] [--name LAB] [--subnet CIDR] [--testbed NAME] [--keep]

  Measures the lab's paths (loopback: the machine's ceiling; host: host A ↔ host B; bridge: two containers
  on host A through docker0; overlay: container on A ↔ container on B through flannel) with iperf3 TCP and
  UDP, ping and a request-response probe, in rounds: 10 rounds + 1 discarded warm-up, each round every
  path × probe once in a random order, each beside a loopback canary run of the same probe. Judges each
  path by its per-round ratio to the canary against bench/baselines/<testbed>.json and confirms flagged
  cells by re-running them.

  --baseline FILE        baseline to compare with / write (default bench/baselines/<testbed>.json)
  --update-baseline      record this run as the baseline (compared with the old one if any; never gates)
  --history DIR          the history of nights: tonight is judged against its own machine's latest nights and
                         the change points of every series, then appended (default: $LABBENCH_HOME/bench-history;
                         the baseline file is the first night of its machine's series); see pnpm bench:history
  --no-history           judge tonight against the baseline file alone (the single-night gate) and keep no history
  --no-baseline          history mode without the baseline file as its first night
  --json                 print the results document (bench/schema/results.schema.json) instead of the table
  --report DIR           write report.json, report.md and report.html into DIR
  --runs N               measured rounds (default ${DEFAULT_RUNS}; ${BASELINE_RUNS} with --update-baseline); --warmups N discarded rounds first (default 1)
  --seed N               order of the runs (default random; printed, so a run can be replayed)
  --paths, --probes      what to measure (comma lists; default all)
  --backend B            flannel backend of the overlay (default vxlan); repeat to measure several in one run
  --ab A,B               A/B run: two variants measured interleaved and compared with each other; a variant
                         is a backend, mtu=N (the overlay containers' interface MTU), or both: udp+mtu=1400
  --name LAB, --subnet   the lab to use (default "bench" on the document's 192.168.100.0/24); a lab that is
                         already up is reused (whatever its subnet when --subnet is not given) and left up
  --testbed NAME         names the baseline (default local)
  --keep                 leave the lab and the bench's containers up afterwards

  exit 0: no FAIL · 1: a confirmed regression (FAIL) · 2: the bench could not run (reason printed)
       3: no FAIL, but at most half of the cells could be judged (e.g. software differs from the baseline's)`;

const FLAGS = {
  baseline: { type: 'string' },
  'update-baseline': { type: 'boolean' },
  history: { type: 'string' },
  'no-history': { type: 'boolean' },
  'no-baseline': { type: 'boolean' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  runs: { type: 'string' },
  warmups: { type: 'string' },
  seed: { type: 'string' },
  paths: { type: 'string' },
  probes: { type: 'string' },
  backend: { type: 'string', multiple: true },
  ab: { type: 'string' },
  name: { type: 'string' },
  subnet: { type: 'string' },
  testbed: { type: 'string' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Default lab of the bench (lab names of the bench start with "bench"). */
export const DEFAULT_BENCH_LAB = 'bench';
/** Default testbed name, i.e. the default baseline bench/baselines/local.json. */
export const DEFAULT_TESTBED = 'local';

/** What the command line asks for: the session's options plus how to print. */
export interface BenchCommand {
  help: boolean;
  json: boolean;
  options: SessionOptions;
}

/** Parses and checks `pnpm bench`'s arguments (pure); one ConfigError listing every problem. */
export function parseBenchArgs(argv: string[], randomSeedOf: () => number = randomSeed, env: NodeJS.ProcessEnv = process.env): BenchCommand {
  const { values, positionals } = parseFlags(argv, FLAGS, USAGE);
  const problems: string[] = [];
  if (positionals.length > 0) problems.push(`unexpected arguments: ${positionals.join(' ')}`);
  const integer = (flag: string, text: string | undefined, min: number, max: number, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
      problems.push(`--${flag} must be an integer from ${min} to ${max}, got "${text}"`);
      return fallback;
    }
    return n;
  };
  // A baseline is recorded once and its noise weighs as much as tonight's: twice the rounds by default.
  const runs = integer('runs', values.runs, 1, 1000, values['update-baseline'] ? BASELINE_RUNS : DEFAULT_RUNS);
  const warmups = integer('warmups', values.warmups, 0, 100, 1);
  const seed = integer('seed', values.seed, 0, 4294967295, -1);
  const testbed = values.testbed ?? DEFAULT_TESTBED;
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(testbed)) problems.push(`--testbed "${testbed}" must be lower-case letters, digits, ".", "_" and "-"`);
  const name = values.name ?? DEFAULT_BENCH_LAB;
  if (values['update-baseline'] && values.ab !== undefined)
    problems.push('--update-baseline records a stored baseline; an --ab run compares two variants and records none');
  if (values.baseline !== undefined && values.ab !== undefined) problems.push('--baseline and --ab exclude each other: an A/B run compares its two variants');
  if (values.history !== undefined && values['no-history']) problems.push('--history and --no-history exclude each other');
  if (values['no-baseline'] && (values['no-history'] || values.baseline !== undefined || values['update-baseline']))
    problems.push('--no-baseline goes with the history alone: not with --no-history, --baseline or --update-baseline');
  if (values.history !== undefined && values.ab !== undefined)
    problems.push('--history and --ab exclude each other: an A/B run compares its two variants and is kept in no history');
  const { plan: suite, problems: suiteProblems } = resolveSuite({
    ...(values.paths !== undefined ? { paths: values.paths } : {}),
    ...(values.probes !== undefined ? { probes: values.probes } : {}),
    ...(values.backend !== undefined ? { backends: values.backend } : {}),
    ...(values.ab !== undefined ? { ab: values.ab } : {}),
  });
  problems.push(...suiteProblems, ...probeSettingsProblems(BENCH_PROBE_SETTINGS));
  if (problems.length > 0 || suite === null) throw badBenchOptions(problems, USAGE.split('\n')[0] as string);
  return {
    help: Boolean(values.help),
    json: Boolean(values.json),
    options: {
      suite,
      probeSettings: BENCH_PROBE_SETTINGS,
      runs,
      warmups,
      seed: seed === -1 ? randomSeedOf() : seed,
      testbed,
      lab: { name, ...(values.subnet !== undefined ? { subnet: values.subnet } : {}) },
      baselineFile: values['no-baseline'] ? null : (values.baseline ?? baselinePath(testbed)),
      baselineNamed: values.baseline !== undefined,
      history: values['no-history'] || values.ab !== undefined ? null : (values.history ?? defaultHistoryDir(env)),
      updateBaseline: Boolean(values['update-baseline']),
      reportDir: values.report ?? null,
      keep: Boolean(values.keep),
    },
  };
}

/** Where `pnpm bench` keeps its history of nights unless told: beside labbench's other state. */
export function defaultHistoryDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env).root, 'bench-history');
}

/** One progress line per run: "[ 37/176] overlay    tcp   9.41 Gbit/s". */
export function runLine(record: RunRecord, index: number, total: number): string {
  const width = String(total).length;
  const where = `${record.path}${record.arm ? `/${record.arm}` : ''}${record.canaryOf ? ` ↔ ${record.canaryOf}` : ''}`;
  const what = record.error !== null ? `✗ ${record.error}` : runFigures(record);
  const tags = [record.warmup ? 'warm-up' : '', record.confirmation ? 're-run' : ''].filter(Boolean).join(', ');
  return ` [${String(index).padStart(width)}/${total}] ${where.padEnd(19)} ${record.probe.padEnd(4)} ${what}${tags ? `  (${tags})` : ''}  ${formatDuration(record.durationMs)}`;
}

function runFigures(r: RunRecord): string {
  const v = r.values;
  const f = (x: number | undefined) => (x === undefined ? '?' : formatNumber(x));
  switch (r.probe) {
    case 'tcp':
      return `${f(v['tcp.throughput'])} Gbit/s, ${f(v['tcp.retransmits'])} retr`;
    case 'udp':
      return `${f(v['udp.goodput'])} Mbit/s, loss ${f(v['udp.loss'])}%, jitter ${f(v['udp.jitter'])} ms`;
    case 'ping':
      return `RTT p50 ${f(v['ping.rtt'])} µs, loss ${f(v['ping.loss'])}%`;
    case 'rr':
      return `p50 ${f(v['rr.p50'])} µs, p99 ${f(v['rr.p99'])} µs`;
  }
}

/** Seconds as "192.3 s (3m12s)": exact enough to compare with the 4-minute budget. */
export function formatSeconds(seconds: number): string {
  const whole = Math.round(seconds);
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${seconds.toFixed(1)} s (${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s)`;
}

/** The lines after the table: timing of the phases, files written. */
export function trailer(outcome: SessionOutcome, runs: number): string {
  const t = outcome.timings;
  const measured = outcome.results.runs.length;
  const lines = [
    `suite wall time: ${formatSeconds(t.suiteS)} (setup ${formatSeconds(t.setupS)}, ${measured} runs ${formatSeconds(t.measureS)}, teardown ${formatSeconds(t.teardownS)}); lab up before it: ${formatSeconds(t.labUpS)}; ${runs} rounds, seed ${outcome.results.suite.seed}`,
  ];
  if (outcome.baselineNote) lines.push(outcome.baselineNote);
  if (outcome.baselineWritten) lines.push(`baseline written: ${outcome.baselineWritten} (--update-baseline does not gate: exit 0)`);
  if (outcome.reports) lines.push(`reports: ${outcome.reports.json}, ${outcome.reports.markdown}, ${outcome.reports.html}`);
  if (outcome.nightWritten)
    lines.push(`history: ${outcome.nightWritten} (the nights' page: pnpm bench:history --history ${dirname(dirname(outcome.nightWritten))} --out DIR)`);
  return `${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  let command: BenchCommand;
  try {
    command = parseBenchArgs(argv);
  } catch (err) {
    throw new BenchNotRunError('the bench could not run', { cause: err });
  }
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const err = process.stderr;
  const progress = createProgress(consoleSink(err));
  // The bench's lab is its own while it measures: another command on it waits (lab-lock.ts).
  const outcome = await withLabLock(command.options.lab.name, () =>
    runSession(command.options, {
      progress,
      onNote: (text) => err.write(` · ${text}\n`),
      onPhase: (phase, runs, detail) => err.write(` ${phase === 'measure' ? '▶ measuring' : '▶ confirming'}: ${runs} runs, ${detail}\n`),
      onRun: (record, index, total) => err.write(`${runLine(record, index, total)}\n`),
    }),
  );
  const table = renderConsole(outcome.results);
  const tail = trailer(outcome, command.options.runs);
  if (command.json) {
    err.write(table + tail);
    process.stdout.write(renderJson(outcome.results));
  } else {
    process.stdout.write(table + tail);
  }
  return outcome.exitCode;
}
