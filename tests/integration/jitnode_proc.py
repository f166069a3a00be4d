"""Starting jitnode itself inside a test world, and reading what it did.

jitnode runs as the world's "jitnode" identity (user jitnode, bound by RBAC to the ClusterRole in
manifests/), from the meson build in build/ (JITNODE_BIN overrides).
"""
import os
import re

import requests
import yaml

from jnworld.cluster import REPO_ROOT, free_port

JITNODE_BIN = os.environ.get("JITNODE_BIN") or os.path.join(REPO_ROOT, "build", "jitnode")
BOUND = re.compile(r"INFO bound pod pod=(\S+) node=(\S+)")


class Jitnode:
    def __init__(self, world, name="jitnode", kubeconfig=None, port=None):
        self.world = world
        self.name = name
        self.kubeconfig = kubeconfig or world.kubeconfigs["jitnode"]
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.component = None

    def start(self, wait_ready=True, timeout=60):
        if not os.access(JITNODE_BIN, os.X_OK):
            raise RuntimeError("missing %s: build jitnode first (meson/ninja in build/)" % JITNODE_BIN)
        self.component = self.world.procs.start(self.name, [
            JITNODE_BIN, "serve", "--listen", "127.0.0.1:%d" % self.port,
            "--kubeconfig", self.kubeconfig, "--kube-qps", "500", "--kube-burst", "1000",
        ] + os.environ.get("JITNODE_EXTRA_ARGS", "").split())
        probe = "/readyz" if wait_ready else "/healthz"
        self.component.wait_ready(lambda: requests.get(self.url + probe, timeout=2).status_code == 200,
                                  timeout)
        return self

    def stop(self):
        if self.component:
            self.component.stop()

    def kill(self):
        """SIGKILL: the scheduler sees connections refused from now on."""
        self.component.proc.kill()
        self.component.proc.wait(10)

    def metric(self, name, labels=""):
        text = requests.get(self.url + "/metrics", timeout=5).text
        m = re.search(r"^%s%s (\d+(?:\.\d+)?)$" % (re.escape(name), re.escape(labels)), text, re.M)
        return float(m.group(1)) if m else 0.0

    def binds(self):
        return int(self.metric("jitnode_extender_binds_total", '{result="success"}'))

    def bound_pods(self):
        """{namespace/name: node} from jitnode's own "bound pod" decision lines."""
        with open(self.component.log_path, encoding="utf-8", errors="replace") as fh:
            return {m.group(1): m.group(2) for m in BOUND.finditer(fh.read())}

    def post(self, verb, body, raw=False):
        data = body if raw else None
        return requests.post(self.url + "/" + verb, data=data, json=None if raw else body,
                             timeout=10)


def manifest_scheduler_config(path, kubeconfig, url_prefix):
    """A KubeSchedulerConfiguration from manifests/, adapted to a test world: the world's
    scheduler kubeconfig, jitnode's loopback URL, and (for the default scheduler) no leader
    election since the world runs one scheduler per Lease anyway."""
    with open(os.path.join(REPO_ROOT, "manifests", path), encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    cfg["clientConnection"]["kubeconfig"] = kubeconfig
    # Raised so that the scheduler's own client rate limit is not what the tests measure.
    cfg["clientConnection"]["qps"] = 500
    cfg["clientConnection"]["burst"] = 1000
    for ext in cfg["extenders"]:
        ext["urlPrefix"] = url_prefix
    return cfg
