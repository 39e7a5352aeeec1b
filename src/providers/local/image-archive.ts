/**
 * Hosts' images in and out of an exported snapshot. `docker save` writes every layer of an
 * image, the host image's (≈ 600 MB) included; an exported snapshot keeps only the layers the
 * lab added, and `docker load` takes an archive without the layers the engine already has
 * (it looks each layer up by its chain before reading it from the archive). The archive is kept
 * as a directory of files, each with its SHA-256, which the snapshot file lists.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { ProviderError } from '../../errors.ts';
import { pipeLocal } from '../../machine/run.ts';
import type { SnapshotFile } from '../../snapshot/manifest.ts';
import type { DockerEngine } from './docker-cli.ts';

/** One image of a `docker save` archive's manifest.json. */
interface ArchiveImage {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/**
 * Saves `images` into `dir` (as the files of a docker-load archive), leaving out the layers
 * whose diff ID is in `dropLayers`; returns the files with their sizes and SHA-256.
 */
export async function saveImages(engine: DockerEngine, images: readonly string[], dir: string, dropLayers: ReadonlySet<string>): Promise<SnapshotFile[]> {
  mkdirSync(dir, { recursive: true });
  const sums = new Map<string, string>();
  const extract = tar.extract();
  const consumed = (async () => {
    for await (const entry of extract) {
      const name = posix.normalize(entry.header.name).replace(/^\.\//, '');
      if (name.startsWith('..') || posix.isAbsolute(name)) throw new ProviderError(`docker save wrote an entry outside its archive: ${name}`);
      if (entry.header.type === 'file') {
        sums.set(name, await writeHashed(entry as AsyncIterable<Buffer>, join(dir, name)));
      } else if (entry.header.type === 'symlink') {
        // A layer saved twice under two IDs is a symlink to the first copy: keep a copy of it instead.
        const target = posix.join(posix.dirname(name), entry.header.linkname ?? '');
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        copyFileSync(join(dir, target), join(dir, name));
        sums.set(name, sums.get(target) ?? '');
        entry.resume();
      } else entry.resume();
    }
  })();
  await Promise.all([pipeLocal(['docker', '-H', engine.host, 'save', ...images], { stdout: extract as unknown as Writable, timeoutMs: 1_800_000 }), consumed]);

  // No tags in the archive (an import tags the images for its own lab), and none of the dropped layers.
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ArchiveImage[];
  for (const image of manifest) image.RepoTags = null;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  sums.set('manifest.json', await hashFile(manifestPath));
  rmSync(join(dir, 'repositories'), { force: true });
  sums.delete('repositories');
  for (const [name, sum] of [...sums]) {
    if (dropLayers.has(`sha256:${sum}`)) {
      rmSync(join(dir, name));
      sums.delete(name);
    }
  }
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([path, sum]) => ({ path, bytes: statSync(join(dir, path)).size, sha256: sum }));
}

/** Loads the docker-load archive kept as files under `dir` into the engine. */
export async function loadImages(engine: DockerEngine, dir: string): Promise<void> {
  const pack = tar.pack();
  const files = listFiles(dir);
  const fed = (async () => {
    for (const file of files) {
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name: relative(dir, file), size: statSync(file).size, mode: 0o644 }, (err) => (err ? reject(err) : resolve()));
        const input = createReadStream(file);
        input.on('error', reject);
        input.pipe(entry as unknown as Writable);
      });
    }
    pack.finalize();
  })();
  const loaded = pipeLocal(['docker', '-H', engine.host, 'load', '--quiet'], { stdin: pack as unknown as Readable, timeoutMs: 1_800_000 });
  await Promise.all([loaded, fed]);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function writeHashed(stream: AsyncIterable<Buffer>, path: string): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  try {
    for await (const c of stream) {
      hash.update(c);
      if (!out.write(c)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return hash.digest('hex');
}

/** A file's SHA-256, read as a stream (volumes and layers are large). */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of createReadStream(path)) hash.update(c as Buffer);
  return hash.digest('hex');
}
