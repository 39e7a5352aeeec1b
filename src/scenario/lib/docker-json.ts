/**
 * /etc/docker/daemon.json edits as the document makes them: set some keys, keep the others.
 * Pure; the scenario reads the file, merges, and writes the result back.
 */
import { LabbenchError } from '../../errors.ts';

export type DaemonConfig = Record<string, unknown>;

/** Parses daemon.json text; an absent or empty file is an empty config. */
export function parseDaemonJson(text: string): DaemonConfig {
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as DaemonConfig;
  } catch {
    // fall through to the error below
  }
  throw new LabbenchError('/etc/docker/daemon.json is not a JSON object', { hint: 'fix or remove the file on the host, then run the scenario again' });
}

/** The config with `changes` applied; a key set to undefined is removed. */
export function mergeDaemonJson(current: DaemonConfig, changes: Record<string, unknown>): DaemonConfig {
  const out: DaemonConfig = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Two-space JSON as the document writes it, with a final newline. */
export function renderDaemonJson(config: DaemonConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
