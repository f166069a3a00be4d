"""Tests run by test_teardown.py in a child pytest, never collected by the outer run (the file name
does not match test_*.py). Each starts a whole world (control plane and moto) through the
fixtures, writes $JN_INNER_MARK once it is up, then fails or waits to be interrupted."""
import os
import time


def _mark(cluster):
    with open(os.environ["JN_INNER_MARK"], "w", encoding="utf-8") as fh:
        fh.write(cluster.dir)


def test_fails_with_a_running_world(cluster, moto):
    _mark(cluster)
    assert cluster.admin.get("/api/v1/namespaces/default")["metadata"]["name"] == "default"
    assert False, "deliberate failure: the world must still be torn down"


def test_waits_to_be_interrupted(cluster, moto):
    _mark(cluster)
    time.sleep(300)
