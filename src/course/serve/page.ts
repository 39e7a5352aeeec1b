/**
 * The course page: one HTML document carrying its whole client (xterm.js and the page script,
 * bundled by esbuild at start) and styles, so it works with no network. `renderPage` is pure.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { DashboardBoot, PageBoot } from './server.ts';

export interface ClientAssets {
  script: string;
  css: string;
}

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const cssOf = (specifier: string) => readFile(createRequire(import.meta.url).resolve(specifier), 'utf8');

export async function buildClient(): Promise<ClientAssets> {
  const [script, xtermCss] = await Promise.all([bundle('./client/main.ts'), cssOf('@xterm/xterm/css/xterm.css')]);
  return { script, css: `${xtermCss}\n${PAGE_CSS}` };
}

/** The teacher's dashboard: its script with xterm.js (read-only terminals) and asciinema-player (recordings). */
export async function buildDashboard(): Promise<ClientAssets> {
  const [script, xtermCss, playerCss] = await Promise.all([
    bundle('./client/dashboard.ts'),
    cssOf('@xterm/xterm/css/xterm.css'),
    cssOf('asciinema-player/dist/bundle/asciinema-player.css'),
  ]);
  return { script, css: `${xtermCss}\n${playerCss}\n${DASHBOARD_CSS}` };
}

/** Text a <script> element can hold without ending early. */
const scriptSafe = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

/** The Content-Security-Policy of both pages: only their own script (by nonce) and this server. */
function policy(nonce: string, wasm = false): string {
  return [
    "default-src 'none'",
    // asciinema-player's terminal emulator is WebAssembly carried inside its script.
    `script-src 'nonce-${nonce}'${wasm ? " 'wasm-unsafe-eval'" : ''}`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const bootScript = (boot: unknown) => JSON.stringify(boot).replace(/</g, '\\u003c');

export function renderPage(assets: ClientAssets, boot: PageBoot, nonce = randomBytes(16).toString('base64')): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy(nonce)}">
<title>labbench course</title>
<link rel="icon" href="data:,">
<style>${assets.css}</style>
</head>
<body>
<header class="top"><b>labbench</b> course · <span id="who"></span>lab <span id="lab"></span><span class="note">this page gives root shells on the lab's hosts: keep its URL to yourself</span></header>
<main>
  <aside id="course">
    <h2 id="exercise"></h2>
    <ol id="steps"></ol>
    <h3 id="step-title"></h3>
    <div id="step-host" class="host"></div>
    <pre id="step-text" lang="zh"></pre>
    <p id="step-english"></p>
    <div class="buttons">
      <button id="check">Check</button>
      <button id="hint">Hint</button>
      <button id="solve">Solve this step</button>
      <button id="reset">Reset</button>
      <span id="busy"></span>
    </div>
    <ul id="results"></ul>
    <details id="my-recordings"><summary>My terminal recordings (asciicast, for asciinema)</summary><ul id="recordings"></ul></details>
  </aside>
  <section id="work">
    <div id="terminals"></div>
    <section id="topology">
      <header><b>Topology</b> (read from the hosts) <button id="refresh">Refresh</button> <span id="topology-status"></span></header>
      <div id="topology-svg"></div>
    </section>
  </section>
</main>
<script type="application/json" id="boot">${bootScript(boot)}</script>
<script nonce="${nonce}">${scriptSafe(assets.script)}</script>
</body>
</html>
`;
}

export function renderDashboard(assets: ClientAssets, boot: DashboardBoot, title: string, nonce = randomBytes(16).toString('base64')): string {
  const escaped = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy(nonce, true)}">
<title>labbench class ${escaped}</title>
<link rel="icon" href="data:,">
<style>${assets.css}</style>
</head>
<body>
<header class="top"><b>labbench</b> class <span id="title"></span> · <span id="summary"></span> · <span id="feed">connecting…</span><span class="note">the teacher's page: it watches every student's lab; keep its URL to yourself</span></header>
<div id="rule"></div>
<table id="grid"></table>
<section id="detail" hidden>
  <h2 id="detail-title"></h2>
  <div id="watch"></div>
  <div class="columns">
    <section id="topology"><header><b>Topology</b> <button id="topology-refresh">Refresh</button> <span id="topology-status"></span></header><div id="topology-svg"></div></section>
    <section id="replay">
      <header><b>Recordings</b> <button id="recordings-refresh">Refresh</button></header>
      <ul id="recordings"></ul>
      <div id="player-title"></div>
      <div class="player-and-checks"><div id="player"></div><div><b>Checks</b> (▶ plays the recording from there)<ul id="checks"></ul></div></div>
    </section>
  </div>
</section>
<script type="application/json" id="boot">${bootScript(boot)}</script>
<script nonce="${nonce}">${scriptSafe(assets.script)}</script>
</body>
</html>
`;
}

const PAGE_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font: 14px system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif; color: #1f2328; }
body { display: flex; flex-direction: column; }
header.top { padding: 6px 12px; background: #24292f; color: #fff; }
header.top .note { float: right; color: #d0d7de; font-size: 12px; }
main { flex: 1; display: flex; min-height: 0; }
#course { width: 30%; min-width: 320px; padding: 8px 12px; overflow: auto; border-right: 1px solid #d0d7de; }
#course h2 { font-size: 16px; margin: 4px 0 8px; }
#steps { padding-left: 18px; margin: 0 0 8px; }
#steps li { cursor: pointer; padding: 2px 4px; border-radius: 4px; }
#steps li.selected { background: #ddf4ff; }
#steps li.current { font-weight: bold; }
#steps li.passed { color: #1a7f37; }
#step-title { font-size: 15px; margin: 8px 0 2px; }
#step-text { white-space: pre-wrap; font: 13px 'DejaVu Sans Mono', 'Noto Sans Mono CJK SC', 'WenQuanYi Micro Hei Mono', monospace; background: #f6f8fa; padding: 8px; border-radius: 6px; max-height: 38vh; overflow: auto; }
#step-english { font-style: italic; margin: 6px 0; }
.host { color: #57606a; font-size: 12px; }
.buttons button { font-size: 14px; padding: 4px 10px; margin: 2px 4px 2px 0; }
#busy { color: #57606a; }
#results { list-style: none; padding: 0; }
#results li { padding: 3px 6px; margin: 2px 0; border-radius: 4px; white-space: pre-wrap; }
#results li.ok { background: #dafbe1; color: #116329; }
#results li.fail { background: #ffebe9; color: #a40e26; }
#results li.summary { font-weight: bold; }
#results .hint { color: #57606a; font-size: 13px; margin-left: 1.2em; }
#work { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#terminals { display: flex; height: 46%; min-height: 220px; }
.terminal { flex: 1; display: flex; flex-direction: column; min-width: 0; border-left: 1px solid #30363d; background: #0d1117; }
.terminal header { color: #e6edf3; padding: 3px 8px; font-size: 12px; background: #161b22; }
.terminal .status { color: #8b949e; }
.terminal .screen { flex: 1; min-height: 0; padding: 2px 4px; }
#topology { flex: 1; overflow: auto; padding: 6px 10px; border-top: 1px solid #d0d7de; }
#topology header { margin-bottom: 4px; }
#topology-status { color: #57606a; font-size: 12px; }
#results .read { color: #57606a; font-size: 12px; }
#results .elsewhere, #results li.elsewhere { background: #fff8c5; color: #7d4e00; border-radius: 4px; padding: 2px 6px; margin: 2px 0 2px 1.2em; }
#my-recordings { margin-top: 10px; font-size: 13px; }
#problem { margin: 24px; padding: 12px; background: #ffebe9; color: #a40e26; border-radius: 6px; }
`;

const DASHBOARD_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; font: 14px system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif; color: #1f2328; }
header.top { padding: 6px 12px; background: #24292f; color: #fff; }
header.top .note { float: right; color: #d0d7de; font-size: 12px; }
#feed.live { color: #7ee787; }
#feed.down { color: #ff7b72; }
#rule { color: #57606a; font-size: 12px; padding: 4px 12px; }
#grid { border-collapse: collapse; margin: 4px 12px; }
#grid th, #grid td { border: 1px solid #d0d7de; padding: 4px 8px; }
#grid th { background: #f6f8fa; font-weight: 600; font-size: 12px; }
#grid tbody tr { cursor: pointer; }
#grid tbody tr:hover { background: #f6f8fa; }
#grid tr.selected { outline: 2px solid #0969da; }
#grid td.name .lab { color: #57606a; font-size: 11px; }
#grid td.status.stuck { color: #a40e26; font-weight: 600; }
#grid tr.stuck td.name { border-left: 4px solid #cf222e; }
#grid td.activity { color: #57606a; font-size: 12px; white-space: nowrap; }
#grid td.cell { text-align: center; font-weight: 700; min-width: 56px; }
#grid td.cell.passed { background: #dafbe1; color: #116329; }
#grid td.cell.failed { background: #ffebe9; color: #a40e26; }
#grid td.cell.checking { background: #fff8c5; color: #7d4e00; }
#grid td.cell.unchecked { color: #8c959f; }
#grid td.cell.solved-at-start { color: #8c959f; background: #f6f8fa; }
#grid td.cell.current { box-shadow: inset 0 0 0 2px #0969da; }
#detail { margin: 8px 12px; border-top: 1px solid #d0d7de; }
#detail h2 { font-size: 16px; margin: 8px 0; }
#watch { display: flex; gap: 4px; }
.terminal { flex: 1; min-width: 0; background: #0d1117; overflow: auto; }
.terminal header { color: #e6edf3; padding: 3px 8px; font-size: 12px; background: #161b22; }
.terminal .status { color: #8b949e; }
.columns { display: flex; gap: 12px; margin-top: 8px; }
#topology { flex: 1; min-width: 0; overflow: auto; }
#topology-status { color: #57606a; font-size: 12px; }
#replay { flex: 1; min-width: 0; }
#recordings { font-size: 13px; padding-left: 18px; }
#recordings .download { margin-left: 6px; font-size: 12px; }
#player-title { color: #57606a; font-size: 12px; margin: 4px 0; }
.player-and-checks { display: flex; gap: 8px; }
#player { flex: 3; min-width: 0; }
.player-and-checks > div:last-child { flex: 2; min-width: 0; font-size: 13px; }
#checks { list-style: none; padding: 0; max-height: 420px; overflow: auto; }
#checks li { padding: 3px 6px; margin: 2px 0; border-radius: 4px; }
#checks li.ok { background: #dafbe1; color: #116329; }
#checks li.fail { background: #ffebe9; color: #a40e26; }
#checks .when { color: #57606a; margin-right: 4px; }
#checks .seek { margin-right: 4px; }
#checks .failed { font-size: 12px; margin-left: 1em; }
#checks .elsewhere { font-size: 12px; margin-left: 1em; background: #fff8c5; color: #7d4e00; }
`;
