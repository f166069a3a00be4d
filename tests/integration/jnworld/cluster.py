"""The control plane of one test world: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler(s) and kwok, from the binaries tests/cluster/build.sh puts in build-cluster/bin.

Identities (client certificates signed by the world's CA; the apiserver authorizes with RBAC):
  admin                          user jn-admin in group system:masters (tests' own setup)
  jitnode                        the subject manifests/ binds jitnode's ClusterRole to (today
                                 ServiceAccount kube-system/jitnode, as the certificate user
                                 system:serviceaccount:kube-system:jitnode with the service-account
                                 groups); user "jitnode" with the stand-in role when manifests/
                                 has no ClusterRole. No other groups: only what RBAC grants it
  kube-scheduler                 user system:kube-scheduler (bootstrap role of the same name)
  kube-controller-manager        user system:kube-controller-manager, with per-controller
                                 service-account credentials, as kubeadm runs it
  kwok                           user jn-kwok in system:masters (it plays every kubelet)
Each has a kubeconfig in <world>/kubeconfigs/<name>.kubeconfig.

RBAC for jitnode comes from manifests/*.yaml as written there: its ServiceAccounts, ClusterRoles,
ClusterRoleBindings, Roles and RoleBindings are applied unchanged, and the jitnode identity is the
subject of the binding of the first ClusterRole. While manifests/ holds no ClusterRole, a minimal
stand-in role (MINIMAL_JITNODE_RULES) is bound to user "jitnode". See jitnode_rbac().
"""
import glob
import os
import shutil
import socket
import time

import requests
import urllib3
import yaml

from . import kube, pki, procs

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEFAULT_BIN_DIR = os.path.join(REPO_ROOT, "build-cluster", "bin")
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")

# Bounded waits (seconds). Warm starts take a few seconds; these leave room for a loaded machine.
START_TIMEOUT = {"etcd": 30, "kube-apiserver": 90, "kube-controller-manager": 60,
                 "kube-scheduler": 60, "kwok": 60}

JITNODE_USER = "jitnode"
JITNODE_BINDING = "jitnode-test"
# Stand-in for jitnode's ClusterRole until manifests/ provides one: what a node provisioner and
# scheduler extender needs (read pods and nodes, create and delete nodes, bind pods, events).
MINIMAL_JITNODE_ROLE = "jitnode-test-minimal"
MINIMAL_JITNODE_RULES = [
    {"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["create", "patch", "update", "delete"]},
    {"apiGroups": [""], "resources": ["pods/binding"], "verbs": ["create"]},
    {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
]


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_ok(url, **kw):
    # The schedulers' and controller-manager's health ports serve self-signed certificates.
    if kw.get("verify") is False:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    r = requests.get(url, timeout=2, **kw)
    return r.status_code == 200


RBAC_KINDS = ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
              "RoleBinding")


def manifest_docs(repo_root=REPO_ROOT, kinds=RBAC_KINDS):
    """Documents of the given kinds from manifests/*.yaml|*.yml, in file and document order."""
    docs = []
    files = sorted(glob.glob(os.path.join(repo_root, "manifests", "*.yaml")) +
                   glob.glob(os.path.join(repo_root, "manifests", "*.yml")))
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for doc in yaml.safe_load_all(fh):
                if isinstance(doc, dict) and doc.get("kind") in kinds:
                    docs.append(doc)
    return docs


def jitnode_rbac(repo_root=REPO_ROOT):
    """(user, groups, documents to apply, source) of the jitnode identity.

    With a ClusterRole in manifests/: its RBAC documents as they are, and the identity of the
    first subject bound to the first ClusterRole (a ServiceAccount becomes the user
    system:serviceaccount:<ns>:<name> in groups system:serviceaccounts and
    system:serviceaccounts:<ns>, which is how the apiserver names a service account; a User is
    taken as is). Without: the stand-in role bound to user "jitnode"."""
    docs = manifest_docs(repo_root)
    roles = [d["metadata"]["name"] for d in docs if d["kind"] == "ClusterRole"]
    if roles:
        for d in docs:
            if d["kind"] == "ClusterRoleBinding" and d["roleRef"]["name"] == roles[0]:
                subject = (d.get("subjects") or [None])[0]
                if subject and subject["kind"] == "ServiceAccount":
                    ns = subject.get("namespace", "default")
                    return ("system:serviceaccount:%s:%s" % (ns, subject["name"]),
                            ["system:serviceaccounts", "system:serviceaccounts:" + ns],
                            docs, "manifests")
                if subject and subject["kind"] == "User":
                    return subject["name"], [], docs, "manifests"
        # A ClusterRole nobody is bound to: bind it to user "jitnode" ourselves.
        return JITNODE_USER, [], docs + [_binding(roles[0])], "manifests"
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": MINIMAL_JITNODE_ROLE}, "rules": MINIMAL_JITNODE_RULES}
    return JITNODE_USER, [], [role, _binding(MINIMAL_JITNODE_ROLE)], "stand-in"


def _binding(role):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "%s-%s" % (JITNODE_BINDING, role)},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                          "name": JITNODE_USER}]}


def _api_path(doc):
    kind, ns = doc["kind"], doc.get("metadata", {}).get("namespace")
    if kind == "Namespace":
        return "/api/v1/namespaces"
    if kind == "ServiceAccount":
        return "/api/v1/namespaces/%s/serviceaccounts" % (ns or "default")
    plural = {"ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings",
              "Role": "roles", "RoleBinding": "rolebindings"}[kind]
    base = "/apis/rbac.authorization.k8s.io/v1"
    if kind in ("Role", "RoleBinding"):
        return "%s/namespaces/%s/%s" % (base, ns or "default", plural)
    return "%s/%s" % (base, plural)


def scheduler_config(kubeconfig, scheduler_names=("default-scheduler",), extenders=None,
                     leader_elect=False, extra=None):
    """A KubeSchedulerConfiguration (v1) as a dict: one profile per scheduler name, optional
    extender entries (dicts with urlPrefix, filterVerb, ... exactly as the API spells them)."""
    cfg = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "clientConnection": {"kubeconfig": kubeconfig, "qps": 200, "burst": 400},
        "leaderElection": {"leaderElect": leader_elect},
        "profiles": [{"schedulerName": n} for n in scheduler_names],
    }
    if extenders:
        cfg["extenders"] = list(extenders)
    if extra:
        cfg.update(extra)
    return cfg


class Cluster:
    """A control plane rooted in `world_dir`. start() brings it up; stop() tears it down."""

    def __init__(self, world_dir, bin_dir=None, stages_file=None, registry=None):
        self.dir = os.path.abspath(world_dir)
        self.bin_dir = bin_dir or os.environ.get("JN_CLUSTER_BIN") or DEFAULT_BIN_DIR
        self.stages_file = stages_file or os.path.join(os.path.dirname(self.bin_dir),
                                                       "kwok-stages.yaml")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = registry or procs.ProcessRegistry(self.dir)
        self.kubeconfigs = {}
        self.components = {}
        self.admin = None
        self.jitnode = None
        self.server = None
        self.etcd_url = None
        self.start_seconds = None
        self.timings = {}  # component name -> seconds from spawn to ready
        # Extra command-line arguments per component name, appended when it starts (tests use
        # this to break a component on purpose, or to tune one).
        self.extra_args = {}

    # ---- helpers ---------------------------------------------------------------------------

    def binary(self, name):
        path = os.path.join(self.bin_dir, name)
        if not os.access(path, os.X_OK):
            raise procs.ComponentError(
                "missing binary '%s': run tests/cluster/build.sh first" % path)
        return path

    def _kubeconfig(self, name, user, groups=()):
        crt, key = self.pki.client_cert(name, user, groups)
        path = pki.write_kubeconfig(os.path.join(self.dir, "kubeconfigs", name + ".kubeconfig"),
                                    self.server, self.pki.ca_cert, crt, key, user)
        self.kubeconfigs[name] = path
        return path, crt, key

    def client(self, name):
        """A Kube client for the identity `name` (a key of self.kubeconfigs)."""
        base = os.path.join(self.pki.dir, name)
        return kube.Kube(self.server, self.pki.ca_cert, base + ".crt", base + ".key")

    def _start(self, name, argv, probe, timeout=None):
        t0 = time.monotonic()
        comp = self.procs.start(name, list(argv) + list(self.extra_args.get(name, ())))
        self.components[name] = comp
        comp.wait_ready(probe, timeout or START_TIMEOUT.get(name, 60))
        self.timings[name] = time.monotonic() - t0
        return comp

    # ---- components ------------------------------------------------------------------------

    def start(self, controller_manager=True, scheduler=True, kwok=True):
        """Starts every component in order and waits for each to be ready (bounded). On any
        failure the components already started are stopped and ComponentError propagates."""
        t0 = time.monotonic()
        try:
            self._prepare()
            self.start_etcd()
            self.start_apiserver()
            self.bootstrap_rbac()
            if controller_manager:
                self.start_controller_manager()
            if scheduler:
                self.start_scheduler()
            if kwok:
                self.start_kwok()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _prepare(self):
        for b in BINARIES:
            self.binary(b)
        if not os.path.exists(self.stages_file):
            raise procs.ComponentError("missing kwok stages '%s': run tests/cluster/build.sh"
                                       % self.stages_file)
        self.pki = pki.Pki(os.path.join(self.dir, "pki"))
        os.makedirs(os.path.join(self.dir, "kubeconfigs"), exist_ok=True)
        self.api_port = free_port()
        self.server = "https://127.0.0.1:%d" % self.api_port

    def start_etcd(self):
        port, peer = free_port(), free_port()
        self.etcd_url = "http://127.0.0.1:%d" % port
        self._start("etcd", [
            self.binary("etcd"), "--data-dir", os.path.join(self.dir, "etcd-data"),
            "--client-url", self.etcd_url, "--peer-url", "http://127.0.0.1:%d" % peer,
        ], lambda: _http_ok(self.etcd_url + "/health"))

    def start_apiserver(self):
        p = self.pki
        crt, key = p.server_cert("apiserver", ["127.0.0.1", "localhost", "10.0.0.1", "kubernetes",
                                               "kubernetes.default", "kubernetes.default.svc"])
        self.sa_key, self.sa_pub = p.service_account_keys()
        _, admin_crt, admin_key = self._kubeconfig("admin", "jn-admin", ["system:masters"])
        self.jitnode_user, groups, self._rbac_docs, self.rbac_source = jitnode_rbac()
        self._kubeconfig("jitnode", self.jitnode_user, groups)
        self._kubeconfig("kube-scheduler", "system:kube-scheduler")
        self._kubeconfig("kube-controller-manager", "system:kube-controller-manager")
        self._kubeconfig("kwok", "jn-kwok", ["system:masters"])
        self._start("kube-apiserver", [
            self.binary("kube-apiserver"),
            "--etcd-servers=" + self.etcd_url,
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            "--secure-port=%d" % self.api_port,
            "--tls-cert-file=" + crt, "--tls-private-key-file=" + key,
            "--client-ca-file=" + p.ca_cert,
            "--service-cluster-ip-range=10.0.0.0/24",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file=" + self.sa_pub,
            "--service-account-signing-key-file=" + self.sa_key,
            "--authorization-mode=Node,RBAC",
            # The kubernetes Service may not point at loopback: skip its endpoints.
            "--endpoint-reconciler-type=none",
            "--allow-privileged=true", "--profiling=false", "--v=1",
        ], lambda: _http_ok(self.server + "/readyz", verify=p.ca_cert, cert=(admin_crt, admin_key)))
        self.admin = self.client("admin")
        self.jitnode = self.client("jitnode")

    def bootstrap_rbac(self):
        """Applies jitnode's RBAC (see jitnode_rbac()): from manifests/ when it has a ClusterRole,
        else the stand-in. Sets self.jitnode_user, self.rbac_source ("manifests" or "stand-in")
        and self.jitnode_roles (ClusterRole names); returns the latter."""
        for doc in self._rbac_docs:
            ns = doc.get("metadata", {}).get("namespace")
            if ns and doc["kind"] != "Namespace":
                self.admin.create("/api/v1/namespaces", {
                    "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                    ok=(201, 409))
            self.admin.create(_api_path(doc), doc, ok=(201, 409) if doc["kind"] == "Namespace"
                              else (201,))
        self.jitnode_roles = [d["metadata"]["name"] for d in self._rbac_docs
                              if d["kind"] == "ClusterRole"]
        return self.jitnode_roles

    def start_controller_manager(self):
        port = free_port()
        kcfg = self.kubeconfigs["kube-controller-manager"]
        self._start("kube-controller-manager", [
            self.binary("kube-controller-manager"),
            "--kubeconfig=" + kcfg,
            "--bind-address=127.0.0.1", "--secure-port=%d" % port,
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            "--service-account-private-key-file=" + self.sa_key,
            "--root-ca-file=" + self.pki.ca_cert,
            "--cluster-name=jitnode-test",
            "--profiling=false", "--v=1",
        ], lambda: _http_ok("https://127.0.0.1:%d/healthz" % port, verify=False))
        # Pods need the namespace's default ServiceAccount (admission), which the controller
        # manager creates: that is the sign its controllers run.
        self.admin.wait_for("/api/v1/namespaces/default/serviceaccounts/default", lambda o: True,
                            timeout=START_TIMEOUT["kube-controller-manager"],
                            what="default service account (kube-controller-manager)")

    def start_scheduler(self, name="kube-scheduler", scheduler_names=("default-scheduler",),
                        extenders=None, config=None):
        """Starts a kube-scheduler process named `name` (its log is logs/<name>.log) with the
        given KubeSchedulerConfiguration dict, or one built by scheduler_config() from
        `scheduler_names` and `extenders`. Several may run at once under different names.
        Returns the Component."""
        if config is None:
            config = scheduler_config(self.kubeconfigs["kube-scheduler"], scheduler_names,
                                      extenders)
        path = os.path.join(self.dir, name + ".config.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(config, fh, sort_keys=False)
        port = free_port()
        return self._start(name, [
            self.binary("kube-scheduler"), "--config=" + path,
            "--bind-address=127.0.0.1", "--secure-port=%d" % port, "--v=1",
        ], lambda: _http_ok("https://127.0.0.1:%d/healthz" % port, verify=False),
            timeout=START_TIMEOUT["kube-scheduler"])

    def start_kwok(self, extra_args=()):
        port = free_port()
        self._start("kwok", [
            self.binary("kwok"),
            "--kubeconfig=" + self.kubeconfigs["kwok"],
            "--config=" + self.stages_file,
            "--manage-all-nodes=true",
            "--node-lease-duration-seconds=40",
            "--cidr=10.244.0.0/16", "--node-ip=10.240.0.1",
            "--server-address=127.0.0.1:%d" % port,
        ] + list(extra_args), lambda: _http_ok("http://127.0.0.1:%d/healthz" % port))

    def stop(self):
        """Stops every component (reverse order) and removes etcd's data (its WAL alone is
        64 MB); certificates, kubeconfigs and logs stay for inspection."""
        self.procs.stop_all()
        shutil.rmtree(os.path.join(self.dir, "etcd-data"), ignore_errors=True)

    def log_tails(self, lines=20):
        return self.procs.log_tails(lines)
