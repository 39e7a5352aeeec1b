/**
 * The libvirt provider without the `pulumi` CLI: every operation rejects at once with a
 * ProviderError naming the missing CLI and saying how to install it, and touches nothing —
 * no state directory, no keys, no virsh/ssh-keygen/qemu-img call (stand-ins on PATH record any
 * call), no progress step. Also: how the CLI is found on PATH.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ProviderError } from '../../src/errors.ts';
import { createProgress } from '../../src/progress.ts';
import { createLibvirtProvider } from '../../src/providers/libvirt/libvirt-provider.ts';
import { findOnPath, requirePulumiCli } from '../../src/providers/libvirt/pulumi-cli.ts';
import { documentSpec } from '../../src/testbed/testbed.ts';

const work = mkdtempSync(join(tmpdir(), 'labbench-nocli-'));
const fakeBin = join(work, 'bin');
const calls = join(work, 'calls.log');
const stateDir = join(work, 'state');
mkdirSync(fakeBin);
// Tools resolve through PATH: point it at stand-ins whose every use would be recorded.
for (const tool of ['virsh', 'ssh-keygen', 'qemu-img', 'genisoimage']) {
  writeFileSync(join(fakeBin, tool), `#!/bin/sh\necho "${tool} $*" >> '${calls}'\n`);
  chmodSync(join(fakeBin, tool), 0o755);
}
const savedPath = process.env['PATH'];
test.before(() => {
  process.env['PATH'] = fakeBin;
});
test.after.always(() => {
  process.env['PATH'] = savedPath;
  rmSync(work, { recursive: true, force: true });
});

const env = { PATH: fakeBin, HOME: work };
const provider = createLibvirtProvider({ repoRoot: work, stateDir, env });

function assertMissingCli(t: import('ava').ExecutionContext, err: ProviderError | undefined) {
  t.regex(err!.message, /needs the `pulumi` CLI, which is not on PATH/);
  t.true(err!.hint!.includes('https://www.pulumi.com/docs/install/'));
  t.true(err!.hint!.includes('curl -fsSL https://get.pulumi.com | sh'));
}

test.serial('up rejects at once naming the missing pulumi CLI, and touches nothing', async (t) => {
  const progress = createProgress();
  const err = await t.throwsAsync(provider.up(documentSpec(), progress), { instanceOf: ProviderError });
  assertMissingCli(t, err);
  t.deepEqual(progress.steps, []);
  t.false(existsSync(stateDir), 'no state directory');
  t.false(existsSync(calls), 'no tool was run');
});

test.serial('preflight, inventory, status and down reject the same way', async (t) => {
  for (const run of [
    () => provider.preflight(documentSpec()),
    () => provider.inventory('labbench'),
    () => provider.status('labbench'),
    () => provider.down('labbench', createProgress()),
  ]) {
    assertMissingCli(t, await t.throwsAsync(run(), { instanceOf: ProviderError }));
  }
  t.false(existsSync(stateDir));
  t.false(existsSync(calls));
});

test('the CLI is found as an executable file on PATH, not as a plain file or directory', (t) => {
  const a = join(work, 'a');
  const b = join(work, 'b');
  mkdirSync(a);
  mkdirSync(join(b, 'pulumi'), { recursive: true });
  writeFileSync(join(a, 'pulumi'), 'not executable', { mode: 0o644 });
  t.is(findOnPath('pulumi', `${a}:${b}`), undefined);
  const c = join(work, 'c');
  mkdirSync(c);
  writeFileSync(join(c, 'pulumi'), '#!/bin/sh\n', { mode: 0o755 });
  t.is(findOnPath('pulumi', `${a}:${b}:${c}`), join(c, 'pulumi'));
  t.is(requirePulumiCli({ PATH: `${a}::${c}` }), join(c, 'pulumi'));
  t.throws(() => requirePulumiCli({}), { instanceOf: ProviderError });
});
