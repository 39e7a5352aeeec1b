import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

/**
 * src/bench is a pipeline: plan → measure → judge → report, with `shared` below all of them and
 * the orchestration (runner, session) on top. `history` (the nights kept on disk) sits between
 * measure and judge: judge reads nights, report and the session write them. Every relative import of src/bench is read here
 * (type-only imports included), so a circle or a stage reaching back upstream fails this test.
 */
const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/bench');

/**
 * The statistics primitives (median, quantiles, Hodges–Lehmann …) live with the rest of the
 * statistics in judge/, and import nothing; measure/ takes a run's median of ping replies with them.
 */
const SHARED_LEAVES = ['judge/stats.ts'];

/** Which folder a stage may import from (itself included). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: ['shared'],
  plan: ['shared', 'plan'],
  measure: ['shared', 'plan', 'measure'],
  history: ['shared', 'plan', 'measure', 'history'],
  judge: ['shared', 'plan', 'measure', 'history', 'judge'],
  report: ['shared', 'plan', 'measure', 'history', 'judge', 'report'],
  '.': ['shared', 'plan', 'measure', 'history', 'judge', 'report', '.'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** file → the src/bench files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(BENCH)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)]
      .map((m) => resolve(dirname(file), m[1] as string))
      .filter((target) => target.startsWith(`${BENCH}/`));
    graph.set(file, targets);
  }
  return graph;
}

/** The stage folder of a file: its first folder under src/bench, or "." at the top. */
function stage(file: string): string {
  const parts = relative(BENCH, file).split('/');
  return parts.length === 1 ? '.' : (parts[0] as string);
}

/** Every import cycle, each as the list of files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

test('src/bench has no import cycle', (t) => {
  const graph = importGraph();
  t.true(graph.size > 30, 'the walk found the bench sources');
  const found = cycles(graph).map((c) => c.map((f) => relative(BENCH, f)).join(' → '));
  t.deepEqual(found, []);
});

test('each stage of src/bench imports only from itself and the stages before it', (t) => {
  const graph = importGraph();
  const folders = new Set([...graph.keys()].map(stage));
  t.deepEqual([...folders].sort(), Object.keys(MAY_IMPORT).sort(), 'src/bench holds exactly the pipeline folders');
  const wrong = [...graph].flatMap(([file, targets]) =>
    targets
      .filter((target) => !SHARED_LEAVES.includes(relative(BENCH, target)))
      .filter((target) => !(MAY_IMPORT[stage(file)] ?? []).includes(stage(target)))
      .map((target) => `${relative(BENCH, file)} → ${relative(BENCH, target)}`),
  );
  t.deepEqual(wrong, []);
});

test('the statistics primitives stay a leaf', (t) => {
  const graph = importGraph();
  for (const leaf of SHARED_LEAVES) t.deepEqual(graph.get(join(BENCH, leaf)), [], leaf);
});

test('the cycle finder finds a cycle', (t) => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  t.deepEqual(cycles(graph), [['a', 'b', 'c', 'a']]);
});
