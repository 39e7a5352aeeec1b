/**
 * Where a service takes its environment from, as `systemctl cat UNIT` prints the unit file and
 * its drop-ins in the order systemd reads them: the EnvironmentFile= paths (a leading "-" only
 * says a missing file is no error) and the Environment= assignments; an empty assignment resets
 * what came before, as systemd does. Pure.
 */
export interface UnitEnvironment {
  files: string[];
  variables: Record<string, string>;
}

export function parseUnitEnvironment(text: string): UnitEnvironment {
  let files: string[] = [];
  let variables: Record<string, string> = {};
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trim();
    const file = /^EnvironmentFile=(.*)$/.exec(line);
    if (file) {
      const path = file[1]!.trim().replace(/^-/, '');
      files = path === '' ? [] : [...files, path];
      continue;
    }
    const env = /^Environment=(.*)$/.exec(line);
    if (!env) continue;
    const words = [...env[1]!.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
    if (words.length === 0) variables = {};
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq > 0) variables[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  return { files, variables };
}
