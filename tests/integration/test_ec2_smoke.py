"""moto answers signed EC2 calls directly and through the fault proxy, and the proxy injects
each fault on request (Python API and HTTP control path)."""
import re
import time
import xml.etree.ElementTree as ET

import pytest
import requests

from jnworld.ec2 import ec2_call



def xml_root(resp):
    """The answer's XML with namespaces removed (moto's namespace differs between actions)."""
    root = ET.fromstring(resp.content)
    for el in root.iter():
        el.tag = el.tag.rsplit("}", 1)[-1]
    return root


def error_code(resp):
    m = re.search(r"<Code>([^<]+)</Code>", resp.text)
    return m.group(1) if m else None


def describe_m5_large(url, **kw):
    return ec2_call(url, "DescribeInstanceTypes", [("InstanceType.1", "m5.large")], **kw)


def assert_m5_large(resp):
    assert resp.status_code == 200, resp.text[:300]
    root = xml_root(resp)
    items = root.findall("instanceTypeSet/item")
    assert [i.findtext("instanceType") for i in items] == ["m5.large"]
    assert items[0].findtext("vCpuInfo/defaultVCpus") == "2"
    assert items[0].findtext("memoryInfo/sizeInMiB") == "8192"


def test_moto_answers_signed_describe_instance_types_directly(ec2):
    assert_m5_large(describe_m5_large(ec2.moto_url))


def test_moto_answers_through_the_proxy(ec2):
    assert_m5_large(describe_m5_large(ec2.proxy_url))
    assert ec2.proxy.log == [{"action": "DescribeInstanceTypes", "fault": None}]


@pytest.mark.parametrize("kind,status,code", [("throttle", 503, "RequestLimitExceeded"),
                                              ("error500", 500, "InternalError")])
def test_proxy_injects_error_answers_then_recovers(ec2, kind, status, code):
    ec2.proxy.add(kind, action="DescribeInstanceTypes", times=2)
    # Another action is not affected.
    assert ec2_call(ec2.proxy_url, "DescribeRegions").status_code == 200
    for _ in range(2):
        resp = describe_m5_large(ec2.proxy_url)
        assert resp.status_code == status
        assert error_code(resp) == code
        assert "<RequestID>" in resp.text
    assert_m5_large(describe_m5_large(ec2.proxy_url))
    assert [e["fault"] for e in ec2.proxy.log] == [None, kind, kind, None]


def test_proxy_slows_answers(ec2):
    ec2.proxy.add("slow", seconds=1.5, times=2)
    t0 = time.monotonic()
    assert_m5_large(describe_m5_large(ec2.proxy_url))
    assert time.monotonic() - t0 >= 1.5
    with pytest.raises(requests.exceptions.ReadTimeout):
        describe_m5_large(ec2.proxy_url, timeout=0.5)
    time.sleep(1.2)  # let the slowed request finish before the proxy is stopped


@pytest.mark.parametrize("mode", ["close", "reset"])
def test_proxy_drops_connections(ec2, mode):
    ec2.proxy.add("drop", mode=mode)
    with pytest.raises(requests.exceptions.ConnectionError):
        describe_m5_large(ec2.proxy_url)
    assert_m5_large(describe_m5_large(ec2.proxy_url))


def subnets_by_zone(url):
    resp = ec2_call(url, "DescribeSubnets")
    root = xml_root(resp)
    return {i.findtext("availabilityZone"): i.findtext("subnetId")
            for i in root.findall("subnetSet/item")}


def create_fleet(url, overrides, capacity_type="on-demand", count=1):
    params = [("Type", "instant"),
              ("TargetCapacitySpecification.TotalTargetCapacity", str(count)),
              ("TargetCapacitySpecification.DefaultTargetCapacityType", capacity_type),
              ("LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName", "jn-smoke"),
              ("LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version", "$Latest")]
    if capacity_type == "spot":
        params.append(("SpotOptions.AllocationStrategy", "lowest-price"))
    for k, (itype, subnet) in enumerate(overrides, 1):
        params += [("LaunchTemplateConfigs.1.Overrides.%d.InstanceType" % k, itype),
                   ("LaunchTemplateConfigs.1.Overrides.%d.SubnetId" % k, subnet)]
    resp = ec2_call(url, "CreateFleet", params)
    assert resp.status_code == 200, resp.text[:500]
    root = xml_root(resp)
    errors = [(e.findtext("launchTemplateAndOverrides/overrides/instanceType"),
               e.findtext("launchTemplateAndOverrides/overrides/subnetId"),
               e.findtext("lifecycle"), e.findtext("errorCode"))
              for e in root.findall("errorSet/item")]
    launched = [(i.findtext("instanceType"),
                 len(i.findall("instanceIds/item")))
                for i in root.findall("fleetInstanceSet/item")]
    return errors, launched


def instance_count(url):
    resp = ec2_call(url, "DescribeInstances")
    return len(re.findall(r"<instanceId>", resp.text))


@pytest.fixture
def fleet_world(ec2):
    resp = ec2_call(ec2.moto_url, "CreateLaunchTemplate", [
        ("LaunchTemplateName", "jn-smoke"), ("LaunchTemplateData.ImageId", "ami-ekslinux")])
    assert resp.status_code == 200, resp.text[:300]
    zones = subnets_by_zone(ec2.moto_url)
    return zones["us-east-1a"], zones["us-east-1b"]


def test_proxy_reports_insufficient_capacity_for_chosen_pools(ec2, fleet_world):
    sub_a, sub_b = fleet_world
    ec2.proxy.add("ice", pools=[["m5.large", "us-east-1a", "on-demand"]], times=None)
    errors, launched = create_fleet(ec2.proxy_url, [("m5.large", sub_a), ("c5.large", sub_b)])
    assert errors == [("m5.large", sub_a, "on-demand", "InsufficientInstanceCapacity")]
    assert launched == [("c5.large", 1)]
    # The same type elsewhere, or as spot, is not affected.
    errors, launched = create_fleet(ec2.proxy_url, [("m5.large", sub_b)])
    assert (errors, launched) == ([], [("m5.large", 1)])
    errors, launched = create_fleet(ec2.proxy_url, [("m5.large", sub_a)], capacity_type="spot")
    assert (errors, launched) == ([], [("m5.large", 1)])
    assert [e["fault"] for e in ec2.proxy.log] == ["ice", None, None]


def test_proxy_insufficient_capacity_for_a_number_of_fleets(ec2, fleet_world):
    sub_a, _ = fleet_world
    ec2.proxy.add("ice", pools=[["m5.large", "us-east-1a", "on-demand"]], times=1)
    # A fleet the pool does not concern does not use the fault up.
    assert create_fleet(ec2.proxy_url, [("c5.large", sub_a)]) == ([], [("c5.large", 1)])
    errors, launched = create_fleet(ec2.proxy_url, [("m5.large", sub_a)])
    assert (errors, launched) == (
        [("m5.large", sub_a, "on-demand", "InsufficientInstanceCapacity")], [])
    assert create_fleet(ec2.proxy_url, [("m5.large", sub_a)]) == ([], [("m5.large", 1)])


def test_proxy_fails_a_whole_fleet_without_calling_moto(ec2, fleet_world):
    sub_a, sub_b = fleet_world
    before = instance_count(ec2.moto_url)
    ec2.proxy.add("ice", pools=[["*", "*", "spot"]], times=None)
    errors, launched = create_fleet(ec2.proxy_url, [("m5.large", sub_a), ("c5.large", sub_b)],
                                    capacity_type="spot")
    assert errors == [("m5.large", sub_a, "spot", "InsufficientInstanceCapacity"),
                      ("c5.large", sub_b, "spot", "InsufficientInstanceCapacity")]
    assert launched == []
    assert instance_count(ec2.moto_url) == before


def test_proxy_is_driven_over_http(ec2):
    control = ec2.proxy_url + "/jn-proxy/faults"
    r = requests.post(control, json={"kind": "throttle", "action": "DescribeInstanceTypes"})
    assert r.status_code == 201 and r.json()["id"] >= 1
    assert error_code(describe_m5_large(ec2.proxy_url)) == "RequestLimitExceeded"
    r = requests.post(control, json={"kind": "error500", "times": None})
    assert requests.delete(control).status_code == 200
    assert_m5_large(describe_m5_large(ec2.proxy_url))
    log = requests.get(ec2.proxy_url + "/jn-proxy/log").json()
    assert [e["fault"] for e in log] == ["throttle", None]
    bad = requests.post(control, json={"kind": "meteor"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid fault: unknown fault kind 'meteor'"
