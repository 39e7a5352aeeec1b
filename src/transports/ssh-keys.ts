/** Generating ed25519 key pairs in OpenSSH format (ssh2's generator; no ssh-keygen needed). */
import ssh2 from 'ssh2';

export interface KeyPair {
  /** OpenSSH private key (PEM-like text). */
  privateKey: string;
  /** One-line OpenSSH public key, "ssh-ed25519 AAAA… comment". */
  publicKey: string;
}

export function generateEd25519(comment: string): KeyPair {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}
