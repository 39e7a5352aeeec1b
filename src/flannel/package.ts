/**
 * labbench's flannel agent as a Debian package named `flannel`, so that the document's
 * `apt -y install flannel` (and the host image's `yum` stand-in) installs it from a package
 * source inside the host image: the agent, its udp relay, the `flanneld` unit and the RPM
 * package's `/etc/sysconfig/flanneld` with its defaults, which the document then edits.
 * Pure apart from bundling the agent (esbuild, synchronous so the image manifest can hash it).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAgentBundleSync } from './bundle.ts';
import type { InstallFile } from './install.ts';
import { AGENT_BINARY_PATH, UDP_RELAY_PATH, UNIT_PATH } from './paths.ts';
import { renderSysconfig, SYSCONFIG_PATH } from './sysconfig.ts';
import { renderFlanneldUnit } from './unit.ts';
import { AGENT_VERSION } from './version.ts';

export const FLANNEL_PACKAGE = 'flannel';
/** The Debian version: labbench's own, marked so nobody takes it for upstream flannel's. */
export const FLANNEL_PACKAGE_VERSION = `${AGENT_VERSION}+labbench`;

const RELAY_SOURCE = fileURLToPath(new URL('./udp-relay.py', import.meta.url));

/** The RPM package's defaults (flannel-facts §7.2): etcd on this host, the /atomic.io/network prefix. */
export const PACKAGED_SYSCONFIG = renderSysconfig({ etcdEndpoints: 'http://127.0.0.1:2379', etcdPrefix: '/atomic.io/network' });

/** The files the package installs, at their install paths. */
export function flannelPackageFiles(): InstallFile[] {
  return [
    { path: AGENT_BINARY_PATH, content: buildAgentBundleSync(), mode: 0o755 },
    { path: UDP_RELAY_PATH, content: readFileSync(RELAY_SOURCE, 'utf8'), mode: 0o755 },
    { path: UNIT_PATH, content: renderFlanneldUnit(), mode: 0o644 },
    { path: SYSCONFIG_PATH, content: PACKAGED_SYSCONFIG, mode: 0o644 },
  ];
}

/** DEBIAN/control. */
export function flannelControl(): string {
  return [
    `Package: ${FLANNEL_PACKAGE}`,
    `Version: ${FLANNEL_PACKAGE_VERSION}`,
    'Architecture: all',
    'Maintainer: labbench <labbench@localhost>',
    'Depends: nodejs, python3, iptables, iproute2',
    'Section: net',
    'Priority: optional',
    "Description: labbench's flannel-compatible agent as flanneld (not upstream flannel)",
    " Built by labbench for its lab hosts, which cannot download flannel. Speaks flannel's etcd",
    ' contract (v2 and v3), writes /run/flannel/subnet.env and runs the udp, vxlan and host-gw',
    ' data planes; the flanneld unit reads /etc/sysconfig/flanneld as the RPM package does.',
    '',
  ].join('\n');
}

/** Maintainer scripts and the conffile list, by file name under DEBIAN/. */
export function flannelMaintainerFiles(): InstallFile[] {
  const reload = '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi\n';
  return [
    { path: 'conffiles', content: `${SYSCONFIG_PATH}\n`, mode: 0o644 },
    { path: 'postinst', content: reload, mode: 0o755 },
    {
      path: 'prerm',
      content: '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then systemctl disable --now flanneld >/dev/null 2>&1 || true; fi\n',
      mode: 0o755,
    },
    { path: 'postrm', content: reload, mode: 0o755 },
  ];
}

/** One `Packages` index stanza for the built .deb (a flat repository: `deb [trusted=yes] file:DIR ./`). */
export function packagesStanza(control: string, file: { name: string; size: number; md5: string; sha256: string }): string {
  return `${control.trimEnd()}\nFilename: ./${file.name}\nSize: ${file.size}\nMD5sum: ${file.md5}\nSHA256: ${file.sha256}\n\n`;
}

export function flannelDebName(): string {
  return `${FLANNEL_PACKAGE}_${FLANNEL_PACKAGE_VERSION}_all.deb`;
}
