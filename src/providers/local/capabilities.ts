/**
 * Which container flags give a systemd host with its own Docker engine everything it needs on
 * this machine. `--privileged` asks for every capability and fails ("unable to apply caps")
 * where the bounding set lacks one (CAP_SYS_RESOURCE on some CI kernels), so the flags are
 * derived from the capabilities actually available. Pure.
 */

/** Linux capability numbers → names as Docker spells them (without CAP_). */
export const CAPABILITY_NAMES: readonly string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
];

/** Capabilities a host container cannot work without (systemd, dockerd, iptables, TUN). */
const REQUIRED = ['SYS_ADMIN', 'NET_ADMIN', 'NET_RAW', 'MKNOD', 'SYS_CHROOT', 'SETUID', 'SETGID'];

/** Names of the capabilities missing from a `CapBnd:` hex mask (from /proc/<pid>/status). */
export function missingCapabilities(capBndHex: string): string[] {
  const mask = BigInt(`0x${capBndHex.trim()}`);
  return CAPABILITY_NAMES.filter((_, bit) => (mask & (1n << BigInt(bit))) === 0n);
}

/** Reads the CapBnd line out of a /proc/<pid>/status text. */
export function capBndOf(procStatus: string): string | undefined {
  return /^CapBnd:\s*([0-9a-f]+)$/im.exec(procStatus)?.[1];
}

export interface HostContainerFlags {
  flags: string[];
  /** Why these flags and not --privileged, for `lab status`. */
  reason: string;
}

/**
 * The `docker run` flags for a host container given the engine's missing capabilities.
 * The cgroup namespace is private so the host's systemd and its inner engine create their
 * cgroups inside the host container's own subtree, which the engine removes with it.
 */
export function hostContainerFlags(missing: readonly string[]): HostContainerFlags {
  const lacking = REQUIRED.filter((c) => missing.includes(c));
  if (lacking.length > 0) {
    throw new Error(`the Docker engine lacks capabilities a lab host needs: ${lacking.join(', ')}`);
  }
  const common = [
    '--cgroupns',
    'private',
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'apparmor=unconfined',
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/run/lock',
    '--tmpfs',
    '/tmp',
  ];
  if (missing.length === 0) return { flags: ['--privileged', ...common], reason: 'all capabilities available: --privileged' };
  return {
    flags: [
      '--cap-add',
      'ALL',
      ...missing.flatMap((c) => ['--cap-drop', c]),
      '--security-opt',
      'systempaths=unconfined',
      '--device-cgroup-rule',
      'a *:* rwm',
      '--device',
      '/dev/net/tun',
      ...common,
    ],
    reason: `--privileged would fail (missing ${missing.join(', ')}): all other capabilities, unconfined, all devices`,
  };
}
