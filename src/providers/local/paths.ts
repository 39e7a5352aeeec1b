/**
 * Where the local provider keeps its state on the machine. Everything lives under one root,
 * `$LABBENCH_HOME` (default `$XDG_STATE_HOME/labbench`, else `~/.local/state/labbench`):
 *
 *   engine/            the private Docker engine labbench starts when none answers (data-root
 *                      keeps the host image cache between labs; exec-root, socket, pidfile, log)
 *   images/<hash>/     host image build outputs: manifest.json (with exact package versions)
 *   debs/              downloaded .deb files, reused across builds (a download cache only)
 *   labs/<name>/       one lab: lab.json, the lab's SSH key pair and known_hosts, and
 *     snapshots/<snap>/  its snapshots (snapshot.json and each host's Docker volume as a tar;
 *                      their file systems are images labbench/snapshot:<lab>.<snap>.<host>)
 *   locks/             one lock per lab and one for the private engine (see lab-lock.ts, engine.ts)
 *   tmp/               work space of snapshot export and import, removed when they end
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StatePaths {
  root: string;
  engine: { dir: string; dataRoot: string; execRoot: string; socket: string; pidfile: string; log: string; record: string };
  images: string;
  debs: string;
  labs: string;
  tmp: string;
  lab(name: string): LabPaths;
  /** The lock of one lab, held by whichever command works on it. */
  labLock(name: string): string;
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
  const root = env.LABBENCH_HOME ?? join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'labbench');
  const engineDir = join(root, 'engine');
  return {
    root,
    engine: {
      dir: engineDir,
      dataRoot: join(engineDir, 'data'),
      execRoot: join(engineDir, 'exec'),
      socket: join(engineDir, 'docker.sock'),
      pidfile: join(engineDir, 'dockerd.pid'),
      log: join(engineDir, 'dockerd.log'),
      record: join(engineDir, 'engine.json'),
    },
    images: join(root, 'images'),
    debs: join(root, 'debs'),
    labs: join(root, 'labs'),
    tmp: join(root, 'tmp'),
    // Any name: a lock is taken before the name is validated (`lab down --name ../x` must not escape).
    labLock: (name: string) => join(root, 'locks', `lab.${encodeURIComponent(name)}.lock`),
    engineLock: join(root, 'locks', 'engine.lock'),
    lab(name: string): LabPaths {
      const dir = join(root, 'labs', name);
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
