/**
 * Detection power of the regression gate, measured: inject slowdowns of known size on one path
 * of a lab, run `pnpm bench` against a fresh baseline K times with and K times without the
 * injection, and print per metric how often the gate FAILed the injected cell (detection rate)
 * and how often it FAILed it with nothing injected (A/A false-FAIL rate).
 *
 * The gate is driven through its CLI and judged only by report.json's per-cell verdicts, so this
 * measures whatever method the gate uses. The mechanism (host A only; lib/power/mechanism.ts):
 * a chain of non-matching iptables rules that every forwarded packet of the one path walks,
 * calibrated per path and metric — added µs per round trip for request-response p50, a
 * proportional drop for TCP throughput (CPU-bound here). Each injection is verified before every
 * gate run by a plain measurement in alternating off/on blocks (ping RTT p50; iperf3 TCP),
 * printed, and removed after the run (also on Ctrl-C); host A's rules are then compared with
 * their state before the sweep.
 *
 *   pnpm bench:power [--rounds 10] [--inject bridge/rr.p50:15] [--inject overlay/rr.p50:15]
 *                    [--inject overlay/tcp.throughput:10] [--quick] [--lock /work/heavy.lock] [--lock-minutes 0]
 *                    [--name benchpow] [--subnet 10.210.110.0/24] [--seed N] [--out FILE] [--keep-lab]
 *
 * Several sizes per cell (--inject overlay/rr.p50:5,10,15,20) also print the detection curve.
 * --quick: one round, fewer verification blocks (a smoke run). --lock FILE: take flock(1) on FILE
 * for each gate run with its injection and verification, not for the whole sweep; with
 * --lock-minutes M (at most 10), keep one hold for consecutive runs while they fit in M minutes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomSeed } from '../src/bench/plan/schedule.ts';
import { LabbenchError } from '../src/errors.ts';
import { labbench, suiteTimeLine } from './lib/cli.ts';
import { type BlockPair, latencyTargetUs, pairedChange, pairedShift, reachesTarget, rulesForSlowdown, rulesForTarget } from './lib/power/calibrate.ts';
import {
  alternatingPairs,
  clearInjections,
  labState,
  loadChain,
  openPowerLab,
  type PowerLab,
  pingP50Us,
  ruleState,
  setChainOnPath,
  tcpBitsPerSecond,
  withProbePair,
} from './lib/power/lab.ts';
import { LockBudget } from './lib/power/lock.ts';
import { stateDifferences } from './lib/power/mechanism.ts';
import {
  type Injection,
  injectionLabel,
  type PowerMetric,
  type PowerPath,
  parseInjections,
  type TrialGroup,
  trialGroups,
  trialSchedule,
} from './lib/power/plan.ts';
import { aaSummary, type GateCell, readGateCells, renderCurves, renderPowerTable, type TrialOutcome, tallyPower } from './lib/power/tally.ts';

const DEFAULT_INJECTIONS = ['bridge/rr.p50:15', 'overlay/rr.p50:15', 'overlay/tcp.throughput:10'];
/** Rules in the calibration chain: enough to add a clearly measurable few tens of µs here. */
const CALIBRATION_RULES = 3000;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    inject: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    lock: { type: 'string' },
    'lock-minutes': { type: 'string', default: '0' },
    name: { type: 'string', default: 'benchpow' },
    subnet: { type: 'string', default: '10.210.110.0/24' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'keep-lab': { type: 'boolean', default: false },
  },
});
const out = (line = '') => process.stdout.write(`${line}\n`);

const rounds = values.quick ? 1 : Number(values.rounds);
const { injections, problems } = parseInjections(values.inject ?? DEFAULT_INJECTIONS);
if (!(Number(values['lock-minutes']) >= 0 && Number(values['lock-minutes']) <= 10))
  problems.push(`--lock-minutes must be from 0 to 10, got "${values['lock-minutes']}"`);
if (!(Number.isInteger(rounds) && rounds >= 1)) problems.push(`--rounds must be a positive integer, got "${values.rounds}"`);
const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
if (!(Number.isInteger(seed) && seed >= 0)) problems.push(`--seed must be a non-negative integer, got "${values.seed}"`);
if (problems.length > 0) {
  process.stderr.write(`bench:power: ${problems.join('\n  ')}\n`);
  process.exit(2);
}
const verifyBlocks = values.quick ? 2 : 3;
const lock = values.lock ?? null;
const name = values.name as string;
const lab = ['--name', name, '--subnet', values.subnet as string, '--keep'];
const dir = join(tmpdir(), `labbench-power-${Date.now()}`);
mkdirSync(dir, { recursive: true });

// Ctrl-C: stop the running gate, then let the finally blocks remove the injection.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  out('\ninterrupted: stopping the gate and removing the injection …');
  interrupt.abort();
});
const checkInterrupt = () => {
  if (interrupt.signal.aborted) throw new LabbenchError('interrupted');
};

/** Runs the gate once on a group's suite and reads its report. */
async function gate(
  group: TrialGroup,
  baseline: string,
  label: string,
  update: boolean,
): Promise<{ code: number; cells: GateCell[]; seconds: number; suiteTime: string }> {
  const report = join(dir, label);
  const args = [
    'bench',
    '--no-history',
    '--baseline',
    baseline,
    ...(update ? ['--update-baseline'] : []),
    '--report',
    report,
    '--paths',
    group.paths.join(','),
    '--probes',
    group.probe,
    ...lab,
  ];
  const r = await labbench(args, { quiet: true, signal: interrupt.signal });
  let cells: GateCell[];
  try {
    cells = readGateCells(JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')));
  } catch (err) {
    throw new LabbenchError(`the gate run "${label}" gave no readable report (exit ${r.code}): ${(err as Error).message}\n${r.stderr.slice(-1500)}`);
  }
  return { code: r.code, cells, seconds: r.seconds, suiteTime: suiteTimeLine(r.stdout + r.stderr) };
}

/** The baseline's medians: path/metric → value (µs for rr.p50, Gbit/s for tcp.throughput). */
const baselineMedians = new Map<string, number>();
/** What the calibration chain did per path/metric: +µs per round trip (rr.p50), relative change (tcp.throughput). */
const calibration = new Map<string, number>();

/** A plain measurement of the metric over a probe pair, in alternating off/on blocks; the injection is off after it. */
function measurePairs(power: PowerLab, path: PowerPath, metric: PowerMetric, blocks: number): Promise<BlockPair[]> {
  return withProbePair(power, path, (pair) =>
    alternatingPairs(
      blocks,
      () => (metric === 'rr.p50' ? pingP50Us(pair) : tcpBitsPerSecond(pair)),
      (on) => setChainOnPath(power, path, on),
    ),
  );
}

function showPairs(metric: PowerMetric, pairs: readonly BlockPair[]): string {
  return metric === 'rr.p50'
    ? `ping RTT p50 off/on ${pairs.map((p) => `${p.off.toFixed(0)}/${p.on.toFixed(0)}`).join(' ')} µs`
    : `iperf3 TCP off/on ${pairs.map((p) => `${(p.off / 1e9).toFixed(2)}/${(p.on / 1e9).toFixed(2)}`).join(' ')} Gbit/s`;
}

async function calibrate(power: PowerLab, path: PowerPath, metric: PowerMetric): Promise<void> {
  await loadChain(power, CALIBRATION_RULES);
  const pairs = await measurePairs(power, path, metric, values.quick ? 3 : metric === 'rr.p50' ? 6 : 4);
  const effect = metric === 'rr.p50' ? pairedShift(pairs) : pairedChange(pairs);
  calibration.set(`${path}/${metric}`, effect);
  const shown = metric === 'rr.p50' ? `+${effect.toFixed(1)} µs per round trip` : `${(effect * 100).toFixed(1)} %`;
  out(`  ${path}/${metric}: ${CALIBRATION_RULES} rules, ${showPairs(metric, pairs)} → ${shown}`);
}

/** Loads the injection's chain onto its path, verified by a plain measurement; returns the verified size in %. */
async function applyInjection(power: PowerLab, injection: Injection): Promise<number> {
  const cell = `${injection.path}/${injection.metric}`;
  const base = baselineMedians.get(cell);
  const effect = calibration.get(cell);
  if (base === undefined || effect === undefined) throw new LabbenchError(`no baseline figure or calibration for ${cell} to size the injection by`);
  const latency = injection.metric === 'rr.p50';
  const target = latencyTargetUs(base, injection.sizePct);
  const rules = latency ? rulesForTarget(target, effect, CALIBRATION_RULES) : rulesForSlowdown(injection.sizePct, effect, CALIBRATION_RULES);
  await loadChain(power, rules);
  const pairs = await measurePairs(power, injection.path, injection.metric, verifyBlocks);
  await setChainOnPath(power, injection.path, true);
  const verified = latency ? (pairedShift(pairs) / base) * 100 : pairedChange(pairs) * 100;
  const sized = latency ? `+${target.toFixed(1)} µs on the baseline's rr p50 ${base.toFixed(1)} µs` : `the baseline's ${base.toFixed(2)} Gbit/s`;
  out(
    `  ${rules} rules (${sized}); verified: ${showPairs(injection.metric, pairs)} → ${verified >= 0 ? '+' : ''}${verified.toFixed(1)} %${latency ? ' of rr p50' : ''}`,
  );
  if (!reachesTarget(verified, latency ? injection.sizePct : -injection.sizePct, 0.5))
    out('  ! the verified size is below half the injected one (or the wrong way): the machine changed since the calibration');
  return verified;
}

/**
 * The power table of the trials so far (after every round, at the end, and after an interrupt),
 * and the outcomes written to --out, so a sweep cut short still reports what it measured.
 */
function printPower(final: boolean): void {
  if (values.out) writeFileSync(values.out, `${JSON.stringify({ seed, rounds, injections, outcomes, rows: tallyPower(injections, outcomes) }, null, 2)}\n`);
  if (outcomes.length === 0) return;
  const rows = tallyPower(injections, outcomes);
  const done = Math.max(...outcomes.map((o) => o.trial.round));
  out();
  out(
    `Detection power${final ? '' : ' so far'}, ${done} of ${rounds} round(s) (${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, kernel ${release()}):`,
  );
  out(renderPowerTable(rows));
  const curves = renderCurves(rows);
  if (curves) out(`detection rate vs injected size:\n${curves}`);
  for (const g of groups) {
    const s = aaSummary(g.probe, outcomes);
    out(
      `A/A ${g.paths.join(',')} × ${g.probe}: ${s.trials} runs, ${s.anyFail} with any FAIL${s.failedCells.length ? ` (${s.failedCells.join(', ')})` : ''}; exit codes ${s.exitCodes.join(' ')}`,
    );
  }
  const gateSeconds = outcomes.map((o) => o.seconds).sort((a, b) => a - b);
  out(
    `gate runs: ${outcomes.length}, wall time per run ${gateSeconds[0]?.toFixed(0)}–${gateSeconds.at(-1)?.toFixed(0)} s; sweep ${((performance.now() - started) / 60000).toFixed(1)} min`,
  );
  if (final) {
    out();
    out('Markdown:');
    out(renderPowerTable(rows, { markdown: true }));
  }
}

const started = performance.now();
const groups = trialGroups(injections);
const outcomes: TrialOutcome[] = [];
const baselines = new Map(groups.map((g) => [g.probe, join(dir, `baseline-${g.probe}.json`)]));
let power: PowerLab | null = null;
let exitCode = 0;
const held = new LockBudget(lock, Number(values['lock-minutes']) * 60_000, interrupt.signal);
try {
  out(
    `detection power of pnpm bench on lab ${name} (${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, kernel ${release()}), ${rounds} round(s), seed ${seed}`,
  );
  out(`injections: ${injections.map(injectionLabel).join(', ')}; suites: ${groups.map((g) => `${g.paths.join(',')} × ${g.probe}`).join('; ')}`);
  // A chain left by an interrupted sweep must not slow the fresh baselines.
  const state = await labState(name);
  if (state === 'up') {
    power = await openPowerLab(name);
    await clearInjections(power);
  }
  let before = '';
  for (const g of groups) {
    out(
      `recording a fresh baseline (${g.paths.join(',')} × ${g.probe}), then calibrating a chain of ${CALIBRATION_RULES} rules on each injected path (plain measurements in alternating off/on blocks) …`,
    );
    await held.run(async () => {
      // A lab whose hosts stopped (an engine restart) is taken down; the gate brings it up again.
      if (state !== null && state !== 'up' && !power) await labbench(['lab', 'down', '--name', name], { quiet: true, signal: interrupt.signal });
      const b = await gate(g, baselines.get(g.probe) as string, `baseline-${g.probe}`, true);
      if (b.code !== 0) throw new LabbenchError(`recording the ${g.probe} baseline failed (exit ${b.code})`);
      for (const c of b.cells) if (c.currentMedian !== null) baselineMedians.set(`${c.path}/${c.metric}`, c.currentMedian);
      out(`  ${b.suiteTime}`);
      if (!power) power = await openPowerLab(name);
      if (!before) before = await ruleState(power);
      try {
        for (const i of g.injections.filter((x, n, all) => all.findIndex((y) => y.path === x.path && y.metric === x.metric) === n))
          await calibrate(power, i.path, i.metric);
      } finally {
        await clearInjections(power);
      }
    });
    checkInterrupt();
  }
  const opened = power as unknown as PowerLab;

  const trials = trialSchedule(groups, rounds, seed);
  for (const [i, trial] of trials.entries()) {
    checkInterrupt();
    const group = groups.find((g) => g.probe === trial.group) as TrialGroup;
    const label = `${String(i + 1).padStart(3, '0')}-${trial.injection ? `${trial.injection.path}-${trial.injection.metric}-${trial.injection.sizePct}` : `aa-${trial.group}`}`;
    out(
      `[${i + 1}/${trials.length}] round ${trial.round}: ${trial.injection ? injectionLabel(trial.injection) : `A/A (${group.paths.join(',')} × ${group.probe})`}`,
    );
    const outcome = await held.run(async () => {
      let verifiedPct: number | null = null;
      try {
        if (trial.injection) verifiedPct = await applyInjection(opened, trial.injection);
        const g = await gate(group, baselines.get(group.probe) as string, label, false);
        return { trial, exitCode: g.code, cells: g.cells, verifiedPct, seconds: g.seconds, suiteTime: g.suiteTime };
      } finally {
        await clearInjections(opened);
      }
    });
    outcomes.push(outcome);
    const target = trial.injection ? `${trial.injection.path}/${trial.injection.metric}` : null;
    const shown = outcome.cells
      .filter((c) => c.path !== 'loopback' || c.verdict === 'FAIL')
      .filter((c) => c.metric === 'rr.p50' || c.metric === 'tcp.throughput' || c.verdict === 'FAIL');
    out(
      `  exit ${outcome.exitCode} · ${shown.map((c) => `${`${c.path}/${c.metric}` === target ? '*' : ''}${c.path}/${c.metric} ${c.verdict}`).join(', ')} · ${outcome.suiteTime}`,
    );
    if (trials[i + 1]?.round !== trial.round) printPower(false);
  }

  const after = await ruleState(opened);
  const residue = stateDifferences(before, after);
  out(
    residue.length === 0 ? "host A's iptables rules: as before the sweep" : `host A's iptables rules differ from before the sweep:\n  ${residue.join('\n  ')}`,
  );
  if (residue.length > 0) exitCode = 1;

  printPower(true);
} catch (err) {
  process.stderr.write(`bench:power: ${(err as Error).message}\n`);
  exitCode = interrupt.signal.aborted ? 130 : 1;
  printPower(false);
} finally {
  if (power) {
    await clearInjections(power).catch((err: Error) => process.stderr.write(`removing the injections failed: ${err.message}\n`));
    await power.lab.close();
  }
  // Under the last hold when there still is one: the lab goes before the lock is let go. After an
  // interrupt the lock is not waited for again.
  if (values['keep-lab']) out(`lab ${name} kept up (--keep-lab)`);
  else if (held.holding || !interrupt.signal.aborted) await held.run(() => labbench(['lab', 'down', '--name', name], { quiet: true }), { last: true });
  else out(`lab ${name} left as it is (interrupted while not holding the lock): \`pnpm lab down --name ${name}\` removes it`);
  await held.done();
  out(`reports of every gate run: ${dir}`);
}
process.exitCode = exitCode;
