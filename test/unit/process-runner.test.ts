/**
 * One way to run a local process: commands run to their end go through src/machine/run.ts
 * (runLocal, pipeLocal), labbench's own CLI through src/machine/labbench-cli.ts. The files below
 * start a child themselves, each for a reason the runner does not cover; a new file that imports
 * node:child_process or zx's `$` fails this test until it uses the runner or is listed with why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import test from 'ava';
import { REPO_ROOT } from '../../src/machine/labbench-cli.ts';

const OWN_CHILDREN: Record<string, string> = {
  'src/machine/run.ts': 'the runner itself',
  'src/machine/file-lock.ts': 'a flock child held for as long as the lock is (it outlives any one command)',
  'src/providers/local/engine.ts': 'dockerd, detached: the engine outlives the command that started it',
  'src/transports/container-exec.ts': "`lab shell`: an interactive terminal on this process's own stdio",
  'src/flannel/agent/exec.ts': 'the flannel agent runs on the hosts as a standalone bundle, without labbench',
  'src/flannel/agent/udp-relay.ts': "the agent's UDP relay, a daemon of the standalone bundle",
  'infra/libvirt/exec.ts': "a Pulumi dynamic provider's function is serialised alone and cannot import labbench",
  'bench/lib/power/lock.ts': 'an external flock shared with shell users, held across runs and given up on Ctrl-C',
  'bench/boot-loop.ts': 'CPU burners (`sh -c "while :; do :; done"`) that run until killed',
};

function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)));
}

/** Whether a file starts processes of its own: node:child_process (not a type-only import), or zx's `$`. */
function startsProcesses(text: string): boolean {
  return /^(?!import type )[^\n]*['"]node:child_process['"]/m.test(text) || /import\s*\{[^}]*(?<![\w.])\$(?![\w])[^}]*\}\s*from\s*['"]zx['"]/.test(text);
}

test('the detector sees child_process and zx $, not zx argv', (t) => {
  t.true(startsProcesses("import { spawn } from 'node:child_process';"));
  t.true(startsProcesses("const { spawn } = process.getBuiltinModule('node:child_process');"));
  t.true(startsProcesses("import { $, argv } from 'zx';"));
  t.false(startsProcesses("import { argv } from 'zx';"));
  t.false(startsProcesses("import type { ChildProcess } from 'node:child_process';"), 'a type names no process');
  t.false(startsProcesses("import { runLocal } from '../machine/run.ts';"));
});

test('processes are started by the runner, or by a file listed with its reason', (t) => {
  const files = ['src', 'bench', 'scripts', 'infra', 'scenarios'].flatMap(sources);
  t.true(files.length > 200, `${files.length} files`);
  const starting = files.filter((f) => startsProcesses(readFileSync(join(REPO_ROOT, f), 'utf8')));
  t.deepEqual(
    starting.filter((f) => !(f in OWN_CHILDREN)),
    [],
    'use runLocal/pipeLocal (src/machine/run.ts) or runLabbench (src/machine/labbench-cli.ts)',
  );
  t.deepEqual(
    Object.keys(OWN_CHILDREN).filter((f) => !starting.includes(f)),
    [],
    'listed but no longer starting a process: drop the line',
  );
});
