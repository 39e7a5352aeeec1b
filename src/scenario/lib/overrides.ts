/**
 * Reading a scenario's `--set KEY=VALUE` overrides. Scenarios use them for their knobs (most
 * of which exist to break a premise on purpose, so a test can show the scenario then fails).
 * Pure.
 */
import { ConfigError } from '../../errors.ts';
import type { ScenarioParams } from '../define.ts';

/** A true/false knob; absent means `fallback`. */
export function flagOverride(params: ScenarioParams, key: string, fallback: boolean): boolean {
  const value = params.overrides[key];
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`--set ${key}=${value}: ${key} is true or false`, { hint: `e.g. --set ${key}=${String(!fallback)}` });
}

/** A string knob; absent means `fallback`. */
export function stringOverride(params: ScenarioParams, key: string, fallback: string): string {
  return params.overrides[key] ?? fallback;
}
