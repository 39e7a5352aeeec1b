/**
 * Validation of bench documents against the published JSON Schemas in bench/schema/
 * (draft 2020-12), and the loader rule shared by every document: right kind, right version,
 * valid shape, or one ConfigError that says which and how to fix it.
 */

import type { ErrorObject } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import baselineSchema from '../../../bench/schema/baseline.schema.json' with { type: 'json' };
import markSchema from '../../../bench/schema/mark.schema.json' with { type: 'json' };
import nightSchema from '../../../bench/schema/night.schema.json' with { type: 'json' };
import resultsSchema from '../../../bench/schema/results.schema.json' with { type: 'json' };
import { ConfigError } from '../../errors.ts';

const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = {
  baseline: ajv.compile(baselineSchema),
  results: ajv.compile(resultsSchema),
  night: ajv.compile(nightSchema),
  mark: ajv.compile(markSchema),
};

/** The document types and what identifies them. */
export const DOCUMENTS = {
  baseline: { kind: 'labbench.bench.baseline', schemaVersion: 2, schemaFile: 'bench/schema/baseline.schema.json' },
  results: { kind: 'labbench.bench.results', schemaVersion: 3, schemaFile: 'bench/schema/results.schema.json' },
  night: { kind: 'labbench.bench.night', schemaVersion: 1, schemaFile: 'bench/schema/night.schema.json' },
  mark: { kind: 'labbench.bench.mark', schemaVersion: 1, schemaFile: 'bench/schema/mark.schema.json' },
} as const;

/** A document type. */
export type DocumentType = keyof typeof DOCUMENTS;

/** Schema violations of a value, as "path: message" lines (empty when valid). */
export function schemaErrors(type: DocumentType, value: unknown): string[] {
  const validate = validators[type];
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describeError);
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(document)' : e.instancePath;
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

/**
 * Parses and validates a document's text. `source` names it in errors (a path); `fix` is the
 * hint for a document that cannot be used (e.g. how to re-create it).
 */
export function parseDocument<T>(type: DocumentType, text: string, source: string, fix: string): T {
  const { kind, schemaVersion, schemaFile } = DOCUMENTS[type];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${source} is not valid JSON: ${(err as Error).message}`, { hint: fix, cause: err });
  }
  const head = (typeof value === 'object' && value !== null ? value : {}) as { kind?: unknown; schemaVersion?: unknown };
  if (head.kind !== kind) {
    throw new ConfigError(`${source} is not a ${type} document (kind is ${JSON.stringify(head.kind ?? null)}, expected "${kind}")`, { hint: fix });
  }
  if (head.schemaVersion !== schemaVersion) {
    throw new ConfigError(`${source} has schema version ${JSON.stringify(head.schemaVersion ?? null)}; this labbench reads version ${schemaVersion}`, {
      hint: fix,
    });
  }
  const errors = schemaErrors(type, value);
  if (errors.length > 0) {
    const shown = errors.slice(0, 8);
    const more = errors.length > shown.length ? `\n  … and ${errors.length - shown.length} more` : '';
    throw new ConfigError(`${source} does not match ${schemaFile}:\n  ${shown.join('\n  ')}${more}`, { hint: fix });
  }
  return value as T;
}
