/**
 * Getting a base image onto this machine, verified: a local path is hashed in place; a URL is
 * downloaded once into a cache directory (named by its digest) and hashed while it streams. The
 * expected SHA-256 is pinned in the stack config, or read from the publisher's checksum file.
 * Runs inside the Volume provider, so built-ins are looked up per call (see exec.ts).
 */
import { findSha256, isSha256 } from '../render/checksums.ts';
import { failure } from './exec.ts';

/** Where an image comes from and how to check it. */
export interface ImageSource {
  /** http(s) URL or a path on the machine running Pulumi. */
  source: string;
  /** Pinned SHA-256 (hex). Wins over `checksumUrl`. */
  sha256?: string;
  /** URL of a checksum file (SHA256SUMS or BSD CHECKSUM) listing the image's file name. */
  checksumUrl?: string;
  /** Directory for downloaded images. */
  cacheDir: string;
}

/** A verified image file on this machine. */
export interface LocalImage {
  path: string;
  sha256: string;
}

/** True for sources that are downloaded rather than read from disk. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The SHA-256 of a file, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const crypto = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Resolves the digest the image must have: the pinned one, or the one its checksum file lists. */
export async function expectedSha256(image: Omit<ImageSource, 'cacheDir'>): Promise<string> {
  if (image.sha256 !== undefined && image.sha256 !== '') {
    if (!isSha256(image.sha256))
      throw failure(
        `sha256 ${JSON.stringify(image.sha256)} for ${image.source} is not a 64-digit hex SHA-256`,
        'copy the digest from the publisher (sha256sum prints it)',
      );
    return image.sha256.toLowerCase();
  }
  if (image.checksumUrl === undefined || image.checksumUrl === '') {
    throw failure(`no checksum for ${image.source}`, 'set its sha256 (or a checksumUrl) in the stack config (labbench:images): images are always verified');
  }
  const res = await fetch(image.checksumUrl).catch((err: Error) => {
    throw failure(`could not fetch the checksum file ${image.checksumUrl}: ${err.message}`, 'check the network, or pin the image sha256 in labbench:images');
  });
  if (!res.ok)
    throw failure(
      `fetching the checksum file ${image.checksumUrl} answered HTTP ${res.status}`,
      'check the checksumUrl, or pin the image sha256 in labbench:images',
    );
  const fileName = decodeURIComponent(new URL(image.source, 'file:///').pathname.split('/').pop() ?? '');
  const digest = findSha256(await res.text(), fileName);
  if (digest === undefined)
    throw failure(`${image.checksumUrl} lists no SHA-256 for ${fileName}`, 'check that the image URL and checksum file belong to the same release');
  return digest;
}

/** Makes the image available locally and verified; a wrong checksum fails (and a bad download is not kept). */
export async function localImage(image: ImageSource): Promise<LocalImage> {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const fsp = process.getBuiltinModule('node:fs/promises') as typeof import('node:fs/promises');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  const crypto = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  const stream = process.getBuiltinModule('node:stream') as typeof import('node:stream');
  const streamPromises = process.getBuiltinModule('node:stream/promises') as typeof import('node:stream/promises');

  const expected = await expectedSha256(image);
  const mismatch = (actual: string) =>
    failure(
      `sha256 mismatch for ${image.source}: expected ${expected}, got ${actual}`,
      'the image is not the one the stack config names: fix its path/URL, or set its sha256 in labbench:images to the published checksum',
    );

  if (!isUrl(image.source)) {
    const actual = await sha256OfFile(image.source).catch((err: NodeJS.ErrnoException) => {
      throw failure(`cannot read the image ${image.source}: ${err.code ?? err.message}`, 'give an existing file path or an http(s) URL in labbench:images');
    });
    if (actual !== expected) throw mismatch(actual);
    return { path: image.source, sha256: actual };
  }

  const fileName = path.basename(new URL(image.source).pathname);
  const cached = path.join(image.cacheDir, `${expected.slice(0, 16)}-${fileName}`);
  if (fs.existsSync(cached) && (await sha256OfFile(cached)) === expected) return { path: cached, sha256: expected };

  await fsp.mkdir(image.cacheDir, { recursive: true });
  const partial = `${cached}.part`;
  const res = await fetch(image.source).catch((err: Error) => {
    throw failure(
      `could not download ${image.source}: ${err.message}`,
      'check the network, or download the image yourself and give its path in labbench:images',
    );
  });
  if (!res.ok || res.body === null) throw failure(`downloading ${image.source} answered HTTP ${res.status}`, 'check the image URL in labbench:images');
  const hash = crypto.createHash('sha256');
  const body = stream.Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => hash.update(chunk));
  try {
    await streamPromises.pipeline(body, fs.createWriteStream(partial, { mode: 0o644 }));
  } catch (err) {
    await fsp.rm(partial, { force: true });
    throw failure(`downloading ${image.source} failed: ${(err as Error).message}`, 'run it again; a partial download is not kept');
  }
  const actual = hash.digest('hex');
  if (actual !== expected) {
    await fsp.rm(partial, { force: true });
    throw mismatch(actual);
  }
  await fsp.rename(partial, cached);
  return { path: cached, sha256: actual };
}
