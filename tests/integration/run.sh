#!/usr/bin/env bash
# Builds the test world's control plane (quick when the Go caches are warm) and runs the
# integration suite. Extra arguments go to pytest (e.g. -k ec2, -x).
#
# Results: JUnit XML in build-cluster/integration.xml (read by .ci/summarize.py); component logs
# of each world in build-cluster/worlds/<name>-<time>-<pid>/logs/. The whole run is bounded by
# JN_INTEGRATION_TIMEOUT seconds (default 1800).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
python=${PYTHON:-python3}
bash tests/cluster/build.sh || { echo "integration: control plane build failed"; exit 1; }
# Suites that drive jitnode itself need build/jitnode: (re)build it, a no-op after .ci/run's build.
bash .ci/build build || echo "integration: jitnode build failed: suites that start it will fail"
rm -f build-cluster/integration.xml
cd tests/integration
# Logs of earlier runs go, except worlds that still have live processes (a benchmark or another
# run in the same tree).
"$python" -c 'import sys; from jnworld import procs; procs.prune_worlds(sys.argv[1])' \
  "$root/build-cluster/worlds"
timeout --kill-after=30 "${JN_INTEGRATION_TIMEOUT:-1800}" \
  "$python" -m pytest -q --junitxml="$root/build-cluster/integration.xml" "$@"
