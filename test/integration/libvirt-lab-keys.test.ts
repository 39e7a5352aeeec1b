/**
 * The libvirt lab's SSH keys, made with the real ssh-keygen in a temporary state directory:
 * private keys are 0600, known_hosts pins each host's key at its address, keys are reused on
 * the next `lab up`, and the pinned key is the one cloud-init will install.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { renderUserData } from '../../infra/render/cloud-init.ts';
import { runLocal } from '../../src/machine/run.ts';
import { ensureLabKeys } from '../../src/providers/libvirt/lab-keys.ts';
import { documentSpec } from '../../src/testbed/testbed.ts';

const hasKeygen = (await runLocal(['sh', '-c', 'command -v ssh-keygen'], { nothrow: true })).exitCode === 0;
const run = hasKeygen ? test : test.skip;
const why = hasKeygen ? '' : ' [skipped: ssh-keygen is not installed (Debian openssh-client)]';

run(`lab keys: login key and pinned host keys, 0600, reused on the next run${why}`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const spec = documentSpec({ name: 'keys', subnet: '10.213.77.0/24' });
  const keys = await ensureLabKeys(dir, spec);

  t.is(keys.privateKeyPath, join(dir, 'id_ed25519'));
  t.regex(keys.publicKey, /^ssh-ed25519 \S+ labbench-keys$/);
  for (const file of [keys.privateKeyPath, join(dir, 'host-keys', 'hostA_ed25519'), join(dir, 'host-keys', 'hostB_ed25519'), keys.knownHostsPath]) {
    t.is(statSync(file).mode & 0o777, 0o600, file);
  }
  t.deepEqual(Object.keys(keys.hostKeys), ['hostA', 'hostB']);

  // known_hosts answers for each address with that host's key, and ssh-keygen agrees on the fingerprint.
  const lines = readFileSync(keys.knownHostsPath, 'utf8').trim().split('\n');
  t.deepEqual(
    lines,
    spec.hosts.map((h) => `${h.address} ${keys.hostKeys[h.name]!.publicKey.split(' ').slice(0, 2).join(' ')}`),
  );
  const found = await runLocal(['ssh-keygen', '-F', '10.213.77.12', '-f', keys.knownHostsPath]);
  t.true(found.stdout.includes(keys.hostKeys['hostA']!.publicKey.split(' ')[1]!));
  const fromPrivate = await runLocal(['ssh-keygen', '-y', '-f', join(dir, 'host-keys', 'hostA_ed25519')]);
  t.is(fromPrivate.stdout.trim().split(' ').slice(0, 2).join(' '), lines[0]!.split(' ').slice(1).join(' '));

  // The host key cloud-init installs is the pinned one.
  const userData = renderUserData({
    instanceId: 'keys-hosta',
    hostname: 'hostA',
    sshAuthorizedKeys: [keys.publicKey],
    hostKey: keys.hostKeys['hostA']!,
    mac: '52:54:00:d5:4d:0c',
    addressCidr: '10.213.77.12/24',
    gateway: '10.213.77.1',
    routed: true,
  });
  t.true(userData.includes(keys.hostKeys['hostA']!.publicKey.split(' ')[1]!));

  const again = await ensureLabKeys(dir, spec);
  t.deepEqual(again, keys, 'existing keys are reused');
});
