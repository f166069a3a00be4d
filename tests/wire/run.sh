#!/usr/bin/env bash
# Builds the Go checker (cached), starts the C wire server, and runs the checker against it (TAP).
# Usage: run.sh WIRE_SERVER_EXE BUILD_DIR
set -euo pipefail
server=$1
out=$2/wire-check
here=$(cd "$(dirname "$0")" && pwd)
export GOFLAGS=-mod=mod
(cd "$here" && go build -o "$out" .) >&2
coproc SERVER { exec "$server"; }
trap 'exec {SERVER[1]}>&-; wait "$SERVER_PID" 2>/dev/null || true' EXIT
read -r -t 10 port <&"${SERVER[0]}"
"$out" "http://127.0.0.1:$port"
