"""pytest fixtures of the integration test world (see README.md).

  cluster     (session)  the control plane, started once; tests create their own objects in it
  moto        (session)  moto's server
  ec2         (function) a fresh FaultProxy in front of moto (moto reset first), as an object
                         with .moto_url, .proxy_url and .proxy
  new_world   (function) a factory of fresh world directories for tests that start their own

A failing test gets the tail of every live component's log in its report.
"""
import os
import sys
import time
import types

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jnworld import cluster as jcluster  # noqa: E402
from jnworld import ec2 as jec2  # noqa: E402
from jnworld import procs  # noqa: E402

WORLD_ROOT = os.environ.get("JN_WORLD_ROOT") or os.path.join(jcluster.REPO_ROOT, "build-cluster",
                                                              "worlds")


def make_world_dir(name):
    path = os.path.join(WORLD_ROOT, "%s-%s-%d" % (name, time.strftime("%H%M%S"), os.getpid()))
    n = 1
    base = path
    while os.path.exists(path):
        n += 1
        path = "%s-%d" % (base, n)
    os.makedirs(path)
    return path


@pytest.fixture(scope="session")
def cluster():
    c = jcluster.Cluster(make_world_dir("cluster"))
    c.start()
    print("\ncluster started in %.1fs (%s)" % (c.start_seconds, c.dir))
    yield c
    c.stop()


@pytest.fixture(scope="session")
def moto():
    registry = procs.ProcessRegistry(make_world_dir("moto"))
    server = jec2.MotoServer(registry)
    yield server
    registry.stop_all()


@pytest.fixture
def ec2(moto):
    assert moto.reset(), "moto did not reset"
    proxy = jec2.FaultProxy(moto.url).start()
    yield types.SimpleNamespace(moto_url=moto.url, proxy_url=proxy.url, proxy=proxy)
    proxy.stop()


@pytest.fixture
def new_world():
    return make_world_dir


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and procs.ProcessRegistry._live:
        tails = "\n".join(reg.log_tails(25) for reg in list(procs.ProcessRegistry._live))
        report.sections.append(("component log tails", tails))
