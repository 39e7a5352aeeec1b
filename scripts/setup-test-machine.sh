#!/usr/bin/env bash
# Installs everything labbench's tests use on a fresh Debian/Ubuntu machine (run as root):
# pnpm and the npm dependencies, and the Debian packages the integration tests drive for real
# (Docker engine, debootstrap for the host image, etcd and iperf3 for the flannel agent and
# probe tests, libvirt/QEMU for the VM providers and e2fsprogs for the VM image, Chromium and a
# CJK font for the HTML report and course page tests), and Debian 12's Node 18 extracted aside, so
# the bench probes are also tested under the hosts' node.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  docker.io debootstrap
  etcd-server etcd-client iperf3 iproute2 iptables bridge-utils busybox-static python3 util-linux
  libvirt-daemon-system dnsmasq-base qemu-system-x86 qemu-utils genisoimage openssh-client e2fsprogs
  chromium fonts-wqy-microhei
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

if [[ "$(pnpm --version 2>/dev/null)" != "12.4.2" ]]; then
  npm install -g pnpm@12.4.2
fi
pnpm install --frozen-lockfile

# The probe bundles run on the hosts under Debian's Node 18; bench-probes.test.ts runs them under
# it too (it finds the runner under $LABBENCH_HOME/node18). Not fatal: without it that test skips.
if [[ $EUID -eq 0 ]] && command -v apt-cache >/dev/null; then
  bash scripts/debian-node18.sh >/dev/null || echo "note: Debian's Node 18 could not be extracted; the Node 18 probe test will be skipped" >&2
fi
