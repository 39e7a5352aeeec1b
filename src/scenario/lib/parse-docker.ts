/**
 * Parser for the column tables the docker CLI prints (`docker network ls`, `docker ps`):
 * columns are found from the header's positions, so a header such as "NETWORK ID" keeps its
 * space. Pure.
 */

/** Parses a docker table into records keyed by the header's column names. */
export function parseDockerTable(text: string): Record<string, string>[] {
  const lines = text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = lines[0];
  if (!header) return [];
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    columns.forEach((c, i) => {
      const end = columns[i + 1]?.start ?? line.length;
      row[c.name] = line.slice(c.start, end).trim();
    });
    return row;
  });
}

/** One row of `docker network ls`. */
export interface DockerNetworkRow {
  id: string;
  name: string;
  driver: string;
  scope: string;
}

/** Parses `docker network ls`. */
export function parseNetworkLs(text: string): DockerNetworkRow[] {
  return parseDockerTable(text).map((r) => ({ id: r['NETWORK ID'] ?? '', name: r.NAME ?? '', driver: r.DRIVER ?? '', scope: r.SCOPE ?? '' }));
}
