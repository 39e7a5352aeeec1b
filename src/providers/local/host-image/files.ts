/**
 * Files labbench puts into the host image besides Debian's packages. Their hashes are part
 * of the image manifest, so editing any of them rebuilds the image.
 */

export interface ImageFile {
  path: string;
  content: string;
  mode: number;
}

/** Tag of the small test image (busybox + iperf3) every host engine has, for the document's containers. */
export const BOX_IMAGE = 'labbench/box:latest';
export const BOX_TARBALL = '/usr/share/labbench/box.tar';

const INIT = `#!/bin/sh
# PID 1 of a lab host. The engine mounts the cgroup file systems read-only inside the host's
# private cgroup namespace; systemd and the host's own Docker engine need them writable.
for m in /sys/fs/cgroup /sys/fs/cgroup/*; do
  if mountpoint -q "$m"; then mount -o remount,bind,rw "$m" 2>/dev/null; fi
done
exec /sbin/init
`;

const SSHD = `# labbench: keys only; host keys are generated per lab and pinned by the client.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
`;

const LOAD_BOX = `#!/bin/sh
# labbench: load the test container image into this host's Docker engine once.
docker image inspect ${BOX_IMAGE} >/dev/null 2>&1 && exit 0
exec docker import --change 'CMD ["/bin/sh"]' ${BOX_TARBALL} ${BOX_IMAGE}
`;

const BOX_UNIT = `[Unit]
Description=labbench: load the test container image into this host's Docker engine
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/libexec/labbench/load-box-image

[Install]
WantedBy=multi-user.target
`;

const LAN_ONLY = `#!/bin/sh
# labbench: the lab's LAN has no way out. Docker still gives the host a default route through
# the LAN gateway; without it, anything addressed outside the lab (a lookup of an unknown name,
# a container's default DNS) fails here at once instead of being sent and dropped further on.
ip route del default 2>/dev/null || true
`;

const LAN_ONLY_UNIT = `[Unit]
Description=labbench: no route out of the lab LAN
DefaultDependencies=no
After=local-fs.target
Before=network.target docker.service ssh.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/libexec/labbench/lan-only

[Install]
WantedBy=multi-user.target
`;

const JOURNALD = `[Journal]
Storage=volatile
RuntimeMaxUse=32M
`;

export const HOST_IMAGE_FILES: readonly ImageFile[] = [
  { path: '/usr/local/sbin/labbench-init', content: INIT, mode: 0o755 },
  { path: '/etc/ssh/sshd_config.d/labbench.conf', content: SSHD, mode: 0o644 },
  { path: '/usr/local/libexec/labbench/load-box-image', content: LOAD_BOX, mode: 0o755 },
  { path: '/etc/systemd/system/labbench-box.service', content: BOX_UNIT, mode: 0o644 },
  { path: '/usr/local/libexec/labbench/lan-only', content: LAN_ONLY, mode: 0o755 },
  { path: '/etc/systemd/system/labbench-lan-only.service', content: LAN_ONLY_UNIT, mode: 0o644 },
  { path: '/etc/systemd/journald.conf.d/labbench.conf', content: JOURNALD, mode: 0o644 },
];

/** Units that have nothing to do in a system container (no udev, no consoles, no kernel tuning). */
export const MASKED_UNITS: readonly string[] = [
  'systemd-udevd.service', 'systemd-udev-trigger.service', 'systemd-udevd-control.socket', 'systemd-udevd-kernel.socket',
  'getty@tty1.service', 'console-getty.service', 'serial-getty@.service', 'getty.target',
  'systemd-remount-fs.service', 'systemd-modules-load.service', 'systemd-sysctl.service',
  'sys-kernel-debug.mount', 'sys-kernel-tracing.mount', 'sys-kernel-config.mount', 'sys-fs-fuse-connections.mount',
  'systemd-journald-audit.socket', 'e2scrub_reap.service', 'apt-daily.timer', 'apt-daily-upgrade.timer',
];

/** Services enabled at boot; etcd is installed but left off (the scenario enables it on host A, as the document does). */
export const ENABLED_UNITS: readonly string[] = ['ssh.service', 'docker.service', 'labbench-box.service', 'labbench-lan-only.service'];
export const DISABLED_UNITS: readonly string[] = ['etcd.service'];

/** Programs (with their shared libraries) copied into the box test image. */
export const BOX_PROGRAMS: readonly string[] = ['/bin/busybox', '/usr/bin/iperf3'];
