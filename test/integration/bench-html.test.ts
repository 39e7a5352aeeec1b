/**
 * The HTML bench report rendered by a real browser (Debian's chromium, headless, no network):
 * every cell's strip plot is drawn, with one visible dot per run, and a screenshot is taken.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { chromium } from 'playwright-core';
import { renderHtml } from '../../src/bench/report/html.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { syntheticResults } from '../unit/bench-fixtures.ts';

interface ChartFacts {
  cell: string;
  width: number;
  height: number;
  dots: number;
  visibleDots: number;
  dotsInside: boolean;
  medians: number;
}

if (!existsSync(CHROMIUM)) {
  test.skip(`HTML report in headless Chromium: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`, () => {});
} else {
  test('HTML report renders every chart with one dot per run, offline, and screenshots', async (t) => {
    const doc = syntheticResults();
    const dir = await mkdtemp(join(tmpdir(), 'labbench-html-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const file = join(dir, 'report.html');
      await writeFile(file, renderHtml(doc));
      const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);

      const charts: ChartFacts[] = await page.$$eval('.card', (cards) =>
        cards.map((card) => {
          const svg = card.querySelector('svg.strip-plot') as SVGSVGElement;
          const box = svg.getBoundingClientRect();
          const dots = [...svg.querySelectorAll('circle.run')].map((c) => c.getBoundingClientRect());
          return {
            cell: card.getAttribute('data-cell') ?? '',
            width: box.width,
            height: box.height,
            dots: dots.length,
            visibleDots: dots.filter((d) => d.width > 0 && d.height > 0).length,
            dotsInside: dots.every((d) => d.left >= box.left - 0.5 && d.right <= box.right + 0.5 && d.top >= box.top - 0.5 && d.bottom <= box.bottom + 0.5),
            medians: svg.querySelectorAll('line.median').length,
          };
        }),
      );
      t.is(charts.length, doc.cells.length);
      for (const cell of doc.cells) {
        const chart = charts.find((c) => c.cell === cell.key);
        const expected = cell.baseline.samples.length + cell.current.samples.length + (cell.confirmation?.current.samples.length ?? 0);
        t.truthy(chart, cell.key);
        t.true((chart?.width ?? 0) > 100 && (chart?.height ?? 0) > 100, `${cell.key} chart has a size`);
        t.is(chart?.dots, expected, `${cell.key} dots`);
        t.is(chart?.visibleDots, expected, `${cell.key} dots are drawn`);
        t.true(chart?.dotsInside, `${cell.key} dots lie inside the chart`);
        t.is(chart?.medians, cell.confirmation ? 3 : 2, `${cell.key} median ticks`);
      }
      const failBadge = await page.$eval('.card[data-cell="overlay/tcp.throughput"] h3 .badge', (b) => ({
        text: b.textContent,
        color: getComputedStyle(b).backgroundColor,
      }));
      t.deepEqual(failBadge, { text: 'FAIL', color: 'rgb(207, 34, 46)' });

      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.true((await stat(shot)).size > 20_000, 'screenshot written');
      t.deepEqual(errors, []);
      t.deepEqual(
        requests.filter((u) => !u.startsWith('file:')),
        [],
        'the page loads nothing from the network',
      );
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
