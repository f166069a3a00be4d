#!/usr/bin/env python3
"""Extender benchmarks against the real control plane (issue 4). Prints one key=value line per case.

  bind:       bench_bind posts bindings through jitnode's /bind and, in the same run, straight to
              the apiserver's pods/binding as the same identity, at concurrency 1, 8, 32, 64;
              p50/p90/p99 and throughput for both, and their ratio. Target: /bind p99 within 20 %
              of direct at 32 clients.
  throughput: the real kube-scheduler places 2,000 pods on 500 kwok nodes without and with jitnode
              as extender (scheduler client QPS raised to 5,000 so that its rate limiter is not what
              is measured). pods/s from the scheduler's Scheduled events (microsecond eventTime)
              between the first and the last pod. Target: with
              jitnode >= 80 % of without.

Usage: bench_extender.py BUILD_DIR [bind|throughput|all]   (needs tests/cluster/build.sh done)
"""
import concurrent.futures
import datetime
import os
import statistics
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from conftest import make_world_dir  # noqa: E402
from jnworld import cluster as jcluster  # noqa: E402
from jnworld.kube import condition  # noqa: E402
from jitnode_proc import Jitnode, manifest_scheduler_config  # noqa: E402

NS = "default"
CONCURRENCY = tuple(int(c) for c in os.environ.get("JN_BENCH_CONCURRENCY", "1,8,32,64").split(","))
ROUNDS = 3


def node(name):
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "type": "kwok"},
                         "annotations": {"kwok.x-k8s.io/node": "fake"}},
            "status": {"capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                       "allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110"}}}


def pod(name, scheduler="default-scheduler"):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"schedulerName": scheduler,
                     "containers": [{"name": "c", "image": "registry.invalid/pause:1",
                                     "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}


def create_all(client, path, objs, threads=8):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda o: client.create(path, o), objs))


def bench_bind(build):
    w = jcluster.Cluster(make_world_dir("bench-bind"))
    w.start(scheduler=False)
    try:
        jit = Jitnode(w).start()
        create_all(w.admin, "/api/v1/nodes", [node("bind-node")])
        exe = os.path.join(build, "bench", "bench_bind")
        base = os.path.join(w.pki.dir, "jitnode")
        for conc in CONCURRENCY:
            n = max(160, conc * 8)
            # The machine is shared with the control plane: the two modes alternate over three
            # rounds and each figure is the median of its rounds, so a burst of load elsewhere
            # does not land on one mode only.
            rounds = {"extender": [], "direct": []}
            for r in range(ROUNDS):
                for mode in ("extender", "direct"):
                    # Pods no scheduler serves, so only the benchmark binds them.
                    names = ["b%d-%d-%s-%s" % (conc, r, mode[0], uuid.uuid4().hex[:6]) for _ in range(n)]
                    created = create_all(w.admin, "/api/v1/namespaces/%s/pods" % NS,
                                         [pod(x, scheduler="nobody") for x in names])
                    listing = os.path.join(w.dir, "pods-%d-%d-%s.txt" % (conc, r, mode))
                    with open(listing, "w", encoding="utf-8") as fh:
                        for p in created:
                            fh.write("%s %s %s bind-node\n" % (NS, p["metadata"]["name"],
                                                              p["metadata"]["uid"]))
                    args = [exe, "--mode", mode, "--pods", listing, "--concurrency", str(conc)]
                    if mode == "extender":
                        args += ["--url", jit.url]
                    else:
                        args += ["--url", w.server, "--cacert", w.pki.ca_cert, "--cert",
                                 base + ".crt", "--key", base + ".key"]
                    out = subprocess.run(args, capture_output=True, text=True,
                                         check=True).stdout.strip()
                    rounds[mode].append(dict(kv.split("=", 1) for kv in out.split()))
            med = {m: {k: statistics.median(float(x[k]) for x in rounds[m])
                       for k in ("p50_ms", "p90_ms", "p99_ms", "throughput_per_s")} for m in rounds}
            for m in ("extender", "direct"):
                print("mode=%s concurrency=%d binds=%d rounds=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
                      "throughput_per_s=%.1f" % (m, conc, n, ROUNDS, med[m]["p50_ms"], med[m]["p90_ms"],
                                                 med[m]["p99_ms"], med[m]["throughput_per_s"]), flush=True)
            ratio = med["extender"]["p99_ms"] / max(med["direct"]["p99_ms"], 1e-9)
            target = " target_p99_ratio<=1.20 met=%s" % ("yes" if ratio <= 1.2 else "no") if conc == 32 else ""
            print("case=bind concurrency=%d p99_ratio_extender_over_direct=%.3f throughput_ratio=%.3f%s"
                  % (conc, ratio, med["extender"]["throughput_per_s"] / med["direct"]["throughput_per_s"],
                     target), flush=True)
    finally:
        w.stop()


def scheduled_times(client, names):
    """When each pod was scheduled: the eventTime (microseconds) of the scheduler's Scheduled
    event, falling back to the PodScheduled condition's time (whole seconds) when an event is
    missing (events can be dropped under load)."""
    wanted = set(names)
    times = {}
    events = client.get("/apis/events.k8s.io/v1/namespaces/%s/events" % NS,
                        params={"fieldSelector": "reason=Scheduled"})["items"]
    for e in events:
        name = (e.get("regarding") or {}).get("name")
        if name in wanted and e.get("eventTime"):
            times[name] = datetime.datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00"))
    items = client.get("/api/v1/namespaces/%s/pods" % NS)["items"]
    bound = 0
    for p in items:
        name = p["metadata"]["name"]
        if name not in wanted or not p["spec"].get("nodeName"):
            continue
        bound += 1
        if name in times:
            continue
        for c in p.get("status", {}).get("conditions") or []:
            if c["type"] == "PodScheduled" and c["status"] == "True":
                times[name] = datetime.datetime.fromisoformat(c["lastTransitionTime"].replace("Z", "+00:00"))
    return bound, sorted(times.values())


def one_throughput(with_jitnode, n_nodes=500, n_pods=2000):
    w = jcluster.Cluster(make_world_dir("bench-sched-%s" % ("jitnode" if with_jitnode else "plain")))
    w.start(scheduler=False)
    try:
        create_all(w.admin, "/api/v1/nodes", [node("s-%d" % i) for i in range(n_nodes)])
        names = ["p-%d" % i for i in range(n_pods)]
        create_all(w.admin, "/api/v1/namespaces/%s/pods" % NS, [pod(x) for x in names])
        kcfg = w.kubeconfigs["kube-scheduler"]
        if with_jitnode:
            jit = Jitnode(w).start()
            cfg = manifest_scheduler_config("scheduler-extender.yaml", kcfg, jit.url)
            cfg["leaderElection"] = {"leaderElect": False}
        else:
            cfg = jcluster.scheduler_config(kcfg)
        cfg["clientConnection"]["qps"] = 5000
        cfg["clientConnection"]["burst"] = 10000
        w.admin.timeout = 120  # a list of 2,000 pods while the machine is saturated
        t0 = time.monotonic()
        w.start_scheduler(config=cfg)
        deadline = time.monotonic() + 600
        while True:
            bound, times = scheduled_times(w.admin, names)
            if bound == n_pods or time.monotonic() > deadline:
                break
            time.sleep(2.0)
        bound, times = scheduled_times(w.admin, names)
        wall = time.monotonic() - t0
        if with_jitnode:
            for verb in ("filter", "prioritize", "bind"):
                n = jit.metric("jitnode_extender_request_duration_seconds_count", '{verb="%s"}' % verb)
                total = jit.metric("jitnode_extender_request_duration_seconds_sum", '{verb="%s"}' % verb)
                print("case=throughput verb=%s requests=%d jitnode_mean_ms=%.3f"
                      % (verb, n, 1e3 * total / n if n else 0.0), flush=True)
        span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
        rate = (len(times) - 1) / span if span > 0 else 0.0
        print("case=throughput extender=%s nodes=%d pods=%d bound=%d span_s=%.2f wall_s=%.1f pods_per_s=%.1f"
              % ("jitnode" if with_jitnode else "none", n_nodes, n_pods, bound, span, wall, rate),
              flush=True)
        return rate
    finally:
        w.stop()


def bench_throughput():
    without = one_throughput(False)
    with_jit = one_throughput(True)
    ratio = with_jit / without if without else 0.0
    print("case=throughput ratio_with_over_without=%.3f target>=0.80 met=%s"
          % (ratio, "yes" if ratio >= 0.8 else "no"), flush=True)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    if which in ("bind", "all"):
        bench_bind(build)
    if which in ("throughput", "all"):
        bench_throughput()


if __name__ == "__main__":
    main()
