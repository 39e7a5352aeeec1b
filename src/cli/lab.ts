/** `pnpm lab up|down|status|shell|exec`: bring a lab up, look at it, get into its hosts, remove it. */
import { ConfigError } from '../errors.ts';
import { renderTable } from '../text-table.ts';
import { findHost, openLab } from '../lab.ts';
import { consoleSink, createProgress, formatDuration } from '../progress.ts';
import type { LabStatus } from '../providers/provider.ts';
import { createProvider, parseProviderKind } from '../providers/registry.ts';
import { DEFAULT_LAB_NAME } from '../spec/testbed-spec.ts';
import { parseFlags } from './args.ts';
import { labName, specFromFlags } from './lab-spec.ts';

const USAGE = `usage: pnpm lab up|down|status|shell|exec [options]
  up     [--name N] [--subnet CIDR] [--spec FILE] [--provider local|libvirt|ssh] [--inventory FILE] [--json]
  status [--name N] [--json]
  shell  <host> [--name N]
  exec   <host> [--name N] -- <command…>
  down   [--name N]`;

const FLAGS = {
  name: { type: 'string' },
  subnet: { type: 'string' },
  spec: { type: 'string' },
  provider: { type: 'string' },
  inventory: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const command = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const { values, positionals } = parseFlags(own, FLAGS, USAGE);
  const [sub, ...args] = positionals;
  if (values.help || !sub) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const provider = await createProvider(parseProviderKind(values.provider), { inventoryFile: values.inventory });
  const name = labName(values, provider);
  const json = Boolean(values.json);
  const progress = createProgress(json ? undefined : consoleSink());
  const started = performance.now();

  switch (sub) {
    case 'up': {
      const spec = specFromFlags(values, provider);
      const inventory = await provider.up(spec, progress);
      const status = await provider.status(spec.name);
      if (json) print({ lab: inventory, status, steps: progress.steps, durationMs: performance.now() - started });
      else {
        process.stdout.write(renderStatus(status));
        process.stdout.write(`lab "${spec.name}" is up (${formatDuration(performance.now() - started)}). Try: pnpm lab exec ${inventory.hosts[0]?.name} -- ip a\n`);
      }
      return 0;
    }
    case 'status': {
      const status = await provider.status(name);
      if (json) print(status ?? { name, state: 'down', hosts: [] });
      else process.stdout.write(status ? renderStatus(status) : `lab "${name}" is down\n`);
      return 0;
    }
    case 'down': {
      await provider.down(name, progress);
      if (json) print({ name, state: 'down', steps: progress.steps });
      else process.stdout.write(`lab "${name}" is down (${formatDuration(performance.now() - started)})\n`);
      return 0;
    }
    case 'shell':
    case 'exec': {
      const hostName = args[0];
      if (!hostName) throw new ConfigError(`lab ${sub} needs a host name`, { hint: USAGE.split('\n')[sub === 'shell' ? 3 : 4] });
      if (sub === 'exec' && command.length === 0) throw new ConfigError('lab exec needs a command after --', { hint: 'e.g. pnpm lab exec hostA -- ip a' });
      const inventory = await provider.inventory(name);
      if (!inventory) throw new ConfigError(`lab "${name}" is not up`, { hint: `run \`pnpm lab up${name === DEFAULT_LAB_NAME ? '' : ` --name ${name}`}\`` });
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

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The status as a small table, kind/containerlab style. */
export function renderStatus(s: LabStatus | undefined): string {
  if (!s) return '';
  const rows = [['HOST', 'ADDRESS', 'OS (document)', 'RUNS AS', 'STATE'], ...s.hosts.map((h) => [h.name, h.address, h.os, h.platform, h.state])];
  const table = renderTable(rows).trimEnd();
  const details = Object.entries(s.details)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('\n');
  return `lab "${s.name}" (${s.provider}, ${s.subnet}): ${s.state}\n${table}\n${details}\n`;
}
