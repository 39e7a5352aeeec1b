/** `pnpm lab up|stop|start|down|status|shell|exec|snapshot`: bring a lab up, stop and start it, look at it, get into its hosts, save and restore it, remove it. */
import { ConfigError } from '../errors.ts';
import { findHost, openLab } from '../lab.ts';
import { consoleSink, createProgress, formatDuration } from '../progress.ts';
import type { LabStatus, PowerSupport, Provider } from '../providers/provider.ts';
import { createProvider, parseProviderKind } from '../providers/registry.ts';
import { nameFlag } from '../testbed/testbed.ts';
import { parseFlags } from './args.ts';
import { runSnapshot, SNAPSHOT_USAGE } from './lab-snapshot.ts';
import { LAB_FLAGS, labName, resolveSpec } from './lab-spec.ts';
import { renderList, renderStatus, withMachineOs } from './lab-status.ts';

const USAGE = `usage: pnpm lab up|stop|start|down|status|list|shell|exec|snapshot [options]
  up     [--name N] [--subnet CIDR] [--hosts N | --spec FILE] [--provider local|libvirt|ssh] [--inventory FILE] [--recreate] [--json]
  status [--name N] [--json]
  shell  <host> [--name N]
  exec   <host> [--name N] -- <command…>
  down   [--name N | --all]
  stop   [--name N] [--json]
  start  [--name N] [--json]
  list   [--json]
  snapshot save|restore|list|rm|export|import …   (pnpm lab snapshot --help)`;

const FLAGS = {
  ...LAB_FLAGS,
  hosts: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  recreate: { type: 'boolean' },
  as: { type: 'string' },
  'with-base': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const command = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const { values, positionals } = parseFlags(own, FLAGS, USAGE);
  const [sub, ...args] = positionals;
  if (values.help || !sub) {
    process.stdout.write(`${sub === 'snapshot' ? SNAPSHOT_USAGE : USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const provider = await createProvider(parseProviderKind(values.provider), { inventoryFile: values.inventory });
  const name = labName(values, provider);
  const json = Boolean(values.json);
  const progress = createProgress(json ? undefined : consoleSink());
  const started = performance.now();

  switch (sub) {
    case 'up': {
      const spec = await resolveSpec(values, provider, (text) => progress.note(text));
      const inventory = await provider.up(spec, progress, { recreate: Boolean(values.recreate) });
      const found = await provider.status(spec.name);
      const status = found && (await withMachineOs(found, inventory));
      if (json) print({ lab: inventory, status, steps: progress.steps, durationMs: performance.now() - started });
      else {
        process.stdout.write(renderStatus(status));
        process.stdout.write(
          `lab "${spec.name}" is up (${formatDuration(performance.now() - started)}). Try: pnpm lab exec ${inventory.hosts[0]?.name} -- ip a\n`,
        );
      }
      return 0;
    }
    case 'status': {
      const found = await provider.status(name);
      const status = found && (await withMachineOs(found, await provider.inventory(name)));
      if (json) print(status ?? { name, state: 'down', hosts: [] });
      else process.stdout.write(status ? renderStatus(status) : `lab "${name}" is down\n`);
      return 0;
    }
    case 'list': {
      const labs = await listLabs(provider);
      if (json) print(labs);
      else process.stdout.write(renderList(labs));
      return 0;
    }
    case 'down': {
      if (values.all) {
        if (values.name)
          throw new ConfigError('lab down takes --name or --all, not both', { hint: 'pnpm lab down --all removes every lab; --name N one of them' });
        const names = (await listLabs(provider)).map((l) => l.name);
        for (const n of names) await provider.down(n, progress);
        if (json) print({ down: names, steps: progress.steps });
        else
          process.stdout.write(
            names.length === 0 ? 'no lab was up\n' : `${names.length} lab(s) down: ${names.join(', ')} (${formatDuration(performance.now() - started)})\n`,
          );
        return 0;
      }
      await provider.down(name, progress);
      if (json) print({ name, state: 'down', steps: progress.steps });
      else process.stdout.write(`lab "${name}" is down (${formatDuration(performance.now() - started)})\n`);
      return 0;
    }
    case 'stop': {
      await powerOf(provider, 'stop').stop(name, progress);
      if (json) print({ name, state: (await provider.status(name))?.state, steps: progress.steps, durationMs: performance.now() - started });
      else
        process.stdout.write(
          `lab "${name}" is stopped (${formatDuration(performance.now() - started)}); its hosts keep their files and containers. \`pnpm lab start${nameFlag(name)}\` starts it again\n`,
        );
      return 0;
    }
    case 'start': {
      const inventory = await powerOf(provider, 'start').start(name, progress);
      const status = await provider.status(name);
      if (json) print({ lab: inventory, status, steps: progress.steps, durationMs: performance.now() - started });
      else {
        process.stdout.write(renderStatus(status));
        process.stdout.write(`lab "${name}" is up again (${formatDuration(performance.now() - started)}): its hosts were started, nothing was recreated\n`);
      }
      return 0;
    }
    case 'snapshot':
      return runSnapshot(args, values, provider, name, progress);
    case 'shell':
    case 'exec': {
      const hostName = args[0];
      if (!hostName) throw new ConfigError(`lab ${sub} needs a host name`, { hint: USAGE.split('\n')[sub === 'shell' ? 3 : 4] });
      if (sub === 'exec' && command.length === 0) throw new ConfigError('lab exec needs a command after --', { hint: 'e.g. pnpm lab exec hostA -- ip a' });
      const inventory = await provider.inventory(name);
      if (!inventory) throw new ConfigError(`lab "${name}" is not up`, { hint: `run \`pnpm lab up${nameFlag(name)}\`` });
      const target = findHost(inventory, hostName);
      const lab = await openLab({ ...inventory, hosts: [target] });
      try {
        const host = lab.host(target.name);
        if (sub === 'shell') return await host.transport.interactive();
        const out = await host.run(command.join(' '), { nothrow: true, timeoutMs: 3_600_000 });
        process.stdout.write(out.stdout);
        process.stderr.write(out.stderr);
        return out.exitCode ?? 1;
      } finally {
        await lab.close();
      }
    }
    default:
      throw new ConfigError(`unknown lab command "${sub}"`, { hint: USAGE.split('\n')[0] });
  }
}

/** The provider's stop and start, or one clear error saying why it has none. */
function powerOf(provider: Provider, command: 'stop' | 'start'): Extract<PowerSupport, { available: true }> {
  const support = provider.power;
  if (support.available) return support;
  throw new ConfigError(`lab ${command} is not available with the ${provider.kind} provider: ${support.reason}`, {
    hint: `${command === 'stop' ? 'shut them down' : 'start them'} as you manage them (their console, your hypervisor or cloud); the local and libvirt providers stop and start their own hosts`,
  });
}

async function listLabs(provider: Provider): Promise<LabStatus[]> {
  if (!provider.list)
    throw new ConfigError(`the ${provider.kind} provider keeps no list of labs`, {
      hint: 'lab list and lab down --all work with the local provider; use lab status / lab down with --name here',
    });
  return provider.list();
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
