/**
 * `pnpm course serve [--name LAB] [--port P] [--host H]`: the lab in a browser. Checks the lab is
 * up and reachable before listening, prints the URL with this start's token once (and nothing
 * else ever shows the token), and serves until interrupted.
 */

import { isLoopback, newToken } from '../course/serve/access.ts';
import type { CourseBackend } from '../course/serve/course-backend.ts';
import { createDesk } from '../course/serve/desk.ts';
import { type LabConnection, labConnection } from '../course/serve/lab-connection.ts';
import { buildClient, renderPage } from '../course/serve/page.ts';
import { startServer } from '../course/serve/server.ts';
import { ConfigError, ProviderError } from '../errors.ts';
import { openLab } from '../lab.ts';
import { createProvider, parseProviderKind } from '../providers/registry.ts';
import { nameFlag } from '../testbed/testbed.ts';
import { parseFlags } from './args.ts';
import { CLASS_USAGE, runClass } from './course-class.ts';
import { labName } from './lab-spec.ts';

export const SERVE_USAGE = 'usage: pnpm course serve [--name LAB] [--port P] [--host ADDRESS] [--provider local|libvirt|ssh] [--inventory FILE]';
export { CLASS_USAGE };

const FLAGS = {
  name: { type: 'string' },
  class: { type: 'string' },
  exercise: { type: 'string' },
  at: { type: 'string' },
  from: { type: 'string' },
  prefix: { type: 'string' },
  subnets: { type: 'string' },
  parallel: { type: 'string' },
  urls: { type: 'string' },
  'stuck-checks': { type: 'string' },
  'stuck-minutes': { type: 'string' },
  down: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  provider: { type: 'string' },
  inventory: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_PORT = 7780;

export async function runServe(argv: string[], course?: (lab: string, connection: LabConnection) => CourseBackend): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, SERVE_USAGE);
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n${CLASS_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError(`course serve takes no argument "${positionals[0]}"`, { hint: SERVE_USAGE });
  const port = parsePort(values.port);
  const bind = values.host ?? '127.0.0.1';
  const classOnly = (['exercise', 'at', 'from', 'prefix', 'subnets', 'parallel', 'urls', 'stuck-checks', 'stuck-minutes', 'down'] as const).filter(
    (f) => values[f] !== undefined,
  );
  if (values.class !== undefined) {
    if (values.name || values.provider || values.inventory)
      throw new ConfigError('--class brings up one lab per student (local provider): --name, --provider and --inventory do not go with it', {
        hint: CLASS_USAGE.split('\n')[0],
      });
    if (!course) throw new ConfigError('course mode is not available in this build');
    return runClass({ ...values, class: values.class }, { bind, port }, course);
  }
  if (classOnly.length > 0) throw new ConfigError(`--${classOnly[0]} is for a class: give --class ROSTER`, { hint: `${SERVE_USAGE}\n${CLASS_USAGE}` });
  const provider = await createProvider(parseProviderKind(values.provider), { inventoryFile: values.inventory });
  const name = labName(values, provider);
  const named = nameFlag(name);
  const inventory = await provider.inventory(name);
  if (!inventory) {
    const status = await provider.status(name);
    if (!status)
      throw new ConfigError(`there is no lab "${name}"`, { hint: `bring one up: \`pnpm lab up${named}\` (and \`pnpm course start <exercise>${named}\`)` });
    throw new ConfigError(`lab "${name}" is not up (${status.state})`, {
      hint: `\`pnpm lab status${named}\` shows its hosts; \`pnpm lab up${named}\` brings it up`,
    });
  }
  // A host that does not answer would only show as a dead terminal: say so now, once.
  const lab = await openLab(inventory, { transport: 'ssh' });
  try {
    await Promise.all(lab.hosts.map((h) => h.run('true', { quiet: true, timeoutMs: 15_000 })));
  } catch (err) {
    throw new ProviderError(`lab "${name}" does not answer: ${(err as Error).message.split('\n')[0]}`, {
      hint: `is it running? \`pnpm lab status${named}\``,
      cause: err,
    });
  } finally {
    await lab.close();
  }

  const assets = await buildClient();
  const token = newToken();
  const desk = createDesk({ student: name, labName: name, lab: labConnection(() => provider.inventory(name)), ...(course ? { course } : {}) });
  const server = await startServer({
    bind,
    port,
    seats: [{ token, seat: { role: 'student', desk } }],
    page: (boot) => renderPage(assets, boot),
  });
  if (!isLoopback(bind)) {
    process.stderr.write(
      `warning: listening on ${bind}, not only on this machine: anyone who can reach it and has the URL gets root shells on the lab's hosts\n`,
    );
  }
  const shown = bind.includes(':') ? `[${bind}]` : bind;
  process.stdout.write(`course page for lab "${name}": http://${shown}:${server.port}/?token=${token}\n(Ctrl-C stops it)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new ConfigError(`--port ${text} is not a port number`, { hint: 'give 1–65535, or 0 for any free port' });
  return port;
}
