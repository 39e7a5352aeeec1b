/**
 * Every provider says what it offers (stand-in hosts, a route out, package sources, stop/start,
 * snapshots), each missing capability with its reason; the registry's lab-locking wrapper keeps
 * it, and the inventories carry the host offers to scenarios. The CLI and scenarios ask this
 * instead of testing the kind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createLibvirtProvider } from '../../src/providers/libvirt/libvirt-provider.ts';
import { LocalProvider } from '../../src/providers/local/provider.ts';
import { lockingLabs } from '../../src/providers/registry.ts';
import { parseInventoryFile } from '../../src/providers/ssh/inventory-file.ts';
import { SshProvider } from '../../src/providers/ssh/provider.ts';

const home = mkdtempSync(join(tmpdir(), 'labbench-offers-'));
test.after.always(() => rmSync(home, { recursive: true, force: true }));
const env = { LABBENCH_HOME: home };

test("local: Debian stand-ins on a LAN with no route out, with the host image's offline package sources; stops, starts, snapshots", (t) => {
  const local = new LocalProvider(env);
  t.deepEqual(local.offers, { standIn: true, online: false, labelSource: 'the lab spec', packages: { yumStandIn: true, flannel: true } });
  t.true(local.power.available);
  t.true(local.snapshots.available);
});

test('libvirt: VMs of their own OS, online, OS package sources only; stops and starts, no snapshots (and why)', (t) => {
  const libvirt = createLibvirtProvider({ repoRoot: home, env });
  t.like(libvirt.offers, { standIn: false, online: true, packages: { yumStandIn: false, flannel: false } });
  t.regex(libvirt.offers.labelSource, /labbench:images/);
  t.true(libvirt.power.available);
  t.false(libvirt.snapshots.available);
  t.regex(!libvirt.snapshots.available ? libvirt.snapshots.reason : '', /not implemented/);
});

test("ssh: existing machines; neither stop/start nor snapshots, each with the reason; the inventory file's inventory carries the offers", (t) => {
  const dir = mkdtempSync(join(home, 'ssh-'));
  for (const f of ['id', 'known_hosts']) writeFileSync(join(dir, f), '');
  const file = join(dir, 'inventory.yaml');
  writeFileSync(
    file,
    'lab: e\nsubnet: 10.1.0.0/24\nknownHosts: ./known_hosts\nhosts:\n  - { name: h1, address: 10.1.0.5, os: debian-12, user: root, key: ./id }\n',
  );
  const ssh = new SshProvider(file);
  t.like(ssh.offers, { standIn: false, online: true, labelSource: 'the inventory file (--inventory)', packages: { yumStandIn: false, flannel: false } });
  t.false(ssh.power.available);
  t.regex(!ssh.power.available ? ssh.power.reason : '', /existing machines .* neither powers them off nor on/);
  t.false(ssh.snapshots.available);
  t.deepEqual(
    parseInventoryFile(`lab: e\nsubnet: 10.1.0.0/24\nknownHosts: /k\nhosts:\n  - { name: h1, address: 10.1.0.5, os: debian-12, user: root, key: /id }\n`, file)
      .inventory.offers,
    ssh.offers,
  );
});

test("the registry's locking wrapper keeps what the provider offers, and leaves an unavailable capability as it is", (t) => {
  const local = new LocalProvider(env);
  const locked = lockingLabs(local, env);
  t.is(locked.kind, 'local');
  t.deepEqual(locked.offers, local.offers);
  t.true(locked.power.available && locked.power.stop !== (local.power as { stop: unknown }).stop, 'stop goes through the lab lock');
  const dir = mkdtempSync(join(home, 'ssh2-'));
  for (const f of ['id', 'known_hosts']) writeFileSync(join(dir, f), '');
  writeFileSync(
    join(dir, 'i.yaml'),
    'subnet: 10.1.0.0/24\nknownHosts: ./known_hosts\nhosts:\n  - { name: h1, address: 10.1.0.5, os: debian-12, user: root, key: ./id }\n',
  );
  const ssh = new SshProvider(join(dir, 'i.yaml'));
  t.is(lockingLabs(ssh, env).power, ssh.power);
});
