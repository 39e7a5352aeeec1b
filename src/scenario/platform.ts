/**
 * What differs between the document's two OS families when a scenario provisions a host:
 * package manager, package names, where etcd reads its configuration, and the firewall and
 * SELinux handling of Rocky. Scenario steps call these so they read the same on both families.
 *
 * Rocky 8.10 (rhel family): Docker from the docker-ce repository after removing podman/runc
 * (they conflict with containerd.io); etcd and flannel from their release tarballs (EL8 ships
 * neither); firewalld opened for etcd and flannel's ports; SELinux set to permissive so flanneld
 * may create its devices and docker may use the flannel bridge address.
 * Ubuntu 24.04 / Debian 12 (debian family): docker.io, etcd-server and etcd-client from apt;
 * flannel has no package there, so labbench's agent or a release tarball is used.
 *
 * The family is the machine's (host.os, from its /etc/os-release), never the host's label.
 */
import type { Host } from '../host.ts';
import type { OsFamily } from '../os/releases.ts';

/** etcd release used where the distribution has no etcd package (EL8); 3.5 still serves the v2 API. */
export const ETCD_RELEASE = 'v3.5.17';
/** flannel release for real-flanneld installs: the last speaking etcd v2, as the document's flannel does. */
export const FLANNEL_RELEASE = 'v0.17.0';

export function etcdConfigFile(family: OsFamily): string {
  return family === 'rhel' ? '/etc/etcd/etcd.conf' : '/etc/default/etcd';
}

/** True when every package is installed already (then nothing is downloaded). */
export async function hasPackages(host: Host, packages: readonly string[]): Promise<boolean> {
  const r =
    host.os.family === 'rhel' ? await host.$({ nothrow: true })`rpm -q ${packages}` : await host.$({ nothrow: true })`dpkg -s ${packages} >/dev/null 2>&1`;
  return r.ok;
}

/** Installs Docker the way each family's guides do. */
export async function ensureDocker(host: Host): Promise<void> {
  if (host.os.family === 'rhel') {
    if (await hasPackages(host, ['docker-ce'])) return;
    await host.$({ timeoutMs: 900_000 })`dnf -y remove podman runc buildah || true`;
    await host.$`dnf -y install dnf-plugins-core`;
    await host.$`dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo`;
    await host.$({ timeoutMs: 900_000 })`dnf -y install docker-ce docker-ce-cli containerd.io`;
  } else {
    if (await hasPackages(host, ['docker.io'])) return;
    await host.$({ timeoutMs: 900_000 })`DEBIAN_FRONTEND=noninteractive apt-get -y install docker.io`;
  }
  await host.$`systemctl enable --now docker`;
}

/** Installs etcd (server and etcdctl) with a systemd unit that reads the family's config file. */
export async function ensureEtcd(host: Host): Promise<void> {
  if (host.os.family === 'debian') {
    if (await hasPackages(host, ['etcd-server', 'etcd-client'])) return;
    await host.$({ timeoutMs: 900_000 })`DEBIAN_FRONTEND=noninteractive apt-get -y install etcd-server etcd-client`;
    return;
  }
  if ((await host.$({ nothrow: true })`test -x /usr/bin/etcd`).ok) return;
  const base = `etcd-${ETCD_RELEASE}-linux-amd64`;
  await host.$({ timeoutMs: 900_000 })`curl -fsSL -o /tmp/${base}.tar.gz https://github.com/etcd-io/etcd/releases/download/${ETCD_RELEASE}/${base}.tar.gz`;
  await host.$`tar -xzf /tmp/${base}.tar.gz -C /tmp && install -m 0755 /tmp/${base}/etcd /tmp/${base}/etcdctl /usr/bin/`;
  await host.$`id etcd >/dev/null 2>&1 || useradd --system --home-dir /var/lib/etcd --shell /sbin/nologin etcd`;
  await host.$`mkdir -p /var/lib/etcd /etc/etcd && chown etcd:etcd /var/lib/etcd`;
  await host.put('/etc/systemd/system/etcd.service', RHEL_ETCD_UNIT);
  await host.$`systemctl daemon-reload`;
}

/** Opens etcd's and flannel's ports where firewalld runs, and relaxes SELinux (Rocky only). */
export async function prepareFirewall(host: Host): Promise<void> {
  if (host.os.family !== 'rhel') return;
  if ((await host.$({ nothrow: true })`systemctl is-active firewalld`).ok) {
    await host.$`firewall-cmd --permanent --add-port=2379/tcp --add-port=8285/udp --add-port=8472/udp`;
    await host.$`firewall-cmd --permanent --zone=trusted --add-source=172.16.0.0/12`;
    await host.$`firewall-cmd --reload`;
  }
  if ((await host.$({ nothrow: true })`command -v getenforce`).ok) {
    await host.$`setenforce 0 || true`;
    await host.$`sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config`;
  }
}

/** Downloads and installs a real flanneld release on a host that can reach the internet (VMs). */
export async function installFlannelRelease(host: Host, urlOrVersion = FLANNEL_RELEASE): Promise<void> {
  const url = urlOrVersion.startsWith('http')
    ? urlOrVersion
    : `https://github.com/flannel-io/flannel/releases/download/${urlOrVersion}/flannel-${urlOrVersion}-linux-amd64.tar.gz`;
  await host.$({ timeoutMs: 900_000 })`curl -fsSL -o /tmp/flannel.tar.gz ${url}`;
  await host.$`mkdir -p /tmp/flannel && tar -xzf /tmp/flannel.tar.gz -C /tmp/flannel && install -m 0755 /tmp/flannel/flanneld /usr/bin/flanneld`;
  await host.$`install -D -m 0755 /tmp/flannel/mk-docker-opts.sh /usr/libexec/flannel/mk-docker-opts.sh`;
}

const RHEL_ETCD_UNIT = `[Unit]
Description=Etcd Server
After=network.target
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
WorkingDirectory=/var/lib/etcd/
EnvironmentFile=-/etc/etcd/etcd.conf
User=etcd
ExecStart=/usr/bin/etcd
Restart=on-failure
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
