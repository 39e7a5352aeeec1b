/**
 * The course page in the browser (bundled by esbuild into the page, no network but this server):
 * the exercise's steps and the current step's text on the left, with Check / Hint / Solve / Reset;
 * an xterm.js terminal per host; the live topology, redrawn after each command finishes and on
 * demand.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';

interface Boot {
  token: string;
  lab: string;
  hosts: { name: string; address: string }[];
  student?: string;
  problem?: string;
}
interface StepView {
  n: number;
  title: string;
  text: string;
  english: string;
  host?: string;
}
interface CourseState {
  exercise?: { name: string; section: string; title: string };
  steps: StepView[];
  current?: number;
  passed: number[];
  message?: string;
}
interface CheckOutcome {
  step: number;
  passed: boolean;
  checks: { label: string; ok: boolean; hint?: string; hosts?: string[]; elsewhere?: string }[];
  elsewhere?: string;
}

const boot = JSON.parse(document.getElementById('boot')!.textContent!) as Boot;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const api = (path: string) => `${path}?token=${encodeURIComponent(boot.token)}`;

let course: CourseState = { steps: [], passed: [] };
let selected: number | undefined;

// ---- course panel ----------------------------------------------------------------------------

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(api(path), {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const value = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(value.error ?? `${res.status}`);
  return value;
}

async function loadCourse(): Promise<void> {
  course = await call<CourseState>('GET', '/api/course');
  selected ??= course.current ?? course.steps[0]?.n;
  renderCourse();
}

function renderCourse(): void {
  $('exercise').textContent = course.exercise ? `${course.exercise.section} ${course.exercise.title}` : (course.message ?? 'no exercise');
  const list = $('steps');
  list.replaceChildren(
    ...course.steps.map((s) => {
      const li = document.createElement('li');
      li.dataset.step = String(s.n);
      li.className = [s.n === selected ? 'selected' : '', s.n === course.current ? 'current' : '', course.passed.includes(s.n) ? 'passed' : '']
        .join(' ')
        .trim();
      li.textContent = `${course.passed.includes(s.n) ? '✓ ' : ''}${s.title}`;
      li.onclick = () => {
        selected = s.n;
        $('results').replaceChildren();
        renderCourse();
      };
      return li;
    }),
  );
  const step = course.steps.find((s) => s.n === selected);
  $('step-title').textContent = step ? `${step.n}. ${step.title}` : '';
  $('step-text').textContent = step?.text ?? course.message ?? '';
  $('step-english').textContent = step?.english ?? '';
  $('step-host').textContent = step?.host ? `work on ${step.host}` : '';
  for (const id of ['check', 'hint', 'solve', 'reset']) ($(id) as HTMLButtonElement).disabled = course.steps.length === 0;
}

function showResults(outcome: CheckOutcome): void {
  const items = outcome.checks.map((c) => {
    const li = document.createElement('li');
    li.className = c.ok ? 'ok' : 'fail';
    li.textContent = `${c.ok ? '✓' : '✗'} ${c.label}`;
    if (!c.ok && c.hosts?.length) {
      const read = document.createElement('span');
      read.className = 'read';
      read.textContent = ` [read on ${c.hosts.join(', ')}]`;
      li.append(read);
    }
    if (!c.ok && c.elsewhere) {
      const where = document.createElement('div');
      where.className = 'elsewhere';
      where.textContent = c.elsewhere;
      li.append(where);
    }
    if (!c.ok && c.hint) {
      const hint = document.createElement('div');
      hint.className = 'hint';
      hint.textContent = c.hint;
      li.append(hint);
    }
    return li;
  });
  const summary = document.createElement('li');
  summary.className = `summary ${outcome.passed ? 'ok' : 'fail'}`;
  summary.textContent = outcome.passed
    ? `step ${outcome.step}: every check passes`
    : `step ${outcome.step}: ${outcome.checks.filter((c) => !c.ok).length} check(s) fail`;
  const elsewhere = [];
  if (!outcome.passed && outcome.elsewhere) {
    const li = document.createElement('li');
    li.className = 'elsewhere';
    li.textContent = outcome.elsewhere;
    elsewhere.push(li);
  }
  $('results').replaceChildren(summary, ...elsewhere, ...items);
}

function showMessage(text: string, kind: 'info' | 'fail' = 'info'): void {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = text;
  $('results').replaceChildren(li);
}

async function action(name: string, run: () => Promise<void>): Promise<void> {
  const buttons = ['check', 'hint', 'solve', 'reset'].map((id) => $(id) as HTMLButtonElement);
  for (const b of buttons) b.disabled = true;
  $('busy').textContent = `${name}…`;
  try {
    await run();
  } catch (err) {
    showMessage(String((err as Error).message), 'fail');
  } finally {
    $('busy').textContent = '';
    for (const b of buttons) b.disabled = false;
  }
}

$('check').onclick = () =>
  void action('checking', async () => {
    const outcome = await call<CheckOutcome>('POST', '/api/course/check', { step: selected });
    showResults(outcome);
    await loadCourse();
    // A passed step moves the student on: show the next one's text (the results stay).
    if (outcome.passed && course.current !== undefined && course.current !== selected) {
      selected = course.current;
      renderCourse();
    }
  });
$('hint').onclick = () => {
  if (!confirm(`Show a hint for step ${selected}?`)) return;
  void action('hint', async () => {
    const r = await call<{ step: number; hints: string[] }>('POST', '/api/course/hint', { step: selected });
    showMessage(r.hints.length ? r.hints.join('\n') : 'no hint: every check of this step passes');
  });
};
$('solve').onclick = () => {
  if (!confirm(`Run the reference commands of step ${selected}? Your own work on this step is replaced.`)) return;
  void action('solving', async () => {
    showMessage((await call<{ message: string }>('POST', '/api/course/solve', { step: selected })).message);
    await loadCourse();
    scheduleTopology(0);
  });
};
$('reset').onclick = () => {
  if (!confirm('Reset the exercise to its start? Everything done in it is removed.')) return;
  void action('resetting', async () => {
    showMessage((await call<{ message: string }>('POST', '/api/course/reset')).message);
    selected = undefined;
    await loadCourse();
    scheduleTopology(0);
  });
};

// ---- terminals -------------------------------------------------------------------------------

function openTerminal(host: { name: string; address: string }): void {
  const panel = document.createElement('section');
  panel.className = 'terminal';
  panel.innerHTML = '<header><b></b> <span class="address"></span> <span class="status"></span></header><div class="screen"></div>';
  panel.querySelector('b')!.textContent = host.name;
  panel.querySelector('.address')!.textContent = host.address;
  panel.id = `term-${host.name}`;
  $('terminals').append(panel);
  const status = panel.querySelector('.status') as HTMLElement;
  const term = new Terminal({
    fontSize: 13,
    scrollback: 5000,
    convertEol: false,
    fontFamily: "'DejaVu Sans Mono', 'WenQuanYi Micro Hei Mono', monospace",
    theme: { background: '#0d1117' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(panel.querySelector('.screen') as HTMLElement);
  fit.fit();
  // Ctrl+Shift+C / Ctrl+Shift+V copy and paste; plain Ctrl+C stays an interrupt for the shell.
  term.attachCustomKeyEventHandler((e) => {
    if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
    if (e.code === 'KeyC') {
      void navigator.clipboard?.writeText(term.getSelection());
      return false;
    }
    if (e.code === 'KeyV') {
      void navigator.clipboard?.readText().then((t) => term.paste(t));
      return false;
    }
    return true;
  });
  let socket: WebSocket | undefined;
  let lost = false;
  const sessionKey = `labbench:${boot.lab}:${host.name}:session`;
  const connect = () => {
    status.textContent = 'connecting…';
    // Back into the same shell when the server still keeps it (a reload, the laptop closed a while).
    const kept = localStorage.getItem(sessionKey) ?? '';
    const url = `ws://${location.host}/ws/terminal?token=${encodeURIComponent(boot.token)}&host=${encodeURIComponent(host.name)}&cols=${term.cols}&rows=${term.rows}${kept ? `&session=${encodeURIComponent(kept)}` : ''}`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    socket = ws;
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') {
        const m = JSON.parse(e.data) as { t: 'status'; text: string } | { t: 'session'; id: string } | { t: 'reset' };
        if (m.t === 'status') status.textContent = m.text;
        else if (m.t === 'session') localStorage.setItem(sessionKey, m.id);
        else term.reset();
        return;
      }
      term.write(new Uint8Array(e.data as ArrayBuffer));
      outputArrived();
    };
    ws.onopen = () => {
      // Back after a lost connection (a lab restart, the server restarted): the course state and the topology may have changed too.
      if (!lost) return;
      lost = false;
      void loadCourse().catch(() => undefined);
      scheduleTopology(1500);
    };
    ws.onclose = (e) => {
      if (socket !== ws) return;
      if (e.code === 4001) {
        // Opened in another window: that one has the shell now.
        socket = undefined;
        status.textContent = 'opened in another window: reload to take it back here';
        return;
      }
      socket = undefined;
      lost = true;
      status.textContent = 'disconnected: reconnecting…';
      term.write('\r\n\x1b[2m[connection closed; reconnecting when the host answers]\x1b[0m\r\n');
      setTimeout(connect, 2000);
    };
  };
  term.onData((d) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ t: 'in', d }));
    if (d.includes('\r')) commandTyped();
  });
  term.onResize(({ cols, rows }) => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ t: 'resize', cols, rows })));
  new ResizeObserver(() => fit.fit()).observe(panel);
  connect();
}

// ---- topology --------------------------------------------------------------------------------

let topologyTimer: number | undefined;
let awaitingOutput = false;

/** After Enter, redraw once the command's output has gone quiet (or after a while without any). */
function commandTyped(): void {
  awaitingOutput = true;
  scheduleTopology(2500);
}
function outputArrived(): void {
  if (awaitingOutput) scheduleTopology(700);
}
function scheduleTopology(ms: number): void {
  clearTimeout(topologyTimer);
  topologyTimer = window.setTimeout(() => {
    awaitingOutput = false;
    void refreshTopology();
  }, ms);
}

let refreshing = 0;
async function refreshTopology(): Promise<void> {
  const box = $('topology');
  refreshing++;
  $('topology-status').textContent = 'reading the hosts…';
  try {
    const view = await call<{ svg: string; at: string }>('GET', '/api/topology');
    // The SVG is the server's own rendering with every lab-provided text escaped.
    $('topology-svg').innerHTML = view.svg;
    box.dataset.updated = view.at;
    $('topology-status').textContent = `as of ${new Date(view.at).toLocaleTimeString()}`;
  } catch (err) {
    $('topology-status').textContent = `could not read the lab: ${(err as Error).message}`;
  } finally {
    refreshing--;
    box.dataset.refreshing = String(refreshing);
  }
}
$('refresh').onclick = () => void refreshTopology();

// ---- start -----------------------------------------------------------------------------------

// ---- recordings ------------------------------------------------------------------------------

async function loadRecordings(): Promise<void> {
  const list = await call<{ id: string; host: string; started: string; duration: number }[]>('GET', '/api/recordings');
  $('recordings').replaceChildren(
    ...list.reverse().map((r) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = api(`/api/recordings/${r.id}.cast`);
      a.download = `${boot.lab}-${r.id}.cast`;
      a.textContent = `${new Date(r.started).toLocaleString()} on ${r.host} (${Math.round(r.duration)} s)`;
      li.append(a);
      return li;
    }),
  );
  if (list.length === 0) $('recordings').textContent = 'none yet';
}
$('my-recordings').addEventListener('toggle', () => void loadRecordings().catch(() => undefined));

// ---- start -----------------------------------------------------------------------------------

$('lab').textContent = boot.lab;
$('who').textContent = boot.student ? `${boot.student} · ` : '';
if (boot.problem) {
  const p = document.createElement('div');
  p.id = 'problem';
  p.textContent = boot.problem;
  $('work').replaceChildren(p);
  showMessage(boot.problem, 'fail');
} else {
  boot.hosts.forEach(openTerminal);
  void loadCourse().catch((err: Error) => showMessage(err.message, 'fail'));
  void refreshTopology();
}
