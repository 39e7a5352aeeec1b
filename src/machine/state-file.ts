/**
 * labbench's state files (lab records, the engine record, keys, course progress). They are written
 * so that a reader sees the old content or the new, never half of it, even
 * when the writer is killed or the machine loses power: write a temporary file beside the
 * target, fsync it, rename it over the target (atomic on one file system), fsync the directory.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StateFileError } from '../errors.ts';

export function writeFileAtomic(path: string, content: string, options: { mode?: number; dirMode?: number } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, ...(options.dirMode !== undefined ? { mode: options.dirMode } : {}) });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fd = openSync(temp, 'wx', options.mode ?? 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  syncDirectory(dir);
}

/** A rename is durable once its directory is synced. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A JSON state file labbench wrote, or undefined when there is none. A file that is not JSON or
 * not of the expected shape (cut short by a full disk, edited by hand, another program's file)
 * is one StateFileError that names it and says how to get past it.
 */
export function readJsonState<T>(path: string, expect: { what: string; isValid: (value: unknown) => value is T; fix: string }): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`${path} is not a readable ${expect.what}: ${text.trim() === '' ? 'it is empty' : (err as Error).message}`, { hint: expect.fix });
  }
  if (!expect.isValid(value)) throw new StateFileError(`${path} is not a ${expect.what} (it holds JSON of another shape)`, { hint: expect.fix });
  return value;
}
