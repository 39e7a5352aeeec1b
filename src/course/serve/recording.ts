/**
 * Terminal recordings in asciicast v2 (the format of asciinema and its player): a JSON header
 * line, then one JSON array per event — `[seconds, "o", text]` for output, `[seconds, "r",
 * "COLSxROWS"]` for a resize, `[seconds, "m", label]` for a marker (a check graded while the
 * session ran). Kept with the student's progress in the lab's course directory. The line
 * formats are pure; RecordingWriter and the store are the file edges.
 */

import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  /** Unix seconds when the session started. */
  timestamp: number;
  title: string;
  env: { TERM: string; SHELL: string };
}

export type CastEventCode = 'o' | 'r' | 'm';

export function castHeaderLine(header: CastHeader): string {
  return `${JSON.stringify(header)}\n`;
}

export function castEventLine(seconds: number, code: CastEventCode, data: string): string {
  return `${JSON.stringify([Number(seconds.toFixed(6)), code, data])}\n`;
}

/** What a recording holds, for listing: its id, host, start, length and size. */
export interface RecordingInfo {
  id: string;
  host: string;
  title: string;
  /** ISO time the session started. */
  started: string;
  /** Seconds from the start to the last event. */
  duration: number;
  bytes: number;
}

/** Reads a recording's header and last event time; undefined when the text is not asciicast v2. */
export function describeCast(id: string, text: string): RecordingInfo | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let header: Partial<CastHeader> & { labbench?: { host?: string; started?: string } };
  try {
    header = JSON.parse(lines[0] ?? '') as typeof header;
  } catch {
    return undefined;
  }
  if (header.version !== 2 || typeof header.timestamp !== 'number') return undefined;
  let duration = 0;
  for (let i = lines.length - 1; i > 0; i--) {
    try {
      const event = JSON.parse(lines[i]!) as unknown[];
      if (typeof event[0] === 'number') {
        duration = event[0];
        break;
      }
    } catch {
      // a line cut short by a crash: look at the one before
    }
  }
  return {
    id,
    host: header.labbench?.host ?? '',
    title: header.title ?? '',
    // The header's timestamp has whole seconds; labbench keeps the start to the millisecond beside it.
    started: header.labbench?.started ?? new Date(header.timestamp * 1000).toISOString(),
    duration,
    bytes: Buffer.byteLength(text),
  };
}

/** Recording ids are made here and are the only names served: nothing else in the directory can be asked for. */
const ID = /^[0-9]{8}T[0-9]{6}Z-[A-Za-z0-9-]{1,32}-[0-9a-f]{6}$/;

export function isRecordingId(id: string): boolean {
  return ID.test(id);
}

/** One live session's recording, appended as it happens. */
export class RecordingWriter {
  readonly id: string;
  private readonly stream: WriteStream;
  private readonly decoder = new StringDecoder('utf8');
  private readonly startedMs: number;

  constructor(dir: string, host: string, title: string, size: { cols: number; rows: number }, now = new Date()) {
    mkdirSync(dir, { recursive: true });
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    this.id = `${stamp}-${host.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32)}-${randomBytes(3).toString('hex')}`;
    this.startedMs = now.getTime();
    this.stream = createWriteStream(join(dir, `${this.id}.cast`), { flags: 'wx', mode: 0o600 });
    // Unknown header keys are allowed by asciicast v2; the host is kept for the listing.
    const header = {
      version: 2,
      width: size.cols,
      height: size.rows,
      timestamp: Math.floor(this.startedMs / 1000),
      title,
      env: { TERM: 'xterm-256color', SHELL: '/bin/bash' },
      labbench: { host, started: now.toISOString() },
    };
    this.stream.write(`${JSON.stringify(header)}\n`);
  }

  private at(): number {
    return (Date.now() - this.startedMs) / 1000;
  }

  output(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text) this.stream.write(castEventLine(this.at(), 'o', text));
  }

  resize(cols: number, rows: number): void {
    this.stream.write(castEventLine(this.at(), 'r', `${cols}x${rows}`));
  }

  marker(label: string): void {
    this.stream.write(castEventLine(this.at(), 'm', label));
  }

  close(): Promise<void> {
    const rest = this.decoder.end();
    if (rest) this.stream.write(castEventLine(this.at(), 'o', rest));
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}

/** A lab's recordings directory: list them, read one by id. */
export function recordingStore(dir: string) {
  return {
    dir,
    list(): RecordingInfo[] {
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith('.cast') && isRecordingId(f.slice(0, -5)))
        .flatMap((f) => {
          const info = describeCast(f.slice(0, -5), readFileSync(join(dir, f), 'utf8'));
          return info ? [info] : [];
        })
        .sort((a, b) => a.started.localeCompare(b.started) || a.id.localeCompare(b.id));
    },
    /** The recording's text, or undefined for an id that is not one of this store's. */
    read(id: string): string | undefined {
      if (!isRecordingId(id)) return undefined;
      const file = join(dir, `${id}.cast`);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    },
  };
}

export type RecordingStore = ReturnType<typeof recordingStore>;
