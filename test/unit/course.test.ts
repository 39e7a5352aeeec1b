import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { findExercise, listExercises, stepOf } from '../../src/course/exercises.ts';
import { assertNotSolving, readProgress, solvingNow, withSolvingLock, writeProgress } from '../../src/course/progress.ts';
import { renderCheck, renderExerciseList, renderStatus, renderTask } from '../../src/course/render.ts';
import { flannelControl, flannelDebName, PACKAGED_SYSCONFIG, packagesStanza } from '../../src/flannel/package.ts';
import { parseEnvironmentFile } from '../../src/flannel/sysconfig.ts';
import { addressIn } from '../../src/net/ipv4.ts';
import { HOST_IMAGE_FILES } from '../../src/providers/local/host-image/files.ts';
import { HOST_IMAGE_PATHS } from '../../src/testbed/host-image.ts';
import { renderTable } from '../../src/text-table.ts';

test('every chapter of the document 1–4 is an exercise whose steps carry the document heading, a summary, a host and a hint', async (t) => {
  const exercises = await listExercises();
  t.deepEqual(
    exercises.map((e) => e.name),
    ['bridge-basics', 'icc', 'link', 'network-modes', 'daemon-config', 'custom-network', 'connect-networks', 'flannel-two-host'],
  );
  for (const e of exercises) {
    for (const s of e.steps) {
      t.regex(s.doc.heading, /[\u4e00-\u9fff]/, `${e.name} step ${s.index}: a Chinese heading`);
      t.true(s.doc.text.length > 10 && s.summary.length > 10 && s.hint.length > 10, `${e.name} step ${s.index}`);
      t.true(['document', 'A', 'B', 'A+B'].includes(s.on));
    }
  }
  const flannel = await findExercise('flannel-two-host');
  t.deepEqual(
    flannel.steps.map((s) => s.on),
    ['A', 'A', 'A', 'B', 'A+B', 'A+B', 'A+B'],
  );
});

test('unknown exercises, scenarios that are not exercises and bad steps are one clear error each', async (t) => {
  await t.throwsAsync(findExercise('nosuch'), { message: 'unknown exercise "nosuch"' });
  await t.throwsAsync(findExercise('macvlan'), { message: /not a course exercise/ });
  const icc = await findExercise('icc');
  t.throws(() => stepOf(icc, 3), { message: 'icc has no step 3' });
  t.throws(() => stepOf(icc, 0), { message: 'icc has no step 0' });
  t.is(stepOf(icc, 2).index, 2);
});

test('progress is kept with the lab; the solving lock stops a check and is released after', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'labbench-course-'));
  const env = { LABBENCH_HOME: home };
  try {
    t.is(readProgress('lab1', env), undefined);
    writeProgress({ lab: 'lab1', exercise: 'icc', step: 2, startedAt: 1, started: 'now', steps: { 1: { passed: true, checkedAt: 'then', failed: [] } } }, env);
    t.is(readProgress('lab1', env)?.step, 2);
    await withSolvingLock(
      'lab1',
      'course solve icc --step 2',
      async () => {
        t.is(solvingNow('lab1', env)?.pid, process.pid);
        t.throws(() => assertNotSolving('lab1', env), { message: /lab "lab1" is being changed right now \(pid \d+: course solve icc --step 2\)/ });
      },
      env,
    );
    t.is(solvingNow('lab1', env), undefined);
    // A lock left by a process that is gone does not block.
    writeFileSync(join(home, 'labs', 'lab1', 'course', 'solving.lock'), '999999999 course start icc\n');
    t.notThrows(() => assertNotSolving('lab1', env));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('renderers: the exercise list, a task with the document text, a check with hints on failures, the status', async (t) => {
  const icc = await findExercise('icc');
  t.regex(renderExerciseList([icc]), /^EXERCISE\s+SECTION\s+STEPS\s+WHAT IT SHOWS\nicc\s+§1\.2\s+2\s+two containers/);
  const task = renderTask(icc, 1, ['pnpm lab shell hostB']);
  t.true(task.includes('1.2 容器间的通信'));
  t.true(task.includes('  │ docker run -itd --name centos01 centos:7.9'));
  t.true(task.includes('Work on: pnpm lab shell hostB'));
  const check = renderCheck({
    exercise: 'icc',
    step: 2,
    title: 't',
    passed: false,
    checks: [
      { label: 'daemon.json icc', ok: false, expected: 'false', actual: 'true', hint: 'add "icc": false' },
      { label: 'ok one', ok: true },
    ],
  });
  t.is(check, 'icc — step 2: t\n  ✗ daemon.json icc (expected false, got true)\n      hint: add "icc": false\n  ✓ ok one\n  ⇒ step 2 is not done yet\n');
  const status = renderStatus(icc, {
    lab: 'l',
    exercise: 'icc',
    step: 2,
    startedAt: 1,
    started: 'x',
    steps: { 1: { passed: true, checkedAt: 'T', failed: [] } },
  });
  t.regex(status, /→ 2/);
  t.regex(status, /passed T/);
});

test('renderTable pads columns; addressIn takes addresses and blocks with or without host bits', (t) => {
  t.is(
    renderTable([
      ['A', 'BB'],
      ['ccc', 'd'],
    ]),
    'A    BB\nccc  d\n',
  );
  t.true(addressIn('172.20.9.7', '172.20.9.1/24'));
  t.true(addressIn('10.0.0.3/24', '10.0.0.0/24'));
  t.false(addressIn('10.0.1.3', '10.0.0.1/24'));
  t.false(addressIn('', '10.0.0.1/24'));
  t.false(addressIn('10.0.0.3', undefined));
});

test('the flannel package: control says what it is, the packaged sysconfig has the RPM defaults, the index stanza', (t) => {
  t.regex(flannelControl(), /^Package: flannel\nVersion: \S+\+labbench\nArchitecture: all\n/);
  t.regex(flannelControl(), /not upstream flannel/);
  t.deepEqual(parseEnvironmentFile(PACKAGED_SYSCONFIG), { FLANNEL_ETCD_ENDPOINTS: 'http://127.0.0.1:2379', FLANNEL_ETCD_PREFIX: '/atomic.io/network' });
  const stanza = packagesStanza('Package: flannel\n', { name: flannelDebName(), size: 3, md5: 'm', sha256: 's' });
  t.is(stanza, `Package: flannel\nFilename: ./${flannelDebName()}\nSize: 3\nMD5sum: m\nSHA256: s\n\n`);
});

test('the yum stand-in says what it is, maps etcd and flannel, and refuses unknown packages', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-yum-'));
  try {
    const script = join(dir, 'yum');
    writeFileSync(script, HOST_IMAGE_FILES.find((f) => f.path === HOST_IMAGE_PATHS.yum)!.content, { mode: 0o755 });
    // apt-get replaced by echo: the stand-in's decision, not an installation.
    const fakeBin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', fakeBin]);
    writeFileSync(join(fakeBin, 'apt-get'), '#!/bin/sh\necho apt-get "$@"\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` };
    const ok = spawnSync(script, ['-y', 'install', 'etcd', 'flannel'], { env, encoding: 'utf8' });
    t.is(ok.status, 0);
    t.is(ok.stdout, 'apt-get -y install etcd-server etcd-client flannel\n');
    t.regex(ok.stderr, /yum \(labbench stand-in on Debian 12\): installing the Debian equivalents: etcd-server etcd-client flannel/);
    const bad = spawnSync(script, ['-y', 'install', 'kubernetes'], { env, encoding: 'utf8' });
    t.is(bad.status, 1);
    t.regex(bad.stderr, /no Debian equivalent known for package "kubernetes"/);
    t.is(spawnSync(script, ['update'], { env, encoding: 'utf8' }).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the hosts a step works on, and the shell commands the task names', async (t) => {
  const { hostsOf, shellCommands } = await import('../../src/course/course.ts');
  const host = (name: string, os: string) => ({ name, info: { os } });
  const lab = (name: string) =>
    ({ inventory: { lab: name }, hosts: [host('hostA', 'rocky-8.10'), host('hostB', 'ubuntu-24.04')] }) as unknown as import('../../src/lab.ts').Lab;
  t.deepEqual(
    hostsOf(lab('x'), 'document').map((h) => h.name),
    ['hostB'],
    "the single-host chapters run on the document's Ubuntu host",
  );
  t.deepEqual(
    hostsOf(lab('x'), 'A').map((h) => h.name),
    ['hostA'],
  );
  t.deepEqual(
    hostsOf(lab('x'), 'A+B').map((h) => h.name),
    ['hostA', 'hostB'],
  );
  t.deepEqual(shellCommands(lab('labbench'), 'B'), ['pnpm lab shell hostB']);
  t.deepEqual(shellCommands(lab('alice'), 'A+B'), ['pnpm lab shell hostA --name alice', 'pnpm lab shell hostB --name alice']);
});
