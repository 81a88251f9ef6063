#!/usr/bin/env bash
# Prints a directory holding a Node >= 24 binary, installing the pinned Node
# from the npm registry into the cache when the machine's node is older.
# Usage: export PATH="$(bash scripts/ensure-node.sh):$PATH"
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../versions.env
source "$here/versions.env"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 24 ]; then
  dirname "$(command -v node)"
  exit 0
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swarmlab/node-$NODE_VERSION"
mkdir -p "$(dirname "$cache")"
# Concurrent set-ups wait for one install instead of writing the same folder.
exec 9>"$cache.lock"
flock 9
if [ ! -x "$cache/node_modules/.bin/node" ]; then
  echo "installing node@$NODE_VERSION into $cache" >&2
  mkdir -p "$cache"
  (cd "$cache" && npm install --no-audit --no-fund --no-save "node@$NODE_VERSION" >&2)
fi
echo "$cache/node_modules/.bin"
