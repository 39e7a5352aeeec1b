#!/usr/bin/env bash
# Debian 12's own Node 18 — what the lab hosts run the bench probes with — extracted from
# Debian's packages into a directory without installing them (the machine keeps its own Node),
# plus a `node18` runner. Prints the runner's path. Root only (the runner uses a private mount
# namespace, because Debian's node loads its bundled modules from /usr/share/nodejs).
#   scripts/debian-node18.sh [DIR]   (default: $LABBENCH_HOME/node18, ~/.local/state/labbench/node18)
set -euo pipefail
state=${LABBENCH_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/labbench}
dir=${1:-$state/node18}
runner=$dir/node18
if [[ -x "$runner" ]] && "$runner" --version 2>/dev/null | grep -q '^v18\.'; then
  echo "$runner"
  exit 0
fi

debian_version() { apt-cache madison "$1" | awk -F'|' '$2 ~ /dfsg|deb12/ { gsub(/ /, "", $2); print $2; exit }'; }
version=$(debian_version nodejs)
if [[ -z "$version" ]]; then
  apt-get update -qq
  version=$(debian_version nodejs)
fi
[[ -n "$version" ]] || { echo "error: Debian's nodejs 18 is not in the package index (is this Debian 12?)" >&2; exit 1; }

rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root"
(
  cd "$dir/debs"
  # nodejs and what Debian split out of it; the shared libraries it needs besides these
  # (libuv1, libicu72, libssl3, libbrotli1) are part of a Debian 12 base with Docker installed.
  apt-get download -qq -o APT::Sandbox::User=root "nodejs=$version" "libnode108=$version" libc-ares2 node-acorn node-busboy node-cjs-module-lexer node-undici node-xtend >/dev/null
  for deb in *.deb; do dpkg-deb -x "$deb" "$dir/root"; done
)
cat >"$runner" <<RUNNER
#!/bin/sh
# Debian 12's node $version, extracted under $dir/root (see scripts/debian-node18.sh).
exec unshare -m --propagation private sh -c 'mount --bind "\$0/usr/share" /usr/share && LD_LIBRARY_PATH="\$0/usr/lib/x86_64-linux-gnu" exec "\$0/usr/bin/node" "\$@"' '$dir/root' "\$@"
RUNNER
chmod +x "$runner"
"$runner" --version >/dev/null
echo "$runner"
