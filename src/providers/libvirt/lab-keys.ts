/**
 * The SSH keys of one libvirt lab, generated once (mode 0600) under the lab's state directory:
 * the key the login user accepts, and an ed25519 host key per VM that cloud-init installs, so
 * known_hosts pins every VM before it first boots.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestbedSpec } from '../../testbed/testbed.ts';
import { formatKnownHosts, parsePublicKeyLine } from '../../transports/known-hosts.ts';
import { generateEd25519, type KeyPair } from '../../transports/ssh-keys.ts';
import type { LabKeys } from './stack-config.ts';

async function ensureKeyPair(path: string, comment: string): Promise<KeyPair> {
  if (!existsSync(path)) {
    const pair = generateEd25519(comment);
    await writeFile(path, pair.privateKey, { mode: 0o600 });
    await writeFile(`${path}.pub`, `${pair.publicKey}\n`, { mode: 0o600 });
  }
  return { privateKey: await readFile(path, 'utf8'), publicKey: (await readFile(`${path}.pub`, 'utf8')).trim() };
}

/** Creates (or reuses) the lab's keys in `dir` and writes known_hosts for the spec's addresses. */
export async function ensureLabKeys(dir: string, spec: TestbedSpec): Promise<LabKeys> {
  await mkdir(join(dir, 'host-keys'), { recursive: true, mode: 0o700 });
  const privateKeyPath = join(dir, 'id_ed25519');
  const login = await ensureKeyPair(privateKeyPath, `labbench-${spec.name}`);
  const hostKeys: Record<string, KeyPair> = {};
  for (const h of spec.hosts) hostKeys[h.name] = await ensureKeyPair(join(dir, 'host-keys', `${h.name}_ed25519`), `${h.name}.${spec.name}`);
  const knownHostsPath = join(dir, 'known_hosts');
  const pins = spec.hosts.map((h) => ({ hosts: [h.address], ...parsePublicKeyLine(hostKeys[h.name]!.publicKey) }));
  await writeFile(knownHostsPath, formatKnownHosts(pins), { mode: 0o600 });
  return { privateKeyPath, publicKey: login.publicKey, knownHostsPath, hostKeys };
}
