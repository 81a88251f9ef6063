#!/usr/bin/env bash
# The README's test command (`npm test`): sets up what it needs on a fresh
# machine (scripts/setup.sh), then runs vitest with the arguments given.
# `--project unit` alone skips the control plane binaries, which only the
# integration tier uses. With no arguments both tiers run side by side, each
# in its own vitest process: the integration tier spends much of its time
# waiting for pods, which the unit tier's work fills (vitest runs projects of
# one group with one shared worker count, and the integration tier's files
# must run one at a time on the one local cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(bash scripts/ensure-node.sh):$PATH"
if [ "$*" = "--project unit" ]; then bash scripts/setup.sh --no-cluster >&2; else bash scripts/setup.sh >&2; fi
if [ "$#" -gt 0 ]; then exec npx vitest run "$@"; fi

rm -f .vitest-report.unit.json .vitest-report.integration.json
# Each tier's lines carry its name, so the interleaved output stays readable.
tier() {
  npx vitest run --project "$1" --outputFile.json=".vitest-report.$1.json" 2>&1 | sed -u "s/^/[$1] /"
}
tier unit & unit=$!
status=0
tier integration || status=$?
wait "$unit" || status=$?
exit "$status"
