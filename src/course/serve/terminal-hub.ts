/**
 * One student's terminal sessions: each is recorded (asciicast v2, recording.ts) and can be
 * watched read-only by the teacher. A watcher follows a host, not a session: it gets the newest
 * live session's recent output on joining, then the live output, and moves to the next session
 * when the student opens a new terminal (a reload, a lab restart).
 *
 * A watcher's socket carries binary frames (output) and JSON text frames:
 *   {t:'reset'} a new session starts: clear the screen;  {t:'size', cols, rows};  {t:'status', text}.
 */
import type { WebSocket } from 'ws';
import { RecordingWriter } from './recording.ts';
import type { TerminalHooks } from './terminal.ts';

/** Output kept per session for a watcher who joins late (the screen is rebuilt from it). */
const TAIL_BYTES = 256 * 1024;

interface LiveSession {
  id: string;
  host: string;
  started: number;
  cols: number;
  rows: number;
  tail: Buffer[];
  tailBytes: number;
  recording?: RecordingWriter;
}

export interface TerminalHubOptions {
  /** Where recordings go; none are made without it. */
  recordings?: string;
  /** The recording's title, e.g. "alice on hostB". */
  title(host: string): string;
  /** Typing, a session opening or closing. */
  onActivity?(kind: 'input' | 'open' | 'close'): void;
}

export class TerminalHub {
  private readonly live: LiveSession[] = [];
  private readonly watchers = new Map<string, Set<WebSocket>>();
  private counter = 0;

  constructor(private readonly options: TerminalHubOptions) {}

  /** Open terminals now. */
  get open(): number {
    return this.live.length;
  }

  /** The hooks for a student's new terminal on `host`. */
  hooksFor(host: string): TerminalHooks {
    let session: LiveSession | undefined;
    return {
      onOpen: (size) => {
        session = { id: `s${++this.counter}`, host, started: Date.now(), cols: size.cols, rows: size.rows, tail: [], tailBytes: 0 };
        if (this.options.recordings) {
          try {
            session.recording = new RecordingWriter(this.options.recordings, host, this.options.title(host), size);
          } catch {
            // A recording that cannot be written must not cost the student their terminal.
          }
        }
        this.live.push(session);
        this.options.onActivity?.('open');
        this.tellWatchers(host, session);
      },
      onOutput: (chunk) => {
        if (!session) return;
        session.recording?.output(chunk);
        session.tail.push(chunk);
        session.tailBytes += chunk.length;
        while (session.tailBytes > TAIL_BYTES && session.tail.length > 1) session.tailBytes -= session.tail.shift()!.length;
        if (this.newest(host) === session) for (const w of this.watchers.get(host) ?? []) if (w.readyState === w.OPEN) w.send(chunk);
      },
      onResize: (cols, rows) => {
        if (!session) return;
        session.cols = cols;
        session.rows = rows;
        session.recording?.resize(cols, rows);
        if (this.newest(host) === session) this.sendAll(host, { t: 'size', cols, rows });
      },
      onInput: () => this.options.onActivity?.('input'),
      onClose: () => {
        if (!session) return;
        const closing = session;
        void closing.recording?.close();
        this.live.splice(this.live.indexOf(closing), 1);
        this.options.onActivity?.('close');
        const next = this.newest(host);
        if (next) this.tellWatchers(host, next);
        else this.sendAll(host, { t: 'status', text: `${host}: the student's terminal is closed (it shows here again when they open it)` });
      },
    };
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

  close(): void {
    for (const s of this.live) void s.recording?.close();
    this.live.length = 0;
  }

  private newest(host: string): LiveSession | undefined {
    for (let i = this.live.length - 1; i >= 0; i--) if (this.live[i]!.host === host) return this.live[i];
    return undefined;
  }

  private tellWatchers(host: string, session: LiveSession): void {
    for (const w of this.watchers.get(host) ?? []) this.replay(w, session);
  }

  private replay(socket: WebSocket, session: LiveSession): void {
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
