/**
 * Entry point of the bundled agent (`/usr/local/bin/flanneld`): parse flanneld's command line,
 * print the version or help, or run the agent until SIGTERM/SIGINT. The only place that prints.
 */
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exitCodeOf, formatError } from '../../errors.ts';
import { parseAgentCommand } from '../options.ts';
import { UDP_RELAY_FROM_BINARY_DIR } from '../paths.ts';
import { agentVersionText } from '../version.ts';
import { runAgent } from './daemon.ts';
import { localRunner } from './exec.ts';
import { klogStyleLog } from './log.ts';

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = parseAgentCommand(argv, env);
  if (command.kind === 'version') {
    process.stdout.write(`${agentVersionText()}\n`);
    return 0;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${command.text}\n`);
    return 0;
  }
  const log = klogStyleLog(command.options.verbosity);
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log.info(`Received ${signal}, exiting`);
      stop.abort();
      // A request still in flight must not hold the unit in "stopping": leave within a bound.
      setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
    });
  }
  const self = realpathSync(process.argv[1]!);
  return runAgent(command.options, {
    runner: localRunner(),
    log,
    signal: stop.signal,
    relayScriptPath: resolve(dirname(self), UDP_RELAY_FROM_BINARY_DIR),
  });
}

/** How long the agent may take to wind down after SIGTERM/SIGINT. */
const STOP_GRACE_MS = 3_000;

// Exit explicitly: idle sockets of the etcd client or the udp relay would keep the process alive.
main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${formatError(err)}\n`);
    process.exit(exitCodeOf(err));
  },
);
