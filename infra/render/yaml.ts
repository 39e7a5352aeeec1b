/**
 * A minimal YAML writer for the cloud-init documents (plain data: maps, lists, strings,
 * numbers, booleans). Strings that are not obviously plain words are double-quoted (JSON
 * escapes are valid YAML), which keeps MACs such as 52:54:00:00:64:12 from being read as
 * YAML 1.1 base-60 numbers; multi-line strings become literal blocks (SSH host keys).
 */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

const PLAIN = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}

function isBlock(value: YamlValue | undefined): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.values(value).some((v) => v !== undefined);
  return typeof value === 'string' && value.includes('\n');
}

function literal(text: string, indent: string): string {
  const chomp = text.endsWith('\n') ? '|' : '|-';
  const lines = text.replace(/\n$/, '').split('\n');
  return `${chomp}\n${lines.map((l) => (l === '' ? '' : indent + l)).join('\n')}`;
}

function emit(value: YamlValue, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value
      .map((item: YamlValue) => {
        const body = emit(item, indent + '  ');
        if (typeof item === 'string' && item.includes('\n')) return `${indent}- ${body}`;
        return isBlock(item) && !Array.isArray(item) ? `${indent}- ${body.slice(indent.length + 2)}` : `${indent}- ${isBlock(item) ? '\n' + body : body}`;
      })
      .join('\n');
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter((e): e is [string, YamlValue] => e[1] !== undefined);
    if (entries.length === 0) return '{}';
    return entries
      .map(([k, v]) => {
        const key = `${indent}${scalar(k)}:`;
        if (typeof v === 'string' && v.includes('\n')) return `${key} ${literal(v, indent + '  ')}`;
        return isBlock(v) ? `${key}\n${emit(v, indent + '  ')}` : `${key} ${emit(v, indent)}`;
      })
      .join('\n');
  }
  if (typeof value === 'string' && value.includes('\n')) return literal(value, indent);
  return scalar(value as string | number | boolean | null);
}

/** Renders a YAML document (no leading `---`), ending with a newline. */
export function toYaml(value: YamlValue): string {
  return emit(value, '') + '\n';
}
