/**
 * The VM path end to end against a real libvirtd (TCG: domain type qemu). The Pulumi program in
 * infra/ runs under `pulumi.runtime.setMocks` with the stack config labbench writes (two debian-12
 * hosts booting labbench's VM image directly, isolated LAN); what it declares is then created for
 * real, in dependency order, by the same dynamic providers (test/support/replay-program.ts — only
 * the Pulumi engine is stood in for). The VMs boot, cloud-init configures them from the seed, and
 * the test logs in over ssh2 as the image's user `debian` (sudo) with the host keys pinned through
 * cloud-init (a changed key is refused), checks hostname, static address and that there is no
 * route out, runs flannel-two-host over the ssh transport, and deletes everything: nothing is left
 * in libvirt, on disk, in iptables, among the links or the processes.
 *
 * Needs root and libvirtd (started here when not running); builds the VM image when it is not
 * cached (`pnpm vm-image`). Skips visibly with the reason when it cannot run.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import test from 'ava';
import { readLabConfig } from '../../infra/config.ts';
import { machineProbes, preflightLab } from '../../infra/preflight.ts';
import flannel from '../../scenarios/flannel-two-host.ts';
import { ConfigError, HostKeyError } from '../../src/errors.ts';
import type { Inventory } from '../../src/inventory.ts';
import { type Lab, openLab } from '../../src/lab.ts';
import { createProgress } from '../../src/progress.ts';
import { ensureLabKeys } from '../../src/providers/libvirt/lab-keys.ts';
import { type LabKeys, stackConfigFor } from '../../src/providers/libvirt/stack-config.ts';
import { inventoryFromStackOutputs } from '../../src/providers/libvirt/stack-outputs.ts';
import { ensureVmImage } from '../../src/providers/libvirt/vm-image/build.ts';
import { type BuiltVmImage, stackImageEntry } from '../../src/providers/libvirt/vm-image/manifest.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { validateSpec } from '../../src/testbed/testbed.ts';
import { formatKnownHosts, parsePublicKeyLine } from '../../src/transports/known-hosts.ts';
import { SshTransport } from '../../src/transports/ssh.ts';
import {
  LIBVIRT_DIRS,
  prepareLibvirtd,
  readdirSafe,
  removeLibvirtLogs,
  removeNetworkRuntimeLeftovers,
  restoreLibvirtd,
  sh,
  URI,
  virsh,
} from '../support/libvirtd.ts';
import { type Created, createDeclared, type Declared, deleteCreated, recordingMocks } from '../support/replay-program.ts';

const lab = `lbvm${process.pid % 100_000}`;
const SUBNET = '192.168.114.0/24';
const ADDRESSES = { hostA: '192.168.114.12', hostB: '192.168.114.13' } as const;
const BOOT_TIMEOUT_MS = 480_000;
const SCENARIO_BUDGET_BASE_MS = 300_000;
const SCENARIO_BUDGET_PER_BOOT = 5;
const work = mkdtempSync(join(tmpdir(), 'labbench-vm-lab-'));

const started = performance.now();
const prepared = await prepareLibvirtd(lab, work);
const skip = 'skip' in prepared ? prepared.skip : undefined;
// ava runs no hooks when every test is skipped: the work directory goes now.
if (skip) rmSync(work, { recursive: true, force: true });
const serial = skip ? test.serial.skip : test.serial;
const why = skip ? ` [skipped: ${skip}]` : '';

const spec = validateSpec({
  name: lab,
  subnet: SUBNET,
  hosts: [
    { name: 'hostA', address: ADDRESSES.hostA, os: 'debian-12', roles: ['etcd', 'flannel'] },
    { name: 'hostB', address: ADDRESSES.hostB, os: 'debian-12', roles: ['flannel'] },
  ],
});

/** Everything the serial steps share. */
const state: {
  image?: BuiltVmImage;
  keys?: LabKeys;
  declared: Declared[];
  created: Created[];
  outputs?: Record<string, unknown>;
  inventory?: Inventory;
  bootStarted: Map<string, number>;
  /** The slower VM's boot to SSH login, measured here: the later tests' budgets follow it. */
  bootMs?: number;
  lab?: Lab;
  bridge?: string;
  linksBefore?: string[];
  iptablesBefore?: string[];
} = { declared: [], created: [], bootStarted: new Map() };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const links = async () =>
  (await sh(['ip', '-o', 'link', 'show'])).stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(':')[1]!.trim().split('@')[0]!)
    .sort();
/** iptables rules, less libvirt's own empty chains (made with its first network; the libvirtd helper removes them). */
const iptablesRules = async () => {
  const out: string[] = [];
  for (const table of ['filter', 'nat', 'mangle'])
    out.push(
      ...(await sh(['iptables', '-t', table, '-S'])).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => `${table} ${l}`),
    );
  return out.filter((l) => !/^\w+ (-N LIBVIRT_\w+|-A \w+ -j LIBVIRT_\w+)$/.test(l)).sort();
};

test.after.always(async (t) => {
  await state.lab?.close();
  if (state.created.length > 0) await deleteCreated(state.created).catch((err: Error) => t.log(`cleanup: ${err.message}`));
  if ('env' in prepared) await restoreLibvirtd(prepared.env);
  rmSync(work, { recursive: true, force: true });
  if (!skip) t.log(`VM lab test took ${seconds(performance.now() - started)} including daemon start/stop`);
});

serial(`the VM image is built offline (or found by its manifest hash), the program declares the lab under mocks${why}`, async (t) => {
  const t0 = performance.now();
  state.image = await ensureVmImage(statePaths(), createProgress());
  t.log(
    `VM image ${state.image.hash}: ${seconds(performance.now() - t0)} (kernel ${state.image.kernelRelease}, disk ${(state.image.disk.bytes / 2 ** 20).toFixed(0)} MiB)`,
  );
  for (const pkg of ['linux-image-amd64', 'cloud-init', 'openssh-server', 'sudo', 'docker.io', 'etcd-server', 'etcd-client', 'iperf3', 'nodejs', 'apparmor'])
    t.truthy(state.image.packageVersions[pkg], `${pkg} version recorded`);

  state.keys = await ensureLabKeys(join(work, 'keys'), spec);
  const config = stackConfigFor(
    spec,
    {
      hypervisorUri: URI,
      domainType: 'qemu',
      networkMode: 'none',
      vcpus: 1,
      memoryMiB: 1536,
      diskGiB: 4,
      storagePoolPath: `/var/lib/libvirt/images/${lab}`,
      imageCacheDir: join(work, 'image-cache'),
      images: { 'debian-12': stackImageEntry(state.image) as { source: string } },
    },
    state.keys,
  );
  await pulumi.runtime.setMocks(recordingMocks(state.declared), 'labbench', lab, false);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value])),
    Object.entries(config)
      .filter(([, v]) => v.secret)
      .map(([k]) => k),
  );
  // The program runs its preflight for real here: image files and digests, libvirtd, KVM.
  const program = await import('../../infra/index.ts');
  const outputs = {
    lab: program.lab,
    subnet: program.subnet,
    hypervisorUri: program.hypervisorUri,
    domainType: program.domainType,
    sshKeyPath: program.sshKeyPath,
    knownHostsPath: program.knownHostsPath,
    hosts: program.hosts,
  };
  state.outputs = Object.fromEntries<unknown>(
    await Promise.all(Object.entries(outputs).map(async ([k, v]) => [k, await new Promise((r) => (v as pulumi.Output<unknown>).apply(r))] as const)),
  );
  state.inventory = inventoryFromStackOutputs(state.outputs);
  const kinds = state.declared.map((d) => d.kind);
  t.deepEqual(
    Object.fromEntries(['Network', 'Pool', 'Volume', 'CloudInitDisk', 'Domain'].map((k) => [k, kinds.filter((x) => x === k).length])),
    { Network: 1, Pool: 1, Volume: 8, CloudInitDisk: 2, Domain: 2 },
    'per VM: base, overlay, kernel and initrd volumes, a seed and a domain',
  );
  t.deepEqual(
    state.inventory.hosts.map((h) => [h.name, h.ssh?.user, h.ssh?.host]),
    [
      ['hostA', 'debian', ADDRESSES.hostA],
      ['hostB', 'debian', ADDRESSES.hostB],
    ],
  );
});

serial(`bad input fails in the program's preflight with one message before anything exists${why}`, async (t) => {
  if (!state.image || !state.keys) return t.fail('the image step did not finish');
  const entry = stackImageEntry(state.image);
  const configOf = (image: Record<string, string>, extra: Record<string, string> = {}) =>
    readLabConfig(
      {
        get: (key) => (({ sshPublicKey: state.keys!.publicKey, domainType: 'qemu', lanCidr: SUBNET, ...extra }) as Record<string, string>)[key],
        getObject: <T>(key: string) => (({ hosts: spec.hosts, images: { 'debian-12': image } }) as Record<string, unknown>)[key] as T,
      },
      `${lab}-bad`,
      '/root',
    );
  const missing = join(work, 'no-such-image.qcow2');
  const error = await t.throwsAsync(
    preflightLab(
      configOf({ ...entry, source: missing, initrdSha256: 'b'.repeat(64) }, { hypervisorUri: 'qemu:///system?socket=/run/labbench-no-such-libvirt-sock' }),
      machineProbes,
    ),
    { instanceOf: ConfigError },
  );
  t.log(error?.message);
  t.regex(error!.message, new RegExp(`the debian-12 disk image ${missing} does not exist`));
  t.regex(
    error!.message,
    new RegExp(`sha256 mismatch for the debian-12 initramfs ${state.image.initrd.path}: expected b{64}, got ${state.image.initrd.sha256}`),
  );
  t.regex(error!.message, /cannot reach the hypervisor qemu:\/\/\/system\?socket=\/run\/labbench-no-such-libvirt-sock: .*start libvirtd/);
  t.is(error!.message.split('\n  - ').length - 1, 3, 'three problems, one message');
  t.deepEqual(
    (await virsh('list', '--all', '--name')).stdout.split('\n').filter((n) => n.startsWith(`${lab}-bad`)),
    [],
    'nothing created',
  );
});

serial(`the declared network, pool, volumes, seeds and domains are created for real, in dependency order${why}`, async (t) => {
  if (!state.inventory) return t.fail('the program did not run');
  state.linksBefore = await links();
  state.iptablesBefore = await iptablesRules();
  const t0 = performance.now();
  await createDeclared(state.declared, state.created, (c) => {
    if (c.kind === 'Domain') state.bootStarted.set(String(c.inputs['name']), performance.now());
  });
  t.log(`created ${state.created.length} libvirt objects in ${seconds(performance.now() - t0)}`);
  const network = state.created.find((c) => c.kind === 'Network')!;
  state.bridge = /<bridge name='([^']+)'/.exec((await virsh('net-dumpxml', network.id)).stdout)?.[1];
  t.truthy(state.bridge);
  const netXml = (await virsh('net-dumpxml', network.id)).stdout;
  t.false(/<forward/.test(netXml), 'the LAN is isolated: no forward mode, no route out');
  for (const d of state.created.filter((c) => c.kind === 'Domain')) {
    const xml = (await virsh('dumpxml', d.id)).stdout;
    t.regex(xml, /<domain type='qemu'/);
    t.regex(xml, /<kernel>\/var\/lib\/libvirt\/images\/[^<]+-kernel<\/kernel>/);
    t.regex(xml, /<cmdline>root=\/dev\/vda rw [^<]*<\/cmdline>/);
    t.is((await virsh('domstate', d.id)).stdout.trim(), 'running');
  }
});

async function waitForLogin(name: string, endpoint: NonNullable<Inventory['hosts'][number]['ssh']>, domain: string): Promise<number> {
  const deadline = performance.now() + BOOT_TIMEOUT_MS;
  let last = '';
  while (performance.now() < deadline) {
    const transport = new SshTransport(name, endpoint);
    try {
      const r = await transport.exec('true', { timeoutMs: 20_000 });
      if (r.exitCode === 0) return performance.now();
      last = `exit ${r.exitCode}: ${r.stderr.trim()}`;
    } catch (err) {
      if (err instanceof HostKeyError) throw err;
      last = (err as Error).message;
    } finally {
      await transport.close();
    }
    await new Promise((r) => setTimeout(r, 3_000));
  }
  const console = (await sh(['tail', '-n', '40', `/var/log/libvirt/qemu/${domain}-console.log`])).stdout;
  throw new Error(`${name} did not accept the SSH login within ${BOOT_TIMEOUT_MS / 1000}s (last: ${last})\n${console}`);
}

serial(`both VMs boot, run cloud-init from the seed, and accept the login of debian (sudo) with the pinned host key${why}`, async (t) => {
  if (!state.inventory || state.bootStarted.size !== 2) return t.fail('the domains were not created');
  const hosts = state.inventory.hosts;
  const domainOf = (name: string) => `${lab}-${name.toLowerCase()}`;
  const ready = await Promise.all(hosts.map((h) => waitForLogin(h.name, h.ssh!, domainOf(h.name))));
  for (const [i, h] of hosts.entries()) t.log(`${h.name}: boot to SSH login ${seconds(ready[i]! - state.bootStarted.get(domainOf(h.name))!)}`);
  state.bootMs = Math.max(...hosts.map((h, i) => ready[i]! - state.bootStarted.get(domainOf(h.name))!));

  state.lab = await openLab(state.inventory, { transport: 'ssh' });
  for (const h of state.lab.hosts) {
    const t0 = performance.now();
    const status = await h.$({ nothrow: true, timeoutMs: 300_000 })`cloud-init status --wait --long`;
    t.log(`${h.name}: cloud-init finished ${seconds(performance.now() - t0)} after the login; ${status.stdout.trim().split('\n').join('; ')}`);
    t.regex(status.stdout, /status: done/, `${h.name}: cloud-init done`);
    t.is((await h.$`hostname`).text(), h.name);
    t.is((await h.$`id -u`).text(), '0', 'commands run as root through sudo');
    t.is((await h.$`printenv SUDO_USER`).text(), 'debian', 'logged in as the image user');
    t.regex((await h.$`ip -o -4 addr show`).stdout, new RegExp(`inet ${h.address.replace(/\./g, '\\.')}/24 `));
    t.is((await h.$`ip route show default`).text(), '', 'no route out of the isolated LAN');
    t.is((await h.$`ls /etc/ssh/ssh_host_*_key.pub | xargs -n1 basename`).text(), 'ssh_host_ed25519_key.pub', 'only the pinned host key');
  }

  // A host key other than the pinned one is refused.
  const [a, b] = hosts;
  const wrongPins = join(work, 'wrong_known_hosts');
  writeFileSync(wrongPins, formatKnownHosts([{ hosts: [a!.address], ...parsePublicKeyLine(state.keys!.hostKeys['hostB']!.publicKey) }]), { mode: 0o600 });
  const impostor = new SshTransport(a!.name, { ...a!.ssh!, knownHostsPath: wrongPins });
  await t.throwsAsync(impostor.exec('true'), { instanceOf: HostKeyError });
  await impostor.close();
  t.truthy(b);
});

serial(`flannel-two-host passes on the two VMs over the ssh transport${why}`, async (t) => {
  if (!state.lab) return t.fail('no SSH login to the VMs');
  // The scenario's time on these VMs grows with how slowly TCG runs them, which their boot shows:
  // 206 s after 55 s boots, 441 s after 123–129 s boots (README). Budget: 5 boots + 5 minutes.
  const budgetMs = SCENARIO_BUDGET_BASE_MS + SCENARIO_BUDGET_PER_BOOT * (state.bootMs ?? BOOT_TIMEOUT_MS);
  t.timeout(budgetMs, `flannel-two-host on the VMs: budget ${seconds(budgetMs)} from a ${seconds(state.bootMs ?? 0)} boot`);
  t.log(`budget ${seconds(budgetMs)} (${SCENARIO_BUDGET_PER_BOOT} × the ${seconds(state.bootMs ?? 0)} boot + ${seconds(SCENARIO_BUDGET_BASE_MS)})`);
  const t0 = performance.now();
  const report = await runScenario(flannel, state.lab, { overrides: {} });
  t.log(`flannel-two-host on the VMs: ${report.verdict} in ${seconds(performance.now() - t0)}`);
  for (const s of report.steps)
    if (s.verdict !== 'PASS')
      t.log(
        `step ${s.index} ${s.title}: ${s.verdict} ${s.reason ?? ''} ${s.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.label}: ${c.actual}`)
          .join('; ')}`,
      );
  t.deepEqual(
    report.steps.map((s) => s.verdict),
    flannel.steps.map(() => 'PASS'),
  );
  t.deepEqual(report.cleanup, { ok: true });
});

serial(`deleting what was created leaves nothing in libvirt, on disk, in iptables, links or processes${why}`, async (t) => {
  await state.lab?.close();
  state.lab = undefined;
  const t0 = performance.now();
  await deleteCreated(state.created);
  t.log(`deleted in ${seconds(performance.now() - t0)}`);
  const ours = (text: string) => text.split('\n').filter((n) => n.includes(lab));
  t.deepEqual(ours((await virsh('list', '--all', '--name')).stdout), [], 'domains');
  t.deepEqual(ours((await virsh('net-list', '--all', '--name')).stdout), [], 'networks');
  t.deepEqual(ours((await virsh('pool-list', '--all', '--name')).stdout), [], 'pools');
  t.false(existsSync(`/var/lib/libvirt/images/${lab}`), 'pool directory removed');
  // libvirt keeps logs and runtime files of undefined domains and networks; they are its own, removed here.
  removeLibvirtLogs(lab);
  removeNetworkRuntimeLeftovers(lab);
  for (const dir of LIBVIRT_DIRS)
    t.deepEqual(
      readdirSafe(dir).filter((f) => f.includes(lab) || (state.bridge !== undefined && f.includes(state.bridge))),
      [],
      dir,
    );
  if (state.linksBefore) t.deepEqual(await links(), state.linksBefore, 'links as before (bridge and taps gone)');
  if (state.iptablesBefore) t.deepEqual(await iptablesRules(), state.iptablesBefore, 'iptables as before');
  const processes = (await sh(['ps', '-eo', 'args'])).stdout.split('\n').filter((p) => p.includes(lab) && !p.includes('ps -eo'));
  t.deepEqual(processes, [], 'no qemu or dnsmasq of the lab');
});
