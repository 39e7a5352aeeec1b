/**
 * Detection power of the gate across nights, measured with the real injection of bench:power.
 *
 * Collect: per injected cell, S sequences of short nights on one lab — A real A/A nights, then I
 * nights with the injection on (sized from the sequence's own A/A nights, verified by a plain
 * off/on measurement before each) — each night a real `pnpm bench --history` run of the
 * injected path × probe beside its loopback canary, appended to the sequence's own history.
 * Analyse (lib/nights/replay.ts): each sequence is put after P A/A nights drawn from the other
 * sequences (whole recorded nights), and the nightly judgement is replayed night by night with
 * the gate's own functions: after how many injected nights does the series gate (change points)
 * or the night's own single-night gate FAIL the cell? And false alarms: R replays of L nights,
 * each night a recorded A/A night with its rounds resampled (bootstrap), judged night by night;
 * after an alarm the night is accepted, as an operator would, and the replay goes on.
 *
 *   pnpm bench:power-nights [--sequences 10] [--aa 2] [--injected 3] [--rounds 10]
 *        [--inject overlay/tcp.throughput:10] [--inject overlay/rr.p50:15] [--prefix 8]
 *        [--replays 10] [--replay-nights 100] [--lock FILE [--lock-minutes M]] [--name benchnights]
 *        [--subnet 10.119.9.0/24] [--seed N] [--out DIR] [--analyse DIR]
 *
 * --out DIR keeps everything (histories, reports, collect.json); a sweep that stops can be
 * resumed with the same --out. --analyse DIR only re-analyses a recorded sweep.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomSeed } from '../src/bench/plan/schedule.ts';
import { LabbenchError } from '../src/errors.ts';
import { labbench, suiteTimeLine } from './lib/cli.ts';
import { analyseSweep, type CollectedNight, renderSweep, type Sweep } from './lib/nights/replay.ts';
import { latencyTargetUs, pairedChange, pairedShift, rulesForSlowdown, rulesForTarget } from './lib/power/calibrate.ts';
import {
  alternatingPairs,
  clearInjections,
  labState,
  loadChain,
  openPowerLab,
  type PowerLab,
  pingP50Us,
  setChainOnPath,
  tcpBitsPerSecond,
  withProbePair,
} from './lib/power/lab.ts';
import { LockBudget } from './lib/power/lock.ts';
import { type Injection, injectionLabel, PROBE_OF, parseInjections } from './lib/power/plan.ts';

const CALIBRATION_RULES = 3000;

const { values } = parseArgs({
  options: {
    sequences: { type: 'string', default: '10' },
    aa: { type: 'string', default: '2' },
    injected: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '10' },
    inject: { type: 'string', multiple: true },
    prefix: { type: 'string', default: '8' },
    replays: { type: 'string', default: '10' },
    'replay-nights': { type: 'string', default: '100' },
    lock: { type: 'string' },
    'lock-minutes': { type: 'string', default: '0' },
    name: { type: 'string', default: 'benchnights' },
    subnet: { type: 'string', default: '10.119.9.0/24' },
    seed: { type: 'string' },
    out: { type: 'string' },
    analyse: { type: 'string' },
  },
});
const out = (line = '') => process.stdout.write(`${line}\n`);
const int = (name: string, min: number): number => {
  const n = Number(values[name as keyof typeof values]);
  if (!(Number.isInteger(n) && n >= min)) {
    process.stderr.write(`bench:power-nights: --${name} must be an integer ≥ ${min}\n`);
    process.exit(2);
  }
  return n;
};
const settings = {
  sequences: int('sequences', 1),
  aa: int('aa', 1),
  injected: int('injected', 1),
  rounds: int('rounds', 1),
  prefix: int('prefix', 0),
  replays: int('replays', 0),
  replayNights: int('replay-nights', 2),
  seed: values.seed === undefined ? randomSeed() : Number(values.seed),
};
const { injections, problems } = parseInjections(values.inject ?? ['overlay/tcp.throughput:10', 'overlay/rr.p50:15']);
if (problems.length > 0) {
  process.stderr.write(`bench:power-nights: ${problems.join('\n  ')}\n`);
  process.exit(2);
}

if (values.analyse) {
  report(JSON.parse(readFileSync(join(values.analyse, 'collect.json'), 'utf8')) as Sweep, values.analyse);
  process.exit(0);
}

const dir = values.out ?? join(tmpdir(), `labbench-power-nights-${Date.now()}`);
mkdirSync(dir, { recursive: true });
const journal = join(dir, 'collect.json');
const sweep: Sweep = existsSync(journal)
  ? (JSON.parse(readFileSync(journal, 'utf8')) as Sweep)
  : {
      startedAt: new Date().toISOString(),
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, kernel ${release()}`,
      settings,
      injections,
      nights: [],
    };
const save = () => writeFileSync(journal, `${JSON.stringify(sweep, null, 2)}\n`);

const interrupt = new AbortController();
process.on('SIGINT', () => {
  out('\ninterrupted: stopping the night and removing the injection …');
  interrupt.abort();
});
// --lock-minutes M: consecutive nights under one hold while they fit in M minutes (others interleave between holds).
const held = new LockBudget(values.lock ?? null, Math.min(10, Math.max(0, Number(values['lock-minutes']))) * 60_000, interrupt.signal);
const lab = ['--name', values.name as string, '--subnet', values.subnet as string, '--keep'];

/** Per-rule effect of the chain on the injected cell, measured once per injection. */
const calibration = new Map<string, number>();
let power: PowerLab | null = null;

function measurePairs(p: PowerLab, injection: Injection, blocks: number) {
  return withProbePair(p, injection.path, (pair) =>
    alternatingPairs(
      blocks,
      () => (injection.metric === 'rr.p50' ? pingP50Us(pair) : tcpBitsPerSecond(pair)),
      (on) => setChainOnPath(p, injection.path, on),
    ),
  );
}

/** Loads and verifies the injection on the lab; returns the rules and the verified size in %. */
async function inject(p: PowerLab, injection: Injection, aaMedian: number): Promise<{ rules: number; verifiedPct: number }> {
  const cell = `${injection.path}/${injection.metric}`;
  const latency = injection.metric === 'rr.p50';
  if (!calibration.has(cell)) {
    await loadChain(p, CALIBRATION_RULES);
    const pairs = await measurePairs(p, injection, latency ? 6 : 4);
    calibration.set(cell, latency ? pairedShift(pairs) : pairedChange(pairs));
    out(
      `  calibration: ${CALIBRATION_RULES} rules → ${latency ? `+${calibration.get(cell)?.toFixed(1)} µs` : `${((calibration.get(cell) as number) * 100).toFixed(1)} %`}`,
    );
  }
  const effect = calibration.get(cell) as number;
  const rules = latency
    ? rulesForTarget(latencyTargetUs(aaMedian, injection.sizePct), effect, CALIBRATION_RULES)
    : rulesForSlowdown(injection.sizePct, effect, CALIBRATION_RULES);
  await loadChain(p, rules);
  const pairs = await measurePairs(p, injection, 2);
  await setChainOnPath(p, injection.path, true);
  const verifiedPct = latency ? (pairedShift(pairs) / aaMedian) * 100 : pairedChange(pairs) * 100;
  return { rules, verifiedPct };
}

/** The median of the injected cell's raw values over a sequence's A/A nights (sizes a latency injection). */
function aaMedianOf(history: string, injection: Injection): number {
  const file = join(history, 'nights');
  const values: number[] = [];
  for (const n of sweep.nights.filter((x) => x.history === history && !x.injected)) {
    const night = JSON.parse(readFileSync(join(file, `${n.night}.json`), 'utf8')) as { cells: { path: string; metric: string; values: number[] }[] };
    values.push(...(night.cells.find((c) => c.path === injection.path && c.metric === injection.metric)?.values ?? []));
  }
  values.sort((a, b) => a - b);
  if (values.length === 0) throw new LabbenchError(`no A/A values of ${injection.path}/${injection.metric} in ${history}`);
  return values[Math.floor(values.length / 2)] as number;
}

/**
 * The sweep's lab, up with its overlay: a night brings it up itself (`--keep`), but a sweep
 * resumed at an injected night must have it before the injection is sized.
 */
async function labUp(): Promise<string> {
  const name = values.name as string;
  if ((await labState(name)) !== 'up') {
    out(`  bringing lab ${name} up (one round of the injected path, kept)`);
    const r = await labbench(['bench', '--no-history', '--paths', 'overlay', '--probes', 'tcp', '--runs', '1', ...lab], {
      quiet: true,
      signal: interrupt.signal,
    });
    if ((await labState(name)) !== 'up')
      throw new LabbenchError(`lab "${name}" did not come up (bench exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return name;
}

async function night(injection: Injection, sequence: number, index: number): Promise<void> {
  const history = join(dir, `${injection.path}-${injection.metric}`, `seq-${String(sequence).padStart(2, '0')}`);
  if (sweep.nights.some((n) => n.history === history && n.index === index)) return;
  const injected = index >= settings.aa;
  const label = `${injectionLabel(injection)} · sequence ${sequence}/${settings.sequences} · night ${index + 1}/${settings.aa + settings.injected}${injected ? ' (injected)' : ' (A/A)'}`;
  out(label);
  const record = await held.run(async () => {
    let sized: { rules: number; verifiedPct: number } | null = null;
    try {
      if (injected) {
        power ??= await openPowerLab(await labUp());
        await clearInjections(power);
        sized = await inject(power, injection, aaMedianOf(history, injection));
        out(`  ${sized.rules} rules, verified ${sized.verifiedPct >= 0 ? '+' : ''}${sized.verifiedPct.toFixed(1)} %`);
      }
      const report = join(history, 'reports', `night-${index}`);
      const args = [
        'bench',
        '--history',
        history,
        '--no-baseline',
        '--paths',
        injection.path,
        '--probes',
        PROBE_OF[injection.metric],
        '--runs',
        String(settings.rounds),
        '--report',
        report,
        ...lab,
      ];
      const r = await labbench(args, { quiet: true, signal: interrupt.signal });
      const doc = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as {
        history: { tonight: string } | null;
        cells: { key: string; verdict: string }[];
      };
      if (!doc.history) throw new LabbenchError(`night ${label} has no history section (exit ${r.code})`);
      const verdict = doc.cells.find((c) => c.key === `${injection.path}/${injection.metric}`)?.verdict ?? '?';
      out(`  exit ${r.code} · ${injection.path}/${injection.metric} ${verdict} · ${suiteTimeLine(r.stdout + r.stderr)}`);
      const collected: CollectedNight = {
        cell: `${injection.path}/${injection.metric}`,
        sequence,
        index,
        injected,
        history,
        night: doc.history.tonight,
        exitCode: r.code,
        verdict,
        rules: sized?.rules ?? 0,
        verifiedPct: sized?.verifiedPct ?? null,
        seconds: r.seconds,
      };
      return collected;
    } finally {
      if (power) await clearInjections(power);
    }
  });
  sweep.nights.push(record);
  save();
}

let exitCode = 0;
try {
  out(
    `power over nights on lab ${values.name} (${sweep.machine}); ${settings.sequences} sequences × (${settings.aa} A/A + ${settings.injected} injected nights) per injection, ${settings.rounds} rounds a night; out ${dir}`,
  );
  save();
  for (let s = 1; s <= settings.sequences; s++) {
    for (const injection of injections) {
      for (let i = 0; i < settings.aa + settings.injected; i++) {
        if (interrupt.signal.aborted) throw new LabbenchError('interrupted');
        await night(injection, s, i);
      }
    }
  }
  sweep.finishedAt = new Date().toISOString();
  save();
  report(sweep, dir);
} catch (err) {
  process.stderr.write(`bench:power-nights: ${(err as Error).message}\n`);
  exitCode = interrupt.signal.aborted ? 130 : 1;
} finally {
  if (power) {
    await clearInjections(power).catch(() => undefined);
    await (power as PowerLab).lab.close();
  }
  await held.done();
  out(`everything recorded in ${dir} (resume or re-analyse with --out / --analyse ${dir})`);
}
process.exitCode = exitCode;

function report(recorded: Sweep, where: string): void {
  const analysis = analyseSweep(recorded, {
    prefix: settings.prefix,
    replays: settings.replays,
    replayNights: settings.replayNights,
    seed: recorded.settings.seed,
  });
  writeFileSync(join(where, 'analysis.json'), `${JSON.stringify(analysis, null, 2)}\n`);
  out(renderSweep(recorded, analysis));
}
