#!/usr/bin/env bash
# Prints the path of the schemathesis CLI (`st`), which fuzzes the operator's
# HTTP API from its OpenAPI document, installing the pinned release from PyPI
# into the cache on first use.
# Usage: st="$(bash scripts/ensure-schemathesis.sh)"
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../versions.env
source "$here/versions.env"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swarmlab/schemathesis-$SCHEMATHESIS_VERSION"
bin="$cache/bin/st"
if [ ! -x "$bin" ]; then
  echo "installing schemathesis==$SCHEMATHESIS_VERSION into $cache" >&2
  rm -rf "$cache"
  python3 -m venv "$cache" >&2
  "$cache/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
"$bin" --version >/dev/null
echo "$bin"
