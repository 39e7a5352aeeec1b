/**
 * Every scenario labbench ships, in the course document's order. `pnpm scenario --list` and
 * `pnpm scenario all` read this list; a scenario file is loaded only when it runs.
 */
import type { ScenarioDefinition } from '../src/scenario/define.ts';

export interface ScenarioEntry {
  name: string;
  section: string;
  load(): Promise<ScenarioDefinition>;
}

const entry = (name: string, section: string, load: () => Promise<{ default: ScenarioDefinition }>): ScenarioEntry => ({
  name,
  section,
  load: async () => (await load()).default,
});

export const SCENARIOS: readonly ScenarioEntry[] = [
  entry('flannel-two-host', '4', () => import('./flannel-two-host.ts')),
];
