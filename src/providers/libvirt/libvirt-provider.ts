/**
 * The libvirt provider: lab hosts are VMs (Rocky 8.10, Ubuntu 24.04, …) that the Pulumi program in
 * infra/ declares, driven through the Automation API (LocalWorkspace on the repository root, where
 * Pulumi.yaml is). State lives in a local file backend under the state directory, so no Pulumi
 * account is involved. Every method first checks for the `pulumi` CLI and fails at once, before
 * touching anything, when it is missing.
 *
 * The CLI registers it with `createLibvirtProvider({ repoRoot, stateDir, ...libvirt options })`.
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { EngineEvent, Stack } from '@pulumi/pulumi/automation/index.js';
import { DEFAULT_IMAGES } from '../../../infra/images.ts';
import { ConfigError, LabbenchError, ProviderError } from '../../errors.ts';
import type { Inventory } from '../../inventory.ts';
import { openLab } from '../../lab.ts';
import { runLocal } from '../../machine/run.ts';
import type { Progress } from '../../progress.ts';
import type { TestbedSpec } from '../../testbed/testbed.ts';
import { labConditionOf } from '../lab-state.ts';
import type { HostState, LabStatus, Provider } from '../provider.ts';
import { shutDownDomains, startDomains } from './domain-power.ts';
import { describeEngineEvent } from './engine-events.ts';
import { ensureLabKeys } from './lab-keys.ts';
import { requirePulumiCli } from './pulumi-cli.ts';
import { type LibvirtOptions, stackConfigFor } from './stack-config.ts';
import { inventoryFromStackOutputs, LIBVIRT_HOST_OFFERS, parseStackOutputs, plainOutputs } from './stack-outputs.ts';

/** Where the provider works and with which settings. */
export interface LibvirtProviderOptions extends LibvirtOptions {
  /** Repository root: the directory holding Pulumi.yaml (the Automation API's workDir). */
  repoRoot: string;
  /** Where lab keys and the Pulumi file backend live; default `<repoRoot>/.labbench/libvirt`. */
  stateDir?: string;
  /** Environment for finding and running `pulumi` (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const DOWN_HINT = 'remove what was created with `pnpm lab down --provider libvirt`, fix the cause, and run `pnpm lab up --provider libvirt` again';

/** Creates the libvirt provider. */
export function createLibvirtProvider(options: LibvirtProviderOptions): Provider {
  const env = options.env ?? process.env;
  const stateDir = options.stateDir ?? join(options.repoRoot, '.labbench', 'libvirt');
  const backendDir = join(stateDir, 'pulumi-state');

  async function openStack(lab: string, pulumiPath: string, create: boolean): Promise<Stack | undefined> {
    const { LocalWorkspace, PulumiCommand, StackNotFoundError } = await import('@pulumi/pulumi/automation/index.js');
    // PulumiCommand wants the installation root (…/bin/pulumi → …).
    const pulumiCommand = basename(dirname(pulumiPath)) === 'bin' ? await PulumiCommand.get({ root: dirname(dirname(pulumiPath)) }) : await PulumiCommand.get();
    await mkdir(backendDir, { recursive: true, mode: 0o700 });
    const envVars: Record<string, string> = { PULUMI_BACKEND_URL: env['PULUMI_BACKEND_URL'] ?? `file://${backendDir}` };
    // A local lab's secrets (its host keys) are encrypted with the passphrase provider; an empty one unless the user sets one.
    if (env['PULUMI_CONFIG_PASSPHRASE'] === undefined && env['PULUMI_CONFIG_PASSPHRASE_FILE'] === undefined) envVars['PULUMI_CONFIG_PASSPHRASE'] = '';
    const workspace = { workDir: options.repoRoot, pulumiCommand, envVars, secretsProvider: 'passphrase' };
    const args = { stackName: lab, workDir: options.repoRoot };
    if (create) return LocalWorkspace.createOrSelectStack(args, workspace);
    try {
      return await LocalWorkspace.selectStack(args, workspace);
    } catch (err) {
      if (err instanceof StackNotFoundError) return undefined;
      throw err;
    }
  }

  async function currentOutputs(lab: string, pulumiPath: string): Promise<Record<string, unknown> | undefined> {
    const stack = await openStack(lab, pulumiPath, false);
    if (!stack) return undefined;
    const outputs = plainOutputs(await stack.outputs());
    return Object.keys(outputs).length === 0 ? undefined : outputs;
  }

  function noteSteps(progress: Progress) {
    return (event: EngineEvent) => {
      const line = describeEngineEvent(event);
      if (line !== undefined) progress.note(line);
    };
  }

  function wrap(what: string, err: unknown): LabbenchError {
    if (err instanceof LabbenchError) return err;
    return new ProviderError(`${what} failed`, { cause: err, hint: DOWN_HINT });
  }

  /** virsh must reach the hypervisor before Pulumi is asked to build anything on it. */
  async function checkHypervisor(): Promise<void> {
    const uri = options.hypervisorUri ?? 'qemu:///system';
    const r = await runLocal(['virsh', '--connect', uri, 'version'], { nothrow: true, timeoutMs: 30_000, env });
    if (r.exitCode === 127)
      throw new ProviderError('virsh is not installed', { hint: 'apt-get install -y libvirt-clients (and libvirt-daemon-system on the hypervisor)' });
    if (r.exitCode !== 0) {
      throw new ProviderError(`cannot reach the hypervisor ${uri}: ${r.stderr.trim().split('\n').pop() ?? ''}`, {
        hint: 'start libvirtd (as root without systemd: virtlogd -d && libvirtd -d) or fix the hypervisor URI',
      });
    }
  }

  function checkImages(spec: TestbedSpec): void {
    const missing = spec.hosts.filter((h) => !DEFAULT_IMAGES[h.os] && !options.images?.[h.os]);
    if (missing.length > 0) {
      throw new ConfigError(`no VM image for ${missing.map((h) => `${h.name} (${h.os})`).join(', ')}`, {
        hint: `give one in the libvirt provider's images option (source, sha256, user); built-in images: ${Object.keys(DEFAULT_IMAGES).join(', ')}`,
      });
    }
  }

  async function existingOutputs(name: string, command: string) {
    const outputs = await currentOutputs(name, requirePulumiCli(env));
    if (outputs === undefined)
      throw new ConfigError(`libvirt lab "${name}" does not exist: there is nothing to ${command}`, { hint: 'pnpm lab up --provider libvirt creates it' });
    return parseStackOutputs(outputs);
  }

  return {
    kind: 'libvirt',
    offers: LIBVIRT_HOST_OFFERS,
    power: {
      available: true,
      async stop(name, progress) {
        const out = await existingOutputs(name, 'stop');
        await shutDownDomains(
          out.hypervisorUri,
          out.hosts.map((h) => h.domain),
          progress,
        );
      },
      async start(name, progress) {
        const outputs = await currentOutputs(name, requirePulumiCli(env));
        if (outputs === undefined)
          throw new ConfigError(`libvirt lab "${name}" does not exist: there is nothing to start`, { hint: 'pnpm lab up --provider libvirt creates it' });
        const out = parseStackOutputs(outputs);
        await startDomains(
          out.hypervisorUri,
          out.hosts.map((h) => h.domain),
          progress,
        );
        const inventory = inventoryFromStackOutputs(outputs);
        await progress.step(`Waiting for SSH on ${inventory.hosts.map((h) => h.name).join(', ')}`, () => waitForLogins(inventory));
        return inventory;
      },
    },
    snapshots: {
      available: false,
      reason:
        "snapshots of VMs are not implemented (they would be virsh snapshots of each VM's disk, with its keys and addresses kept); the local provider takes them",
    },

    async preflight(spec) {
      requirePulumiCli(env);
      checkImages(spec);
      await checkHypervisor();
    },

    async up(spec: TestbedSpec, progress: Progress): Promise<Inventory> {
      await this.preflight(spec);
      const pulumiPath = requirePulumiCli(env);
      try {
        const keys = await progress.step('Generating lab SSH keys', () => ensureLabKeys(join(stateDir, spec.name), spec));
        const stack = await progress.step(`Selecting Pulumi stack ${spec.name}`, () => openStack(spec.name, pulumiPath, true));
        if (!stack) throw new ProviderError(`could not create the Pulumi stack ${spec.name}`, { hint: DOWN_HINT });
        await progress.step('Writing stack config', () => stack.setAllConfig(stackConfigFor(spec, options, keys)));
        const result = await progress.step('Provisioning VMs (pulumi up)', () => stack.up({ onEvent: noteSteps(progress) }));
        return inventoryFromStackOutputs(plainOutputs(result.outputs));
      } catch (err) {
        throw wrap(`pulumi up of lab "${spec.name}"`, err);
      }
    },

    async inventory(name) {
      const outputs = await currentOutputs(name, requirePulumiCli(env));
      return outputs === undefined ? undefined : inventoryFromStackOutputs(outputs);
    },

    async status(name): Promise<LabStatus | undefined> {
      const outputs = await currentOutputs(name, requirePulumiCli(env));
      if (outputs === undefined) return undefined;
      const out = parseStackOutputs(outputs);
      const hosts: HostState[] = [];
      for (const h of out.hosts) {
        const r = await runLocal(['virsh', '--connect', out.hypervisorUri, 'domstate', h.domain], { nothrow: true, timeoutMs: 30_000 });
        hosts.push({ name: h.name, address: h.address, os: h.os, platform: `${h.os} VM (${h.domain})`, state: r.exitCode === 0 ? r.stdout.trim() : 'missing' });
      }
      const { state } = labConditionOf({
        interrupted: false,
        engineAnswers: true,
        hosts: hosts.map((h) => ({ name: h.name, exists: h.state !== 'missing', running: h.state === 'running' })),
      });
      return {
        name,
        provider: 'libvirt',
        subnet: out.subnet,
        state,
        hosts,
        details: { hypervisorUri: out.hypervisorUri, domainType: out.domainType, stateDir: join(stateDir, name), backend: `file://${backendDir}` },
      };
    },

    async down(name, progress) {
      const pulumiPath = requirePulumiCli(env);
      const stack = await openStack(name, pulumiPath, false);
      if (!stack) {
        progress.note(`no libvirt lab "${name}" to remove`);
      } else {
        try {
          await progress.step('Removing VMs, volumes and network (pulumi destroy)', () => stack.destroy({ onEvent: noteSteps(progress) }));
          await progress.step(`Removing Pulumi stack ${name}`, () => stack.workspace.removeStack(name));
        } catch (err) {
          throw wrap(`pulumi destroy of lab "${name}"`, err);
        }
      }
      await rm(join(stateDir, name), { recursive: true, force: true });
    },
  };
}

/** Bound of a started VM's wait for its SSH login (a TCG guest boots in minutes). */
const LOGIN_TIMEOUT_MS = 600_000;

/** Waits until every host of the lab accepts the SSH login with its pinned key. */
async function waitForLogins(inventory: Inventory): Promise<void> {
  const deadline = Date.now() + LOGIN_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const lab = await openLab(inventory, { transport: 'ssh' });
      await lab.close();
      return;
    } catch (err) {
      last = (err as Error).message.split('\n')[0] ?? '';
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
  throw new ProviderError(`the VMs did not accept the SSH login within ${LOGIN_TIMEOUT_MS / 1000}s (last: ${last})`, {
    hint: 'look at the console with `virsh console <domain>`',
  });
}
