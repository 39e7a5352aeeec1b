/**
 * A host's Docker volume (its /var/lib/docker) as a tar and back, copied by a throwaway container
 * with GNU tar: with the inner engine's overlay xattrs (trusted.*, which need CAP_SYS_ADMIN) and
 * numeric owners. The container carries the lab's label, so `lab down` removes it if it is ever
 * left behind.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { ProviderError } from '../../errors.ts';
import { pipeLocal } from '../../machine/run.ts';
import type { SnapshotFile } from '../../snapshot/manifest.ts';
import { type DockerEngine, docker, LABEL } from './docker-cli.ts';

/** The host's Docker volume and the image it runs (which has the tar that copies the volume). */
export async function volumeOf(engine: DockerEngine, container: string): Promise<{ volume: string; image: string }> {
  const out = await docker(engine, ['inspect', '-f', '{{.Image}} {{range .Mounts}}{{if eq .Destination "/var/lib/docker"}}{{.Name}}{{end}}{{end}}', container]);
  const [image = '', volume = ''] = out.stdout.trim().split(' ');
  if (!volume) throw new ProviderError(`${container} has no Docker volume at /var/lib/docker`);
  return { volume, image };
}

/** The docker command of the throwaway tar container. */
function volumeTar(engine: DockerEngine, lab: string, volume: string, image: string, mode: 'create' | 'extract'): string[] {
  return [
    'docker',
    '-H',
    engine.host,
    'run',
    '--rm',
    ...(mode === 'extract' ? ['-i'] : []),
    '--network',
    'none',
    '--label',
    `${LABEL.lab}=${lab}`,
    '--cap-add',
    'SYS_ADMIN',
    '--security-opt',
    'apparmor=unconfined',
    '-v',
    `${volume}:/v${mode === 'create' ? ':ro' : ''}`,
    '--entrypoint',
    'tar',
    image,
    '--xattrs',
    '--xattrs-include=*',
    '--numeric-owner',
    '-C',
    '/v',
    ...(mode === 'create' ? ['-cf', '-', '.'] : ['-xpf', '-']),
  ];
}

export async function tarVolume(engine: DockerEngine, lab: string, volume: string, image: string, path: string, relativePath: string): Promise<SnapshotFile> {
  const { sink, done } = hashingFile(path);
  await pipeLocal(volumeTar(engine, lab, volume, image, 'create'), { stdout: sink, timeoutMs: 1_800_000 });
  const { bytes, sha256 } = await done;
  return { path: relativePath, bytes, sha256 };
}

export async function untarVolume(engine: DockerEngine, lab: string, volume: string, image: string, path: string): Promise<void> {
  await pipeLocal(volumeTar(engine, lab, volume, image, 'extract'), { stdin: createReadStream(path), timeoutMs: 1_800_000 });
}

/** A stream that writes to `path` and tells its size and SHA-256 once written. */
function hashingFile(path: string): { sink: Writable; done: Promise<{ bytes: number; sha256: string }> } {
  const hash = createHash('sha256');
  let bytes = 0;
  const sink = new PassThrough();
  const out = createWriteStream(path);
  sink.on('data', (c: Buffer) => {
    hash.update(c);
    bytes += c.length;
  });
  sink.pipe(out);
  const done = once(out, 'close').then(() => ({ bytes, sha256: hash.digest('hex') }));
  return { sink, done };
}
