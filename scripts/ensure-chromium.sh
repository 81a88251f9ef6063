#!/usr/bin/env bash
# Debian's chromium, which the report's browser test drives headless
# (test/unit/report-browser.test.ts). Installed with apt-get when missing and
# this is a Debian machine run as root; otherwise says how to get it.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
else
  echo "setup: chromium is missing: install Debian's chromium package (apt-get install -y chromium) for the report's browser test" >&2
fi
