/**
 * Running virsh, qemu-img and the ISO tools from inside the dynamic providers.
 *
 * This code is shipped to Pulumi's provider host by function serialisation, so it follows the
 * serialisation rules: Node built-ins are looked up inside each call (`process.getBuiltinModule`,
 * Node ≥ 20.16) rather than captured, and failures are plain `Error`s carrying a `hint` — class
 * instances such as labbench's error family do not survive serialisation (their constructors rely
 * on `new.target`, which the serialiser's wrappers lose).
 */

/** What a finished program printed and how it exited. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options for one program run. */
export interface RunOptions {
  /** Resolve with the result on a non-zero exit instead of rejecting. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

/** Debian packages that provide the programs the providers run, for hints. */
const PACKAGE_OF: Record<string, string> = {
  virsh: 'libvirt-clients',
  'qemu-img': 'qemu-utils',
  genisoimage: 'genisoimage',
  xorriso: 'xorriso',
};

/** An Error whose message ends with what to do about it (the provider host prints only messages). */
export function failure(message: string, hint: string): Error & { hint: string } {
  return Object.assign(new Error(`${message}\n  hint: ${hint}`), { hint });
}

/** Runs a program (argv form, no shell); rejects with a failure naming the command and its stderr. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { spawn } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  const shown = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const pkg = PACKAGE_OF[file];
      reject(
        err.code === 'ENOENT'
          ? failure(`${file} is not installed (needed to run: ${shown})`, pkg ? `install it: apt-get install -y ${pkg}` : `install ${file} and put it on PATH`)
          : failure(`could not run ${shown}: ${err.message}`, `check that ${file} is executable`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if (code === 0 || options.allowFailure) return resolve(result);
      const tail = stderr.trim().split('\n').slice(-6).join('\n    ');
      reject(failure(`${shown} exited with code ${code}${tail ? `:\n    ${tail}` : ''}`, hintFor(file, stderr)));
    });
  });
}

/** Runs `virsh --connect <uri> …`. */
export function virsh(uri: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run('virsh', ['--connect', uri, ...args], options);
}

/** True when virsh's stderr says the object does not exist (so deleting it is already done). */
export function isMissing(result: RunResult): boolean {
  return /not found|no (network|storage vol|storage pool|domain) with matching|failed to get (vol|pool|network|domain)/i.test(result.stderr);
}

function hintFor(file: string, stderr: string): string {
  if (file === 'virsh' && /Failed to connect|failed to connect to the hypervisor|No such file or directory.*sock/i.test(stderr)) {
    return 'is libvirtd running and the hypervisor URI (labbench:hypervisorUri) right? As root without systemd: virtlogd -d && libvirtd -d';
  }
  if (/already exists|already in use/i.test(stderr)) {
    return 'an object of that name is left from another run: remove it (virsh undefine / net-undefine / vol-delete) or choose another lab name';
  }
  return `see the ${file} message above`;
}

/** Writes `content` to a fresh private temporary directory and returns the file path and a cleanup. */
export async function tempFile(name: string, content: string): Promise<{ path: string; dir: string; remove: () => Promise<void> }> {
  const fs = process.getBuiltinModule('node:fs/promises') as typeof import('node:fs/promises');
  const os = process.getBuiltinModule('node:os') as typeof import('node:os');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'labbench-libvirt-'));
  const file = path.join(dir, name);
  await fs.writeFile(file, content, { mode: 0o600 });
  return { path: file, dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** Parses virsh's `Key: value` listings (net-info, pool-info, dominfo, vol-info). */
export function parseVirshInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (m) info[m[1]!.trim()] = m[2]!.trim();
  }
  return info;
}

/** Runs a virsh command that removes or stops something; done when the object is already gone (or `alreadyDone` matches). */
export async function virshRemove(uri: string, args: readonly string[], alreadyDone?: RegExp): Promise<void> {
  const r = await virsh(uri, args, { allowFailure: true });
  if (r.code === 0 || isMissing(r) || alreadyDone?.test(r.stderr)) return;
  throw failure(`virsh ${args.join(' ')} exited with code ${r.code}: ${r.stderr.trim()}`, hintFor('virsh', r.stderr));
}

/** The full path of `program` on PATH, or undefined. */
export function which(program: string, pathVariable = process.env['PATH'] ?? ''): string | undefined {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  for (const dir of pathVariable.split(':').filter((d) => d !== '')) {
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next PATH entry
    }
  }
  return undefined;
}
