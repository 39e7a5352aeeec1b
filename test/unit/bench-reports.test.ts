import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { renderConsole } from '../../src/bench/report/console.ts';
import { renderHtml } from '../../src/bench/report/html.ts';
import { renderJson } from '../../src/bench/report/json.ts';
import { renderMarkdown } from '../../src/bench/report/markdown.ts';
import { stripPlot } from '../../src/bench/report/svg.ts';
import { writeReports } from '../../src/bench/report/write.ts';
import { syntheticResults } from './bench-fixtures.ts';

const doc = syntheticResults();

test('console: fixed-width table with verdicts, medians, change, p, fractions; findings; outcome', (t) => {
  const text = renderConsole(doc);
  const lines = text.split('\n');
  const header = lines.find((l) => l.startsWith('PATH'));
  t.truthy(header);
  t.regex(header ?? '', /^PATH\s+METRIC\s+VERDICT\s+BASELINE\s+CURRENT\s+UNIT\s+CHANGE\s+INTERVAL\s+JUDGED ON\s+P\s+OF LOOPBACK\s+× HOST$/);
  const rows = lines.filter((l) => /^(loopback|host|bridge|overlay) /.test(l));
  t.is(rows.length, 40);
  // Fixed width: every row's verdict column starts where the header's does, right-aligned columns end together.
  const verdictAt = (header ?? '').indexOf('VERDICT');
  t.true(rows.every((r) => /^[A-Z]/.test(r.slice(verdictAt)) && r[verdictAt - 1] === ' '));
  const changeEnd = (header ?? '').indexOf('CHANGE') + 'CHANGE'.length;
  t.true(
    rows.every(
      (r) =>
        r[changeEnd - 1] === '%' ||
        r[changeEnd - 1] === 'p' ||
        r
          .slice(changeEnd - 8, changeEnd)
          .trim()
          .endsWith('segments'),
    ),
  );
  const overlay = rows.find((r) => r.startsWith('overlay') && r.includes('TCP throughput'));
  t.regex(overlay ?? '', /FAIL\s+8\.91\s+6\.98\s+Gbit\/s\s+-23\.9%\s+-26\.8% … -21\.1%\s+÷ canary\s+5\.4e-6\s+18%\s+0\.55×$/);
  t.regex(text, /^FAIL {9}overlay\/tcp\.throughput: median 8\.91 → 6\.98 Gbit\/s, ÷canary 0\.235 → 0\.181 .*confirmed by re-run/m);
  t.regex(text, /^IMPROVED {5}bridge\/ping\.rtt: /m);
  t.regex(text, /overall: FAIL \(40 of 40 cells judged: 1 FAIL, 1 IMPROVED, 38 PASS\) · exit 1\n$/);
  t.regex(lines[1] ?? '', /^environment matches the baseline$/);
  t.regex(lines[2] ?? '', /^note: paths judged by their per-round ratio to the loopback canary measured beside them/);
});

test('console names a fingerprint difference', (t) => {
  const changed = syntheticResults({ fingerprint: { ...doc.fingerprint, kernel: '6.19.0' } });
  t.regex(renderConsole(changed), /environment differs from the baseline: kernel 6\.18\.0-labbench → 6\.19\.0/);
});

test('markdown: heading with outcome, one table row per cell, findings, fingerprint details', (t) => {
  const md = renderMarkdown(doc);
  t.true(md.startsWith('## labbench bench: ❌ FAIL — 40 of 40 cells judged · exit 1\n'));
  const tableRows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| field') && !l.startsWith('| path'));
  t.is(tableRows.filter((l) => /^\| (loopback|host|bridge|overlay) \|/.test(l)).length, 40);
  t.regex(
    md,
    /\| overlay \| TCP throughput \| ❌ FAIL \| 8\.91 \| 6\.98 \| Gbit\/s \| -23\.9% \| -26\.8% … -21\.1% \| ÷ canary \| 5\.4e-6 \| 18% \| 0\.55× \|/,
  );
  t.regex(md, /^- ❌ \*\*FAIL\*\* `overlay\/tcp\.throughput`: median/m);
  t.regex(md, /\| kernel \| 6\.18\.0-labbench \|/);
  t.regex(md, /\|:---\|:---\|:---\|---:\|---:\|:---\|---:\|---:\|:---\|---:\|---:\|---:\|/);
});

test('markdown escapes pipes in free text', (t) => {
  const md = renderMarkdown(syntheticResults({ testbed: 'a|b' }));
  t.regex(md, /testbed a\\\|b/);
});

test('JSON report is the validated document', (t) => {
  t.deepEqual(JSON.parse(renderJson(doc)), JSON.parse(JSON.stringify(doc)));
  const broken = { ...doc, mode: 'nightly' } as unknown as typeof doc;
  t.throws(() => renderJson(broken), { message: /\/mode: must be equal to one of the allowed values/ });
});

test('HTML: self-contained (no scripts, links, external URLs), one chart per cell, one dot per run, escaped text', (t) => {
  const html = renderHtml(syntheticResults({ testbed: '<lab & "x">' }));
  t.false(/<script|<link|@import|url\(|src=|href=/i.test(html));
  t.deepEqual([...new Set(html.match(/https?:\/\/[^"' )]+/g) ?? [])], ['http://www.w3.org/2000/svg'], 'only the SVG namespace, which is never fetched');
  t.is((html.match(/<svg /g) ?? []).length, 40);
  const expectedDots = doc.cells.reduce((n, c) => n + c.baseline.samples.length + c.current.samples.length + (c.confirmation?.current.samples.length ?? 0), 0);
  t.is((html.match(/<circle class="run"/g) ?? []).length, expectedDots);
  t.true(html.includes('&lt;lab &amp; &quot;x&quot;&gt;'));
  t.false(html.includes('<lab &'));
  t.regex(html, /data-cell="overlay\/tcp\.throughput" data-verdict="FAIL"/);
  t.regex(html, /<text class="label"[^>]*>re-run \(10\)<\/text>/);
});

test('strip plot: dots at the right heights and a median tick per set', (t) => {
  const svg = stripPlot(
    [
      { label: 'baseline', className: 'set-baseline', values: [10, 20] },
      { label: 'current', className: 'set-current', values: [30] },
    ],
    { unit: 'µs', title: 't', width: 200, height: 140 },
  );
  // Range 10..30 padded by 8 % → 8.4..31.6 over the 94 px plot (140 − 20 − 26): y(10) = 20 + 94·(1 − 1.6/23.2).
  const cy = [...svg.matchAll(/<circle class="run" cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
  t.deepEqual(cy, [
    Number((20 + 94 * (1 - 1.6 / 23.2)).toFixed(1)),
    Number((20 + 94 * (1 - 11.6 / 23.2)).toFixed(1)),
    Number((20 + 94 * (1 - 21.6 / 23.2)).toFixed(1)),
  ]);
  t.is((svg.match(/<line class="median"/g) ?? []).length, 2);
  t.regex(svg, /<title>baseline run 2: 20 µs<\/title>/);
});

test('writeReports writes report.json, report.md and report.html', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'labbench-reports-'));
  try {
    const written = await writeReports(join(dir, 'nested'), doc);
    t.deepEqual(written, { json: join(dir, 'nested', 'report.json'), markdown: join(dir, 'nested', 'report.md'), html: join(dir, 'nested', 'report.html') });
    t.is(await readFile(written.json, 'utf8'), renderJson(doc));
    t.is(await readFile(written.markdown, 'utf8'), renderMarkdown(doc));
    t.is(await readFile(written.html, 'utf8'), renderHtml(doc));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
