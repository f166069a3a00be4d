"""The control plane is real: kwok makes Nodes Ready and pods Running, the real kube-scheduler
binds, the controller-manager scales Deployments, RBAC limits the jitnode identity, and a second
scheduler calls an HTTP extender."""
import json
import os
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jnworld.cluster import REPO_ROOT, free_port
from jnworld.procs import ComponentError
from jnworld.kube import KubeError, condition

NS = "default"


def node_manifest(name, cpu="4", memory="8Gi", labels=None):
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": dict({"kubernetes.io/hostname": name,
                                                   "type": "kwok"}, **(labels or {})),
                     "annotations": {"kwok.x-k8s.io/node": "fake"}},
        "status": {"capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
                   "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"}},
    }


def pod_manifest(name, scheduler=None, node_selector=None, labels=None):
    spec = {"containers": [{"name": "c", "image": "registry.invalid/pause:1",
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}
    if scheduler:
        spec["schedulerName"] = scheduler
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {"app": name}}, "spec": spec}


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


@pytest.fixture
def ready_node(cluster):
    name = unique("kwok-node")
    cluster.admin.create("/api/v1/nodes", node_manifest(name))
    node = cluster.admin.wait_for("/api/v1/nodes/" + name,
                                  lambda n: condition(n, "Ready") == "True",
                                  timeout=60, what="node %s Ready" % name)
    yield node
    cluster.admin.delete("/api/v1/nodes/" + name)


def running(pod):
    return pod.get("status", {}).get("phase") == "Running" and condition(pod, "Ready") == "True"


def test_apiserver_is_the_pinned_release(cluster):
    with open(os.path.join(REPO_ROOT, "tests", "cluster", "go.mod"), encoding="utf-8") as fh:
        pinned = re.search(r"^\s*k8s\.io/kubernetes (v\S+)$", fh.read(), re.M).group(1)
    version = cluster.admin.get("/version")
    assert version["gitVersion"] == pinned
    assert "%s.%s" % (version["major"], version["minor"]) == pinned[1:].rsplit(".", 1)[0]


def test_node_created_through_apiserver_is_made_ready_by_kwok(cluster, ready_node):
    assert condition(ready_node, "Ready") == "True"
    assert ready_node["status"]["allocatable"]["cpu"] == "4"
    # The controller-manager's node lifecycle controller removes the not-ready taint it added.
    name = ready_node["metadata"]["name"]
    node = cluster.admin.wait_for(
        "/api/v1/nodes/" + name,
        lambda n: not any(t["key"] == "node.kubernetes.io/not-ready"
                          for t in n.get("spec", {}).get("taints") or []),
        timeout=60, what="node %s without not-ready taint" % name)
    assert node["status"]["addresses"], "kwok reports no node address"


def test_pod_is_scheduled_by_kube_scheduler_and_run_by_kwok(cluster, ready_node):
    node = ready_node["metadata"]["name"]
    name = unique("smoke-pod")
    path = "/api/v1/namespaces/%s/pods/%s" % (NS, name)
    cluster.admin.create("/api/v1/namespaces/%s/pods" % NS,
                         pod_manifest(name, node_selector={"kubernetes.io/hostname": node}))
    pod = cluster.admin.wait_for(path, running, timeout=60, what="pod %s Running" % name)
    assert pod["spec"]["nodeName"] == node
    assert condition(pod, "PodScheduled") == "True"
    assert pod["status"]["podIP"].startswith("10.244.")
    events = cluster.admin.get("/api/v1/namespaces/%s/events" % NS,
                               params={"fieldSelector": "involvedObject.name=" + name})
    scheduled = [e for e in events["items"] if e["reason"] == "Scheduled"]
    assert len(scheduled) == 1, events
    assert scheduled[0]["reportingComponent"] == "default-scheduler"
    assert scheduled[0]["message"] == "Successfully assigned %s/%s to %s" % (NS, name, node)
    # Deletion completes: kwok plays the kubelet that confirms the pod is gone.
    cluster.admin.delete(path)
    _wait_gone(cluster.admin, path)


def _wait_gone(client, path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.get(path)
        except KubeError as e:
            if e.status == 404:
                return
            raise
        time.sleep(0.25)
    raise AssertionError("%s still exists after %ds" % (path, timeout))


def test_deployment_scaled_by_controller_manager_creates_pods(cluster, ready_node):
    node = ready_node["metadata"]["name"]
    name = unique("smoke-deploy")
    base = "/apis/apps/v1/namespaces/%s/deployments" % NS
    template = pod_manifest(name, node_selector={"kubernetes.io/hostname": node},
                            labels={"app": name})
    del template["apiVersion"], template["kind"]
    template["metadata"].pop("name")
    cluster.admin.create(base, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                 "template": template}})
    cluster.admin.wait_for(base + "/" + name,
                           lambda d: d.get("status", {}).get("readyReplicas") == 2,
                           timeout=90, what="deployment %s 2 ready" % name)
    cluster.admin.patch(base + "/" + name + "/scale", {"spec": {"replicas": 4}})
    cluster.admin.wait_for(base + "/" + name,
                           lambda d: d.get("status", {}).get("readyReplicas") == 4,
                           timeout=90, what="deployment %s 4 ready" % name)
    pods = cluster.admin.get("/api/v1/namespaces/%s/pods" % NS,
                             params={"labelSelector": "app=" + name})["items"]
    assert len(pods) == 4
    assert all(p["spec"]["nodeName"] == node and running(p) for p in pods)
    assert all(p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet" for p in pods)
    cluster.admin.delete(base + "/" + name)


def test_jitnode_identity_is_limited_by_rbac(cluster):
    review = cluster.jitnode.create("/apis/authentication.k8s.io/v1/selfsubjectreviews", {
        "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    user = review["status"]["userInfo"]
    assert user["username"] == cluster.jitnode_user
    assert "system:masters" not in user.get("groups", [])
    # What jitnode's ClusterRole grants, and what it does not.
    assert cluster.jitnode.status("GET", "/api/v1/nodes") == 200
    assert cluster.jitnode.status("GET", "/api/v1/pods") == 200
    assert cluster.jitnode.status("GET", "/api/v1/secrets") == 403
    assert cluster.jitnode.status("GET", "/api/v1/namespaces/kube-system/configmaps") == 403
    assert cluster.jitnode.status("DELETE", "/api/v1/namespaces/kube-public") == 403
    assert cluster.admin.status("GET", "/api/v1/secrets") == 200


def test_jitnode_rbac_is_the_one_in_manifests(cluster):
    # manifests/rbac.yaml binds ServiceAccount kube-system/jitnode; the certificate identity is
    # that service account, so the manifests' bindings themselves are what grants access.
    assert cluster.rbac_source == "manifests"
    assert cluster.jitnode_user == "system:serviceaccount:kube-system:jitnode"
    assert "jitnode" in cluster.jitnode_roles
    # The leader-election Role: one named Lease in kube-system, nothing else.
    leases = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/"
    assert cluster.jitnode.status("GET", leases + "jitnode-controller") == 404
    assert cluster.jitnode.status("GET", leases + "kube-scheduler") == 403
    assert cluster.jitnode.status("GET", "/apis/coordination.k8s.io/v1/namespaces/default/"
                                         "leases/jitnode-controller") == 403


class _Extender(BaseHTTPRequestHandler):
    calls = []

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        args = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.calls.append((self.path, args["Pod"]["metadata"]["name"]))
        reply = {"Nodes": args.get("Nodes"), "NodeNames": args.get("NodeNames"),
                 "FailedNodes": {}, "Error": ""}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_second_scheduler_with_extender_beside_the_default_one(cluster, ready_node):
    node = ready_node["metadata"]["name"]
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Extender)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sched = cluster.start_scheduler(
        name="kube-scheduler-ext", scheduler_names=["jn-ext-scheduler"],
        extenders=[{"urlPrefix": "http://127.0.0.1:%d/ext" % port, "filterVerb": "filter",
                    "nodeCacheCapable": False, "httpTimeout": "2s"}])
    try:
        name = unique("ext-pod")
        cluster.admin.create("/api/v1/namespaces/%s/pods" % NS, pod_manifest(
            name, scheduler="jn-ext-scheduler", node_selector={"kubernetes.io/hostname": node}))
        pod = cluster.admin.wait_for("/api/v1/namespaces/%s/pods/%s" % (NS, name), running,
                                     timeout=60, what="pod %s Running" % name)
        assert pod["spec"]["nodeName"] == node
        assert ("/ext/filter", name) in _Extender.calls
        cluster.admin.delete("/api/v1/namespaces/%s/pods/%s" % (NS, name))
    finally:
        sched.stop()
        server.shutdown()
        server.server_close()


def test_scheduler_with_a_mistyped_config_fails_fast_with_its_log(cluster):
    t0 = time.monotonic()
    with pytest.raises(ComponentError) as err:
        cluster.start_scheduler(name="kube-scheduler-bad", extenders=[
            {"urlPrefix": "http://127.0.0.1:1/ext", "filterVerb": "filter", "enableHttps": True}])
    assert time.monotonic() - t0 < 30
    msg = str(err.value)
    assert msg.startswith("kube-scheduler-bad exited with status 1 before it was ready (log ")
    assert r'strict decoding error: unknown field \"extenders[0].enableHttps\"' in msg
