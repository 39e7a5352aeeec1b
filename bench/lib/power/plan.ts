/**
 * What a detection-power sweep injects and in which order (pure). An injection is a slowdown of
 * a known size on one path, aimed at one gate metric, made by a per-packet cost on host A's
 * forwarded traffic of that path (mechanism.ts) and sized for the metric:
 *
 *   rr.p50          +size % of the path's request-response p50 (added µs per round trip)
 *   tcp.throughput  −size % of the path's TCP throughput
 *
 * Injections on the same probe share one gate suite (loopback canary + their paths × that
 * probe), one fresh baseline and one set of A/A trials.
 */
import { mulberry32 } from '../../../src/bench/plan/schedule.ts';

export type PowerPath = 'bridge' | 'overlay';
export type PowerMetric = 'rr.p50' | 'tcp.throughput';
export type PowerProbe = 'rr' | 'tcp';

/** One slowdown of a known size on one path. */
export interface Injection {
  path: PowerPath;
  metric: PowerMetric;
  /** Size of the slowdown in percent of the metric (rr.p50: +size %; tcp.throughput: −size %). */
  sizePct: number;
}

/** Injections that share one gate suite (same probe): one baseline, one set of A/A trials. */
export interface TrialGroup {
  probe: PowerProbe;
  /** The gate's --paths: the loopback canary first, then the injected paths. */
  paths: string[];
  injections: Injection[];
}

/** One gate run of the sweep: nothing injected (A/A) or one injection. */
export interface Trial {
  round: number;
  group: PowerProbe;
  injection: Injection | null;
}

export const PROBE_OF: Record<PowerMetric, PowerProbe> = { 'rr.p50': 'rr', 'tcp.throughput': 'tcp' };

/** "overlay/rr.p50 +15 %" — how an injection is named in every line the sweep prints. */
export function injectionLabel(i: Injection): string {
  return `${i.path}/${i.metric} ${i.metric === 'tcp.throughput' ? '−' : '+'}${formatPct(i.sizePct)} %`;
}

export function formatPct(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/**
 * Parses `--inject` entries "path/metric:size[,size…]" (e.g. "bridge/rr.p50:15",
 * "overlay/tcp.throughput:5,10,20"). Returns the injections or the list of what is wrong.
 */
export function parseInjections(entries: readonly string[]): { injections: Injection[]; problems: string[] } {
  const injections: Injection[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const m = /^(\w+)\/([\w.]+):([\d.,]+)$/.exec(entry.trim());
    if (!m) {
      problems.push(`--inject "${entry}" must look like path/metric:size[,size…], e.g. overlay/rr.p50:15`);
      continue;
    }
    const [, path, metric, sizes] = m as unknown as [string, string, string, string];
    if (path !== 'bridge' && path !== 'overlay')
      problems.push(`--inject "${entry}": path must be bridge or overlay (the loopback canary and the host path are never injected)`);
    if (metric !== 'rr.p50' && metric !== 'tcp.throughput') problems.push(`--inject "${entry}": metric must be rr.p50 or tcp.throughput`);
    for (const text of sizes.split(',')) {
      const size = Number(text);
      const max = metric === 'tcp.throughput' ? 90 : 500;
      if (!(size > 0 && size <= max)) problems.push(`--inject "${entry}": size "${text}" must be a percentage above 0 and at most ${max}`);
      else if (problems.length === 0) injections.push({ path: path as PowerPath, metric: metric as PowerMetric, sizePct: size });
    }
  }
  return { injections: problems.length > 0 ? [] : injections, problems };
}

/** Groups injections by probe, in a stable order (rr before tcp). */
export function trialGroups(injections: readonly Injection[]): TrialGroup[] {
  const groups: TrialGroup[] = [];
  for (const probe of ['rr', 'tcp'] as const) {
    const own = injections.filter((i) => PROBE_OF[i.metric] === probe);
    if (own.length === 0) continue;
    const paths = ['loopback', ...(['bridge', 'overlay'] as const).filter((p) => own.some((i) => i.path === p))];
    groups.push({ probe, paths, injections: own });
  }
  return groups;
}

/**
 * K rounds; each round runs every group's A/A trial and every injection once, in an order
 * shuffled per round with a seeded generator (slow spells of the machine then fall on all
 * kinds of trial alike instead of on one).
 */
export function trialSchedule(groups: readonly TrialGroup[], rounds: number, seed: number): Trial[] {
  const random = mulberry32(seed);
  const trials: Trial[] = [];
  for (let round = 1; round <= rounds; round++) {
    const own: Trial[] = groups.flatMap((g) => [
      { round, group: g.probe, injection: null },
      ...g.injections.map((injection) => ({ round, group: g.probe, injection })),
    ]);
    for (let i = own.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [own[i], own[j]] = [own[j] as Trial, own[i] as Trial];
    }
    trials.push(...own);
  }
  return trials;
}
