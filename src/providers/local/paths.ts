/**
 * Where the local provider keeps its state, under labbench's state root
 * (src/machine/state-root.ts: `$LABBENCH_HOME`, default `~/.local/state/labbench`):
 *
 *   engine/            the private Docker engine labbench starts when none answers (data-root
 *                      keeps the host image cache between labs; exec-root, socket, pidfile, log)
 *   images/<hash>/     host image build outputs: manifest.json (with exact package versions)
 *   labs/<name>/       one lab: lab.json, the lab's SSH key pair and known_hosts, and
 *     snapshots/<snap>/  its snapshots (snapshot.json and each host's Docker volume as a tar;
 *                      their file systems are images labbench/snapshot:<lab>.<snap>.<host>)
 *   locks/engine.lock  around the private engine's start and stop (engine.ts)
 *   tmp/               work space of snapshot export and import, removed when they end
 */
import { join } from 'node:path';
import { type StateRoot, stateRoot } from '../../machine/state-root.ts';

export interface StatePaths extends StateRoot {
  engine: { dir: string; dataRoot: string; execRoot: string; socket: string; pidfile: string; log: string; record: string };
  images: string;
  lab(name: string): LabPaths;
  /** The lock around the private engine's start and stop. */
  engineLock: string;
}

export interface LabPaths {
  dir: string;
  record: string;
  privateKey: string;
  publicKey: string;
  knownHosts: string;
  snapshots: string;
}

export function statePaths(env: NodeJS.ProcessEnv = process.env): StatePaths {
  const base = stateRoot(env);
  const engineDir = join(base.root, 'engine');
  return {
    ...base,
    engine: {
      dir: engineDir,
      dataRoot: join(engineDir, 'data'),
      execRoot: join(engineDir, 'exec'),
      socket: join(engineDir, 'docker.sock'),
      pidfile: join(engineDir, 'dockerd.pid'),
      log: join(engineDir, 'dockerd.log'),
      record: join(engineDir, 'engine.json'),
    },
    images: join(base.root, 'images'),
    engineLock: base.lock('engine'),
    lab(name: string): LabPaths {
      const dir = base.labDir(name);
      return {
        dir,
        record: join(dir, 'lab.json'),
        privateKey: join(dir, 'id_ed25519'),
        publicKey: join(dir, 'id_ed25519.pub'),
        knownHosts: join(dir, 'known_hosts'),
        snapshots: join(dir, 'snapshots'),
      };
    },
  };
}
