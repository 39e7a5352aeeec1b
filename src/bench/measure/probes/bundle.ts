/**
 * Builds the probe scripts that run on the lab hosts into self-contained ESM bundles for
 * Debian 12's node 18 (tinybench included). Nothing is written: the runner copies `code` to
 * the hosts.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The probe scripts, by bundle name. */
export const PROBE_ENTRIES = {
  'rr-client': fileURLToPath(new URL('./rr-client.ts', import.meta.url)),
  'echo-server': fileURLToPath(new URL('./echo-server.ts', import.meta.url)),
} as const;

/** Name of a probe bundle. */
export type ProbeBundleName = keyof typeof PROBE_ENTRIES;

/** One built script. */
export interface ProbeBundle {
  name: ProbeBundleName;
  /** File name to give it on the host (`.mjs`, so node runs it as ESM without a package.json). */
  fileName: string;
  code: string;
}

/** Bundles both probe scripts for node 18 (esbuild refuses syntax node 18 cannot run). */
export async function buildProbeBundles(): Promise<Record<ProbeBundleName, ProbeBundle>> {
  const entries = Object.entries(PROBE_ENTRIES) as [ProbeBundleName, string][];
  const built = await Promise.all(
    entries.map(async ([name, entry]) => {
      const result = await build({
        entryPoints: [entry],
        write: false,
        bundle: true,
        platform: 'node',
        target: 'node18',
        format: 'esm',
        logLevel: 'silent',
        legalComments: 'none',
      });
      const output = result.outputFiles[0];
      if (!output) throw new Error(`esbuild produced no output for ${name}`);
      return [name, { name, fileName: `${name}.mjs`, code: output.text }] as const;
    }),
  );
  return Object.fromEntries(built) as Record<ProbeBundleName, ProbeBundle>;
}
