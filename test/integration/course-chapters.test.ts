/**
 * Course mode on one real lab, chapters 1–3: for each exercise a student starts at a step,
 * types a wrong state by hand in a login shell (not the scenario's solve code) and `pnpm course
 * check` fails on the right check with its hint; then types the document's commands and the
 * check passes. No check changes a host. Bad input: a check while a step is being solved,
 * docker stopped by the student, an unknown exercise — one message each, and reset recovers.
 */

import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { StepCheck } from '../../src/course/course.ts';
import type { Host } from '../../src/host.ts';
import type { Lab } from '../../src/lab.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { cli, rootSkipReason } from '../support/cli.ts';
import { labForFile, snapshotHost, typeIn } from '../support/course.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const LAB = 'i11course';
const SUBNET = '10.211.71.0/24';
const course = (...args: string[]) => cli(['course', ...args, '--name', LAB]);

const lab = skip ? () => undefined as unknown as Lab : labForFile(LAB, SUBNET);
/** The document's single-host chapters run on host B (its Ubuntu host). */
const hostB = (): Host => lab().host('hostB');

async function type(t: ExecutionContext, command: string): Promise<void> {
  const r = await typeIn(hostB(), command);
  t.is(r.exitCode, 0, `${command}\n${r.stdout}${r.stderr}`);
}

/** `pnpm course check --json`, with a snapshot of host B before and after: a check changes nothing. */
async function check(t: ExecutionContext): Promise<{ code: number | null; result: StepCheck }> {
  const before = await snapshotHost(hostB());
  const r = await course('check', '--json');
  t.deepEqual(await snapshotHost(hostB()), before, 'the check changed nothing on host B');
  t.truthy(r.stdout.trim(), r.stderr);
  return { code: r.code, result: JSON.parse(r.stdout) as StepCheck };
}

async function start(t: ExecutionContext, exercise: string, at: number): Promise<void> {
  const r = await course('start', exercise, '--at', String(at));
  t.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  t.regex(r.stdout, new RegExp(`${exercise} — step ${at}/\\d+`));
  t.regex(r.stdout, /Work on: pnpm lab shell hostB --name i11course/);
}

/** The check fails on a check whose label matches, with a hint; returns that check's hint. */
async function expectFailure(t: ExecutionContext, label: RegExp): Promise<string> {
  const { code, result } = await check(t);
  t.is(code, 1);
  t.false(result.passed);
  const failed = result.checks.filter((c) => !c.ok);
  const hit = failed.find((c) => label.test(c.label));
  t.truthy(hit, `no failed check matches ${label}: ${failed.map((c) => c.label).join(' | ')}`);
  t.true((hit?.hint ?? '').length > 10, 'a failed check carries a hint');
  return hit?.hint ?? '';
}

async function expectPass(t: ExecutionContext): Promise<void> {
  const { code, result } = await check(t);
  t.is(
    code,
    0,
    result.checks
      .filter((c) => !c.ok)
      .map((c) => `${c.label}: ${c.actual ?? ''}`)
      .join('\n'),
  );
  t.true(result.passed && result.checks.length > 0);
}

run(title("bridge-basics step 2: a container on the none network fails the veth check; the document's docker run passes"), async (t) => {
  await start(t, 'bridge-basics', 2);
  await type(t, 'docker run -itd --name centos01 centos:7.9 && docker run -itd --name centos02 --network none centos:7.9');
  t.regex(await expectFailure(t, /^centos02: eth0@if\? names a host veth/), /default bridge/);
  await type(t, 'docker rm -f centos02 && docker run -itd --name centos02 centos:7.9');
  await expectPass(t);
});

run(title('icc step 2: daemon.json without "icc": false fails (icc still on); with it and docker restarted, the pings fail as they should'), async (t) => {
  await start(t, 'icc', 2);
  t.regex(await expectFailure(t, /^daemon\.json icc$/), /"icc": false/);
  await type(t, `echo '{"icc": false}' > /etc/docker/daemon.json && systemctl restart docker && docker start centos01 centos02`);
  await expectPass(t);
});

run(title('link step 1: centos02 without --link fails on the /etc/hosts line; with --link centos01 it passes'), async (t) => {
  await start(t, 'link', 1);
  await type(t, 'docker run -d -it --name centos01 centos:7.9 && docker run -d -it --name centos02 centos:7.9');
  await expectFailure(t, /^centos02 \/etc\/hosts: the line --link wrote for centos01$/);
  await type(t, 'docker rm -f centos02 && docker run -d -it --name centos02 --link centos01 centos:7.9');
  await expectPass(t);
});

run(title('network-modes step 2: ifconfig on the bridge network fails; docker run --network host centos:7.9 ifconfig passes'), async (t) => {
  await start(t, 'network-modes', 2);
  await type(t, 'docker run --network bridge centos:7.9 ifconfig');
  t.regex(await expectFailure(t, /^its network \(HostConfig\.NetworkMode\)$/), /--network host/);
  await type(t, 'docker run --network host centos:7.9 ifconfig');
  await expectPass(t);
});

run(title('daemon-config step 2: daemon.json written but docker not restarted fails on docker0; after the restart it passes'), async (t) => {
  await start(t, 'daemon-config', 2);
  await type(
    t,
    `printf '%s\\n' '{' '  "bip": "10.0.0.1/24",' '  "default-gateway": "10.0.0.254",' '  "dns": ["1.1.1.1","8.8.8.8"]' '}' > /etc/docker/daemon.json`,
  );
  t.regex(await expectFailure(t, /^docker0 address$/), /systemctl restart docker/);
  await type(t, 'systemctl restart docker && ip a show docker0');
  await expectPass(t);
});

run(title('custom-network step 2: server01 on the wrong network fails; on network01 it passes'), async (t) => {
  await start(t, 'custom-network', 2);
  await type(t, 'docker run -d -it --name server01 centos:7.9 && docker run -d -it --name server02 --network network01 centos:7.9');
  await expectFailure(t, /^server01: eth0$/);
  await type(
    t,
    'docker rm -f server01 server02 && docker run -d -it --name server01 --network network01 centos:7.9 && docker run -d -it --name server02 --network network01 centos:7.9',
  );
  await expectPass(t);
});

run(title('connect-networks step 4: only one docker network connect fails on server03; both pass'), async (t) => {
  await start(t, 'connect-networks', 4);
  await type(t, 'docker network connect network02 server01');
  t.regex(await expectFailure(t, /^server03: ifconfig shows an interface in network01/), /docker network connect network01 server03/);
  await type(t, 'docker network connect network01 server03');
  await expectPass(t);
});

run(title('bad input: a check while the lab is being changed, docker stopped by the student, unknown names — one message each; reset recovers'), async (t) => {
  // While a course command changes the lab (its lock names a live process), a check is refused.
  await start(t, 'daemon-config', 2);
  const holder = spawn('sleep', ['60']);
  const lock = join(statePaths().lab(LAB).dir, 'course', 'solving.lock');
  writeFileSync(lock, `${holder.pid} course solve daemon-config --step 2\n`);
  const busy = await course('check');
  holder.kill();
  rmSync(lock, { force: true });
  t.is(busy.code, 1);
  t.regex(
    busy.stderr,
    /^error: lab "i11course" is being changed right now \(pid \d+: course solve daemon-config --step 2\)\n {2}hint: wait until that command has finished/,
  );
  const solved = await course('solve');
  t.is(solved.code, 0, solved.stdout.slice(-2000));
  t.regex(solved.stdout, /hostB # systemctl restart docker/);

  await type(t, 'systemctl stop docker.socket docker');
  const down = await course('check');
  t.is(down.code, 1);
  t.regex(
    down.stderr,
    /^error: docker is not running on hostB \(systemctl is-active docker: inactive\)\n {2}hint: start it on hostB \(systemctl start docker; after several restarts in a minute systemd refuses until systemctl reset-failed docker\), or put the exercise back to its start: pnpm course reset\n$/,
  );
  t.notRegex(down.stderr, /\n\s+at /, 'no stack trace');
  const reset = await course('reset');
  t.is(reset.code, 0, reset.stdout.slice(-2000) + reset.stderr);
  const status = await course('status');
  t.regex(status.stdout, /daemon-config \(§3\.2\), on step 2 of 3/);
  await expectFailure(t, /^docker0 address$/);

  for (const [args, message] of [
    [['start', 'nosuch'], /^error: unknown exercise "nosuch"\n {2}hint: exercises are: bridge-basics, icc, link/],
    [['check', '--step', '9'], /^error: daemon-config has no step 9\n {2}hint: its steps are 1–3\n$/],
    [['check', '--step', 'x'], /^error: --step x is not a step number/],
  ] as const) {
    const r = await course(...args);
    t.is(r.code, 1, r.stdout);
    t.regex(r.stderr, message);
  }
  const notUp = await cli(['course', 'check', '--name', 'i11nolab']);
  t.regex(notUp.stderr, /^error: no exercise is started on lab "i11nolab"/);
});
