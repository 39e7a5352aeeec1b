/**
 * Reading published checksum files: GNU coreutils style (`<hex>  name` or `<hex> *name`, as in
 * Ubuntu's SHA256SUMS) and BSD style (`SHA256 (name) = <hex>`, as in Rocky's CHECKSUM).
 */

const SHA256 = /^[0-9a-f]{64}$/;

/** True when `text` is a lower- or upper-case hex SHA-256 digest. */
export function isSha256(text: string): boolean {
  return SHA256.test(text.toLowerCase());
}

/** The SHA-256 listed for `fileName` in a checksum file, lower-cased; undefined when absent. */
export function findSha256(checksumFile: string, fileName: string): string | undefined {
  for (const raw of checksumFile.split('\n')) {
    const line = raw.trim();
    const gnu = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line);
    if (gnu && gnu[2] === fileName) return gnu[1]!.toLowerCase();
    const bsd = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/.exec(line);
    if (bsd && bsd[1] === fileName) return bsd[2]!.toLowerCase();
  }
  return undefined;
}
