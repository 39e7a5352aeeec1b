/**
 * An exported snapshot file: a gzip-compressed tar whose first entry is the manifest
 * (`labbench-snapshot.json`), followed by exactly the files it lists, each with its size and
 * SHA-256. Reading one checks everything a restore relies on before anything uses it: that it
 * is gzip, a tar, a labbench snapshot of this format version, complete and undamaged. Every
 * error names the file and what to do.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ConfigError, LabbenchError } from '../errors.ts';
import { filesOf, parseManifest, type SnapshotFile, type SnapshotManifest } from './manifest.ts';

export const MANIFEST_ENTRY = 'labbench-snapshot.json';
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b];

const damagedHint = (file: string) =>
  `it was changed or cut short after it was exported: export it again (pnpm lab snapshot export NAME ${file}) and copy it whole`;
const foreignHint = 'give a file written by `pnpm lab snapshot export NAME FILE`';

/**
 * Writes `manifest` and its files (read from `sourceOf(file)`) as a snapshot file. It is written
 * beside FILE and renamed at the end, so an interrupted export leaves no half file under that name.
 */
export async function writeSnapshotFile(
  file: string,
  manifest: SnapshotManifest,
  sourceOf: (f: SnapshotFile) => string,
  gzipLevel = 6,
): Promise<{ bytes: number }> {
  const partial = `${file}.partial-${process.pid}`;
  mkdirSync(dirname(file), { recursive: true });
  const pack = tar.pack();
  const gzip = createGzip({ level: gzipLevel });
  const out = createWriteStream(partial);
  const written = new Promise<void>((resolve, reject) => {
    gzip.on('error', reject);
    out.on('error', reject);
    out.on('close', resolve);
  });
  pack.pipe(gzip).pipe(out);
  try {
    const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await addEntry(pack, { name: MANIFEST_ENTRY, size: json.length, mode: 0o644 }, json);
    for (const f of filesOf(manifest)) {
      await addEntry(pack, { name: f.path, size: f.bytes, mode: 0o644 }, createReadStream(sourceOf(f)));
    }
    pack.finalize();
    await written;
    renameSync(partial, file);
    return { bytes: out.bytesWritten };
  } catch (err) {
    pack.destroy();
    out.destroy();
    rmSync(partial, { force: true });
    throw err;
  }
}

function addEntry(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], body: Buffer | Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (Buffer.isBuffer(body)) {
      entry.end(body);
      return;
    }
    body.on('error', reject);
    body.pipe(entry as unknown as Writable);
  });
}

export interface ReadOptions {
  /** Where to write the files (their manifest paths below it); without it they are only checked. */
  into?: string;
  /** Sees the manifest before any file is read, and may refuse it (a lab of another shape). */
  check?: (manifest: SnapshotManifest) => void | Promise<void>;
}

/** Reads and checks a snapshot file; resolves with its manifest once every listed file was read whole. */
export async function readSnapshotFile(file: string, options: ReadOptions = {}): Promise<SnapshotManifest> {
  checkGzip(file);
  const source = `file ${file}`;
  const input = createReadStream(file);
  const gunzip = createGunzip();
  const extract = tar.extract();
  const fail = (err: unknown) => extract.destroy(err instanceof Error ? err : new Error(String(err)));
  input.on('error', fail);
  gunzip.on('error', fail);
  input.pipe(gunzip).pipe(extract as unknown as Writable);
  let manifest: SnapshotManifest | undefined;
  let refused: unknown;
  const expected = new Map<string, SnapshotFile>();
  try {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (!manifest) {
        if (name !== MANIFEST_ENTRY || entry.header.size === undefined || entry.header.size > MAX_MANIFEST_BYTES) {
          throw new ConfigError(`${source} is not a labbench snapshot: its first entry is "${name}", not ${MANIFEST_ENTRY}`, { hint: foreignHint });
        }
        manifest = parseManifest((await collect(entry as AsyncIterable<Buffer>)).toString('utf8'), source, foreignHint);
        if (!manifest.images) throw new ConfigError(`${source} is not an exported labbench snapshot: it holds no host images`, { hint: foreignHint });
        for (const f of filesOf(manifest)) expected.set(f.path, f);
        try {
          await options.check?.(manifest);
        } catch (err) {
          refused = err;
          throw err;
        }
        continue;
      }
      const want = expected.get(name);
      if (!want || entry.header.type !== 'file')
        throw new ConfigError(`${source} is damaged: it holds "${name}", which its manifest does not list`, { hint: damagedHint(file) });
      if (entry.header.size !== want.bytes)
        throw new ConfigError(`${source} is damaged: ${name} has ${entry.header.size} bytes, its manifest says ${want.bytes}`, { hint: damagedHint(file) });
      const sha256 = await drain(entry as AsyncIterable<Buffer>, options.into ? join(options.into, name) : undefined);
      if (sha256 !== want.sha256)
        throw new ConfigError(`${source} is damaged: ${name} does not have the SHA-256 its manifest gives`, { hint: damagedHint(file) });
      expected.delete(name);
    }
  } catch (err) {
    input.destroy();
    // The caller's own refusal (or reason to stop reading) reaches it as it was thrown.
    if (err === refused || err instanceof LabbenchError) throw err;
    throw new ConfigError(`${source} is truncated or damaged (${describeStreamError(err)})`, { hint: manifest ? damagedHint(file) : foreignHint });
  }
  if (!manifest) throw new ConfigError(`${source} is not a labbench snapshot: it is an empty archive`, { hint: foreignHint });
  if (expected.size > 0) {
    throw new ConfigError(`${source} is truncated: ${[...expected.keys()].join(', ')} ${expected.size === 1 ? 'is' : 'are'} missing`, {
      hint: damagedHint(file),
    });
  }
  return manifest;
}

/** A snapshot file starts with gzip's magic bytes; anything else is refused before reading on. */
function checkGzip(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `snapshot file ${file} does not exist` : `cannot read snapshot file ${file} (${code})`, {
      hint: 'give the path of a file written by `pnpm lab snapshot export`',
    });
  }
  const head = Buffer.alloc(2);
  const n = readSync(fd, head, 0, 2, 0);
  closeSync(fd);
  if (n < 2 || head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
    throw new ConfigError(`file ${file} is not a labbench snapshot: it is not gzip-compressed${n === 0 ? ' (it is empty)' : ''}`, { hint: foreignHint });
  }
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Reads an entry to its end, writing it to `path` when given; resolves with its SHA-256. */
async function drain(stream: AsyncIterable<Buffer>, path: string | undefined): Promise<string> {
  const hash = createHash('sha256');
  let out: ReturnType<typeof createWriteStream> | undefined;
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    out = createWriteStream(path);
  }
  try {
    for await (const c of stream) {
      hash.update(c);
      if (out && !out.write(c)) await once(out, 'drain');
    }
  } finally {
    if (out) {
      out.end();
      await once(out, 'close');
    }
  }
  return hash.digest('hex');
}

function describeStreamError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end/i.test(message)) return 'it ends before its last entry';
  return message;
}
