import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import test from 'ava';
import { agentInstallFiles } from '../../src/flannel/install.ts';
import { AGENT_BINARY_PATH, UDP_RELAY_FROM_BINARY_DIR, UDP_RELAY_PATH, UNIT_PATH } from '../../src/flannel/paths.ts';

const node = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, args, { encoding: 'utf8' }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

test('install files: the bundled agent, the udp relay and the unit, with their modes', async (t) => {
  const files = await agentInstallFiles();
  t.deepEqual(
    files.map((f) => [f.path, f.mode.toString(8)]),
    [
      ['/usr/local/bin/flanneld', '755'],
      ['/usr/local/libexec/flannel/udp-relay.py', '755'],
      ['/etc/systemd/system/flanneld.service', '644'],
    ],
  );
  t.true(files[0]!.content.startsWith('#!/usr/bin/env node\n'));
  t.true(files[1]!.content.startsWith('#!/usr/bin/env python3\n'));
  t.regex(files[2]!.content, /^ExecStart=\/usr\/local\/bin\/flanneld /m);
  t.is(resolve(dirname(AGENT_BINARY_PATH), UDP_RELAY_FROM_BINARY_DIR), UDP_RELAY_PATH);
  t.is(UNIT_PATH, files[2]!.path);
});

test('the bundle runs on its own: -version says it is labbench’s agent; bad flags fail like flanneld', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'labbench-bundle-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'flanneld');
  await writeFile(bundle, (await agentInstallFiles())[0]!.content);
  const version = await node([bundle, '-version']);
  t.is(version.code, 0);
  t.regex(version.stdout, /^labbench-flanneld v\d+\.\d+\.\d+ \(labbench's flannel-compatible agent, not upstream flannel;/);
  const bad = await node([bundle, '-nope']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^error: flag provided but not defined: -nope\n {2}hint: run `flanneld -help`/);
});
