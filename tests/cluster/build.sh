#!/usr/bin/env bash
# Builds the test world's control plane (etcd, kube-apiserver, kube-scheduler,
# kube-controller-manager, kwok) from this Go module into <repo>/build-cluster/bin.
#
# Usage: tests/cluster/build.sh [output-dir]
#
# The Go module and build caches live in ${JN_GO_CACHE:-~/.cache/jitnode-go} so that a second
# build, and CI on a machine that kept them, only relinks what changed. One `go build` compiles
# all five mains together so shared packages are compiled once; -trimpath and -s -w keep the
# binaries and link time small. Prints the wall time it took.
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
"$go" build -p 2 -trimpath -ldflags='-s -w' -o "$out/" ./cmd/...
echo "build-cluster: $(ls "$out" | tr '\n' ' ')in $(( $(date +%s) - start ))s ($("$go" version | cut -d' ' -f3))"
