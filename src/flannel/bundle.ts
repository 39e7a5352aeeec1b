/**
 * Builds the agent into one CommonJS file for Node 18 (Debian 12's nodejs) with esbuild: no
 * npm packages at run time, a `#!/usr/bin/env node` shebang, ready to install as flanneld.
 */

import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, buildSync } from 'esbuild';

/** The agent's entry module. */
export const AGENT_ENTRY = fileURLToPath(new URL('./agent/main.ts', import.meta.url));

const OPTIONS = {
  entryPoints: [AGENT_ENTRY],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  write: false,
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'silent',
} as const satisfies BuildOptions;

let cached: Promise<string> | undefined;
let cachedSync: string | undefined;

/** The bundled agent's source text (built once per process). */
export function buildAgentBundle(): Promise<string> {
  cached ??= cachedSync !== undefined ? Promise.resolve(cachedSync) : build(OPTIONS).then((result) => result.outputFiles[0]!.text);
  return cached;
}

/** The same bundle, built synchronously: the host image manifest hashes it (it goes into the image's flannel package). */
export function buildAgentBundleSync(): string {
  cachedSync ??= buildSync(OPTIONS).outputFiles[0]!.text;
  return cachedSync;
}
