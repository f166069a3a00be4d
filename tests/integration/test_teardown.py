"""Teardown leaves no process behind after a failed test, Ctrl-C or SIGTERM, and a component
that does not start fails within a bounded time showing its log tail."""
import os
import signal
import subprocess
import sys
import time

import pytest

from jnworld import cluster as jcluster
from jnworld import procs

HERE = os.path.dirname(os.path.abspath(__file__))
INNER = os.path.join(HERE, "inner", "world_inner.py")
INNER_TIMEOUT = 240


def run_inner(tmp_path, test, env_extra=None):
    env = dict(os.environ, JN_WORLD_ROOT=str(tmp_path / "worlds"),
               JN_INNER_MARK=str(tmp_path / "mark"), **(env_extra or {}))
    log = open(tmp_path / "inner.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-s",
         "%s::%s" % (INNER, test)], cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    return proc, log


def inner_output(tmp_path):
    return (tmp_path / "inner.log").read_text(errors="replace")


def world_dirs(tmp_path):
    root = tmp_path / "worlds"
    return [str(root / d) for d in os.listdir(root)] if root.exists() else []


def assert_no_world_process(tmp_path):
    dirs = world_dirs(tmp_path)
    assert len(dirs) == 2, dirs  # the cluster's world and moto's
    deadline = time.monotonic() + 10
    while True:
        left = {d: procs.world_processes(d) for d in dirs}
        if not any(left.values()):
            return
        if time.monotonic() > deadline:
            for pids in left.values():
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
            raise AssertionError("processes left behind: %s" % left)
        time.sleep(0.2)


def test_failed_test_leaves_no_process_and_shows_log_tails(tmp_path):
    proc, log = run_inner(tmp_path, "test_fails_with_a_running_world")
    try:
        code = proc.wait(INNER_TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    out = inner_output(tmp_path)
    assert code == 1, out[-3000:]
    assert "deliberate failure" in out
    assert (tmp_path / "mark").exists()
    # The report carries the tail of each component's log.
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok",
                 "moto"):
        assert "---- %s (running" % name in out, name
    assert_no_world_process(tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_leaves_no_process(tmp_path, sig):
    proc, log = run_inner(tmp_path, "test_waits_to_be_interrupted")
    try:
        deadline = time.monotonic() + INNER_TIMEOUT
        while not (tmp_path / "mark").exists():
            assert proc.poll() is None, inner_output(tmp_path)[-3000:]
            assert time.monotonic() < deadline, "inner world not up in time"
            time.sleep(0.2)
        # Found while running: the check below must see these go away.
        assert all(procs.world_processes(d) for d in world_dirs(tmp_path))
        os.kill(proc.pid, sig)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    assert code != 0
    assert_no_world_process(tmp_path)


def test_component_that_does_not_start_fails_fast_with_its_log_tail(new_world):
    c = jcluster.Cluster(new_world("broken"))
    c.extra_args["kube-apiserver"] = ["--no-such-flag=1"]
    t0 = time.monotonic()
    with pytest.raises(procs.ComponentError) as err:
        c.start()
    assert time.monotonic() - t0 < 30
    msg = str(err.value)
    assert msg.startswith("kube-apiserver exited with status 1 before it was ready (log ")
    assert "unknown flag: --no-such-flag" in msg
    assert procs.world_processes(c.dir) == []


def test_component_that_never_gets_ready_fails_after_its_timeout(new_world):
    reg = procs.ProcessRegistry(new_world("stuck"))
    comp = reg.start("stuck", ["/bin/sh", "-c", "echo waiting forever; exec sleep 60"])
    t0 = time.monotonic()
    try:
        with pytest.raises(procs.ComponentError) as err:
            comp.wait_ready(lambda: False, timeout=1.5)
        assert 1.5 <= time.monotonic() - t0 < 5
        assert str(err.value).startswith("stuck not ready after 1.5s (log ")
        assert str(err.value).endswith("waiting forever")
    finally:
        reg.stop_all()
    assert procs.world_processes(reg.world_dir) == []
