/**
 * Run order when some runs need a testbed configuration that cannot coexist with another: two
 * flannel backends on one lab (several `--backend`s, or an A/B run over backends). Switching
 * backend reconfigures flannel and restarts Docker on both hosts, so it cannot happen before
 * every run. Each round of the randomised schedule is split into one block per configuration;
 * the blocks of a round are visited in alternating (boustrophedon) order, A…B | B…A | A…B,
 * so a round boundary never switches and both configurations see early and late slots of the
 * night equally (the ABBA design cancels linear drift). Runs that need no particular
 * configuration keep their randomised order and are spread evenly over the round's blocks.
 * With one configuration or none the schedule is returned unchanged. Pure.
 */
import type { ScheduledRun } from './schedule.ts';

/** What a run needs configured; null: anything. */
export type Requirement = string | null;

/** The schedule in execution order, `order` renumbered to the execution position. */
export function blockOrder(schedule: readonly ScheduledRun[], requirementOf: (run: ScheduledRun) => Requirement, initial: Requirement = null): ScheduledRun[] {
  const distinct = [...new Set(schedule.map(requirementOf).filter((r): r is string => r !== null))];
  if (distinct.length <= 1) return schedule.map((r) => ({ ...r }));
  const rounds = new Map<number, ScheduledRun[]>();
  for (const run of schedule) rounds.set(run.round, [...(rounds.get(run.round) ?? []), run]);

  const out: ScheduledRun[] = [];
  let current = initial !== null && distinct.includes(initial) ? initial : (distinct[0] as string);
  for (const round of [...rounds.keys()].sort((a, b) => a - b)) {
    const runs = rounds.get(round) as ScheduledRun[];
    const present = distinct.filter((r) => runs.some((run) => requirementOf(run) === r));
    const sequence = visitOrder(present, current);
    const free = runs.filter((run) => requirementOf(run) === null);
    sequence.forEach((requirement, block) => {
      const from = Math.floor((block * free.length) / sequence.length);
      const to = Math.floor(((block + 1) * free.length) / sequence.length);
      const share = new Set(free.slice(from, to));
      // Keep the round's randomised order inside the block.
      out.push(...runs.filter((run) => requirementOf(run) === requirement || share.has(run)));
    });
    if (sequence.length === 0) out.push(...free);
    current = sequence.at(-1) ?? current;
  }
  return out.map((run, order) => ({ ...run, order }));
}

/**
 * The round's blocks: start with the configuration in place, then the others in their fixed
 * order, forwards when the current one is not the last, else backwards.
 */
function visitOrder(present: readonly string[], current: string): string[] {
  if (present.length === 0) return [];
  const start = present.includes(current) ? current : (present[0] as string);
  const at = present.indexOf(start);
  const forwards = [...present.slice(at), ...present.slice(0, at)];
  const backwards = [start, ...present.filter((r) => r !== start).reverse()];
  return at === present.length - 1 && present.length > 1 ? backwards : forwards;
}

/** How many times the order switches configuration (the cost of the blocks). */
export function countSwitches(runs: readonly ScheduledRun[], requirementOf: (run: ScheduledRun) => Requirement, initial: Requirement = null): number {
  let current = initial;
  let switches = 0;
  for (const run of runs) {
    const r = requirementOf(run);
    if (r === null || r === current) continue;
    if (current !== null) switches++;
    current = r;
  }
  return switches;
}
