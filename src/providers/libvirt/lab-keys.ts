/**
 * The SSH keys of one libvirt lab, generated once with ssh-keygen (mode 0600) under the lab's
 * state directory: the key the login user accepts, and an ed25519 host key per VM that cloud-init
 * installs, so known_hosts pins every VM before it first boots.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLocal } from '../../machine/run.ts';
import type { TestbedSpec } from '../../spec/testbed-spec.ts';
import type { KeyPair, LabKeys } from './stack-config.ts';

async function ensureKeyPair(path: string, comment: string): Promise<KeyPair> {
  if (!existsSync(path)) await runLocal(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
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
  // The host key's comment is not part of the pin; known_hosts lines are "<address> <type> <key>".
  const lines = spec.hosts.map((h) => `${h.address} ${hostKeys[h.name]!.publicKey.split(' ').slice(0, 2).join(' ')}`);
  await writeFile(knownHostsPath, lines.join('\n') + '\n', { mode: 0o600 });
  return { privateKeyPath, publicKey: login.publicKey, knownHostsPath, hostKeys };
}
