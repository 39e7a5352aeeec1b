/**
 * The whole tree keeps its layers: every relative import of src/, scenarios/, bench/ and infra/
 * (type-only ones included) points down the layers table of docs/architecture.md or stays in its
 * layer, and no files or folders import each other around a circle. What breaks that today is
 * listed in KNOWN by name, each with the issue that removes it; the list may only shrink (it is empty).
 * (src/bench's own pipeline order is test/unit/bench-layout.test.ts.)
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { REPO_ROOT } from '../../src/machine/labbench-cli.ts';
import { circles, entryOf, findings, type ImportGraph, importGraph, type Layer, parseLayers } from '../support/layering.ts';

const layers = parseLayers(readFileSync(`${REPO_ROOT}docs/architecture.md`, 'utf8'));
const graph = importGraph(REPO_ROOT);

/**
 * Known breaks of the layering, each with the issue that removes it: none. A break added to the
 * tree fails the test below; one listed here and then fixed makes its line stale, and the test
 * asks to drop it.
 */
const KNOWN: Record<string, string> = {};

test('the import graph covers the tree', (t) => {
  t.true(graph.size > 200, `${graph.size} files`);
  t.deepEqual(graph.get('src/host.ts')?.sort(), [
    'src/errors.ts',
    'src/inventory.ts',
    'src/os/releases.ts',
    'src/shell-quote.ts',
    'src/transports/transport.ts',
  ]);
  t.true(graph.get('infra/lab.ts')?.includes('infra/outputs.ts'), 'type-only imports count');
});

test('docs/architecture.md has the layers table, top to bottom, every path of it in the tree', (t) => {
  t.deepEqual(
    layers.map((l) => l.name),
    ['Entry points', 'Apps', 'Scenarios', 'Scenario engine', 'Providers', 'Pulumi program', 'Lab', 'Running commands', 'Model and libraries', 'Shared'],
  );
  const files = [...graph.keys()];
  // src/snapshot/ holds lab snapshots, merged from another branch; its row is ready for it.
  const missing = layers.flatMap((l) => l.paths).filter((p) => !files.some((f) => (p.endsWith('/') ? f.startsWith(p) : f === p)) && p !== 'src/snapshot/');
  t.deepEqual(missing, []);
});

test('every import points down the layers or stays in its layer, and nothing imports around a circle', (t) => {
  const found = findings(graph, layers);
  const unexpected = found.filter((f) => !(f in KNOWN));
  const stale = Object.keys(KNOWN).filter((k) => !found.includes(k));
  t.deepEqual(unexpected, [], 'new breaks of the layering: fix the import (see docs/architecture.md § Layers)');
  t.deepEqual(stale, [], 'fixed breaks: remove them from KNOWN');
});

test('the circle finder: a loop of three and a self-import, nothing else', (t) => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e']],
    ['f', ['a']],
  ]);
  t.deepEqual(circles(g), [['a', 'b', 'c'], ['e']]);
});

/** A tiny two-layer tree: app/ above lib/. */
const TINY: Layer[] = [
  { name: 'Top', paths: ['app/'] },
  { name: 'Bottom', paths: ['lib/', 'app/low.ts'] },
];

test('the checker on a tiny tree: downward imports pass; an upward one, a circle, a stray file and a split folder are named', (t) => {
  const clean: ImportGraph = new Map([
    ['app/main.ts', ['lib/a.ts', 'app/low.ts']],
    ['lib/a.ts', ['lib/b.ts']],
    ['lib/b.ts', []],
    ['app/low.ts', ['lib/b.ts']],
  ]);
  t.deepEqual(findings(clean, TINY), ['split folder: app/low.ts (Bottom) inside app/ (Top)']);
  t.deepEqual(entryOf('app/low.ts', TINY), { entry: 'app/low.ts', layer: 1 });

  const broken: ImportGraph = new Map([...clean, ['lib/b.ts', ['app/main.ts']], ['other/x.ts', []]]);
  t.deepEqual(findings(broken, TINY), [
    'circle: app/low.ts, app/main.ts, lib/a.ts, lib/b.ts',
    'folder circle: app/, app/low.ts, lib/',
    'outside the layers: other/x.ts',
    'split folder: app/low.ts (Bottom) inside app/ (Top)',
    'upward: lib/b.ts → app/main.ts',
  ]);
});

test('one more import in the real tree (a test-only edge) that closes a circle fails the check', (t) => {
  const withEdge: ImportGraph = new Map(graph);
  // As if src/errors.ts imported src/lab.ts, which imports src/errors.ts.
  withEdge.set('src/errors.ts', [...(graph.get('src/errors.ts') ?? []), 'src/lab.ts']);
  const added = findings(withEdge, layers).filter((f) => !(f in KNOWN));
  t.true(added.includes('upward: src/errors.ts → src/lab.ts'), added.join('\n'));
  t.true(
    added.some((f) => f.startsWith('circle: ') && f.includes('src/errors.ts') && f.includes('src/lab.ts')),
    added.join('\n'),
  );
});
