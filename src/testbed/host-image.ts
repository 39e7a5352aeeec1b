/**
 * What labbench's own host images put on a host, by path and name, spelled once: the local
 * provider's system container image (src/providers/local/host-image/) and the libvirt provider's
 * Debian 12 VM image (src/providers/libvirt/vm-image/) write these files, and scenarios run the
 * programs among them. Whether a lab's hosts have them is for the provider to say
 * (Inventory.offers), not for a scenario to find out by looking for them.
 */
export const HOST_IMAGE_PATHS = {
  /** PID 1 of a system container host. */
  init: '/usr/local/sbin/labbench-init',
  sshdConfig: '/etc/ssh/sshd_config.d/labbench.conf',
  journaldConfig: '/etc/systemd/journald.conf.d/labbench.conf',
  /** Loads the box test image into the host's Docker engine under the document's centos tags. */
  boxLoader: '/usr/local/libexec/labbench/load-box-image',
  boxUnit: '/etc/systemd/system/labbench-box.service',
  /** The box test image's file system, which the loader imports. */
  boxTarball: '/usr/share/labbench/box.tar',
  lanOnly: '/usr/local/libexec/labbench/lan-only',
  lanOnlyUnit: '/etc/systemd/system/labbench-lan-only.service',
  /** etcd as the document's Rocky host runs it: settings from etcdConf, the v2 API served. */
  etcdDropIn: '/etc/systemd/system/etcd.service.d/labbench.conf',
  etcdConf: '/etc/etcd/etcd.conf',
  etcdctlProfile: '/etc/profile.d/labbench-etcdctl.sh',
  environment: '/etc/environment',
  /** The package source holding labbench's flannel package, and the apt list that names it. */
  aptDir: '/usr/share/labbench/apt',
  aptList: '/etc/apt/sources.list.d/labbench.list',
  /** The stand-in for yum (HostOffers.packages.yumStandIn). */
  yum: '/usr/local/bin/yum',
} as const;

/** Tag of the small test image (busybox, bash, iperf3) every host engine has, for the document's containers. */
export const BOX_IMAGE = 'labbench/box:latest';
/** The names the document runs its containers from; on labbench's images they are the box image under another tag. */
export const CENTOS_TAGS: readonly string[] = ['centos:7.9', 'centos:latest'];
