#!/usr/bin/env bash
# The README's test command (`npm test`): sets up what it needs on a fresh
# machine (scripts/setup.sh), then runs vitest with the arguments given.
# `--project unit` alone skips the control plane binaries, which only the
# integration tier uses.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(bash scripts/ensure-node.sh):$PATH"
if [ "$*" = "--project unit" ]; then bash scripts/setup.sh --no-cluster >&2; else bash scripts/setup.sh >&2; fi
exec npx vitest run "$@"
