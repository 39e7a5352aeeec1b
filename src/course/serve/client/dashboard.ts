/**
 * The teacher's dashboard in the browser (bundled by esbuild into the page; nothing fetched from
 * anywhere but this server): the class as a grid of students × steps, each cell the live check
 * state, kept current over a WebSocket; a click on a student shows their terminals read-only
 * (live), their topology, and their recordings replayed with asciinema-player beside their
 * check results, by time.
 */

import { Terminal } from '@xterm/xterm';
import * as AsciinemaPlayer from 'asciinema-player';

interface Boot {
  token: string;
}
type CellState = 'passed' | 'failed' | 'unchecked' | 'solved-at-start' | 'checking';
interface Row {
  student: string;
  lab: string;
  subnet: string;
  phase: 'waiting' | 'starting' | 'ready' | 'failed';
  detail?: string;
  exercise?: string;
  current?: number;
  steps: { n: number; state: CellState; at?: string; failed?: string[] }[];
  joined?: string;
  lastActivity?: string;
  terminals: number;
  failedInARow: number;
  stuck?: string;
  finished: boolean;
}
interface Snapshot {
  title: string;
  rule: { failedChecks: number; quietMinutes: number };
  exercises: { name: string; section: string; title: string; steps: { n: number; title: string; host: string }[] }[];
  students: Row[];
}
interface RecordingInfo {
  id: string;
  host: string;
  title: string;
  started: string;
  duration: number;
  bytes: number;
}
interface CheckEntry {
  at: string;
  exercise: string;
  step: number;
  passed: boolean;
  checks: { label: string; ok: boolean; hosts?: string[]; elsewhere?: string }[];
  elsewhere?: string;
}

const boot = JSON.parse(document.getElementById('boot')!.textContent!) as Boot;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const withToken = (path: string) => `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(boot.token)}`;
const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {},
  ...children: (Node | string)[]
) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

let snapshot: Snapshot | undefined;
const rows = new Map<string, Row>();
let selected: string | undefined;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(withToken(path));
  const value = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(value.error ?? `${res.status}`);
  return value;
}

// ---- the grid --------------------------------------------------------------------------------

function ago(iso: string | undefined): string {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

const MARK: Record<CellState, string> = { passed: '✓', failed: '✗', unchecked: '·', 'solved-at-start': '–', checking: '…' };

function renderGrid(): void {
  if (!snapshot) return;
  const columns = Math.max(0, ...snapshot.exercises.map((e) => e.steps.length));
  const head = el('tr', {}, el('th', {}, 'student'), el('th', {}, 'status'), el('th', {}, 'last activity'));
  for (let n = 1; n <= columns; n++) {
    const titles = snapshot.exercises
      .map((e) => e.steps[n - 1])
      .filter(Boolean)
      .map((s) => `${s!.title} (on ${s!.host})`);
    head.append(el('th', { className: 'step', title: titles.join('\n') }, `step ${n}`));
  }
  const body = [...rows.values()].map((r) => {
    const tr = el('tr', { className: [r.student === selected ? 'selected' : '', r.stuck ? 'stuck' : '', r.finished ? 'finished' : ''].join(' ').trim() });
    tr.dataset.student = r.student;
    const status =
      r.phase === 'failed'
        ? `lab failed: ${r.detail ?? ''}`
        : r.stuck
          ? `stuck: ${r.stuck}`
          : r.finished
            ? 'finished'
            : r.joined
              ? `on step ${r.current ?? '?'}`
              : 'not joined yet';
    tr.append(
      el(
        'td',
        { className: 'name' },
        el('b', {}, r.student),
        el('div', { className: 'lab' }, `${r.lab} · ${r.subnet}${r.terminals ? ` · ${r.terminals} terminal(s)` : ''}`),
      ),
      el('td', { className: `status ${r.stuck ? 'stuck' : ''}` }, status),
      el('td', { className: 'activity' }, ago(r.lastActivity)),
    );
    tr.querySelector('.activity')!.setAttribute('data-at', r.lastActivity ?? '');
    for (let n = 1; n <= columns; n++) {
      const c = r.steps[n - 1];
      const td = el('td', { className: `cell ${c?.state ?? 'none'} ${c && c.n === r.current ? 'current' : ''}` }, c ? MARK[c.state] : '');
      td.dataset.step = String(n);
      td.dataset.state = c?.state ?? 'none';
      if (c?.failed?.length) td.title = `failed: ${c.failed.join('; ')}`;
      else if (c?.at) td.title = `checked ${new Date(c.at).toLocaleTimeString()}`;
      tr.append(td);
    }
    tr.onclick = () => select(r.student);
    return tr;
  });
  $('grid').replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
  const stuck = [...rows.values()].filter((r) => r.stuck).length;
  const finished = [...rows.values()].filter((r) => r.finished).length;
  $('summary').textContent = `${rows.size} students · ${finished} finished · ${stuck} stuck`;
}

// Ages tick without a server round trip.
setInterval(() => {
  for (const td of document.querySelectorAll<HTMLElement>('#grid td.activity')) td.textContent = ago(td.dataset.at || undefined);
}, 1000);

function connectFeed(): void {
  const ws = new WebSocket(`ws://${location.host}${withToken('/ws/class')}`);
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { t: 'class'; class: Snapshot } | { t: 'student'; row: Row };
    if (m.t === 'class') {
      snapshot = m.class;
      rows.clear();
      for (const r of m.class.students) rows.set(r.student, r);
      $('title').textContent = m.class.title;
      $('rule').textContent =
        `stuck = ${m.class.rule.failedChecks} failed checks in a row on a step, or ${m.class.rule.quietMinutes} min without passing a step`;
    } else {
      const before = rows.get(m.row.student);
      rows.set(m.row.student, m.row);
      if (m.row.student === selected && JSON.stringify(before?.steps) !== JSON.stringify(m.row.steps)) void loadChecks();
    }
    $('feed').textContent = 'live';
    $('feed').className = 'live';
    renderGrid();
    if (selected) renderDetailHead();
  };
  ws.onclose = () => {
    $('feed').textContent = 'disconnected: reconnecting…';
    $('feed').className = 'down';
    setTimeout(connectFeed, 2000);
  };
}

// ---- one student ----------------------------------------------------------------------------

let watchers: { ws: WebSocket; term: Terminal; close: () => void }[] = [];
let player: { dispose(): void; seek(t: number): Promise<unknown>; getCurrentTime(): number } | undefined;
let recording: RecordingInfo | undefined;
let checks: CheckEntry[] = [];

function renderDetailHead(): void {
  const r = selected ? rows.get(selected) : undefined;
  if (!r) return;
  $('detail-title').textContent =
    `${r.student} — lab ${r.lab} (${r.subnet})${r.exercise ? ` — ${r.exercise}, on step ${r.current}` : ''}${r.stuck ? ` — stuck: ${r.stuck}` : ''}`;
}

function select(student: string): void {
  selected = student;
  renderGrid();
  $('detail').hidden = false;
  renderDetailHead();
  for (const w of watchers) w.close();
  watchers = [];
  $('watch').replaceChildren();
  for (const host of ['hostA', 'hostB']) watch(student, host);
  void refreshTopology();
  void loadRecordings();
  void loadChecks();
}

function watch(student: string, host: string): void {
  const panel = el(
    'section',
    { className: 'terminal' },
    el('header', {}, el('b', {}, host), ' ', el('span', { className: 'status' }, 'connecting…')),
    el('div', { className: 'screen' }),
  );
  panel.id = `watch-${host}`;
  $('watch').append(panel);
  const status = panel.querySelector('.status') as HTMLElement;
  const term = new Terminal({
    disableStdin: true,
    fontSize: 12,
    scrollback: 2000,
    cols: 100,
    rows: 24,
    fontFamily: "'DejaVu Sans Mono', 'WenQuanYi Micro Hei Mono', monospace",
    theme: { background: '#0d1117' },
  });
  term.open(panel.querySelector('.screen') as HTMLElement);
  let closed = false;
  let ws: WebSocket;
  const open = () => {
    ws = new WebSocket(`ws://${location.host}${withToken(`/ws/watch?student=${encodeURIComponent(student)}&host=${encodeURIComponent(host)}`)}`);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return term.write(new Uint8Array(e.data as ArrayBuffer));
      const m = JSON.parse(e.data) as { t: 'reset' } | { t: 'size'; cols: number; rows: number } | { t: 'status'; text: string };
      if (m.t === 'reset') term.reset();
      else if (m.t === 'size') term.resize(m.cols, m.rows);
      else status.textContent = m.text;
    };
    ws.onclose = () => {
      if (closed) return;
      status.textContent = 'disconnected: reconnecting…';
      setTimeout(open, 2000);
    };
  };
  open();
  watchers.push({
    get ws() {
      return ws;
    },
    term,
    close() {
      closed = true;
      ws.close();
      term.dispose();
    },
  });
}

async function refreshTopology(): Promise<void> {
  if (!selected) return;
  $('topology-status').textContent = 'reading the hosts…';
  try {
    const view = await get<{ svg: string; at: string }>(`/api/student/${encodeURIComponent(selected)}/topology`);
    // The SVG is the server's own rendering with every lab-provided text escaped.
    $('topology-svg').innerHTML = view.svg;
    $('topology').dataset.updated = view.at;
    $('topology-status').textContent = `as of ${new Date(view.at).toLocaleTimeString()}`;
  } catch (err) {
    $('topology-status').textContent = `could not read the lab: ${(err as Error).message}`;
  }
}
$('topology-refresh').onclick = () => void refreshTopology();

async function loadRecordings(): Promise<void> {
  if (!selected) return;
  const list = await get<RecordingInfo[]>(`/api/student/${encodeURIComponent(selected)}/recordings`);
  $('recordings').replaceChildren(
    ...list.reverse().map((r) => {
      const li = el(
        'li',
        {},
        el('a', { href: '#' }, `${new Date(r.started).toLocaleTimeString()} ${r.host}`),
        ` ${formatSeconds(r.duration)}, ${(r.bytes / 1024).toFixed(1)} KiB `,
      );
      li.dataset.id = r.id;
      li.querySelector('a')!.onclick = (e) => {
        e.preventDefault();
        void play(r);
      };
      const download = el('a', { href: withToken(`/api/student/${encodeURIComponent(selected!)}/recordings/${r.id}.cast`), className: 'download' }, 'download');
      download.setAttribute('download', `${r.id}.cast`);
      li.append(download);
      return li;
    }),
  );
  if (list.length === 0) $('recordings').replaceChildren(el('li', {}, 'no terminal session recorded yet'));
}
$('recordings-refresh').onclick = () => void loadRecordings();

async function play(r: RecordingInfo): Promise<void> {
  if (!selected) return;
  recording = r;
  player?.dispose();
  const text = await (await fetch(withToken(`/api/student/${encodeURIComponent(selected)}/recordings/${r.id}.cast`))).text();
  const box = $('player');
  box.replaceChildren();
  box.dataset.id = r.id;
  player = AsciinemaPlayer.create({ data: text }, box, { fit: 'width', idleTimeLimit: 2, terminalFontSize: '12px', preload: true }) as typeof player;
  $('player-title').textContent = `${r.title}, from ${new Date(r.started).toLocaleTimeString()} (${formatSeconds(r.duration)})`;
  renderChecks();
}

async function loadChecks(): Promise<void> {
  if (!selected) return;
  checks = await get<CheckEntry[]>(`/api/student/${encodeURIComponent(selected)}/checks`);
  renderChecks();
}

/** The student's checks, newest first; those made while the playing recording ran show its time and seek there. */
function renderChecks(): void {
  const start = recording ? Date.parse(recording.started) : undefined;
  $('checks').replaceChildren(
    ...[...checks].reverse().map((c) => {
      const offset = start !== undefined ? (Date.parse(c.at) - start) / 1000 : undefined;
      const inRecording = offset !== undefined && offset >= 0 && offset <= (recording?.duration ?? 0) + 1;
      const failed = c.checks.filter((x) => !x.ok);
      const li = el('li', { className: c.passed ? 'ok' : 'fail' });
      li.append(
        el('span', { className: 'when' }, new Date(c.at).toLocaleTimeString()),
        inRecording ? el('a', { href: '#', className: 'seek' }, `▶ ${formatSeconds(offset!)}`) : '',
        ` step ${c.step} ${c.passed ? '✓ passes' : `✗ ${failed.length} of ${c.checks.length} fail`}`,
      );
      for (const f of failed) {
        li.append(el('div', { className: 'failed' }, `✗ ${f.label}${f.hosts?.length ? ` [read on ${f.hosts.join(', ')}]` : ''}`));
        if (f.elsewhere) li.append(el('div', { className: 'elsewhere' }, f.elsewhere));
      }
      if (c.elsewhere) li.append(el('div', { className: 'elsewhere' }, c.elsewhere));
      const seek = li.querySelector('a.seek') as HTMLAnchorElement | null;
      if (seek) {
        seek.onclick = (e) => {
          e.preventDefault();
          void player?.seek(Math.max(0, offset! - 0.5));
        };
      }
      return li;
    }),
  );
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

connectFeed();
