"""jitnode as the real kube-scheduler's extender (issue 4), configured from manifests/.

World A (module-scoped, its own control plane): the default scheduler calls jitnode for filter,
prioritize, bind and preempt (manifests/scheduler-extender.yaml). World B (the session cluster,
whose default scheduler knows nothing of jitnode): a second scheduler, jitnode-scheduler
(manifests/scheduler-second.yaml), beside it.
"""
import json
import os
import time
import uuid

import pytest
import requests

from jnworld import cluster as jcluster
from jnworld.kube import condition
from conftest import make_world_dir
from jitnode_proc import JITNODE_BIN, Jitnode, manifest_scheduler_config

NS = "default"


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


def node_manifest(name, cpu="32", memory="64Gi", taints=None, finalizers=None):
    node = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "type": "kwok"},
                     "annotations": {"kwok.x-k8s.io/node": "fake"}},
        "spec": {},
        "status": {"capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
                   "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"}},
    }
    if taints:
        node["spec"]["taints"] = taints
    if finalizers:
        node["metadata"]["finalizers"] = finalizers
    return node


def pod_manifest(name, scheduler=None, tolerate_all=False, cpu="100m"):
    spec = {"containers": [{"name": "c", "image": "registry.invalid/pause:1",
                            "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]}
    if scheduler:
        spec["schedulerName"] = scheduler
    if tolerate_all:
        spec["tolerations"] = [{"operator": "Exists"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": spec}


def make_nodes(world, prefix, n, **kw):
    names = ["%s-%d" % (prefix, i) for i in range(n)]
    for name in names:
        world.admin.create("/api/v1/nodes", node_manifest(name, **kw))
    for name in names:
        world.admin.wait_for("/api/v1/nodes/" + name, lambda o: condition(o, "Ready") == "True",
                             timeout=60, what="node %s Ready" % name)
    return names


def pods_by_name(world, names):
    items = world.admin.get("/api/v1/namespaces/%s/pods" % NS)["items"]
    wanted = set(names)
    return {p["metadata"]["name"]: p for p in items if p["metadata"]["name"] in wanted}


def wait_all_bound(world, names, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        pods = pods_by_name(world, names)
        unbound = [n for n in names if not pods.get(n, {}).get("spec", {}).get("nodeName")]
        if not unbound:
            return pods
        if time.monotonic() > deadline:
            raise TimeoutError("%d of %d pods still unbound, e.g. %s" % (
                len(unbound), len(names), unbound[:5]))
        time.sleep(0.5)


@pytest.fixture(scope="module")
def world_a():
    """A control plane whose default scheduler uses jitnode as its extender."""
    w = jcluster.Cluster(make_world_dir("extender"))
    w.start(scheduler=False)
    jit = Jitnode(w).start()
    cfg = manifest_scheduler_config("scheduler-extender.yaml", w.kubeconfigs["kube-scheduler"],
                                    jit.url)
    cfg["leaderElection"] = {"leaderElect": False}
    w.start_scheduler(config=cfg)
    w.jit = jit
    yield w
    w.stop()


def test_scheduler_binds_200_pods_through_jitnode(world_a):
    nodes = make_nodes(world_a, unique("n"), 10)
    before = world_a.jit.binds()
    names = [unique("p") for _ in range(200)]
    for name in names:
        world_a.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(name))
    pods = wait_all_bound(world_a, names)
    assert world_a.jit.binds() - before == 200
    bound = world_a.jit.bound_pods()
    for name in names:
        node = pods[name]["spec"]["nodeName"]
        assert node in nodes
        assert bound.get("%s/%s" % (NS, name)) == node, "jitnode's log and the pod disagree on %s" % name


def test_node_jitnode_is_removing_receives_no_new_pods(world_a):
    good, disrupted, deleting = (unique("keep"), unique("disrupted"), unique("deleting"))
    world_a.admin.create("/api/v1/nodes", node_manifest(good))
    # The disruption taint alone would not stop pods that tolerate everything: only jitnode's
    # filter does, and a node held by a finalizer after its deletion likewise.
    world_a.admin.create("/api/v1/nodes", node_manifest(disrupted, taints=[
        {"key": "jitnode.io/disrupted", "effect": "NoSchedule"}]))
    world_a.admin.create("/api/v1/nodes", node_manifest(deleting, finalizers=["jitnode.io/test-hold"]))
    for n in (good, disrupted, deleting):
        world_a.admin.wait_for("/api/v1/nodes/" + n, lambda o: condition(o, "Ready") == "True",
                               timeout=60)
    world_a.admin.delete("/api/v1/nodes/" + deleting)
    world_a.admin.wait_for("/api/v1/nodes/" + deleting,
                           lambda o: o["metadata"].get("deletionTimestamp"), timeout=30)
    # Only these three nodes are candidates: the pods select them by a label of this test.
    group = unique("g")
    for n in (good, disrupted, deleting):
        world_a.admin.patch("/api/v1/nodes/" + n, {"metadata": {"labels": {"jn-test-group": group}}})
    time.sleep(1.0)  # jitnode's watch sees the taint and the deletion
    try:
        names = [unique("t") for _ in range(20)]
        for name in names:
            pod = pod_manifest(name, tolerate_all=True)
            pod["spec"]["nodeSelector"] = {"jn-test-group": group}
            world_a.admin.create("/api/v1/namespaces/%s/pods" % NS, pod)
        pods = wait_all_bound(world_a, names)
        assert {p["spec"]["nodeName"] for p in pods.values()} == {good}
    finally:
        world_a.admin.patch("/api/v1/nodes/" + deleting, {"metadata": {"finalizers": None}})


def test_documented_answers_for_bad_requests_and_conflicts(world_a):
    jit = world_a.jit
    r = jit.post("filter", b'{"Pod":', raw=True)
    assert r.status_code == 200 and r.json()["Error"].startswith("malformed JSON")
    assert r.json()["NodeNames"] is None
    r = jit.post("prioritize", b"[1,2]", raw=True)
    assert r.status_code == 400
    r = jit.post("bind", {"PodName": "x", "PodNamespace": NS, "Node": "n"})
    assert r.json() == {"Error": "PodUID: is required"}
    # A pod that is already bound: the apiserver's 409 becomes a clear Error.
    nodes = make_nodes(world_a, unique("c"), 1)
    name = unique("bound")
    world_a.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(name))
    pod = wait_all_bound(world_a, [name])[name]
    here = pod["spec"]["nodeName"]
    elsewhere = nodes[0] if nodes[0] != here else make_nodes(world_a, unique("c"), 1)[0]
    r = jit.post("bind", {"PodName": name, "PodNamespace": NS, "PodUID": pod["metadata"]["uid"],
                          "Node": elsewhere})
    err = r.json()["Error"]
    assert r.status_code == 200
    assert err.startswith("binding pod 'default/%s' to node '%s': conflict:" % (name, elsewhere)), err
    assert "already assigned" in err
    # The same bind repeated (its first answer lost) is a success: the pod is where asked.
    r = jit.post("bind", {"PodName": name, "PodNamespace": NS, "PodUID": pod["metadata"]["uid"],
                          "Node": here})
    assert r.json() == {"Error": ""}
    # A wrong UID (a re-created pod of the same name) is refused too.
    name2 = unique("uid")
    world_a.admin.create("/api/v1/namespaces/%s/pods" % NS,
                         dict(pod_manifest(name2), spec=dict(pod_manifest(name2)["spec"],
                                                             schedulingGates=[{"name": "hold"}])))
    r = jit.post("bind", {"PodName": name2, "PodNamespace": NS, "PodUID": "not-the-uid",
                          "Node": nodes[0]})
    assert "conflict" in r.json()["Error"], r.json()


def test_dead_apiserver_gives_unavailable(world_a):
    """jitnode whose apiserver is gone: /readyz says so and /bind answers a clear Error."""
    path = world_a.kubeconfigs["jitnode"]
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    dead = text.replace(world_a.server, "https://127.0.0.1:%d" % jcluster.free_port())
    dead_path = path + ".dead"
    with open(dead_path, "w", encoding="utf-8") as fh:
        fh.write(dead)
    jit = Jitnode(world_a, name="jitnode-dead", kubeconfig=dead_path).start(wait_ready=False)
    try:
        assert requests.get(jit.url + "/readyz", timeout=5).status_code == 503
        t0 = time.monotonic()
        r = jit.post("bind", {"PodName": "a", "PodNamespace": NS, "PodUID": "u", "Node": "n"})
        assert time.monotonic() - t0 < 10
        assert r.status_code == 200
        assert ": unavailable: " in r.json()["Error"], r.json()
    finally:
        jit.stop()


def test_scheduler_reports_extender_error_and_resumes(world_a):
    make_nodes(world_a, unique("r"), 2)
    jit = world_a.jit
    jit.kill()
    name = unique("wait")
    try:
        world_a.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(name))
        pod = world_a.admin.wait_for(
            "/api/v1/namespaces/%s/pods/%s" % (NS, name),
            lambda p: any(c.get("type") == "PodScheduled" and c.get("status") == "False"
                          for c in p.get("status", {}).get("conditions") or []),
            timeout=60, what="PodScheduled=False while jitnode is down")
        cond = [c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled"][0]
        events = world_a.admin.get("/api/v1/namespaces/%s/events" % NS,
                                   params={"fieldSelector": "involvedObject.name=" + name})["items"]
        text = " ".join(e.get("message", "") for e in events) + " " + cond.get("message", "")
        # The scheduler names the extender call that failed, as an error (not "unschedulable").
        assert cond.get("reason") == "SchedulerError", cond
        assert "%s/filter" % jit.url in text and "connection refused" in text, text
        assert not pod["spec"].get("nodeName")
    finally:
        world_a.jit = Jitnode(world_a, name="jitnode-restarted", port=jit.port).start()
    pod = world_a.admin.wait_for("/api/v1/namespaces/%s/pods/%s" % (NS, name),
                                 lambda p: p["spec"].get("nodeName"), timeout=120,
                                 what="pod bound after jitnode is back")
    assert world_a.jit.bound_pods().get("%s/%s" % (NS, name)) == pod["spec"]["nodeName"]


def test_second_scheduler_serves_only_its_pods(cluster):
    jit = Jitnode(cluster, name="jitnode-second").start()
    cfg = manifest_scheduler_config("scheduler-second.yaml", cluster.kubeconfigs["kube-scheduler"],
                                    jit.url)
    # The world's scheduler identity may hold its own Lease (the manifest names it).
    cluster.admin.create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": unique("second-scheduler-leases")},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "system:kube-scheduler"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                      "name": "system:kube-scheduler"}]})
    cfg["leaderElection"]["resourceNamespace"] = "kube-system"
    comp = cluster.start_scheduler(name="jitnode-scheduler", config=cfg)
    try:
        make_nodes(cluster, unique("s"), 3)
        mine = [unique("mine") for _ in range(10)]
        theirs = [unique("theirs") for _ in range(10)]
        for name in mine:
            cluster.admin.create("/api/v1/namespaces/%s/pods" % NS,
                                 pod_manifest(name, scheduler="jitnode-scheduler"))
        for name in theirs:
            cluster.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(name))
        pods = wait_all_bound(cluster, mine + theirs)
        bound = jit.bound_pods()
        for name in mine:
            assert bound.get("%s/%s" % (NS, name)) == pods[name]["spec"]["nodeName"]
        for name in theirs:
            assert "%s/%s" % (NS, name) not in bound, "jitnode bound a default-scheduler pod"
        assert jit.binds() == len(mine)
        lease = cluster.admin.get("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/"
                                  "jitnode-scheduler")
        assert lease["spec"]["holderIdentity"]
    finally:
        comp.stop()
        jit.stop()


def test_deployment_args_from_manifests_start_jitnode(world_a):
    """The container args in manifests/deployment.yaml are flags jitnode serve accepts."""
    import yaml
    from jnworld.cluster import REPO_ROOT
    with open(os.path.join(REPO_ROOT, "manifests", "deployment.yaml"), encoding="utf-8") as fh:
        deploy = [d for d in yaml.safe_load_all(fh) if d and d.get("kind") == "Deployment"][0]
    assert deploy["spec"]["replicas"] == 2
    args = deploy["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[0] == "serve"
    port = jcluster.free_port()
    argv = [a if not a.startswith("--listen") else "--listen=127.0.0.1:%d" % port for a in args[1:]]
    comp = world_a.procs.start("jitnode-manifest", [JITNODE_BIN, "serve"] + argv +
                               ["--kubeconfig", world_a.kubeconfigs["jitnode"]])
    try:
        comp.wait_ready(lambda: requests.get("http://127.0.0.1:%d/readyz" % port,
                                             timeout=2).status_code == 200, 60)
        with open(comp.log_path, encoding="utf-8") as fh:
            first = [l for l in fh if l.startswith("{")][0]
        assert json.loads(first)["level"] in ("info", "warn")  # --log-format=json took effect
    finally:
        comp.stop()
