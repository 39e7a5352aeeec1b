/**
 * The layering of labbench's code, read from the tree: every relative import of src/, scenarios/,
 * bench/ and infra/ (type-only and dynamic ones included, found by TypeScript's own import
 * scanner, so strings and comments never count), checked against the layers table of
 * docs/architecture.md. The checks are pure functions over a graph, so they run on a synthetic
 * one as well.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The folders whose code is layered. */
export const ROOTS = ['src', 'scenarios', 'bench', 'infra'] as const;

/** One layer: its name and the folders (ending in "/") and files it holds. */
export interface Layer {
  name: string;
  paths: string[];
}

/** file → the files it imports; both repository-relative. */
export type ImportGraph = Map<string, string[]>;

const BEGIN = '<!-- layers:begin -->';
const END = '<!-- layers:end -->';

/**
 * The layers table of docs/architecture.md, top to bottom: the rows between the layers:begin and
 * layers:end markers, `| name | what it holds | paths |`, the paths in backquotes.
 */
export function parseLayers(markdown: string): Layer[] {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`no ${BEGIN} … ${END} table`);
  const rows = markdown
    .slice(start + BEGIN.length, end)
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1);
  return rows.map((row) => {
    const cells = row.split('|').map((c) => c.trim());
    const name = (cells[1] ?? '').replace(/^\d+\.\s*/, '');
    const paths = [...(cells[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    return { name, paths };
  });
}

function sources(repo: string, dir: string): string[] {
  return readdirSync(join(repo, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(join(repo, path)).isDirectory() ? sources(repo, path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every TypeScript file under the roots and the files among them it imports. */
export function importGraph(repo: string): ImportGraph {
  const files = ROOTS.flatMap((root) => sources(repo, root));
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const imported = ts.preProcessFile(readFileSync(join(repo, file), 'utf8'), true, true).importedFiles;
    const targets = imported
      .filter((i) => i.fileName.startsWith('.'))
      .map((i) => relative(repo, resolve(repo, dirname(file), i.fileName)))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The table entry a file belongs to: the longest folder that contains it, or the file itself. */
export function entryOf(file: string, layers: readonly Layer[]): { entry: string; layer: number } | undefined {
  let best: { entry: string; layer: number } | undefined;
  layers.forEach((layer, index) => {
    for (const path of layer.paths) {
      const holds = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (holds && (!best || path.length > best.entry.length)) best = { entry: path, layer: index };
    }
  });
  return best;
}

/** The strongly connected parts of a graph with more than one member (its import circles), members sorted. */
export function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
    }
    if (low.get(node) === index.get(node)) {
      const part: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        part.push(member);
      } while (member !== node);
      if (part.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(part.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/**
 * What breaks the layering, one line each:
 * - `outside the layers: F` — a file no row of the table holds;
 * - `upward: F → G` — F imports G from a higher layer;
 * - `circle: F, G, …` — files that import each other, directly or around a loop;
 * - `folder circle: A, B, …` — the same between table entries (folders and files of the table);
 * - `split folder: E (layer) inside A (layer)` — a table entry placed in another layer than the folder it sits in.
 */
export function findings(graph: ImportGraph, layers: readonly Layer[]): string[] {
  const out: string[] = [];
  const entries = new Map<string, { entry: string; layer: number }>();
  for (const file of graph.keys()) {
    const e = entryOf(file, layers);
    if (e) entries.set(file, e);
    else out.push(`outside the layers: ${file}`);
  }
  const folders: ImportGraph = new Map();
  for (const [file, targets] of graph) {
    const from = entries.get(file);
    if (!from) continue;
    for (const target of targets) {
      const to = entries.get(target);
      if (!to) continue;
      if (to.layer < from.layer) out.push(`upward: ${file} → ${target}`);
      if (to.entry !== from.entry) folders.set(from.entry, [...new Set([...(folders.get(from.entry) ?? []), to.entry])]);
    }
  }
  for (const part of circles(graph)) out.push(`circle: ${part.join(', ')}`);
  for (const part of circles(folders)) out.push(`folder circle: ${part.join(', ')}`);
  layers.forEach((layer, index) => {
    for (const path of layer.paths) {
      const parent = entryOf(
        path.endsWith('/') ? path.slice(0, -1) : path,
        layers.map((l) => ({ ...l, paths: l.paths.filter((p) => p !== path) })),
      );
      if (parent && parent.layer !== index) out.push(`split folder: ${path} (${layer.name}) inside ${parent.entry} (${layers[parent.layer]?.name})`);
    }
  });
  return out.sort();
}
