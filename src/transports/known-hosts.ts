/**
 * known_hosts lines for pinned host keys: `<address> <type> <base64 key>`. Pure. labbench
 * writes one file per lab at `lab up` and checks every connection against it; a host whose
 * key changed is refused, never silently re-trusted.
 */

export interface PinnedKey {
  hosts: string[];
  type: string;
  /** The public key blob, base64 (the SSH wire encoding). */
  key: string;
}

export function parseKnownHosts(text: string): PinnedKey[] {
  const out: PinnedKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [hosts, type, key] = line.split(/\s+/);
    if (hosts && type && key) out.push({ hosts: hosts.split(','), type, key });
  }
  return out;
}

export function formatKnownHosts(keys: readonly PinnedKey[]): string {
  const lines = keys.map((k) => `${k.hosts.join(',')} ${k.type} ${k.key}`);
  return `${lines.join('\n')}\n`;
}

/** Splits an OpenSSH public key line ("ssh-ed25519 AAAA… comment") into type and blob. */
export function parsePublicKeyLine(line: string): { type: string; key: string } {
  const [type, key] = line.trim().split(/\s+/);
  if (!type || !key) throw new Error(`not an OpenSSH public key: ${line.slice(0, 40)}`);
  return { type, key };
}

/** The key blobs pinned for a host name or address ("[addr]:port" for a non-22 port). */
export function pinnedFor(keys: readonly PinnedKey[], host: string, port = 22): string[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  return keys.filter((k) => k.hosts.includes(name)).map((k) => k.key);
}
