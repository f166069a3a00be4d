"""The launcher's choices that need no running cluster: which RBAC and identity jitnode gets, and
the scheduler configurations it writes."""
from jnworld import cluster as jcluster


def write_manifest(root, text):
    (root / "manifests").mkdir()
    (root / "manifests" / "rbac.yaml").write_text(text)


def test_without_a_cluster_role_in_manifests_jitnode_gets_the_stand_in(tmp_path):
    (tmp_path / "manifests").mkdir()
    user, groups, docs, source = jcluster.jitnode_rbac(str(tmp_path))
    assert (user, groups, source) == ("jitnode", [], "stand-in")
    assert [d["kind"] for d in docs] == ["ClusterRole", "ClusterRoleBinding"]
    assert docs[0]["rules"] == jcluster.MINIMAL_JITNODE_RULES
    assert docs[1]["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                                    "name": "jitnode"}]


def test_a_service_account_bound_in_manifests_is_the_identity(tmp_path):
    write_manifest(tmp_path, """
kind: ServiceAccount
apiVersion: v1
metadata: {name: jn, namespace: ops}
---
kind: Deployment
apiVersion: apps/v1
metadata: {name: ignored}
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: jn-role}
rules: []
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: jn-role}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: jn-role}
subjects: [{kind: ServiceAccount, name: jn, namespace: ops}]
""")
    user, groups, docs, source = jcluster.jitnode_rbac(str(tmp_path))
    assert user == "system:serviceaccount:ops:jn"
    assert groups == ["system:serviceaccounts", "system:serviceaccounts:ops"]
    assert source == "manifests"
    assert [d["kind"] for d in docs] == ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"]
    assert [jcluster._api_path(d) for d in docs] == [
        "/api/v1/namespaces/ops/serviceaccounts",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"]


def test_an_unbound_cluster_role_in_manifests_is_bound_to_user_jitnode(tmp_path):
    write_manifest(tmp_path, "kind: ClusterRole\napiVersion: rbac.authorization.k8s.io/v1\n"
                             "metadata: {name: lonely}\nrules: []\n")
    user, _, docs, source = jcluster.jitnode_rbac(str(tmp_path))
    assert (user, source) == ("jitnode", "manifests")
    assert docs[-1]["roleRef"]["name"] == "lonely"
    assert docs[-1]["subjects"][0]["name"] == "jitnode"


def test_scheduler_config_with_profiles_and_an_extender():
    ext = {"urlPrefix": "http://127.0.0.1:9/ext", "filterVerb": "filter", "bindVerb": "bind"}
    cfg = jcluster.scheduler_config("/k.kubeconfig", ["a", "b"], [ext])
    assert cfg == {
        "apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
        "clientConnection": {"kubeconfig": "/k.kubeconfig", "qps": 200, "burst": 400},
        "leaderElection": {"leaderElect": False},
        "profiles": [{"schedulerName": "a"}, {"schedulerName": "b"}],
        "extenders": [ext]}
    assert "extenders" not in jcluster.scheduler_config("/k.kubeconfig")
