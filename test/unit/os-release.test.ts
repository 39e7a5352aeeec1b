/**
 * os-release texts exactly as the distributions ship them (test/fixtures/os-release), and the
 * decisions labbench makes from them: family, version, label checks, the errors and status text.
 */

import { readFileSync } from 'node:fs';
import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { checkHostOs, describeLabel, describeMachine, type HostOsFailure, hostOsError, machineOsOf } from '../../src/os/host-os.ts';
import { parseOsRelease, parseOsReleaseFields } from '../../src/os/os-release.ts';
import { decideOs, labelDescribes, labelFamily, parseOsLabel, supportedSummary } from '../../src/os/releases.ts';
import { SSH_HOST_OFFERS } from '../../src/providers/ssh/inventory-file.ts';
import { familyOf, validateSpec } from '../../src/testbed/testbed.ts';

const shipped = (name: string) => readFileSync(new URL(`../fixtures/os-release/${name}`, import.meta.url), 'utf8');
const release = (name: string) => parseOsRelease(shipped(name));

test('parses os-release as Rocky 8.10, Ubuntu 24.04, Debian 12, AlmaLinux 9 and Alpine ship it', (t) => {
  t.deepEqual(release('rocky-8.10'), {
    id: 'rocky',
    idLike: ['rhel', 'centos', 'fedora'],
    name: 'Rocky Linux',
    versionId: '8.10',
    prettyName: 'Rocky Linux 8.10 (Green Obsidian)',
  });
  t.deepEqual(release('ubuntu-24.04'), { id: 'ubuntu', idLike: ['debian'], name: 'Ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.1 LTS' });
  t.deepEqual(release('debian-12'), { id: 'debian', idLike: [], name: 'Debian GNU/Linux', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  t.deepEqual(release('almalinux-9.4'), {
    id: 'almalinux',
    idLike: ['rhel', 'centos', 'fedora'],
    name: 'AlmaLinux',
    versionId: '9.4',
    prettyName: 'AlmaLinux 9.4 (Seafoam Ocelot)',
  });
  t.deepEqual(release('alpine-3.20'), { id: 'alpine', idLike: [], name: 'Alpine Linux', versionId: '3.20.3', prettyName: 'Alpine Linux v3.20' });
  t.deepEqual(release('arch'), { id: 'arch', idLike: [], name: 'Arch Linux', versionId: '', prettyName: 'Arch Linux' });
});

test('every assignment is read: bare, quoted, after a blank line; comments and junk are skipped', (t) => {
  const f = parseOsReleaseFields(shipped('almalinux-9.4'));
  t.is(f.SUPPORT_END, '2032-06-01', 'bare value after the blank line');
  t.is(f.ALMALINUX_MANTISBT_PROJECT, 'AlmaLinux-9');
  t.is(Object.keys(f).length, 18);
  t.deepEqual(parseOsReleaseFields('# comment\nNAME=\'Single quoted\'\nPRETTY_NAME="say \\"hi\\" for \\$5"\nnot an assignment\n'), {
    NAME: 'Single quoted',
    PRETTY_NAME: 'say "hi" for $5',
  });
});

test('missing keys take the defaults os-release(5) gives them', (t) => {
  t.deepEqual(parseOsRelease(''), { id: 'linux', idLike: [], name: 'Linux', versionId: '', prettyName: 'Linux' });
});

test('family and version come from the machine: EL by major line, Debian and Ubuntu by VERSION_ID', (t) => {
  const decided = (name: string) => {
    const d = decideOs(release(name));
    return d.ok ? [d.os.family, d.os.version, d.os.line, d.os.label, d.os.name] : d.problem;
  };
  t.deepEqual(decided('rocky-8.10'), ['rhel', '8.10', '8', 'rocky-8.10', 'Rocky Linux 8.10']);
  t.deepEqual(decided('almalinux-9.4'), ['rhel', '9.4', '9', 'almalinux-9.4', 'AlmaLinux 9.4']);
  t.deepEqual(decided('ubuntu-24.04'), ['debian', '24.04', '24.04', 'ubuntu-24.04', 'Ubuntu 24.04']);
  t.deepEqual(decided('debian-12'), ['debian', '12', '12', 'debian-12', 'Debian GNU/Linux 12']);
});

test('an OS labbench has no path for is refused, saying why', (t) => {
  const problem = (name: string) => {
    const d = decideOs(release(name));
    return d.ok ? 'accepted' : d.problem;
  };
  t.is(problem('alpine-3.20'), 'neither debian- nor rhel-family; labbench has no path for it');
  t.is(problem('arch'), 'neither debian- nor rhel-family; labbench has no path for it');
  t.is(problem('debian-13'), 'labbench has no path for Debian 13');
  t.is(decideOs(parseOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\nNAME="Linux Mint"\nVERSION_ID="22"\n')).ok, false);
  t.is(decideOs({ ...release('rocky-8.10'), versionId: '10.0' }).ok, false, 'Rocky 10 has no tested path');
  t.is(supportedSummary(), 'rhel family (dnf): Rocky Linux 8, 9, AlmaLinux 8, 9; debian family (apt): Debian 12, Ubuntu 24.04');
});

test('labels: accepted forms, their family, and whether they describe a machine', (t) => {
  t.deepEqual(parseOsLabel('rocky-8.10'), { id: 'rocky', version: '8.10' });
  t.is(parseOsLabel('rocky'), undefined);
  t.deepEqual(
    [labelFamily('rocky-8.10'), labelFamily('almalinux-9.4'), labelFamily('rocky-9'), labelFamily('ubuntu-24.04'), labelFamily('debian-12')],
    ['rhel', 'rhel', 'rhel', 'debian', 'debian'],
  );
  t.deepEqual(
    [labelFamily('centos-7.9'), labelFamily('debian-13'), labelFamily('ubuntu-22.04'), labelFamily('alpine-3.20')],
    [undefined, undefined, undefined, undefined],
  );
  t.true(labelDescribes('rocky-8.10', release('rocky-8.10')));
  t.true(labelDescribes('rocky-8', release('rocky-8.10')), 'a label as precise as it wants to be');
  t.false(labelDescribes('rocky-8.1', release('rocky-8.10')), 'no prefix match inside a number');
  t.false(labelDescribes('rocky-9', release('rocky-8.10')));
  t.false(labelDescribes('rocky-8.10', release('debian-12')));
  t.false(labelDescribes('ubuntu-24.04', release('debian-12')));
  t.true(labelDescribes('debian-12', release('debian-12')));
  t.is(familyOf('almalinux-9.4'), 'rhel');
  t.throws(() => familyOf('alpine-3.20'), { instanceOf: ConfigError });
});

test('a spec with an unknown label says which labels there are', (t) => {
  const err = t.throws(() => validateSpec({ name: 'x', subnet: '10.9.0.0/24', hosts: [{ name: 'h', address: '10.9.0.5', os: 'alpine-3.20', roles: [] }] }), {
    instanceOf: ConfigError,
  });
  t.regex(
    err!.message,
    /os "alpine-3\.20" is not one of the OS labels labbench has a path for: <distribution>-<version> for Rocky Linux 8 or 9, AlmaLinux 8 or 9, Debian 12, Ubuntu 24\.04/,
  );
});

test('a label contradicting the machine is one error naming host, label, machine and the fix', (t) => {
  const check = checkHostOs({ name: 'hostA', os: 'rocky-8.10' }, release('debian-12'));
  t.false(check.ok);
  const err = hostOsError('existing', SSH_HOST_OFFERS.labelSource, [check as HostOsFailure]);
  t.true(err instanceof ConfigError);
  t.is(err.message, 'hostA is labelled rocky-8.10, but the machine runs Debian GNU/Linux 12 (bookworm) (ID=debian, VERSION_ID=12)');
  t.is(
    err.hint,
    "a label must describe the machine, since each host is driven with its own OS family's commands: fix the inventory file (--inventory): hostA: os: debian-12; no step was run on the hosts",
  );
  t.is(err.exitCode, 1);
});

test('several hosts: one error listing each, mismatch and unsupported hints together', (t) => {
  const failures = [
    checkHostOs({ name: 'hostA', os: 'rocky-8.10' }, release('almalinux-9.4')),
    checkHostOs({ name: 'hostB', os: 'ubuntu-24.04' }, release('alpine-3.20')),
  ] as HostOsFailure[];
  const err = hostOsError('course', SSH_HOST_OFFERS.labelSource, failures);
  t.is(
    err.message,
    'the hosts of lab "course" are not what labbench can drive:\n' +
      '  - hostA is labelled rocky-8.10, but the machine runs AlmaLinux 9.4 (Seafoam Ocelot) (ID=almalinux, VERSION_ID=9.4)\n' +
      '  - hostB (labelled ubuntu-24.04) runs Alpine Linux v3.20 (ID=alpine, VERSION_ID=3.20.3): neither debian- nor rhel-family; labbench has no path for it',
  );
  t.regex(
    err.hint!,
    /hostA: os: almalinux-9\.4; labbench has paths for rhel family \(dnf\): Rocky Linux 8, 9, AlmaLinux 8, 9; debian family \(apt\): Debian 12, Ubuntu 24\.04; use such a machine for hostB; no step was run/,
  );
});

test('the right label passes; a stand-in passes with the document label; an unsupported stand-in does not', (t) => {
  const ok = checkHostOs({ name: 'hostB', os: 'ubuntu-24.04' }, release('ubuntu-24.04'));
  t.true(ok.ok && ok.os.family === 'debian');
  const standIn = checkHostOs({ name: 'hostA', os: 'rocky-8.10', standIn: true }, release('debian-12'));
  t.true(standIn.ok && standIn.os.family === 'debian', 'the scenarios drive the Debian that runs, not the Rocky label');
  const alpine = checkHostOs({ name: 'hostA', os: 'rocky-8.10', standIn: true }, release('alpine-3.20'));
  t.false(alpine.ok);
});

test('status shows the label and the machine side by side', (t) => {
  const standIn = { name: 'hostA', os: 'rocky-8.10', standIn: true };
  const debian = machineOsOf(standIn, release('debian-12'));
  t.deepEqual(debian, {
    name: 'Debian GNU/Linux 12',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
    id: 'debian',
    versionId: '12',
    family: 'debian',
    supported: true,
    matchesLabel: false,
  });
  t.is(describeLabel('rocky-8.10', true, debian), 'rocky-8.10 (stand-in: Debian GNU/Linux 12)');
  t.is(describeMachine(standIn, debian), 'Debian GNU/Linux 12 (bookworm), debian family');
  const labelled = { name: 'hostA', os: 'rocky-8.10' };
  t.is(describeLabel('rocky-8.10', undefined, machineOsOf(labelled, release('rocky-8.10'))), 'rocky-8.10');
  t.is(describeMachine(labelled, machineOsOf(labelled, release('rocky-8.10'))), 'Rocky Linux 8.10 (Green Obsidian), rhel family');
  t.is(describeMachine(labelled, machineOsOf(labelled, release('debian-12'))), 'Debian GNU/Linux 12 (bookworm), debian family — contradicts the label');
  t.is(describeMachine(labelled, machineOsOf(labelled, release('alpine-3.20'))), 'Alpine Linux v3.20, no known family — no path for this OS');
  t.is(describeMachine(labelled, { error: 'connection refused' }), '? (connection refused)');
  t.is(describeMachine(labelled, undefined), '-');
});
