/** JSON report: the results document itself, checked against bench/schema/results.schema.json. */
import { LabbenchError } from '../../errors.ts';
import { schemaErrors } from '../shared/schema.ts';
import type { ResultsDocument } from './results.ts';

/** Serialises the results document; refuses (LabbenchError) a document that breaks its own schema. */
export function renderJson(doc: ResultsDocument): string {
  const errors = schemaErrors('results', doc);
  if (errors.length > 0) throw new LabbenchError(`bench results do not match bench/schema/results.schema.json:\n  ${errors.slice(0, 8).join('\n  ')}`);
  return `${JSON.stringify(doc, null, 2)}\n`;
}
