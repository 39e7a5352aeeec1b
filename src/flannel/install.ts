/**
 * Everything a lab host needs to run labbench's flannel agent as the `flanneld` unit: the
 * bundled agent, the udp relay and the unit file, as files to write.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildAgentBundle } from './bundle.ts';
import { AGENT_BINARY_PATH, UDP_RELAY_PATH, UNIT_PATH } from './paths.ts';
import { renderFlanneldUnit } from './unit.ts';

/** One file to put on a host. */
export interface InstallFile {
  path: string;
  content: string;
  /** Unix permission bits, e.g. 0o755. */
  mode: number;
}

const RELAY_SOURCE = fileURLToPath(new URL('./udp-relay.py', import.meta.url));

/** The agent's files: flanneld (0755), udp-relay.py (0755), flanneld.service (0644). */
export async function agentInstallFiles(): Promise<InstallFile[]> {
  return [
    { path: AGENT_BINARY_PATH, content: await buildAgentBundle(), mode: 0o755 },
    { path: UDP_RELAY_PATH, content: await readFile(RELAY_SOURCE, 'utf8'), mode: 0o755 },
    { path: UNIT_PATH, content: renderFlanneldUnit(), mode: 0o644 },
  ];
}
