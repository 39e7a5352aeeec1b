/**
 * What the program checks before it declares anything, so a lab that cannot be built here fails
 * with one message instead of half-way through `pulumi up`: local image files exist and have the
 * configured SHA-256, the hypervisor answers, and a kvm domain type has /dev/kvm to use (checked
 * for local hypervisors only). Every problem is reported at once.
 */
import { ConfigError } from '../src/errors.ts';
import type { LabConfig } from './config.ts';
import { run } from './libvirt/exec.ts';
import { isUrl, sha256OfFile } from './libvirt/image-source.ts';

/** The facts the checks need, from the machine (or a test). */
export interface PreflightProbes {
  /** SHA-256 of a local file; undefined when it does not exist or cannot be read. */
  sha256Of(path: string): Promise<string | undefined>;
  /** Why the hypervisor does not answer; undefined when it does. */
  hypervisorProblem(uri: string): Promise<string | undefined>;
  /** True when this machine can open /dev/kvm. */
  kvmUsable(): boolean;
}

/** True for URIs of a hypervisor on this machine (qemu:///system, qemu:///session), whose /dev/kvm is ours. */
export function isLocalHypervisor(uri: string): boolean {
  return /^qemu:\/\/\/(system|session)(\?.*)?$/.test(uri);
}

/** The problems that would make `pulumi up` fail on this machine (empty when there are none). */
export async function preflightProblems(config: LabConfig, probes: PreflightProbes): Promise<string[]> {
  const problems: string[] = [];
  const files = new Map<string, { sha256: string; what: string }>();
  for (const h of config.hosts) {
    const { image } = h;
    const candidates: [string | undefined, string | undefined, string][] = [
      [image.source, image.sha256, 'disk image'],
      [image.kernel, image.kernelSha256, 'kernel'],
      [image.initrd, image.initrdSha256, 'initramfs'],
    ];
    for (const [path, sha256, what] of candidates) {
      if (path !== undefined && sha256 !== undefined && !isUrl(path)) files.set(path, { sha256: sha256.toLowerCase(), what: `${h.os} ${what}` });
    }
  }
  for (const [path, { sha256, what }] of files) {
    const actual = await probes.sha256Of(path);
    if (actual === undefined)
      problems.push(
        `the ${what} ${path} does not exist (or cannot be read): fix its path in labbench:images${what.startsWith('debian-12') ? ', or build the image with `pnpm vm-image`' : ''}`,
      );
    else if (actual !== sha256)
      problems.push(
        `sha256 mismatch for the ${what} ${path}: expected ${sha256}, got ${actual}; set the right digest in labbench:images (or use the file the digest belongs to)`,
      );
  }
  const unreachable = await probes.hypervisorProblem(config.hypervisorUri);
  if (unreachable !== undefined) {
    problems.push(
      `cannot reach the hypervisor ${config.hypervisorUri}: ${unreachable}; start libvirtd (as root without systemd: virtlogd -d && libvirtd -d) or fix labbench:hypervisorUri`,
    );
  }
  if (config.domainType === 'kvm' && isLocalHypervisor(config.hypervisorUri) && !probes.kvmUsable()) {
    problems.push(
      'domainType kvm needs /dev/kvm, which this machine does not have (or cannot open); set labbench:domainType to qemu (emulation: slower, but needs no KVM)',
    );
  }
  return problems;
}

/** The probes of this machine. */
export const machineProbes: PreflightProbes = {
  sha256Of: (path) => sha256OfFile(path).catch(() => undefined),
  async hypervisorProblem(uri) {
    try {
      const r = await run('virsh', ['--connect', uri, 'version'], { allowFailure: true, timeoutMs: 30_000 });
      return r.code === 0
        ? undefined
        : (r.stderr
            .trim()
            .split('\n')
            .filter((l) => l.trim() !== '')
            .pop() ?? `virsh exited with code ${r.code}`);
    } catch (err) {
      return (err as Error).message.split('\n')[0];
    }
  },
  kvmUsable() {
    const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    try {
      fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** Throws one ConfigError listing every problem; nothing has been declared yet when it does. */
export async function preflightLab(config: LabConfig, probes: PreflightProbes = machineProbes): Promise<void> {
  const problems = await preflightProblems(config, probes);
  if (problems.length === 0) return;
  throw new ConfigError(`the libvirt lab "${config.labName}" cannot be built here:\n  - ${problems.join('\n  - ')}`, {
    hint: 'nothing was created; fix the above and run again (labbench:preflight false skips these checks, e.g. to preview on another machine)',
  });
}
