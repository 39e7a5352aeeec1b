/** `pnpm course serve …`: the course commands. */
import { ConfigError } from '../errors.ts';
import { runServe, SERVE_USAGE } from './course-serve.ts';

const USAGE = `usage: pnpm course serve [options]\n  ${SERVE_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return sub ? 0 : 2;
  }
  if (sub === 'serve') return runServe(rest);
  throw new ConfigError(`unknown course command "${sub}"`, { hint: USAGE.split('\n')[0] });
}
