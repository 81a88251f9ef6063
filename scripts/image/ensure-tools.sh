#!/usr/bin/env bash
# Installs the Debian packages that building the image and running the real
# node need, when one is missing: buildah, podman, runc, mmdebstrap, skopeo
# (image build and the container test), gcc and libc6-dev (the static pause
# binary), iproute2, iptables, conntrack, util-linux's nsenter and the CNI
# plugins (the node and its pod network). Prints nothing when all are present.
# Needs root and apt-get; anywhere else it names what to install and fails.
set -euo pipefail

# command:package
wanted=(
  buildah:buildah
  podman:podman
  runc:runc
  mmdebstrap:mmdebstrap
  skopeo:skopeo
  gcc:gcc
  /usr/include/stdio.h:libc6-dev
  ip:iproute2
  nsenter:util-linux
  flock:util-linux
  iptables:iptables
  conntrack:conntrack
  /usr/lib/cni/bridge:containernetworking-plugins
  /usr/lib/cni/host-local:containernetworking-plugins
  /usr/lib/cni/loopback:containernetworking-plugins
  /usr/lib/cni/portmap:containernetworking-plugins
)
missing=()
for w in "${wanted[@]}"; do
  cmd=${w%%:*} pkg=${w#*:}
  if [[ $cmd == /* ]]; then [ -e "$cmd" ] && continue
  else command -v "$cmd" >/dev/null 2>&1 && continue
  fi
  [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
done
[ "${#missing[@]}" = 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools.sh: missing packages: ${missing[*]} (Debian bookworm names); install them as root, then re-run" >&2
  exit 1
fi
echo "ensure-tools.sh: apt-get install ${missing[*]}" >&2
# One installer at a time on a shared machine; apt's own lock would fail the second.
exec 9>/var/lib/apt/swarmlab-ensure-tools.lock
flock 9
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
