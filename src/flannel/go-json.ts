/**
 * Reading JSON the way flannel's Go code does: `encoding/json` matches object keys to struct
 * fields case-insensitively, and when several keys match the same field the last one wins.
 * Pure; shared by the network config and lease value decoders.
 */

/** A parsed JSON object, or undefined when the value is not an object. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of field `name` in `obj`, matched like Go's decoder (case-insensitive, last key wins). */
export function goField(obj: JsonObject, name: string): unknown {
  const wanted = name.toLowerCase();
  let found: unknown;
  for (const [key, value] of Object.entries(obj)) {
    if (key.toLowerCase() === wanted) found = value;
  }
  return found;
}
