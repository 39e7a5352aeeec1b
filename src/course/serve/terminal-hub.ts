/**
 * One student's terminal sessions. A session is one SSH login shell on a lab host; the page's
 * WebSocket attaches to it and may go away and come back: a session whose page left is kept
 * for a while (KEEP_MS), and a page that comes back with its session id (the page keeps it in
 * the browser's localStorage) gets the same shell again, its recent output replayed — the
 * command it ran, its history, its working directory. The shell ending (exit, a lab restart)
 * ends the session; the page then opens a new one.
 *
 * Each session is recorded (asciicast v2, recording.ts) and can be watched read-only by the
 * teacher. A watcher follows a host, not a session: it gets the newest live session's recent
 * output on joining, then the live output, and moves to the next session when one starts.
 *
 * The page's socket carries binary frames (output) and JSON text frames from the server:
 *   {t:'status', text}, {t:'session', id} (the id to come back with), {t:'reset'} (clear: a replay follows);
 * and JSON from the page: keystrokes and window sizes (terminal.ts). A watcher's socket gets
 * the same binary frames and {t:'reset'}, {t:'size', cols, rows}, {t:'status', text}.
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import type { WebSocket } from 'ws';
import { formatError } from '../../errors.ts';
import type { InventoryHost } from '../../inventory.ts';
import { SshTransport } from '../../transports/ssh.ts';
import { RecordingWriter } from './recording.ts';
import { parseTerminalMessage } from './terminal.ts';

/** Output kept per session for a page or watcher that joins late (the screen is rebuilt from it). */
const TAIL_BYTES = 256 * 1024;
/** How long a shell waits for its page to come back (a reload, a closed laptop lid). */
export const KEEP_MS = 15 * 60_000;

interface Session {
  id: string;
  host: string;
  started: number;
  cols: number;
  rows: number;
  tail: Buffer[];
  tailBytes: number;
  shell: ClientChannel;
  ssh: SshTransport;
  recording?: RecordingWriter;
  page?: WebSocket;
  keep?: NodeJS.Timeout;
  ended: boolean;
}

export interface TerminalHubOptions {
  /** Where recordings go; none are made without it. */
  recordings?: string;
  /** The recording's title, e.g. "alice on hostB". */
  title(host: string): string;
  /** Typing, a session opening or closing. */
  onActivity?(kind: 'input' | 'open' | 'close'): void;
  keepMs?: number;
}

export class TerminalHub {
  private readonly live: Session[] = [];
  private readonly watchers = new Map<string, Set<WebSocket>>();

  constructor(private readonly options: TerminalHubOptions) {}

  /** Sessions with a page attached now. */
  get open(): number {
    return this.live.filter((s) => s.page).length;
  }

  /**
   * A page's terminal on `host`: back into session `resume` when it is still there (and on
   * that host), else a new login shell.
   */
  async attach(socket: WebSocket, host: InventoryHost, size: { cols: number; rows: number }, resume?: string): Promise<void> {
    const kept = resume ? this.live.find((s) => s.id === resume && s.host === host.name && !s.ended) : undefined;
    if (kept) {
      this.bind(kept, socket);
      send(socket, { t: 'reset' });
      if (kept.tail.length > 0) socket.send(Buffer.concat(kept.tail));
      this.resize(kept, size.cols, size.rows);
      send(socket, { t: 'status', text: `connected: ${kept.ssh.description} (the same shell as before)` });
      return;
    }
    if (!host.ssh) {
      send(socket, { t: 'status', text: `${host.name} cannot be reached over SSH, so it has no terminal here` });
      socket.close(1011, 'no ssh');
      return;
    }
    const ssh = new SshTransport(host.name, host.ssh);
    let shell: ClientChannel;
    try {
      shell = await ssh.openShell({ term: 'xterm-256color', cols: size.cols, rows: size.rows });
    } catch (err) {
      send(socket, { t: 'status', text: formatError(err, false) });
      socket.close(1011, 'ssh failed');
      await ssh.close();
      return;
    }
    if (socket.readyState !== socket.OPEN) {
      shell.close();
      await ssh.close();
      return;
    }
    const session: Session = {
      id: randomBytes(9).toString('base64url'),
      host: host.name,
      started: Date.now(),
      cols: size.cols,
      rows: size.rows,
      tail: [],
      tailBytes: 0,
      shell,
      ssh,
      ended: false,
    };
    if (this.options.recordings) {
      try {
        session.recording = new RecordingWriter(this.options.recordings, host.name, this.options.title(host.name), size);
      } catch {
        // A recording that cannot be written must not cost the student their terminal.
      }
    }
    this.live.push(session);
    const output = (chunk: Buffer) => this.output(session, chunk);
    shell.on('data', output);
    shell.stderr.on('data', output);
    shell.on('close', () => void this.end(session));
    this.bind(session, socket);
    send(socket, { t: 'status', text: `connected: ${ssh.description}` });
    this.options.onActivity?.('open');
    this.tellWatchers(session.host, session);
  }

  /** Adds a read-only watcher of the student's terminal on `host`. */
  watch(socket: WebSocket, host: string): void {
    const set = this.watchers.get(host) ?? new Set<WebSocket>();
    this.watchers.set(host, set);
    set.add(socket);
    socket.on('close', () => set.delete(socket));
    const session = this.newest(host);
    if (session) this.replay(socket, session);
    else send(socket, { t: 'status', text: `${host}: no terminal open yet (it shows here when the student opens it)` });
  }

  /** Writes a marker (a graded check) into every live session's recording. */
  mark(label: string): void {
    for (const s of this.live) s.recording?.marker(label);
  }

  /** Ends every session (the server stops). */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((s) => this.end(s)));
  }

  private bind(session: Session, socket: WebSocket): void {
    const before = session.page;
    session.page = socket;
    clearTimeout(session.keep);
    session.keep = undefined;
    if (before && before !== socket) {
      send(before, { t: 'status', text: 'this terminal was opened in another window' });
      before.close(4001, 'taken over');
    }
    send(socket, { t: 'session', id: session.id });
    socket.on('message', (data, isBinary) => {
      if (isBinary || session.page !== socket) return;
      const m = parseTerminalMessage(data.toString());
      if (m?.t === 'in') {
        session.shell.write(m.d);
        this.options.onActivity?.('input');
      } else if (m?.t === 'resize') this.resize(session, m.cols, m.rows);
    });
    socket.on('close', () => {
      if (session.page !== socket) return;
      session.page = undefined;
      this.options.onActivity?.('close');
      if (!session.ended) session.keep = setTimeout(() => void this.end(session), this.options.keepMs ?? KEEP_MS);
    });
  }

  private output(session: Session, chunk: Buffer): void {
    session.recording?.output(chunk);
    session.tail.push(chunk);
    session.tailBytes += chunk.length;
    while (session.tailBytes > TAIL_BYTES && session.tail.length > 1) session.tailBytes -= session.tail.shift()!.length;
    const page = session.page;
    if (page && page.readyState === page.OPEN) page.send(chunk);
    if (this.newest(session.host) === session) for (const w of this.watchers.get(session.host) ?? []) if (w.readyState === w.OPEN) w.send(chunk);
  }

  private resize(session: Session, cols: number, rows: number): void {
    if (cols === session.cols && rows === session.rows) return;
    session.cols = cols;
    session.rows = rows;
    session.shell.setWindow(rows, cols, 0, 0);
    session.recording?.resize(cols, rows);
    if (this.newest(session.host) === session) this.sendAll(session.host, { t: 'size', cols, rows });
  }

  private async end(session: Session): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    clearTimeout(session.keep);
    this.live.splice(this.live.indexOf(session), 1);
    session.page?.close(1000, 'shell ended');
    session.shell.close();
    await Promise.all([session.recording?.close(), session.ssh.close()]);
    this.options.onActivity?.('close');
    const next = this.newest(session.host);
    if (next) this.tellWatchers(session.host, next);
    else this.sendAll(session.host, { t: 'status', text: `${session.host}: the student's terminal is closed (it shows here again when they open it)` });
  }

  private newest(host: string): Session | undefined {
    for (let i = this.live.length - 1; i >= 0; i--) if (this.live[i]!.host === host) return this.live[i];
    return undefined;
  }

  private tellWatchers(host: string, session: Session): void {
    for (const w of this.watchers.get(host) ?? []) this.replay(w, session);
  }

  private replay(socket: WebSocket, session: Session): void {
    send(socket, { t: 'reset' });
    send(socket, { t: 'size', cols: session.cols, rows: session.rows });
    send(socket, { t: 'status', text: `watching ${session.host} (read-only), terminal open since ${new Date(session.started).toLocaleTimeString('en-GB')}` });
    if (session.tail.length > 0 && socket.readyState === socket.OPEN) socket.send(Buffer.concat(session.tail));
  }

  private sendAll(host: string, message: object): void {
    for (const w of this.watchers.get(host) ?? []) send(w, message);
  }
}

function send(socket: WebSocket, message: object): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}
