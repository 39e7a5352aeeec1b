/**
 * Putting flanneld on a host and taking it off again. Without a real flanneld the host gets
 * labbench's flannel-compatible agent as the `flanneld` unit; with one (a release binary on
 * the host) it gets the RPM package's unit layout around it. Removal undoes what either left:
 * the unit, the devices, the routes into the flannel network, flannel's iptables chains.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.ts';
import { agentInstallFiles } from '../../flannel/install.ts';
import { FORWARD_CHAIN, MASQ_CHAIN } from '../../flannel/iptables-rules.ts';
import { AGENT_BINARY_PATH, UDP_RELAY_PATH, UNIT_PATH } from '../../flannel/paths.ts';
import { DEFAULT_SUBNET_FILE, parseSubnetEnv } from '../../flannel/subnet-env.ts';
import { SYSCONFIG_PATH } from '../../flannel/sysconfig.ts';
import type { Host } from '../../host.ts';
import { formatCidr } from '../../net/ipv4.ts';
import { installFlannelRelease } from '../platform.ts';

/** The unit of the RPM package (flannel-facts §7.2), for a real flanneld at /usr/bin/flanneld. */
const RPM_UNIT = `[Unit]
Description=Flanneld overlay address etcd agent
After=network.target
After=network-online.target
Wants=network-online.target
After=etcd.service
Before=docker.service

[Service]
Type=notify
EnvironmentFile=${SYSCONFIG_PATH}
EnvironmentFile=-/etc/sysconfig/docker-network
ExecStart=/usr/bin/flanneld-start $FLANNEL_OPTIONS
Restart=on-failure

[Install]
WantedBy=multi-user.target
RequiredBy=docker.service
`;

const RPM_START = `#!/bin/sh
exec /usr/bin/flanneld \\
        -etcd-endpoints=\${FLANNEL_ETCD_ENDPOINTS:-\${FLANNEL_ETCD}} \\
        -etcd-prefix=\${FLANNEL_ETCD_PREFIX:-\${FLANNEL_ETCD_KEY}} \\
        "$@"
`;

/**
 * Puts a flanneld on the host, real where one can be had, and returns what it installed:
 *  1. `source` (--flanneld): a release tarball or binary on this machine, uploaded, or a URL the
 *     host downloads;
 *  2. a real flanneld already on the host (/usr/bin/flanneld);
 *  3. the package `flannel` (`apt -y install flannel`, as the document does on Ubuntu) when the
 *     host's package sources have one: on a local lab, labbench's agent packaged in the host
 *     image's own package source; on an online Ubuntu host, Ubuntu's flannel;
 *  4. on Rocky (no package), flannel's release tarball from GitHub;
 *  5. otherwise labbench's flannel-compatible agent, written onto the host.
 */
export async function installFlanneld(host: Host, options: { source?: string; online: boolean }): Promise<string> {
  const real = { binary: '/usr/bin/flanneld' } as const;
  if (options.source) {
    if (/^https?:\/\//.test(options.source)) await installFlannelRelease(host, options.source);
    else await uploadFlanneld(host, options.source);
    return installFlannelAgent(host, real);
  }
  if ((await host.$({ nothrow: true })`test -x /usr/bin/flanneld`).ok) return installFlannelAgent(host, real);
  if (host.os.family === 'debian' && (await host.$({ nothrow: true, quiet: true, timeoutMs: 300_000 })`apt-cache show flannel >/dev/null 2>&1`).ok) {
    // On host A the document writes /etc/sysconfig/flanneld before flannel is installed: dpkg would
    // ask whether to replace it (and fail without a terminal). The file written is the one wanted.
    if ((await host.$({ nothrow: true, quiet: true })`test -e ${SYSCONFIG_PATH}`).ok)
      await host.$({ timeoutMs: 900_000 })`apt -y -o Dpkg::Options::=--force-confold install flannel`;
    else await host.$({ timeoutMs: 900_000 })`apt -y install flannel`;
    if ((await host.$({ nothrow: true, quiet: true })`test -x ${AGENT_BINARY_PATH}`).ok)
      return `flanneld is ${(await host.$`flanneld --version`).text()} (package flannel)`;
    return installFlannelAgent(host, real);
  }
  if (options.online && host.os.family === 'rhel') {
    await installFlannelRelease(host);
    return installFlannelAgent(host, real);
  }
  return installFlannelAgent(host);
}

/** Uploads a flanneld binary or release tarball from this machine and installs /usr/bin/flanneld. */
async function uploadFlanneld(host: Host, file: string): Promise<void> {
  if (!existsSync(file))
    throw new ConfigError(`--flanneld ${file}: no such file`, { hint: 'give a flanneld binary, a flannel release tarball, or an https URL of one' });
  const content = readFileSync(file);
  if (/\.(tar\.gz|tgz)$/.test(file)) {
    await host.put('/tmp/flannel.tar.gz', content, 0o644);
    await host.$`mkdir -p /tmp/flannel && tar -xzf /tmp/flannel.tar.gz -C /tmp/flannel && install -m 0755 /tmp/flannel/flanneld /usr/bin/flanneld`;
  } else {
    await host.put('/usr/bin/flanneld', content, 0o755);
  }
}

/** Installs the flanneld unit; returns what was installed, for the transcript. */
export async function installFlannelAgent(host: Host, options: { binary?: '/usr/bin/flanneld' } = {}): Promise<string> {
  if (options.binary) {
    await host.put('/usr/bin/flanneld-start', RPM_START, 0o755);
    await host.put(UNIT_PATH, RPM_UNIT, 0o644);
  } else {
    for (const f of await agentInstallFiles()) await host.put(f.path, f.content, f.mode);
  }
  await host.$`systemctl daemon-reload`;
  const version = await host.$`${options.binary ?? AGENT_BINARY_PATH} --version`;
  return options.binary ? `real flanneld ${version.text()}` : `flanneld is ${version.text()}`;
}

/**
 * Stops flanneld and removes what its data plane put on the host: devices, routes into the
 * flannel network, flannel's iptables chains. A kept lab switching backends starts clean.
 */
export async function stopFlannel(host: Host): Promise<void> {
  const env = await host.$({ nothrow: true, quiet: true })`cat ${DEFAULT_SUBNET_FILE}`;
  const { network } = parseSubnetEnv(env.stdout);
  await host.$`systemctl stop flanneld >/dev/null 2>&1 || true`;
  await host.$`for d in flannel.1 flannel0; do ip link del "$d" 2>/dev/null || true; done`;
  if (network) {
    // host-gw routes point at the other hosts over the LAN; docker0's own route stays with docker0.
    await host.$`ip -o route show root ${formatCidr(network)} | grep -v ' dev docker0 ' | while read -r dst rest; do ip route del "$dst" || true; done`;
  }
  for (const [table, chain] of [
    ['filter', FORWARD_CHAIN],
    ['nat', MASQ_CHAIN],
  ] as const) {
    await host.$`iptables -t ${table} -S | grep -- ${`-j ${chain}`} | sed 's/^-A /-D /' | while read -r rule; do eval iptables -t ${table} "$rule"; done; iptables -t ${table} -F ${chain} 2>/dev/null; iptables -t ${table} -X ${chain} 2>/dev/null; true`;
  }
}

/** Stops flanneld, clears its data plane, and removes its unit, binaries and settings. */
export async function removeFlannel(host: Host): Promise<void> {
  await stopFlannel(host);
  await host.$`systemctl disable flanneld >/dev/null 2>&1 || true`;
  await host.$`if dpkg -s flannel >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get -y purge flannel >/dev/null; fi`;
  await host.$`rm -f ${[UNIT_PATH, AGENT_BINARY_PATH, UDP_RELAY_PATH, '/usr/bin/flanneld-start', SYSCONFIG_PATH]} && rm -rf /run/flannel && systemctl daemon-reload`;
}
