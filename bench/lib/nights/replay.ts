/**
 * Replaying the nightly judgement over recorded nights (bench:power-nights): detection of an
 * injected regression night by night, and false alarms over long A/A runs built by resampling
 * recorded A/A nights. Everything goes through the gate's own functions (planReferences,
 * judgeAcrossNights), with the method's settings as the only knob.
 */
import { join } from 'node:path';
import type { MarkRecord, NightRecord } from '../../../src/bench/history/night.ts';
import { readHistory } from '../../../src/bench/history/store.ts';
import { DEFAULT_NIGHTS_SETTINGS, judgeAcrossNights, type NightsSettings, planReferences } from '../../../src/bench/judge/across-nights.ts';
import type { SuiteParameters } from '../../../src/bench/judge/baseline.ts';
import { median } from '../../../src/bench/judge/stats.ts';
import { DEFAULT_DECISION_SETTINGS } from '../../../src/bench/judge/verdict.ts';
import { mulberry32 } from '../../../src/bench/plan/schedule.ts';
import { BENCH_PROBE_SETTINGS, CANARY_PATH } from '../../../src/bench/plan/suite.ts';
import { type Injection, injectionLabel } from '../power/plan.ts';

/** One night the sweep ran. */
export interface CollectedNight {
  cell: string;
  sequence: number;
  index: number;
  injected: boolean;
  history: string;
  night: string;
  exitCode: number;
  /** The injected cell's verdict that night (the real run, confirmation re-run included). */
  verdict: string;
  rules: number;
  verifiedPct: number | null;
  seconds: number;
}

/** The sweep's journal. */
export interface Sweep {
  startedAt: string;
  finishedAt?: string;
  machine: string;
  settings: { sequences: number; aa: number; injected: number; rounds: number; seed: number };
  injections: Injection[];
  nights: CollectedNight[];
}

/** A method to compare: the change-point test and its threshold. */
export interface Method {
  label: string;
  settings: NightsSettings;
}

export const METHODS: Method[] = [
  { label: 't-test p ≤ 0.001 (Otava)', settings: DEFAULT_NIGHTS_SETTINGS },
  {
    label: 'permutation p ≤ 0.01',
    settings: { ...DEFAULT_NIGHTS_SETTINGS, changePoints: { ...DEFAULT_NIGHTS_SETTINGS.changePoints, test: 'permutation', pValue: 0.01, permutations: 199 } },
  },
  {
    label: 'permutation p ≤ 0.05 (MongoDB)',
    settings: { ...DEFAULT_NIGHTS_SETTINGS, changePoints: { ...DEFAULT_NIGHTS_SETTINGS.changePoints, test: 'permutation', pValue: 0.05, permutations: 199 } },
  },
];

/** Per injected cell and method: when the regression was found, and the false alarms. */
export interface CellPower {
  cell: string;
  injection: string;
  method: string;
  sequences: number;
  verifiedPct: number | null;
  /** Per sequence: the injected night (1-based) on which the series gate first FAILed the cell, or null. */
  seriesFound: (number | null)[];
  /** Per sequence: the first injected night on which either gate FAILed it (the night's own recorded verdict, or the series). */
  anyFound: (number | null)[];
  /** Real single-night verdicts of the injected nights: FAILs / nights. */
  singleNightFails: { fails: number; nights: number };
  /** A/A: replayed nights judged, and the alarms (series FAILs) of the injected cell and of every gated cell. */
  aa: { nights: number; alarms: number; alarmsAnyCell: number; realNights: number; realFails: number };
}

export interface SweepAnalysis {
  prefix: number;
  replays: number;
  replayNights: number;
  seed: number;
  cells: CellPower[];
}

function loadNights(sweep: Sweep): Map<string, NightRecord> {
  const byId = new Map<string, NightRecord>();
  for (const history of new Set(sweep.nights.map((n) => n.history))) for (const n of readHistory(history).nights) byId.set(n.id, n);
  return byId;
}

function suiteOf(night: NightRecord): SuiteParameters {
  return { ...night.suite, probeSettings: BENCH_PROBE_SETTINGS, tolerances: {}, decision: DEFAULT_DECISION_SETTINGS };
}

/** A recorded night as another night: new id and time (so a replay can hold it more than once), same figures. */
function restamp(night: NightRecord, id: string, at: number): NightRecord {
  const iso = new Date(at).toISOString();
  return { ...night, id, startedAt: iso, finishedAt: iso };
}

/** A recorded night with its rounds resampled with replacement (each value with the canary beside it). */
function bootstrap(night: NightRecord, random: () => number, id: string, at: number): NightRecord {
  const rounds = Math.min(...night.cells.map((c) => c.values.length));
  const pick = Array.from({ length: rounds }, () => Math.floor(random() * rounds));
  return {
    ...restamp(night, id, at),
    cells: night.cells.map((c) => ({ ...c, values: pick.map((i) => c.values[i] as number), canary: c.canary ? pick.map((i) => c.canary?.[i] ?? null) : null })),
  };
}

/** The series gate's verdicts of tonight after the nights before it (with the marks made so far). */
function judgeNight(before: readonly NightRecord[], tonight: NightRecord, marks: readonly MarkRecord[], settings: NightsSettings) {
  const context = { source: 'replay', nights: before, marks };
  const references = planReferences(context, tonight, suiteOf(tonight), CANARY_PATH, undefined, settings);
  return judgeAcrossNights(context, tonight, references, CANARY_PATH, undefined, settings);
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Analyses a recorded sweep with every method. */
export function analyseSweep(
  sweep: Sweep,
  options: { prefix: number; replays: number; replayNights: number; seed: number; methods?: Method[] },
): SweepAnalysis {
  const nights = loadNights(sweep);
  const record = (c: CollectedNight) => {
    const n = nights.get(c.night);
    if (!n) throw new Error(`night ${c.night} of ${c.history} is missing from ${join(c.history, 'nights')}`);
    return n;
  };
  const cells: CellPower[] = [];
  for (const injection of sweep.injections) {
    const cell = `${injection.path}/${injection.metric}`;
    const mine = sweep.nights.filter((n) => n.cell === cell);
    const sequences = [...new Set(mine.map((n) => n.sequence))].sort((a, b) => a - b);
    const aaNights = mine.filter((n) => !n.injected);
    const injectedNights = mine.filter((n) => n.injected);
    const verified = injectedNights.map((n) => n.verifiedPct).filter((v): v is number => v !== null);
    for (const method of options.methods ?? METHODS) {
      const random = mulberry32(options.seed);
      const seriesFound: (number | null)[] = [];
      const anyFound: (number | null)[] = [];
      for (const s of sequences) {
        const own = mine.filter((n) => n.sequence === s).sort((a, b) => a.index - b.index);
        const first = record(own[0] as CollectedNight);
        const pool = shuffled(
          aaNights.filter((n) => n.sequence !== s),
          random,
        ).slice(0, options.prefix);
        const t0 = Date.parse(first.startedAt);
        const prefix = pool.map((n, k) => restamp(record(n), `prefix-${k}-${n.night}`, t0 - (pool.length - k) * 86_400_000));
        const series = [...prefix, ...own.map(record)];
        let bySeries: number | null = null;
        let byAny: number | null = null;
        own.forEach((n, i) => {
          if (!n.injected) return;
          const t = prefix.length + i;
          const outcome = judgeNight(series.slice(0, t), series[t] as NightRecord, [], method.settings);
          const failed = outcome.cells.find((c) => c.key === cell)?.verdict === 'FAIL';
          const nightNumber = n.index - sweep.settings.aa + 1;
          if (failed && bySeries === null) bySeries = nightNumber;
          if ((failed || n.verdict === 'FAIL') && byAny === null) byAny = nightNumber;
        });
        seriesFound.push(bySeries);
        anyFound.push(byAny);
      }
      // A/A: long replays of resampled recorded A/A nights, judged night by night.
      let judged = 0;
      let alarms = 0;
      let alarmsAnyCell = 0;
      for (let r = 0; r < options.replays && aaNights.length > 0; r++) {
        const replay: NightRecord[] = [];
        const marks: MarkRecord[] = [];
        const base = Date.parse('2026-01-01T00:00:00Z');
        for (let t = 0; t < options.replayNights; t++) {
          const source = record(aaNights[Math.floor(random() * aaNights.length)] as CollectedNight);
          const tonight = bootstrap(source, random, `replay-${r}-${t}`, base + t * 86_400_000);
          if (t > 0) {
            const outcome = judgeNight(replay, tonight, marks, method.settings);
            judged++;
            const failing = outcome.cells.filter((c) => c.verdict === 'FAIL');
            if (failing.some((c) => c.key === cell)) alarms++;
            if (failing.length > 0) {
              alarmsAnyCell++;
              // The operator looks, finds nothing changed, and accepts the night.
              marks.push({
                kind: 'labbench.bench.mark',
                schemaVersion: 1,
                mark: 'accept',
                night: tonight.id,
                testbed: tonight.testbed,
                at: tonight.startedAt,
                note: 'replay',
              });
            }
          }
          replay.push(tonight);
        }
      }
      cells.push({
        cell,
        injection: injectionLabel(injection),
        method: method.label,
        sequences: sequences.length,
        verifiedPct: verified.length > 0 ? median(verified) : null,
        seriesFound,
        anyFound,
        singleNightFails: { fails: injectedNights.filter((n) => n.verdict === 'FAIL').length, nights: injectedNights.length },
        aa: { nights: judged, alarms, alarmsAnyCell, realNights: aaNights.length, realFails: aaNights.filter((n) => n.verdict === 'FAIL').length },
      });
    }
  }
  return { prefix: options.prefix, replays: options.replays, replayNights: options.replayNights, seed: options.seed, cells };
}

const within = (found: readonly (number | null)[], nights: number) => found.filter((k) => k !== null && k <= nights).length;

/** The tables: detection within 1, 2, 3 injected nights, and false alarms per 100 A/A nights, per method. */
export function renderSweep(sweep: Sweep, analysis: SweepAnalysis): string {
  const lines: string[] = [];
  lines.push(
    `power over nights (${sweep.machine}); ${sweep.settings.rounds} rounds a night; each sequence after ${analysis.prefix} A/A nights drawn from the other sequences;`,
  );
  lines.push(`A/A: ${analysis.replays} replays of ${analysis.replayNights} nights, each a recorded A/A night with its rounds resampled; seed ${analysis.seed}`);
  lines.push('');
  lines.push(
    '| injected | method | verified (median) | found by the series gate within 1 / 2 / 3 nights | found by either gate within 1 / 2 / 3 nights | single-night FAIL (real) | A/A alarms of the cell | per 100 A/A nights | any gated cell |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const c of analysis.cells) {
    const n = c.sequences;
    const per100 = c.aa.nights > 0 ? ((c.aa.alarms / c.aa.nights) * 100).toFixed(2) : '–';
    lines.push(
      `| ${c.injection} | ${c.method} | ${c.verifiedPct === null ? '–' : `${c.verifiedPct >= 0 ? '+' : ''}${c.verifiedPct.toFixed(1)} %`} | ${within(c.seriesFound, 1)} / ${within(c.seriesFound, 2)} / ${within(c.seriesFound, 3)} of ${n} | ${within(c.anyFound, 1)} / ${within(c.anyFound, 2)} / ${within(c.anyFound, 3)} of ${n} | ${c.singleNightFails.fails}/${c.singleNightFails.nights} | ${c.aa.alarms} in ${c.aa.nights} | ${per100} | ${c.aa.alarmsAnyCell} |`,
    );
  }
  return lines.join('\n');
}
