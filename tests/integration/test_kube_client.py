"""jitnode's kube client and cluster cache against the real apiserver, through the C driver
tests/unit/kube/kube_driver.c (built by meson; JN_BUILD_DIR names the build directory, default
<repo>/build).

What is shown: list+watch feeds the cache (a node created and deleted, a pod counted on its node,
jn_cache_check() true at every step), a bind carries the pod UID as a precondition (a wrong UID is
a conflict), a second bind is a conflict with the apiserver's message, a watch from a too old
resourceVersion is answered 410 and relists, and a dead apiserver is UNAVAILABLE at once.
"""
import os
import subprocess
import time
import uuid

import pytest
import requests
import yaml

from jnworld import cluster as jcluster
from jnworld.cluster import REPO_ROOT, free_port

BUILD = os.environ.get("JN_BUILD_DIR") or os.path.join(REPO_ROOT, "build")
DRIVER = os.path.join(BUILD, "tests", "unit", "kube", "kube_driver")
NS = "default"


@pytest.fixture(scope="module")
def driver():
    if not os.path.exists(DRIVER):
        pytest.fail("kube_driver is not built at %s (build with meson, or set JN_BUILD_DIR)"
                    % DRIVER)
    return DRIVER


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


def node_manifest(name):
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "type": "kwok"},
                     "annotations": {"kwok.x-k8s.io/node": "fake"}},
        "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                   "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}},
    }


def pod_manifest(name, node=None):
    # No scheduler serves this name, so nobody but the test binds the pod.
    spec = {"schedulerName": "jn-no-such-scheduler",
            "containers": [{"name": "c", "image": "registry.invalid/pause:1",
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def run(driver, kubeconfig, *args, timeout=30):
    p = subprocess.run([driver, kubeconfig] + list(args), capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout.strip(), p.stderr


class WatchSession:
    """kube_driver ... watch: one command line in, one answer line out."""

    def __init__(self, driver, kubeconfig, node_rv=None):
        argv = [driver, kubeconfig, "watch"] + ([node_rv] if node_rv else [])
        self.log = open(os.path.join(os.path.dirname(kubeconfig), unique("kube-driver") + ".log"),
                        "w", encoding="utf-8")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, bufsize=1)
        assert self.ask(None) == "started"

    def ask(self, command):
        if command is not None:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self):
        try:
            self.ask("quit")
            rc = self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
        return rc


@pytest.fixture
def admin_kubeconfig(cluster):
    return cluster.kubeconfigs["admin"]


@pytest.fixture
def kwok_node(cluster):
    name = unique("jn-kube-node")
    cluster.admin.create("/api/v1/nodes", node_manifest(name))
    yield name
    cluster.admin.delete("/api/v1/nodes/" + name)


def delete_pod(cluster, name):
    cluster.admin.delete("/api/v1/namespaces/%s/pods/%s" % (NS, name),
                         params={"gracePeriodSeconds": "0"})


def test_cache_follows_nodes_and_pods(cluster, driver, admin_kubeconfig):
    session = WatchSession(driver, admin_kubeconfig)
    try:
        answer = session.ask("wait-synced 30")
        assert answer.startswith("synced ") and answer.endswith("check=true"), answer
        name = unique("jn-kube-node")
        cluster.admin.create("/api/v1/nodes", node_manifest(name))
        assert session.ask("wait-node %s present 30" % name) == "ok check=true"
        pod = unique("jn-kube-pod")
        cluster.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(pod, node=name))
        answer = session.ask("wait-pod %s %s %s 30" % (NS, pod, name))
        assert answer == "ok node_pods=1 node_cpu_milli=100 check=true", answer
        delete_pod(cluster, pod)
        cluster.admin.delete("/api/v1/nodes/" + name)
        assert session.ask("wait-node %s absent 30" % name) == "ok check=true"
        stats = dict(kv.split("=") for kv in session.ask("stats").split())
        assert int(stats["node_lists"]) == 1 and int(stats["node_gone"]) == 0, stats
        assert int(stats["node_events"]) >= 2, stats
    finally:
        assert session.close() == 0, "the cache check failed at exit"


def test_bind_uses_the_uid_precondition_and_reports_conflicts(cluster, driver,
                                                               admin_kubeconfig, kwok_node):
    pod = unique("jn-kube-bind")
    created = cluster.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(pod))
    uid = created["metadata"]["uid"]
    try:
        rc, out, err = run(driver, admin_kubeconfig, "bind", NS, pod, str(uuid.uuid4()),
                           kwok_node)
        assert rc == 1 and out.startswith("error kind=conflict "), (out, err)
        assert "binding pod '%s/%s' to node '%s': post " % (NS, pod, kwok_node) in out
        assert "409 conflict: " in out and "Precondition failed: UID in precondition" in out, out
        assert "nodeName" not in cluster.admin.get(
            "/api/v1/namespaces/%s/pods/%s" % (NS, pod))["spec"]

        rc, out, err = run(driver, admin_kubeconfig, "bind", NS, pod, uid, kwok_node)
        assert rc == 0 and out.startswith("ok "), (out, err)
        bound = cluster.admin.get("/api/v1/namespaces/%s/pods/%s" % (NS, pod))
        assert bound["spec"]["nodeName"] == kwok_node

        rc, out, err = run(driver, admin_kubeconfig, "bind", NS, pod, uid, kwok_node)
        assert rc == 1 and out.startswith("error kind=conflict "), (out, err)
        assert 'is already assigned to node \\"%s\\"' % kwok_node in out or \
            'is already assigned to node "%s"' % kwok_node in out, out

        rc, out, err = run(driver, admin_kubeconfig, "bind", NS, unique("jn-missing"), "-",
                           kwok_node)
        assert rc == 1 and out.startswith("error kind=not-found "), (out, err)
    finally:
        delete_pod(cluster, pod)


def test_a_too_old_resource_version_relists(new_world, driver):
    # A private control plane whose watches go to etcd (the watch cache replays any
    # resourceVersion it still buffers), compacted past rv 1: a watch from rv 1 is answered
    # 410 (an ERROR event or the HTTP status) and the watch relists, which is when the cache
    # syncs.
    c = jcluster.Cluster(new_world("kube-410"))
    c.extra_args["kube-apiserver"] = ["--watch-cache=false"]
    c.start(controller_manager=False, scheduler=False, kwok=False)
    session = None
    try:
        name = unique("jn-kube-node")
        c.admin.create("/api/v1/nodes", node_manifest(name))
        rv = int(c.admin.get("/api/v1/nodes")["metadata"]["resourceVersion"])
        r = requests.post(c.etcd_url + "/v3/kv/compaction", json={"revision": rv, "physical": True},
                          timeout=10)
        assert r.status_code == 200, r.text
        session = WatchSession(driver, c.kubeconfigs["admin"], node_rv="1")
        answer = session.ask("wait-synced 30")
        assert answer == "synced nodes=1 pods=0 check=true", answer
        assert session.ask("wait-node %s present 5" % name) == "ok check=true"
        stats = dict(kv.split("=") for kv in session.ask("stats").split())
        assert int(stats["node_gone"]) == 1 and int(stats["node_lists"]) == 1, stats
    finally:
        if session:
            assert session.close() == 0
        c.stop()


def test_a_dead_apiserver_is_unavailable_at_once(cluster, driver, admin_kubeconfig, tmp_path):
    with open(admin_kubeconfig, encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:%d" % free_port()
    dead = tmp_path / "dead.kubeconfig"
    dead.write_text(yaml.safe_dump(config))
    t0 = time.monotonic()
    rc, out, err = run(driver, str(dead), "bind", NS, "web-1", "-", "n1")
    elapsed = time.monotonic() - t0
    assert rc == 1 and out.startswith("error kind=unavailable "), (out, err)
    assert "post /api/v1/namespaces/default/pods/web-1/binding: " in out, out
    assert elapsed < 2.0, elapsed


def test_node_event_lease_and_eviction_verbs(cluster, driver, admin_kubeconfig):
    node = unique("jn-kube-verbs")
    pod = unique("jn-kube-victim")
    cluster.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(pod))
    try:
        rc, out, err = run(driver, admin_kubeconfig, "verbs", node, NS, pod)
        lines = out.splitlines()
        assert rc == 0, (out, err)
        expected = [
            "create-node ok",
            "create-node-again error kind=conflict msg=creating node '%s': post /api/v1/nodes: "
            "409 conflict: nodes \"%s\" already exists" % (node, node),
            "created capacity_cpu=2",
            "patch-node ok", "patched label=1",
            "patch-node-status ok", "patched allocatable_cpu=1500m",
            "event ok",
            "lease-create ok", "lease-get ok", "lease-update ok", "lease holder=driver-b",
        ]
        assert lines[:len(expected)] == expected, out
        rest = lines[len(expected):]
        assert rest[0].startswith("lease-update-stale error kind=conflict msg=updating lease "
                                  "'%s/%s': put /apis/coordination.k8s.io/v1/namespaces/%s/"
                                  "leases/%s: 409 conflict: " % (NS, node, NS, node)), rest[0]
        assert rest[1].startswith("evict-missing error kind=not-found "), rest[1]
        assert rest[2] == "evict ok", rest[2]
        assert rest[3].startswith("delete-node-wrong-uid error kind=conflict "), rest[3]
        assert "the UID in the precondition" in rest[3], rest[3]
        assert rest[4] == "delete-node ok", rest[4]
        assert rest[5] == ("delete-node-again error kind=not-found msg=deleting node '%s': "
                           "delete /api/v1/nodes/%s: 404 not found: nodes \"%s\" not found"
                           % (node, node, node)), rest[5]
        events = cluster.admin.get("/api/v1/namespaces/default/events",
                                   params={"fieldSelector": "involvedObject.name=" + node})
        assert [(e["reason"], e["type"], e["source"]["component"], e["involvedObject"]["kind"])
                for e in events["items"]] == [("Launched", "Normal", "jitnode", "Node")]
        # The eviction deleted the pod (it was never bound, so it goes at once).
        path = "/api/v1/namespaces/%s/pods/%s" % (NS, pod)
        deadline = time.monotonic() + 10
        while cluster.admin.status("GET", path) != 404 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert cluster.admin.status("GET", path) == 404
    finally:
        delete_pod(cluster, pod)
        cluster.admin.delete("/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s" % (NS, node))
        cluster.admin.delete("/api/v1/nodes/" + node)
