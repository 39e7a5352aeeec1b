/**
 * `pnpm bench` on a real lab: two system-container hosts, flannel (vxlan) configured by the
 * document's scenario, the four paths measured with every probe; the reports written and
 * validated; then an injected slowdown of the overlay caught with exit 1 while the host path
 * stays PASS; and exit 2 with the reason when the bench cannot run. Runs are few to keep CI
 * short (a short suite, then 8 rounds: the fewest a FAIL accepts), each path run beside its
 * loopback canary run.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parseBaseline } from '../../src/bench/judge/baseline.ts';
import type { ResultsDocument } from '../../src/bench/report/results.ts';
import { benchHosts } from '../../src/bench/session.ts';
import { schemaErrors } from '../../src/bench/shared/schema.ts';
import { openLab } from '../../src/lab.ts';
import { LocalProvider } from '../../src/providers/local/provider.ts';
import { cli, rootSkipReason } from '../support/cli.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const LAB = 'benchit';
const SUBNET = '10.213.75.0/24';
const lab = ['--name', LAB, '--subnet', SUBNET, '--keep'];
const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-it-'));

test.after.always(async () => {
  if (!skip) await cli(['lab', 'down', '--name', LAB]);
  rmSync(dir, { recursive: true, force: true });
});

run(title('a short suite measures loopback, host, bridge and overlay with every probe; --json and --report write valid JSON, Markdown and HTML'), async (t) => {
  const baseline = join(dir, 'short.json');
  const reports = join(dir, 'reports');
  const r = await cli([
    'bench',
    '--runs',
    '2',
    '--update-baseline',
    '--baseline',
    baseline,
    '--history',
    join(dir, 'short-history'),
    '--report',
    reports,
    '--json',
    ...lab,
  ]);
  t.is(r.code, 0, r.stderr.slice(-3000));
  const doc = JSON.parse(r.stdout) as ResultsDocument;
  t.deepEqual(schemaErrors('results', doc), []);
  t.deepEqual(doc.suite.paths, ['loopback', 'host', 'bridge', 'overlay']);
  for (const path of doc.suite.paths) {
    for (const probe of ['tcp', 'udp', 'ping', 'rr'] as const) {
      // loopback is the canary, measured beside each of the three other paths' runs.
      const runs = doc.runs.filter((x) => x.path === path && x.probe === probe);
      const expected = path === 'loopback' ? 9 : 3;
      t.is(runs.length, expected, `${path} ${probe}: (1 warm-up + 2 rounds)${path === 'loopback' ? ' × 3 paths' : ''}`);
      t.true(
        runs.every((x) => x.error === null),
        `${path} ${probe} ran`,
      );
      if (path !== 'loopback') t.is(doc.runs.filter((x) => x.canaryOf === path && x.probe === probe).length, 3, `${path} ${probe}: a canary run beside each`);
    }
    const tcp = doc.cells.find((c) => c.key === `${path}/tcp.throughput`);
    t.true((tcp?.current.summary?.median ?? 0) > 0.1, `${path}: some Gbit/s`);
    t.true((doc.cells.find((c) => c.key === `${path}/rr.p50`)?.current.summary?.median ?? 0) > 1, `${path}: a round trip in µs`);
  }
  t.truthy(doc.derived.find((d) => d.path === 'overlay' && d.metric === 'tcp.throughput')?.ratioToHost);
  t.is(doc.fingerprint.backend, 'vxlan');
  t.is(doc.fingerprint['mtu.overlay'], 1450);
  t.regex(r.stderr, /suite wall time: [\d.]+ s/);
  t.regex(r.stderr, /PATH +METRIC +VERDICT/);

  const json = JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8')) as unknown;
  t.deepEqual(schemaErrors('results', json), []);
  const md = readFileSync(join(reports, 'report.md'), 'utf8');
  t.regex(md, /^## labbench bench: /);
  t.regex(md, /\| overlay \| TCP throughput \|/);
  const html = readFileSync(join(reports, 'report.html'), 'utf8');
  t.regex(html, /<section class="path" data-path="overlay">/);
  t.regex(html, /<svg /);
  t.notRegex(html, /(src|href)="https?:/, 'self-contained');
  t.notThrows(() => parseBaseline(readFileSync(baseline, 'utf8'), baseline));
});

run(
  title('an injected slowdown of the overlay (GSO off on flannel.1) is caught: exit 1 naming overlay TCP throughput; the host path does not FAIL'),
  async (t) => {
    const baseline = join(dir, 'gate.json');
    const suite = ['--paths', 'host,overlay', '--probes', 'tcp', '--runs', '8', '--history', join(dir, 'gate-history')];
    const first = await cli(['bench', ...suite, '--update-baseline', '--baseline', baseline, ...lab]);
    t.is(first.code, 0, first.stderr.slice(-3000));

    const open = await openLab((await new LocalProvider().inventory(LAB))!);
    try {
      const { a, b } = benchHosts(open);
      for (const h of [a, b]) await h.$`ip link set dev flannel.1 gso_max_segs 1`;
      const r = await cli(['bench', ...suite, '--baseline', baseline, '--json', ...lab]);
      t.is(r.code, 1, r.stderr.slice(-3000));
      const doc = JSON.parse(r.stdout) as ResultsDocument;
      const overlay = doc.cells.find((c) => c.key === 'overlay/tcp.throughput');
      t.is(overlay?.verdict, 'FAIL');
      t.regex(overlay?.reason ?? '', /confirmed by re-run/);
      t.true(doc.runs.some((x) => x.confirmation && x.path === 'overlay'));
      // The untouched path never FAILs. On a busy machine its ratio to the canary may move either way
      // (a night measured IMPROVED +23.7 %, p 0.002) or be too noisy to judge, which must say so.
      const host = doc.cells.find((c) => c.key === 'host/tcp.throughput');
      t.true(
        host?.verdict === 'PASS' ||
          host?.verdict === 'IMPROVED' ||
          (host?.verdict === 'INCONCLUSIVE' && /too noisy|not clearly beyond the noise/.test(host.reason)),
        `host: ${host?.verdict} ${host?.reason}`,
      );
      t.is(overlay?.stats?.basis, 'canary-ratio');
      t.regex(r.stderr, /^FAIL +overlay\/tcp\.throughput: /m);
      // Judged against the night that recorded the baseline (the history's only night, on this machine).
      t.deepEqual(doc.history?.references.find((x) => x.key === 'overlay/tcp.throughput')?.kind, 'series');
      t.regex(overlay?.reason ?? '', /what changed since \S+: nothing recorded changed/);
    } finally {
      const { a, b } = benchHosts(open);
      for (const h of [a, b]) await h.$({ nothrow: true })`ip link set dev flannel.1 gso_max_segs 65535`;
      await open.close();
    }
  },
);

run(
  title('three nights on one lab make a history whose page shows three nights per cell; a corrupt night stops the next run with one error naming it'),
  async (t) => {
    const history = join(dir, 'three-nights');
    const suite = ['--paths', 'overlay', '--probes', 'ping', '--runs', '6', '--history', history, '--no-baseline', ...lab];
    for (let night = 1; night <= 3; night++) {
      const r = await cli(['bench', ...suite]);
      t.is(r.code, 0, r.stderr.slice(-3000));
      t.regex(r.stdout, new RegExp(`history ${history} \\(${night} nights with tonight`));
    }
    t.is(readdirSync(join(history, 'nights')).length, 3);
    const out = join(dir, 'history-page');
    const page = await cli(['bench-history', '--history', history, '--no-baseline', '--out', out]);
    t.is(page.code, 0, page.stderr);
    const html = readFileSync(join(out, 'history.html'), 'utf8');
    for (const cell of ['overlay/ping.rtt', 'loopback/ping.rtt']) t.regex(html, new RegExp(`data-cell="${cell.replace('.', '\\.')}" data-nights="3"`), cell);
    t.regex(html, /<svg /);
    t.notRegex(html, /<script|(src|href)="https?:/, 'self-contained, no scripts');
    const analysis = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { nights: unknown[]; cells: { key: string; points: unknown[] }[] };
    t.is(analysis.nights.length, 3);
    t.is(analysis.cells.find((c) => c.key === 'overlay/ping.rtt')?.points.length, 3);

    const corrupt = join(history, 'nights', readdirSync(join(history, 'nights'))[1] as string);
    writeFileSync(corrupt, '{"kind": "labbench.bench.night", "schema');
    const broken = await cli(['bench', ...suite]);
    t.is(broken.code, 2);
    t.regex(broken.stderr, new RegExp(`bench history entry ${corrupt.replaceAll('.', '\\.')} is not valid JSON`));
    t.is(readdirSync(join(history, 'nights')).length, 3, 'nothing appended, nothing lost');
  },
);

test('a bench that cannot run exits 2 and says why: bad flags, no baseline', async (t) => {
  const flags = await cli(['bench', '--runs', '0', '--paths', 'wan']);
  t.is(flags.code, 2);
  t.regex(
    flags.stderr,
    /error: the bench could not run\ncaused by: bad bench options:\n {2}- --runs must be an integer from 1 to 1000, got "0"\n {2}- unknown path "wan"/,
  );
  const missing = await cli(['bench', '--baseline', join(dir, 'absent.json'), '--name', 'benchnone']);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /caused by: no baseline at .*absent\.json\n {2}hint: record one with `pnpm bench --update-baseline`/);
});
