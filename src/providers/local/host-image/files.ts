/**
 * Files labbench puts into the host image besides Debian's packages (their paths are named in
 * src/testbed/host-image.ts). Their hashes are part of the image manifest, so editing any of
 * them rebuilds the image.
 */
import { BOX_IMAGE, CENTOS_TAGS, HOST_IMAGE_PATHS as P } from '../../../testbed/host-image.ts';

export interface ImageFile {
  path: string;
  content: string;
  mode: number;
}

/** How the box image says what it is, in `docker inspect` and in its own release files. */
export const BOX_DESCRIPTION = 'labbench stand-in for centos:7.9, not CentOS: busybox, bash and iperf3 from Debian 12 packages';

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
# labbench: load the test container image into this host's Docker engine once, under its own
# name and the document's (${CENTOS_TAGS.join(', ')}): no registry is reachable from a lab.
set -e
docker image inspect ${BOX_IMAGE} >/dev/null 2>&1 ||
  docker import --change 'CMD ["/bin/bash"]' --change 'LABEL org.opencontainers.image.description="${BOX_DESCRIPTION}"' ${P.boxTarball} ${BOX_IMAGE}
for tag in ${CENTOS_TAGS.join(' ')}; do
  docker image inspect "$tag" >/dev/null 2>&1 || docker tag ${BOX_IMAGE} "$tag"
done
`;

const BOX_UNIT = `[Unit]
Description=labbench: load the test container image into this host's Docker engine
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${P.boxLoader}

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
ExecStart=${P.lanOnly}

[Install]
WantedBy=multi-user.target
`;

const JOURNALD = `[Journal]
Storage=volatile
RuntimeMaxUse=32M
`;

/** etcd as the document's Rocky host runs it: settings in /etc/etcd/etcd.conf, v2 API served. */
const ETCD_DROP_IN = `# labbench: the document's Rocky host keeps etcd's settings in /etc/etcd/etcd.conf; read it
# after Debian's /etc/default/etcd. etcd 3.4 serves the v2 API (etcdctl mk, flannel <= 0.17)
# only when asked; the file may still say otherwise.
[Service]
Environment=ETCD_ENABLE_V2=true
EnvironmentFile=-${P.etcdConf}
`;

const ETCD_CONF = `# etcd settings (labbench: read by etcd.service through etcd.service.d/labbench.conf, as on
# the document's Rocky host). Set them as the course document shows, then: systemctl start etcd
`;

/** The document types etcdctl's v2 commands (mk, get); etcd 3.4's etcdctl speaks v3 unless told. */
const ETCDCTL_PROFILE = `# labbench: etcdctl speaks the v2 API the course document uses (etcdctl mk, etcdctl get).
export ETCDCTL_API=2
`;

/** The same for commands run over SSH without a login shell (pam_env reads it). */
const ENVIRONMENT = `ETCDCTL_API=2
`;

const APT_LIST = `# labbench: packages built by labbench for its lab hosts (flannel), no network needed.
deb [trusted=yes] file:${P.aptDir} ./
`;

/** Debian names for the Rocky packages the document installs with yum. */
const YUM_EQUIVALENTS: Record<string, string> = {
  etcd: 'etcd-server etcd-client',
  flannel: 'flannel',
  docker: 'docker.io',
  'docker-ce': 'docker.io',
  iproute: 'iproute2',
  'net-tools': 'net-tools',
  'bridge-utils': 'bridge-utils',
  iperf3: 'iperf3',
  tcpdump: 'tcpdump',
};

const YUM = `#!/bin/sh
# labbench: a stand-in for yum. This host runs Debian 12 in place of the document's Rocky 8.10;
# \`yum install\` installs the Debian equivalents with apt-get (offline, from the image's sources).
say() { echo "yum (labbench stand-in on Debian 12): $*" >&2; }
equivalent() {
  case "$1" in
${Object.entries(YUM_EQUIVALENTS)
  .map(([rpm, deb]) => `    ${rpm}) echo "${deb}" ;;`)
  .join('\n')}
    *) return 1 ;;
  esac
}
action=""; names=""; debs=""; yes=""
for arg in "$@"; do
  case "$arg" in
    -y|--assumeyes) yes="-y" ;;
    -q|--quiet) ;;
    -*) say "option $arg is not supported here"; exit 2 ;;
    *) if [ -z "$action" ]; then action="$arg"; else names="$names $arg"; fi ;;
  esac
done
case "$action" in
  install|remove|erase) ;;
  *) say "only install and remove are available (this host runs Debian: use apt for anything else)"; exit 2 ;;
esac
[ -n "$names" ] || { say "no package names given"; exit 2; }
for n in $names; do
  if ! d=$(equivalent "$n"); then
    say "no Debian equivalent known for package \\"$n\\" (known: ${Object.keys(YUM_EQUIVALENTS).join(' ')}); use apt"
    exit 1
  fi
  debs="$debs $d"
done
say "installing the Debian equivalents:$debs"
[ "$action" = install ] || action=remove
DEBIAN_FRONTEND=noninteractive exec apt-get $yes "$action"$debs
`;

export const HOST_IMAGE_FILES: readonly ImageFile[] = [
  { path: P.init, content: INIT, mode: 0o755 },
  { path: P.sshdConfig, content: SSHD, mode: 0o644 },
  { path: P.boxLoader, content: LOAD_BOX, mode: 0o755 },
  { path: P.boxUnit, content: BOX_UNIT, mode: 0o644 },
  { path: P.lanOnly, content: LAN_ONLY, mode: 0o755 },
  { path: P.lanOnlyUnit, content: LAN_ONLY_UNIT, mode: 0o644 },
  { path: P.journaldConfig, content: JOURNALD, mode: 0o644 },
  { path: P.etcdDropIn, content: ETCD_DROP_IN, mode: 0o644 },
  { path: P.etcdConf, content: ETCD_CONF, mode: 0o644 },
  { path: P.etcdctlProfile, content: ETCDCTL_PROFILE, mode: 0o644 },
  { path: P.environment, content: ENVIRONMENT, mode: 0o644 },
  { path: P.aptList, content: APT_LIST, mode: 0o644 },
  { path: P.yum, content: YUM, mode: 0o755 },
];

/** Units that have nothing to do in a system container (no udev, no consoles, no kernel tuning). */
export const MASKED_UNITS: readonly string[] = [
  'systemd-udevd.service',
  'systemd-udev-trigger.service',
  'systemd-udevd-control.socket',
  'systemd-udevd-kernel.socket',
  'getty@tty1.service',
  'console-getty.service',
  'serial-getty@.service',
  'getty.target',
  'systemd-remount-fs.service',
  'systemd-modules-load.service',
  'systemd-sysctl.service',
  'sys-kernel-debug.mount',
  'sys-kernel-tracing.mount',
  'sys-kernel-config.mount',
  'sys-fs-fuse-connections.mount',
  'systemd-journald-audit.socket',
  'e2scrub_reap.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
];

/** Services enabled at boot; etcd is installed but left off (the scenario enables it on host A, as the document does). */
export const ENABLED_UNITS: readonly string[] = ['ssh.service', 'docker.service', 'labbench-box.service', 'labbench-lan-only.service'];
export const DISABLED_UNITS: readonly string[] = ['etcd.service'];

/** Programs (with their shared libraries) copied into the box test image. */
export const BOX_PROGRAMS: readonly string[] = ['/bin/busybox', '/bin/bash', '/usr/bin/iperf3'];

/** The box image's /etc/os-release and /etc/centos-release: what it really is. */
export const BOX_RELEASE_FILES: readonly ImageFile[] = [
  {
    path: '/etc/os-release',
    content: `NAME="labbench box"\nID=labbench-box\nVERSION_ID=1\nPRETTY_NAME="${BOX_DESCRIPTION}"\n`,
    mode: 0o644,
  },
  { path: '/etc/centos-release', content: `${BOX_DESCRIPTION}\n`, mode: 0o644 },
];
