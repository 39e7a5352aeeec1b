import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { generateEd25519, isWellFormedEd25519 } from '../../src/transports/ssh-keys.ts';

/** A pair as ssh2 wrote it when the public key began with a zero byte: OpenSSH refuses it. */
const TRUNCATED = {
  privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz
c2gtZWQyNTUxOQAAAB8ERHokr7oAwOXEJQeCVZAj269j/IG4v8iGDQpW6ctfAAAA
kB/N474fzeO+AAAAC3NzaC1lZDI1NTE5AAAAHwREeiSvugDA5cQlB4JVkCPbr2P8
gbi/yIYNClbpy18AAAA/aFffDP906wsFHuKz2hWPgAuud+u4y+3rJNxBbg/ZbS8E
RHokr7oAwOXEJQeCVZAj269j/IG4v8iGDQpW6ctfAAAACnJvb3RAaG9zdEEBAgME
BQ==
-----END OPENSSH PRIVATE KEY-----
`,
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAHwREeiSvugDA5cQlB4JVkCPbr2P8gbi/yIYNClbpy18 root@hostA',
};

test('a pair with a 31-byte public key (ssh2 dropped its leading zero) is recognised as malformed', (t) => {
  t.false(isWellFormedEd25519(TRUNCATED));
});

test("2000 generated pairs are all well formed (one in 256 of ssh2's is not), and ssh-keygen accepts a sample", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-keys-'));
  try {
    for (let i = 0; i < 2000; i++) {
      const pair = generateEd25519('root@hostA');
      t.true(isWellFormedEd25519(pair), pair.publicKey);
      if (i % 200 === 0) {
        const file = join(dir, `k${i}`);
        writeFileSync(file, pair.privateKey, { mode: 0o600 });
        // ssh-keygen derives the public key from the private one: it must be the one handed out.
        let derived: string | undefined;
        try {
          derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // no ssh-keygen on this machine
          throw err;
        }
        t.is(derived.split(' ').slice(0, 2).join(' '), pair.publicKey.split(' ').slice(0, 2).join(' '));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
