/**
 * The Docker CLI pointed at one engine. Every docker call of the local provider goes through
 * here, so the engine address is never forgotten.
 */
import type { CommandResult } from '../../errors.ts';
import { type LocalRunOptions, runLocal } from '../../machine/run.ts';

/** A Docker engine labbench talks to. */
export interface DockerEngine {
  /** DOCKER_HOST-style address, e.g. unix:///var/run/docker.sock. */
  host: string;
  /** "user": an engine that was already running; "private": one labbench started and will stop. */
  kind: 'user' | 'private';
  version: string;
}

export const LABEL = {
  lab: 'dev.labbench.lab',
  host: 'dev.labbench.host',
  role: 'dev.labbench.role',
} as const;

export function docker(engine: Pick<DockerEngine, 'host'>, args: readonly string[], options: LocalRunOptions = {}): Promise<CommandResult> {
  return runLocal(['docker', '-H', engine.host, ...args], { timeoutMs: 300_000, ...options });
}

/** Lines of a docker command's stdout, empty lines dropped. */
export async function dockerLines(engine: Pick<DockerEngine, 'host'>, args: readonly string[]): Promise<string[]> {
  const r = await docker(engine, args);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** The server version when an engine answers at `host` within the timeout, else undefined. */
export async function pingEngine(host: string, timeoutMs = 10_000): Promise<string | undefined> {
  const r = await runLocal(['docker', '-H', host, 'version', '--format', '{{.Server.Version}}'], { nothrow: true, timeoutMs });
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}
