#!/usr/bin/env bash
# Builds the test world's control plane (etcd, kube-apiserver, kube-scheduler,
# kube-controller-manager, kwok) from this Go module into <repo>/build-cluster/bin.
#
# Usage: tests/cluster/build.sh [output-dir]
#
# The Go module and build caches live in ${JN_GO_CACHE:-~/.cache/jitnode-go} so that a second
# build, and CI on a machine that kept them, only relinks what changed. One `go build` compiles
# all five mains together so shared packages are compiled once; -trimpath and -s -w keep the
# binaries and link time small. Also writes <output-dir>/../kwok-stages.yaml. Prints the wall
# time it took.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build-cluster/bin}
go=${GO:-}
if [ -z "$go" ]; then
  if command -v go >/dev/null 2>&1; then go=$(command -v go); else go=/usr/local/go/bin/go; fi
fi
[ -x "$go" ] || { echo "build-cluster: no go toolchain at '$go'" >&2; exit 1; }
cache=${JN_GO_CACHE:-$HOME/.cache/jitnode-go}
export GOMODCACHE=$cache/mod GOCACHE=$cache/build GOFLAGS="-buildvcs=false -mod=readonly"
export GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$out" "$GOMODCACHE" "$GOCACHE"
start=$(date +%s)
cd "$here"
# Stamp the pinned release into the binaries (what /version and the logs report), as
# Kubernetes' own build does with -X; the version comes from go.mod, so the two never differ.
kver=$("$go" list -m -f '{{.Version}}' k8s.io/kubernetes)
kmajor=${kver#v}; kmajor=${kmajor%%.*}
kminor=${kver#v*.}; kminor=${kminor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kver -X $pkg.gitMajor=$kmajor -X $pkg.gitMinor=$kminor"
  ldflags+=" -X $pkg.gitTreeState=clean"
done
"$go" build -p 2 -trimpath -ldflags="$ldflags" -o "$out/" ./cmd/...
# kwok v0.8 simulates nothing without Stage objects: use the ones its release ships (node
# initialize and lease heartbeat; pod ready, complete, delete), read from the pinned module.
kwok_dir=$("$go" list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
stages="$(dirname "$out")/kwok-stages.yaml"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  echo "---"
  cat "$kwok_dir/kustomize/stage/$f"
done > "$stages.tmp"
mv "$stages.tmp" "$stages"
echo "build-cluster: $(ls "$out" | tr '\n' ' ')in $(( $(date +%s) - start ))s ($("$go" version | cut -d' ' -f3))"
