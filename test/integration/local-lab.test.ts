/**
 * The local provider for real: a Docker engine, two system-container hosts running systemd,
 * sshd and their own Docker engines, reached over ssh2 with pinned host keys; then `lab down`
 * and a check that the machine is exactly as before.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import test from 'ava';
import { openLab } from '../../src/lab.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { LocalProvider } from '../../src/providers/local/provider.ts';
import { parseInventoryFile } from '../../src/providers/ssh/inventory-file.ts';
import { ensureBoxImage } from '../../src/scenario/lib/box.ts';
import { cli, cliInTerminal, rootSkipReason, startCli } from '../support/cli.ts';
import { diff, snapshotMachine } from '../support/machine-snapshot.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const LAB = 'itest';
const SUBNET = '10.213.50.0/24';
const home = statePaths().root;

function assertNoResidue(t: import('ava').ExecutionContext, before: ReturnType<typeof snapshotMachine>, after: ReturnType<typeof snapshotMachine>) {
  const d = diff(before, after);
  const processes = d.processes?.added ?? [];
  delete d.processes;
  t.deepEqual(d, {}, `the machine changed: ${JSON.stringify(d, null, 2)}`);
  t.deepEqual(processes, [], `processes left running: ${processes.join(', ')}`);
}

run(title('lab up brings up hostA and hostB; ssh2 ping across the LAN; docker run inside each; re-up is a no-op; down leaves nothing'), async (t) => {
  const before = snapshotMachine(home);
  const up = await cli(['lab', 'up', '--name', LAB, '--subnet', SUBNET]);
  t.is(up.code, 0, up.stderr);
  try {
    const status = JSON.parse((await cli(['lab', 'status', '--name', LAB, '--json'])).stdout) as {
      state: string;
      hosts: { name: string; address: string; state: string }[];
    };
    t.is(status.state, 'up');
    t.deepEqual(
      status.hosts.map((h) => [h.name, h.address, h.state]),
      [
        ['hostA', '10.213.50.12', 'running'],
        ['hostB', '10.213.50.13', 'running'],
      ],
    );

    const inventory = (await new LocalProvider().inventory(LAB))!;
    const lab = await openLab(inventory, { transport: 'ssh' });
    try {
      const ping = await lab.host('hostA').$`ping -c 2 -W 2 10.213.50.13`;
      t.regex(ping.stdout, /2 received/);
      for (const h of lab.hosts) {
        await ensureBoxImage(h);
        const out = await h.$`docker run --rm labbench/box hostname -i`;
        t.regex(out.text(), /^172\.17\.\d+\.\d+$/, `${h.name}: a container on the host's docker0`);
        t.is(h.transport.description, `ssh root@${h.address}`);
      }
    } finally {
      await lab.close();
    }

    // Both transports bound a command's time on the host itself and say so in the result.
    for (const mode of ['ssh', 'exec'] as const) {
      const l = await openLab(inventory, { transport: mode });
      try {
        const started = performance.now();
        const slow = await l.host('hostA').$({ timeoutMs: 2_000, nothrow: true })`sleep 30; echo never`;
        t.is(slow.exitCode, null, mode);
        t.is(slow.signal, 'timeout after 2000ms', mode);
        t.is(slow.stdout, '', mode);
        t.true(performance.now() - started < 10_000, `${mode}: stopped at the bound`);
        const echo = await l.host('hostB').$`printf %s ${"it's $HOME"}`;
        t.is(echo.stdout, "it's $HOME", `${mode}: quoting survives the transport`);
      } finally {
        await l.close();
      }
    }

    const ids = (await cli(['lab', 'status', '--name', LAB, '--json'])).stdout;
    const again = await cli(['lab', 'up', '--name', LAB, '--subnet', SUBNET]);
    t.is(again.code, 0);
    t.regex(again.stderr, /already up/);
    t.is((await cli(['lab', 'status', '--name', LAB, '--json'])).stdout, ids, 'nothing was recreated');

    const exec = await cli(['lab', 'exec', 'hostB', '--name', LAB, '--', 'hostname']);
    t.is(exec.code, 0);
    t.is(exec.stdout.trim(), 'hostB');

    // `lab shell` at a terminal: a login shell on the host over ssh2, its exit code passed on.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: typed into the host's shell, which expands it
    const typed = 'echo "in $(hostname) from ${SSH_CONNECTION%% *} on $(tty)"; exit 7\n';
    const shell = await cliInTerminal(['lab', 'shell', 'hostA', '--name', LAB], typed, /root@hostA[^#]*# /);
    t.is(shell.code, 7, shell.output);
    t.regex(shell.output, /^in hostA from 10\.213\.50\.1 on \/dev\/pts\/\d+$/m);

    // A second lab side by side, with its own name and subnet.
    const second = await cli(['lab', 'up', '--name', `${LAB}2`, '--subnet', '10.213.53.0/24']);
    t.is(second.code, 0, second.stderr);
    const both = await Promise.all([LAB, `${LAB}2`].map(async (n) => JSON.parse((await cli(['lab', 'status', '--name', n, '--json'])).stdout).state));
    t.deepEqual(both, ['up', 'up']);
    const clash = await cli(['lab', 'up', '--name', `${LAB}3`, '--subnet', '10.213.53.0/25']);
    t.is(clash.code, 1);
    t.regex(clash.stderr, /overlaps 10\.213\.53\.0\/24, the LAN of lab "itest2"/);
    t.is((await cli(['lab', 'down', '--name', `${LAB}2`])).code, 0);

    // The same machines as "existing hosts" of the ssh provider, from an inventory file.
    const paths = statePaths().lab(LAB);
    const dir = mkdtempSync('/tmp/labbench-inventory-');
    try {
      const inventoryFile = `${dir}/inventory.yaml`;
      writeFileSync(
        inventoryFile,
        [
          'lab: existing',
          `subnet: ${SUBNET}`,
          `knownHosts: ${paths.knownHosts}`,
          'hosts:',
          `  - { name: hostA, address: 10.213.50.12, os: debian-12, roles: [etcd, flannel], user: root, key: ${paths.privateKey} }`,
          `  - { name: hostB, address: 10.213.50.13, os: debian-12, roles: [flannel], user: root, key: ${paths.privateKey} }`,
          '',
        ].join('\n'),
      );
      const sshUp = await cli(['lab', 'up', '--provider', 'ssh', '--inventory', inventoryFile]);
      t.is(sshUp.code, 0, sshUp.stderr);
      t.regex(sshUp.stderr, /Checking SSH to hostA, hostB \(pinned host keys\)/);
      const sshExec = await cli(['lab', 'exec', 'hostA', '--provider', 'ssh', '--inventory', inventoryFile, '--', 'hostname']);
      t.is(sshExec.stdout.trim(), 'hostA');
      const sshDown = await cli(['lab', 'down', '--provider', 'ssh', '--inventory', inventoryFile]);
      t.is(sshDown.code, 0);
      t.regex(sshDown.stderr, /nothing to remove/);

      // A non-root login with passwordless sudo (as on cloud images): commands and file writes run as root.
      const asRoot = await openLab(inventory, { transport: 'ssh' });
      try {
        for (const h of asRoot.hosts) {
          await h.$`useradd -m labuser && install -d -o labuser -m 700 /home/labuser/.ssh && install -o labuser -m 600 /root/.ssh/authorized_keys /home/labuser/.ssh/ && echo 'labuser ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/labuser`;
        }
      } finally {
        await asRoot.close();
      }
      writeFileSync(inventoryFile, readFileSync(inventoryFile, 'utf8').replaceAll('user: root', 'user: labuser'));
      const sudoUp = await cli(['lab', 'up', '--provider', 'ssh', '--inventory', inventoryFile]);
      t.is(sudoUp.code, 0, sudoUp.stderr);
      const viaSudo = await openLab(parseInventoryFile(readFileSync(inventoryFile, 'utf8'), inventoryFile).inventory, { transport: 'ssh' });
      try {
        const a = viaSudo.host('hostA');
        t.is(a.transport.description, 'ssh labuser@10.213.50.12');
        await a.transport.put('/etc/labbench/put-check', 'written through sudo\n', 0o600);
        t.is((await a.$`stat -c '%U %a' /etc/labbench/put-check && cat /etc/labbench/put-check`).stdout, 'root 600\nwritten through sudo\n');
      } finally {
        await viaSudo.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    const down = await cli(['lab', 'down', '--name', LAB]);
    t.is(down.code, 0, down.stderr);
  }
  assertNoResidue(t, before, snapshotMachine(home));
  const downAgain = await cli(['lab', 'down', '--name', LAB]);
  t.is(downAgain.code, 0, 'down is idempotent');
});

run(title('a wrong host name and a changed host key give one clear error and a non-zero exit'), async (t) => {
  const up = await cli(['lab', 'up', '--name', LAB, '--subnet', SUBNET]);
  t.is(up.code, 0, up.stderr);
  try {
    const wrong = await cli(['lab', 'exec', 'hostC', '--name', LAB, '--', 'true']);
    t.is(wrong.code, 1);
    t.regex(wrong.stderr, /^error: no host "hostC" in lab "itest"\n {2}hint: its hosts are hostA, hostB\n$/);

    const knownHosts = statePaths().lab(LAB).knownHosts;
    const pinned = readFileSync(knownHosts, 'utf8');
    const lines = pinned.trim().split('\n');
    // Pin hostB's key for hostA: hostA's real key no longer matches.
    writeFileSync(knownHosts, `${lines[0]!.split(' ')[0]} ${lines[1]!.split(' ').slice(1).join(' ')}\n${lines[1]}\n`);
    try {
      const changed = await cli(['lab', 'exec', 'hostA', '--name', LAB, '--', 'true']);
      t.is(changed.code, 1);
      t.regex(changed.stderr, /error: the SSH host key of hostA \(10\.213\.50\.12\) does not match the key pinned for it/);
      t.is(changed.stderr.match(/^error:/gm)?.length, 1, 'printed once');
    } finally {
      writeFileSync(knownHosts, pinned);
    }
  } finally {
    await cli(['lab', 'down', '--name', LAB]);
  }
});

run(title('bad input is rejected before anything is created'), async (t) => {
  const before = snapshotMachine(home);
  const overlap = await cli(['lab', 'up', '--name', 'bad', '--subnet', '172.17.0.0/24']);
  t.is(overlap.code, 1);
  t.regex(overlap.stderr, /subnet 172\.17\.0\.0\/24 overlaps 172\.17\.0\.0\/16, Docker's default bridge/);
  const badName = await cli(['lab', 'up', '--name', 'Bad Name']);
  t.is(badName.code, 1);
  t.regex(badName.stderr, /lab name "Bad Name" must be/);
  const flag = await cli(['lab', 'up', '--nmae', 'x']);
  t.is(flag.code, 1);
  t.regex(flag.stderr, /Unknown option '--nmae'/);
  assertNoResidue(t, before, snapshotMachine(home));
});

run(title('an engine that cannot be started gives one clear error'), async (t) => {
  const wrongHost = await cli(['lab', 'up', '--name', 'noengine', '--subnet', '10.213.52.0/24'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  t.is(wrongHost.code, 1);
  t.regex(wrongHost.stderr, /DOCKER_HOST is unix:\/\/\/nonexistent\/docker.sock, but no Docker engine answers there/);
  const emptyHome = mkdtempSync('/tmp/labbench-home-');
  try {
    const broken = await cli(['lab', 'up', '--name', 'noengine', '--subnet', '10.213.52.0/24'], { LABBENCH_HOME: emptyHome, LABBENCH_DOCKERD: '/bin/false' });
    t.is(broken.code, 1);
    t.regex(broken.stderr, /private Docker engine \(\/bin\/false\) did not start: it exited with 1/);
  } finally {
    rmSync(emptyHome, { recursive: true, force: true });
  }
});

run(title('an interrupted lab up (SIGINT) is cleaned by lab down'), async (t) => {
  const before = snapshotMachine(home);
  const { child, done } = startCli(['lab', 'up', '--name', 'sigint', '--subnet', '10.213.51.0/24']);
  // Interrupt once the first host container is being started.
  const deadline = Date.now() + 120_000;
  let output = '';
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  while (!/Starting hostA/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.regex(output, /Starting hostA/);
  child.kill('SIGINT');
  const result = await done;
  t.is(result.code, 130);
  const status = JSON.parse((await cli(['lab', 'status', '--name', 'sigint', '--json'])).stdout) as { state: string };
  t.not(status.state, 'up');
  const down = await cli(['lab', 'down', '--name', 'sigint']);
  t.is(down.code, 0, down.stderr);
  assertNoResidue(t, before, snapshotMachine(home));
});
