/**
 * Generating ed25519 key pairs in OpenSSH format (ssh2's generator; no ssh-keygen needed).
 *
 * ssh2's generator drops a leading zero byte of the 32-byte public key (and so of the 64-byte
 * secret) when it writes the OpenSSH formats, as if it were a big number: one key in 256 comes
 * out with a 31-byte public key, which OpenSSH refuses ("error in libcrypto"; sshd: "no hostkeys
 * available", and start-limits ssh.service: a lab host that did not boot). Such a pair is
 * generated again; every pair handed out is checked to have the lengths OpenSSH requires.
 */
import ssh2 from 'ssh2';

export interface KeyPair {
  /** OpenSSH private key (PEM-like text). */
  privateKey: string;
  /** One-line OpenSSH public key, "ssh-ed25519 AAAA… comment". */
  publicKey: string;
}

export function generateEd25519(comment: string): KeyPair {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const candidate = { privateKey: pair.private, publicKey: pair.public.trim() };
    if (isWellFormedEd25519(candidate)) return candidate;
  }
}

/** Whether both halves hold a 32-byte ed25519 public key (and the private one a 64-byte secret), as OpenSSH requires. */
export function isWellFormedEd25519(pair: KeyPair): boolean {
  const blob = Buffer.from(pair.publicKey.split(' ')[1] ?? '', 'base64');
  const pub = readStrings(blob, 0, 2);
  if (!pub || pub[0]!.toString() !== 'ssh-ed25519' || pub[1]!.length !== 32) return false;
  const body = pair.privateKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const raw = Buffer.from(body, 'base64');
  const magic = Buffer.from('openssh-key-v1\0');
  if (!raw.subarray(0, magic.length).equals(magic)) return false;
  // cipher, kdf, kdf options, then the number of keys, the public blob and the private section.
  const head = readStrings(raw, magic.length, 3);
  if (!head) return false;
  const offset = magic.length + head.reduce((n, s) => n + 4 + s.length, 0) + 4;
  const blobs = readStrings(raw, offset, 2);
  if (!blobs) return false;
  const section = blobs[1]!;
  // checkint twice, then key type, public key, secret (secret + public), comment.
  const fields = readStrings(section, 8, 3);
  return fields !== undefined && fields[0]!.toString() === 'ssh-ed25519' && fields[1]!.length === 32 && fields[2]!.length === 64;
}

/** `count` SSH wire-format strings (uint32 length + bytes) from `offset`, or undefined when they do not fit. */
function readStrings(buf: Buffer, offset: number, count: number): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 4 > buf.length) return undefined;
    const n = buf.readUInt32BE(offset);
    if (offset + 4 + n > buf.length) return undefined;
    out.push(buf.subarray(offset + 4, offset + 4 + n));
    offset += 4 + n;
  }
  return out;
}
