"""The EC2 provider (src/cloud/ec2) against moto's server, directly and through the fault proxy.

The provider is driven by tests/unit/cloud/ec2_driver (built by meson; set JN_EC2_DRIVER to
pick a binary, else the newest build*/tests/unit/cloud/ec2_driver is used). The driver reads
the AWS environment exactly like jitnode's main does and prints one JSON object per command.
"""
import glob
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from jnworld.cluster import REPO_ROOT
from jnworld.ec2 import ec2_call

TYPES = ["c5.large", "m5a.large", "m5.large", "c6i.large", "m6i.large", "t3.large", "r5.large",
         "c5.xlarge", "m5.xlarge", "r5.xlarge"]


def driver_path():
    path = os.environ.get("JN_EC2_DRIVER")
    if path:
        return path
    found = glob.glob(os.path.join(REPO_ROOT, "build*", "tests", "unit", "cloud", "ec2_driver"))
    if not found:
        pytest.fail("no ec2_driver binary: run `ninja -C build tests/unit/cloud/ec2_driver`")
    return max(found, key=os.path.getmtime)


def base_env(endpoint, tmp_path, **extra):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_CONFIG_FILE": str(tmp_path / "none")}
    env.update(extra)
    return env


def key_env(endpoint, tmp_path, **extra):
    return base_env(endpoint, tmp_path, AWS_ACCESS_KEY_ID="AKIDJITNODETEST",
                    AWS_SECRET_ACCESS_KEY="jitnode-test-secret", AWS_EC2_METADATA_DISABLED="true",
                    **extra)


def run(env, *args, timeout=60):
    proc = subprocess.run([driver_path()] + list(args), env=env, capture_output=True, text=True,
                          timeout=timeout)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    assert lines, "driver printed nothing (rc %d): %s" % (proc.returncode, proc.stderr[-2000:])
    out = json.loads(lines[-1])
    out["_stderr"] = proc.stderr
    return out


def root(resp):
    r = ET.fromstring(resp.content)
    for el in r.iter():
        el.tag = el.tag.rsplit("}", 1)[-1]
    return r


def subnets_by_zone(url):
    r = root(ec2_call(url, "DescribeSubnets"))
    return {i.findtext("availabilityZone"): i.findtext("subnetId")
            for i in r.findall("subnetSet/item")}


def claim_instances(url, claim, cluster="itest"):
    """Every non-terminated instance moto has for the claim's tag."""
    r = root(ec2_call(url, "DescribeInstances", [
        ("Filter.1.Name", "tag:karpenter.sh/nodeclaim"), ("Filter.1.Value.1", claim),
        ("Filter.2.Name", "tag:kubernetes.io/cluster/" + cluster), ("Filter.2.Value.1", "owned"),
        ("Filter.3.Name", "instance-state-name"), ("Filter.3.Value.1", "pending"),
        ("Filter.3.Value.2", "running")]))
    return [i.findtext("instanceId") for i in r.findall("reservationSet/item/instancesSet/item")]


def offerings(zones, count, capacity="on-demand"):
    """count offerings over TYPES x zones, with rising prices (the first is the cheapest)."""
    out = []
    for i in range(count):
        out.append("%s:%s:%s:%.3f" % (TYPES[i // len(zones)], zones[i % len(zones)], capacity,
                                      0.05 + 0.01 * i))
    return ",".join(out)


def subnet_args(url, zones):
    by_zone = subnets_by_zone(url)
    return ["--subnet-ids", ",".join(by_zone[z] for z in zones)]


def test_launch_with_20_overrides_read_back_terminate_and_list_leaks(ec2, tmp_path):
    env = key_env(ec2.moto_url, tmp_path)
    zones = ["us-east-1a", "us-east-1b"]
    sub = subnet_args(ec2.moto_url, zones)
    out = run(env, *sub, "launch", "default-aaaaa", "default", offerings(zones, 20))
    assert out["ok"], out
    inst = out["instance"]
    # moto launches the first override: the cheapest one, c5.large in us-east-1a.
    assert inst["instance_type"] == "c5.large" and inst["zone"] == "us-east-1a"
    assert inst["provider_id"] == "aws:///us-east-1a/" + inst["instance_id"]
    assert inst["tags"]["karpenter.sh/nodeclaim"] == "default-aaaaa"
    assert inst["tags"]["karpenter.sh/nodepool"] == "default"
    assert inst["tags"]["kubernetes.io/cluster/itest"] == "owned"
    assert inst["private_dns_name"].endswith(".ec2.internal")
    # The fleet moto recorded: 20 overrides, cheapest first, an instant fleet of one.
    fleet = root(ec2_call(ec2.moto_url, "DescribeFleets")).find("fleetSet/item")
    assert fleet.findtext("type") == "instant"
    overrides = fleet.findall("launchTemplateConfigs/item/overrides/item")
    assert len(overrides) == 20
    prices = [float(o.findtext("priority")) for o in overrides]
    assert prices == sorted(prices)
    assert fleet.findtext("launchTemplateConfigs/item/launchTemplateSpecification/"
                          "launchTemplateName").startswith("jitnode/itest/")
    # Read back by its tags, by id, and in the cluster's list.
    assert claim_instances(ec2.moto_url, "default-aaaaa") == [inst["instance_id"]]
    got = run(env, "get", inst["provider_id"])
    assert got["ok"] and got["instance"]["state"] == "running"
    # A second claim that nobody knows about any more: a leak that list finds.
    leak = run(env, *sub, "launch", "default-leaked", "default", offerings(zones, 2))
    assert leak["ok"], leak
    listed = run(env, "list")
    assert sorted(i["instance_id"] for i in listed["instances"]) == sorted(
        [inst["instance_id"], leak["instance"]["instance_id"]])
    known = {"default-aaaaa"}
    leaks = [i for i in listed["instances"] if i["tags"]["karpenter.sh/nodeclaim"] not in known]
    assert [i["instance_id"] for i in leaks] == [leak["instance"]["instance_id"]]
    for i in leaks + [inst]:
        assert run(env, "delete", i["provider_id"])["ok"]
    assert run(env, "list")["instances"] == []
    gone = run(env, "get", inst["provider_id"])
    assert gone["kind"] == "not-found", gone
    again = run(env, "delete", inst["provider_id"])
    assert again["kind"] == "not-found", again


def test_credentials_from_imdsv2(ec2, tmp_path):
    env = base_env(ec2.moto_url, tmp_path, AWS_EC2_METADATA_SERVICE_ENDPOINT=ec2.moto_url)
    out = run(env, "creds")
    assert out == {"ok": True, "source": "imds", "access_key_id": "test-key",
                   "session_token": True, "_stderr": out["_stderr"]}
    # ...and they sign EC2 calls that moto accepts.
    assert run(env, "list")["ok"]


def test_credentials_from_web_identity(ec2, tmp_path):
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.sig\n")
    env = base_env(ec2.moto_url, tmp_path, AWS_ROLE_ARN="arn:aws:iam::123456789012:role/jitnode",
                   AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ENDPOINT_URL_STS=ec2.moto_url,
                   AWS_EC2_METADATA_DISABLED="true")
    out = run(env, "creds")
    assert out["ok"] and out["source"] == "web-identity", out
    assert out["access_key_id"].startswith("ASIA") and out["session_token"]
    assert run(env, "list")["ok"]


def test_throttling_is_retried_until_it_succeeds(ec2, tmp_path):
    env = key_env(ec2.proxy_url, tmp_path)
    zones = ["us-east-1a"]
    sub = subnet_args(ec2.moto_url, zones)
    ec2.proxy.add("throttle", action="CreateFleet", times=3)
    out = run(env, *sub, "--max-attempts", "5", "launch", "default-thr", "default",
              offerings(zones, 3))
    assert out["ok"], out
    assert out["retries"] == 3
    assert ec2.proxy.actions().count("CreateFleet") == 4
    assert [e["fault"] for e in ec2.proxy.log if e["action"] == "CreateFleet"] == [
        "throttle", "throttle", "throttle", None]
    assert claim_instances(ec2.moto_url, "default-thr") == [out["instance"]["instance_id"]]


def test_ice_on_the_cheapest_launches_the_next_and_is_cached(ec2, tmp_path):
    env = key_env(ec2.proxy_url, tmp_path)
    zones = ["us-east-1a", "us-east-1b"]
    sub = subnet_args(ec2.moto_url, zones)
    ec2.proxy.add("ice", times=None, pools=[["c5.large", "us-east-1a", "on-demand"]])
    out = run(env, *sub, "launch", "default-ice", "default", offerings(zones, 4))
    assert out["ok"], out
    # The cheapest (c5.large, 1a) was refused; the next cheapest (c5.large, 1b) launched.
    assert (out["instance"]["instance_type"], out["instance"]["zone"]) == ("c5.large", "us-east-1b")
    assert out["unavailable"] == [["c5.large", "us-east-1a", "on-demand"]]
    assert "marked offering unavailable" in out["_stderr"]
    # Everything refused: a typed error naming what failed, every offering cached.
    ec2.proxy.add("ice", times=None, pools=[["*", "*", "on-demand"]])
    out = run(env, *sub, "launch", "default-ice2", "default", offerings(zones, 4))
    assert not out["ok"] and out["kind"] == "insufficient-capacity", out
    assert "launched no instance: c5.large/us-east-1a/on-demand: InsufficientInstanceCapacity" \
        in out["error"]
    assert len(out["unavailable"]) == 4
    assert claim_instances(ec2.moto_url, "default-ice2") == []


def test_a_storm_of_500s_ends_in_bounded_retries_and_a_clear_error(ec2, tmp_path):
    env = key_env(ec2.proxy_url, tmp_path)
    ec2.proxy.add("error500", times=None)
    out = run(env, "--max-attempts", "4", *subnet_args(ec2.moto_url, ["us-east-1a"]), "launch",
              "default-storm", "default", offerings(["us-east-1a"], 2))
    assert not out["ok"] and out["kind"] == "unavailable", out
    assert out["error"].startswith("launching nodeclaim 'default-storm': looking up instance of "
                                   "nodeclaim 'default-storm': calling DescribeInstances (gave up "
                                   "after 4 attempts): 'InternalError' (http 500)"), out["error"]
    assert out["attempts"] == 4
    assert len(ec2.proxy.log) == 4
    assert claim_instances(ec2.moto_url, "default-storm") == []


def test_the_same_claim_never_makes_two_instances(ec2, tmp_path):
    env = key_env(ec2.proxy_url, tmp_path)
    zones = ["us-east-1a"]
    sub = subnet_args(ec2.moto_url, zones)
    # The CreateFleet answer is lost once (connection closed): the launch is retried, once.
    ec2.proxy.add("drop", action="CreateFleet", times=1)
    first = run(env, *sub, "launch", "default-once", "default", offerings(zones, 2))
    assert first["ok"], first
    # The same claim again in this process, and after a restart (a new process): same instance.
    again = run(env, *sub, "--repeat", "2", "launch", "default-once", "default",
                offerings(zones, 2))
    assert again["instance"]["instance_id"] == first["instance"]["instance_id"]
    restarted = run(env, *sub, "launch", "default-once", "default", offerings(zones, 2))
    assert restarted["instance"]["instance_id"] == first["instance"]["instance_id"]
    assert claim_instances(ec2.moto_url, "default-once") == [first["instance"]["instance_id"]]
    assert ec2.proxy.actions().count("CreateFleet") == 2   # the dropped one and its retry


def catalog_offerings(out, itype):
    return {(z, c): (p, s, a) for z, c, p, s, a in out["offerings"][itype]}


def test_catalog_refresh_merges_spot_prices_and_keeps_the_last_good_one(ec2, tmp_path):
    # moto answers DescribeInstanceTypes slowly (seconds): generous timeouts.
    env = key_env(ec2.moto_url, tmp_path)
    out = run(env, "--timeout-ms", "60000", "catalog", "m5.large", timeout=240)
    assert out["ok"], out
    m5 = catalog_offerings(out, "m5.large")
    # moto prices every Linux spot offering at 0.00001 ("Linux/UNIX (Amazon VPC)"), newest wins.
    assert m5[("us-east-1a", "spot")] == (pytest.approx(1e-5), "spot-history", True)
    # on-demand prices stay the built-in list prices
    assert m5[("us-east-1a", "on-demand")] == (pytest.approx(0.096), "list", True)
    assert "refreshed instance type catalog" in out["_stderr"]
    assert "spot_prices=" in out["_stderr"]

    # DescribeSpotPriceHistory keeps failing: no refresh is swapped in, and the log says why.
    env = key_env(ec2.proxy_url, tmp_path)
    ec2.proxy.add("error500", action="DescribeSpotPriceHistory", times=None)
    out = run(env, "--timeout-ms", "60000", "--max-attempts", "2", "catalog", "m5.large",
              timeout=240)
    assert out["ok"], out
    m5 = catalog_offerings(out, "m5.large")
    assert m5[("us-east-1a", "spot")][1] == "spot-estimate"
    assert "kept instance type catalog after failed refresh" in out["_stderr"]
    assert "calling DescribeSpotPriceHistory (gave up after 2 attempts)" in out["_stderr"]
    assert ec2.proxy.actions().count("DescribeSpotPriceHistory") == 2


def test_ami_through_ssm_parameter_and_alias(ec2, tmp_path):
    env = key_env(ec2.moto_url, tmp_path)
    zones = ["us-east-1a"]
    sub = subnet_args(ec2.moto_url, zones)
    # moto serves the public Amazon Linux parameters: an ssmParameter term reads one.
    param = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    want = json.loads(ssm_get(ec2.moto_url, param))["Parameter"]["Value"]
    out = run(env, *sub, "--ami-ssm", param, "launch", "default-ssm", "default",
              offerings(zones, 1))
    assert out["ok"], out
    assert out["instance"]["image_id"] == want
    # moto does not serve EKS's optimized-ami parameters (and refuses to create /aws/...
    # ones): the alias ends in a typed error naming the parameter it read.
    out = run(env, *sub, "--ami-alias", "al2023@latest", "--k8s-version", "1.31", "launch",
              "default-alias", "default", offerings(zones, 1))
    assert not out["ok"] and out["kind"] == "nodeclass-not-ready", out
    assert out["error"] == (
        "launching nodeclaim 'default-alias': nodeclass 'default': resolving ami alias "
        "'al2023@latest': reading ssm parameter '/aws/service/eks/optimized-ami/1.31/"
        "amazon-linux-2023/x86_64/standard/recommended/image_id': calling GetParameter: "
        "'ParameterNotFound' (http 400): Parameter /aws/service/eks/optimized-ami/1.31/"
        "amazon-linux-2023/x86_64/standard/recommended/image_id not found.")
    assert claim_instances(ec2.moto_url, "default-alias") == []


def ssm_get(url, name):
    """GetParameter straight to moto (no signature check there), as JSON text."""
    import urllib.request
    req = urllib.request.Request(url + "/", data=json.dumps({"Name": name}).encode(), headers={
        "X-Amz-Target": "AmazonSSM.GetParameter", "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDJITNODETEST/20260101/us-east-1/ssm/"
                         "aws4_request, SignedHeaders=host, Signature=0"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read().decode()


def iam_call(url, action, params=()):
    """One IAM Query call (Version 2010-05-08), signed for iam in us-east-1, parsed."""
    import urllib.parse
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = urllib.parse.urlencode([("Action", action), ("Version", "2010-05-08")] + list(params))
    req = AWSRequest(method="POST", url=url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("AKIDJITNODETEST", "jitnode-test-secret"), "iam",
              "us-east-1").add_auth(req)
    resp = requests.post(url + "/", data=body, headers=dict(req.headers.items()), timeout=30)
    return resp.status_code, root(resp)


def profiles_of(url):
    _, r = iam_call(url, "ListInstanceProfiles")
    return {p.findtext("InstanceProfileName"): (p.findtext("Path"),
            [m.findtext("RoleName") for m in p.findall("Roles/member")])
            for p in r.findall("ListInstanceProfilesResult/InstanceProfiles/member")}


def test_role_becomes_an_instance_profile_found_again_by_its_name(ec2, tmp_path):
    env = key_env(ec2.moto_url, tmp_path)
    zones = ["us-east-1a"]
    sub = subnet_args(ec2.moto_url, zones)
    for role in ("KarpenterNodeRole-itest", "OtherNodeRole"):
        status, _ = iam_call(ec2.moto_url, "CreateRole", [
            ("RoleName", role), ("Path", "/nodes/"),
            ("AssumeRolePolicyDocument", '{"Version":"2012-10-17","Statement":[]}')])
        assert status == 200
    out = run(env, *sub, "--role", "nodes/KarpenterNodeRole-itest", "launch", "default-role",
              "default", offerings(zones, 1))
    assert out["ok"], out
    assert "created instance profile nodeclass=default instance_profile=itest_" in out["_stderr"]
    profiles = profiles_of(ec2.moto_url)
    assert len(profiles) == 1, profiles
    name, (path, roles) = next(iter(profiles.items()))
    assert path == "/karpenter/us-east-1/itest/default/"
    assert roles == ["KarpenterNodeRole-itest"]   # the role's path is not part of its name
    # The launch template carries the profile.
    lts = root(ec2_call(ec2.moto_url, "DescribeLaunchTemplateVersions", [
        ("LaunchTemplateName", out["_stderr"].split("created launch template name=")[1].split()[0]),
        ("Versions.1", "$Latest")]))
    assert lts.findtext("launchTemplateVersionSet/item/launchTemplateData/iamInstanceProfile/"
                        "name") == name
    # A new process (a restart) finds the same profile by its name: nothing more is created.
    again = run(env, *sub, "--role", "nodes/KarpenterNodeRole-itest", "launch", "default-role2",
                "default", offerings(zones, 1))
    assert again["ok"], again
    assert "found instance profile nodeclass=default instance_profile=" + name in again["_stderr"]
    assert profiles_of(ec2.moto_url) == profiles
    # The class's role changes: the profile keeps its name and holds the new role only.
    other = run(env, *sub, "--role", "OtherNodeRole", "launch", "default-role3", "default",
                offerings(zones, 1))
    assert other["ok"], other
    assert "replaced_role=KarpenterNodeRole-itest" in other["_stderr"]
    assert profiles_of(ec2.moto_url) == {name: (path, ["OtherNodeRole"])}
    # A role IAM does not know: a typed error, no instance.
    bad = run(env, *sub, "--role", "NoSuchRole", "launch", "default-role4", "default",
              offerings(zones, 1))
    assert not bad["ok"] and bad["kind"] == "nodeclass-not-ready", bad
    assert "instance profile '%s' for role 'NoSuchRole'" % name in bad["error"]
    assert claim_instances(ec2.moto_url, "default-role4") == []


def test_drift_of_node_class_fields_and_ami(ec2, tmp_path):
    env = key_env(ec2.moto_url, tmp_path)
    zones = ["us-east-1a"]
    sub = subnet_args(ec2.moto_url, zones)
    out = run(env, *sub, "launch", "default-drift", "default", offerings(zones, 1))
    assert out["ok"], out
    pid = out["instance"]["provider_id"]
    assert out["instance"]["tags"]["karpenter.k8s.aws/ec2nodeclass-hash-version"] == "jn1"
    assert run(env, *sub, "drift", pid)["reason"] == ""
    # A static field of the class changed since launch: NodeClassDrift (the hash tag differs).
    assert run(env, *sub, "--user-data", "#!/bin/sh\necho hi", "drift", pid)["reason"] == \
        "NodeClassDrift"
    # The class now selects another AMI: AMIDrift.
    assert run(env, *sub, "--ami", "ami-other", "drift", pid)["reason"] == "AMIDrift"
    # SecurityGroupDrift is unit-tested only: moto's CreateFleet instances carry no groups.
    gone = run(env, "delete", pid)
    assert gone["ok"]
