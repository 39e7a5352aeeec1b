/**
 * os-release(5): what a machine says it runs. Pure parsing of /etc/os-release's KEY=value lines
 * (values bare, in single quotes, or in double quotes with backslash escapes), with the
 * defaults the specification gives for missing keys.
 */

/** The fields labbench decides on, as the file gives them. */
export interface OsRelease {
  /** ID, lower-case ("rocky", "ubuntu", "debian", "almalinux", "alpine"); "linux" when absent. */
  id: string;
  /** ID_LIKE: the distributions this one is derived from, closest first. */
  idLike: string[];
  /** NAME without version ("Rocky Linux", "Debian GNU/Linux"); "Linux" when absent. */
  name: string;
  /** VERSION_ID ("8.10", "24.04", "12"); '' when absent (rolling releases). */
  versionId: string;
  /** PRETTY_NAME ("Rocky Linux 8.10 (Green Obsidian)"); "Linux" when absent. */
  prettyName: string;
}

/** Where os-release(5) says the file is: /etc/os-release, else /usr/lib/os-release. */
export const READ_OS_RELEASE = 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release';

const LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** All assignments of the file, keys as written. Comments, blank and malformed lines are skipped. */
export function parseOsReleaseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m) fields[m[1]!] = unquote(m[2]!.trim());
  }
  return fields;
}

export function parseOsRelease(text: string): OsRelease {
  const f = parseOsReleaseFields(text);
  return {
    id: (f.ID ?? '').toLowerCase() || 'linux',
    idLike: (f.ID_LIKE ?? '')
      .toLowerCase()
      .split(/\s+/)
      .filter((x) => x !== ''),
    name: f.NAME || 'Linux',
    versionId: f.VERSION_ID ?? '',
    prettyName: f.PRETTY_NAME || 'Linux',
  };
}

/** A shell-style value: "double quoted" (\" \\ \$ \` escapes), 'single quoted', or bare. */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}
