/** Parsing command-line flags with node:util, turning its errors into one clear ConfigError. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message.replace(/\. To specify.*$/s, ''), { hint: usage.split('\n')[0] });
  }
}
