/**
 * Hosts say what they are, over a real provider: a local lab's hosts (Debian 12 system
 * containers) reached as existing machines through the ssh provider. Labelled as the document
 * labels them (rocky-8.10, ubuntu-24.04) they are refused before anything runs on them (every
 * SSH command is recorded by the hosts' login shell); labelled debian-12, flannel-two-host passes.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import test from 'ava';
import { READ_OS_RELEASE } from '../../src/os/os-release.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { LocalProvider } from '../../src/providers/local/provider.ts';
import type { LabStatus } from '../../src/providers/provider.ts';
import type { ScenarioReport } from '../../src/scenario/report.ts';
import { ContainerExecTransport } from '../../src/transports/container-exec.ts';
import { cli, rootSkipReason } from '../support/cli.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const LAB = 'osit';
const SUBNET = '10.213.65.0/24';
const A = '10.213.65.12';
const B = '10.213.65.13';
const COMMAND_LOG = '/var/log/labbench-ssh-commands';

/** A login shell that appends the command sshd hands it (`-c <command>`) to COMMAND_LOG, then runs it. */
const LOGGING_SHELL = `#!/bin/bash
printf '%s\\n' "$*" >> ${COMMAND_LOG}
exec /bin/bash "$@"
`;

let dir = '';

function inventoryFile(name: string, labels: [string, string]): string {
  const paths = statePaths().lab(LAB);
  const file = `${dir}/${name}.yaml`;
  writeFileSync(
    file,
    [
      'lab: existing',
      `subnet: ${SUBNET}`,
      `knownHosts: ${paths.knownHosts}`,
      'hosts:',
      `  - { name: hostA, address: ${A}, os: ${labels[0]}, roles: [etcd, flannel], user: root, key: ${paths.privateKey} }`,
      `  - { name: hostB, address: ${B}, os: ${labels[1]}, roles: [flannel], user: root, key: ${paths.privateKey} }`,
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * Runs on every host by container exec: not through the login shell (so not recorded), and not
 * through openLab (which would refuse the hosts this test gives a foreign os-release).
 */
async function onHosts(command: string, files: Record<string, string> = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of (await new LocalProvider().inventory(LAB))!.hosts) {
    const transport = new ContainerExecTransport(h.name, h.container!);
    try {
      for (const [path, content] of Object.entries(files)) await transport.put(path, content, 0o755);
      const r = await transport.exec(command, { timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new Error(`${h.name}: ${command}: ${r.stderr}`);
      out[h.name] = r.stdout;
    } finally {
      await transport.close();
    }
  }
  return out;
}

test.before(async () => {
  if (skip) return;
  dir = mkdtempSync('/tmp/labbench-host-os-');
  const up = await cli(['lab', 'up', '--name', LAB, '--subnet', SUBNET, '--recreate']);
  if (up.code !== 0) throw new Error(`lab up failed: ${up.stderr}`);
});

test.after.always(async () => {
  if (skip) return;
  await cli(['lab', 'down', '--name', LAB]);
  rmSync(dir, { recursive: true, force: true });
});

run(title('local provider: lab status shows each stand-in label beside the Debian the machine runs'), async (t) => {
  const json = JSON.parse((await cli(['lab', 'status', '--name', LAB, '--json'])).stdout) as LabStatus;
  t.deepEqual(
    json.hosts.map((h) => [
      h.name,
      h.os,
      h.standIn,
      h.machineOs && 'name' in h.machineOs ? [h.machineOs.name, h.machineOs.family, h.machineOs.supported] : h.machineOs,
    ]),
    [
      ['hostA', 'rocky-8.10', true, ['Debian GNU/Linux 12', 'debian', true]],
      ['hostB', 'ubuntu-24.04', true, ['Debian GNU/Linux 12', 'debian', true]],
    ],
  );
  const text = (await cli(['lab', 'status', '--name', LAB])).stdout;
  t.regex(text, /OS \(label\)\s+OS \(machine\)/);
  t.regex(
    text,
    /hostA\s+10\.213\.65\.12\s+rocky-8\.10 \(stand-in: Debian GNU\/Linux 12\)\s+Debian GNU\/Linux 12 \(bookworm\), debian family\s+debian-12 system container\s+running/,
  );
  t.regex(text, /hostB\s+10\.213\.65\.13\s+ubuntu-24\.04 \(stand-in: Debian GNU\/Linux 12\)/);
});

run(title('a stand-in running an OS labbench has no path for (Alpine) is refused with the supported list'), async (t) => {
  const alpine = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n';
  await onHosts('mv -T /etc/os-release /etc/os-release.keep && mv -T /tmp/alpine-os-release /etc/os-release', { '/tmp/alpine-os-release': alpine });
  try {
    const r = await cli(['lab', 'exec', 'hostB', '--name', LAB, '--', 'touch /tmp/should-not-exist']);
    t.is(r.code, 1);
    t.regex(
      r.stderr,
      /^error: hostB \(labelled ubuntu-24\.04\) runs Alpine Linux v3\.20 \(ID=alpine, VERSION_ID=3\.20\.3\): neither debian- nor rhel-family; labbench has no path for it\n/,
    );
    t.regex(
      r.stderr,
      /hint: labbench has paths for rhel family \(dnf\): Rocky Linux 8, 9, AlmaLinux 8, 9; debian family \(apt\): Debian 12, Ubuntu 24\.04; use such a machine for hostB/,
    );
    t.is(r.stderr.match(/^error:/gm)?.length, 1);
  } finally {
    await onHosts('mv -T /etc/os-release.keep /etc/os-release');
  }
  t.deepEqual(await onHosts('test -e /tmp/should-not-exist && echo ran || echo not run'), { hostA: 'not run\n', hostB: 'not run\n' });
});

run(title("ssh provider, the document's labels on Debian machines: one error, exit 1, nothing but os-release read on the hosts"), async (t) => {
  await onHosts(`usermod -s /usr/local/sbin/logsh root && rm -f ${COMMAND_LOG}`, { '/usr/local/sbin/logsh': LOGGING_SHELL });
  const wrong = inventoryFile('document-labels', ['rocky-8.10', 'ubuntu-24.04']);
  const r = await cli(['scenario', 'flannel-two-host', '--provider', 'ssh', '--inventory', wrong]);
  t.is(r.code, 1, r.stderr);
  t.is(
    r.stderr
      .split('\n')
      .filter((l) => l.startsWith('error:') || l.startsWith('  '))
      .join('\n'),
    [
      'error: the hosts of lab "existing" are not what labbench can drive:',
      `  - hostA is labelled rocky-8.10, but the machine runs Debian GNU/Linux 12 (bookworm) (ID=debian, VERSION_ID=12)`,
      `  - hostB is labelled ubuntu-24.04, but the machine runs Debian GNU/Linux 12 (bookworm) (ID=debian, VERSION_ID=12)`,
      "  hint: a label must describe the machine, since each host is driven with its own OS family's commands: fix the inventory file (--inventory): hostA: os: debian-12, hostB: os: debian-12; no step was run on the hosts",
    ].join('\n'),
  );
  t.notRegex(r.stdout, /──|dnf|apt-get/, 'no scenario step started');
  // Every SSH command went through the logging login shell: the only one was the os-release read.
  const logged = await onHosts(`cat ${COMMAND_LOG}`);
  for (const host of ['hostA', 'hostB']) {
    const lines = logged[host]!.trim().split('\n');
    t.is(lines.length, 1, `${host} ran: ${logged[host]}`);
    t.true(lines[0]!.startsWith('-c timeout') && lines[0]!.includes(READ_OS_RELEASE), lines[0]);
  }

  const status = JSON.parse((await cli(['lab', 'status', '--provider', 'ssh', '--inventory', wrong, '--json'])).stdout) as LabStatus;
  t.deepEqual(
    status.hosts.map((h) => [
      h.os,
      h.machineOs && 'id' in h.machineOs ? `${h.machineOs.id}-${h.machineOs.versionId} matches=${h.machineOs.matchesLabel}` : h.machineOs,
    ]),
    [
      ['rocky-8.10', 'debian-12 matches=false'],
      ['ubuntu-24.04', 'debian-12 matches=false'],
    ],
  );
  t.regex(
    (await cli(['lab', 'status', '--provider', 'ssh', '--inventory', wrong])).stdout,
    /hostA\s+10\.213\.65\.12\s+rocky-8\.10\s+Debian GNU\/Linux 12 \(bookworm\), debian family — contradicts the label/,
  );
});

run(title('ssh provider, labelled debian-12: flannel-two-host passes on the same machines'), async (t) => {
  const right = inventoryFile('debian-labels', ['debian-12', 'debian-12']);
  const r = await cli(['scenario', 'flannel-two-host', '--provider', 'ssh', '--inventory', right, '--json']);
  t.is(r.code, 0, r.stderr + r.stdout.slice(-3000));
  const report = JSON.parse(r.stdout) as ScenarioReport;
  t.is(report.provider, 'ssh');
  t.is(report.verdict, 'PASS');
  t.deepEqual(report.hosts, [
    { name: 'hostA', os: 'debian-12', machine: 'Debian GNU/Linux 12', family: 'debian' },
    { name: 'hostB', os: 'debian-12', machine: 'Debian GNU/Linux 12', family: 'debian' },
  ]);
  const commands = report.steps.flatMap((s) => s.commands.map((c) => c.command));
  t.false(
    commands.some((c) => /\bdnf\b/.test(c)),
    'the debian family is driven with apt/dpkg, never dnf',
  );
  // The host image's etcd reads the document's /etc/etcd/etcd.conf (a drop-in), so the family shows in how flannel is installed.
  t.true(commands.includes('apt -y install flannel'), 'flannel installed with apt, as on a Debian machine');
  const text = (await cli(['lab', 'status', '--provider', 'ssh', '--inventory', right])).stdout;
  t.regex(text, /hostA\s+10\.213\.65\.12\s+debian-12\s+Debian GNU\/Linux 12 \(bookworm\), debian family\s+existing machine\s+existing/);
});
