/**
 * The course page: one HTML document carrying its whole client (xterm.js and the page script,
 * bundled by esbuild at start) and styles, so it works with no network. `renderPage` is pure.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { PageBoot } from './server.ts';

export interface ClientAssets {
  script: string;
  css: string;
}

export async function buildClient(): Promise<ClientAssets> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./client/main.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles[0]!.text;
  const xtermCss = await readFile(createRequire(import.meta.url).resolve('@xterm/xterm/css/xterm.css'), 'utf8');
  return { script, css: `${xtermCss}\n${PAGE_CSS}` };
}

/** Text a <script> element can hold without ending early. */
const scriptSafe = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

export function renderPage(assets: ClientAssets, boot: PageBoot, nonce = randomBytes(16).toString('base64')): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const bootJson = JSON.stringify(boot).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>labbench course</title>
<link rel="icon" href="data:,">
<style>${assets.css}</style>
</head>
<body>
<header class="top"><b>labbench</b> course · lab <span id="lab"></span><span class="note">this page gives root shells on the lab's hosts: keep its URL to yourself</span></header>
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
  </aside>
  <section id="work">
    <div id="terminals"></div>
    <section id="topology">
      <header><b>Topology</b> (read from the hosts) <button id="refresh">Refresh</button> <span id="topology-status"></span></header>
      <div id="topology-svg"></div>
    </section>
  </section>
</main>
<script type="application/json" id="boot">${bootJson}</script>
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
`;
