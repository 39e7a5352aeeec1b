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
  entry('bridge-basics', '1.1', () => import('./bridge-basics.ts')),
  entry('icc', '1.2', () => import('./icc.ts')),
  entry('link', '2.1–2.3', () => import('./link.ts')),
  entry('network-modes', '3.1, 3.3, 3.4', () => import('./network-modes.ts')),
  entry('macvlan', '3.1', () => import('./macvlan.ts')),
  entry('overlay', '3.1', () => import('./overlay.ts')),
  entry('ipvlan', '3.1', () => import('./ipvlan.ts')),
  entry('daemon-config', '3.2', () => import('./daemon-config.ts')),
  entry('custom-network', '3.5', () => import('./custom-network.ts')),
  entry('connect-networks', '3.6', () => import('./connect-networks.ts')),
  entry('flannel-two-host', '4', () => import('./flannel-two-host.ts')),
];
