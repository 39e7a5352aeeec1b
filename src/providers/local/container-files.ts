/** Single files out of and into a host's container, started or not (`docker cp` with a tar stream). */
import type { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { CommandError } from '../../errors.ts';
import { pipeLocal } from '../../machine/run.ts';
import type { DockerEngine } from './docker-cli.ts';

export interface ContainerFile {
  path: string;
  content: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

/** One regular file out of a container (started or not), or undefined when it has none there. */
export async function readContainerFile(engine: DockerEngine, container: string, path: string): Promise<ContainerFile | undefined> {
  const extract = tar.extract();
  let found: ContainerFile | undefined;
  const consumed = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (!found && entry.header.type === 'file')
        found = { path, content: Buffer.concat(chunks), mode: entry.header.mode, uid: entry.header.uid, gid: entry.header.gid };
    }
  })();
  try {
    await Promise.all([pipeLocal(['docker', '-H', engine.host, 'cp', `${container}:${path}`, '-'], { stdout: extract as unknown as Writable }), consumed]);
  } catch (err) {
    if (err instanceof CommandError) return undefined;
    throw err;
  }
  return found;
}

/** Puts files into a container (started or not), with their modes and owners; their directories are created when missing. */
export async function putFiles(engine: DockerEngine, container: string, files: readonly ContainerFile[]): Promise<void> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.path.replace(/^\/+/, ''), mode: f.mode, uid: f.uid, gid: f.gid }, f.content);
  pack.finalize();
  await pipeLocal(['docker', '-H', engine.host, 'cp', '-a', '-', `${container}:/`], { stdin: pack as unknown as Readable });
}
