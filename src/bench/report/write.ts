/** Writes a run's reports into a directory: report.json, report.md and report.html. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HistoryAnalysis } from '../judge/history-analysis.ts';
import { HISTORY_PAGE, renderHistoryPage } from './history-page.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import type { ResultsDocument } from './results.ts';

/** Paths of the written reports. */
export interface WrittenReports {
  json: string;
  markdown: string;
  html: string;
}

/** Renders every file report and writes them into `dir` (created when missing). */
export async function writeReports(dir: string, doc: ResultsDocument): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const written = { json: join(dir, 'report.json'), markdown: join(dir, 'report.md'), html: join(dir, 'report.html') };
  await Promise.all([writeFile(written.json, renderJson(doc)), writeFile(written.markdown, renderMarkdown(doc)), writeFile(written.html, renderHtml(doc))]);
  return written;
}

/** Writes the history page beside a run's reports (`history/history.html`, linked from report.html) and its JSON. */
export async function writeHistoryPage(dir: string, analysis: HistoryAnalysis): Promise<string> {
  const page = join(dir, HISTORY_PAGE);
  await mkdir(dirname(page), { recursive: true });
  await writeFile(page, renderHistoryPage(analysis, { latestReport: '../report.html' }));
  await writeFile(join(dirname(page), 'history.json'), `${JSON.stringify(analysis, null, 2)}\n`);
  return page;
}
