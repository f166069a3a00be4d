"""A small REST client for kube-apiserver: requests with a client certificate, JSON in and out.

It speaks the plain API paths (/api/v1/..., /apis/<group>/<version>/...) so tests see exactly what
goes over the wire; no generated client is needed.
"""
import time

import requests


class KubeError(RuntimeError):
    """The apiserver answered with an unexpected status."""

    def __init__(self, method, path, status, body):
        super().__init__("%s %s answered %d: %s" % (method, path, status, body[:500]))
        self.status = status
        self.body = body


class Kube:
    """One identity talking to one apiserver."""

    def __init__(self, server, ca_cert, client_cert, client_key, timeout=15.0):
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = ca_cert
        self.session.cert = (client_cert, client_key)
        self.session.trust_env = False  # never send loopback traffic through a proxy

    def request(self, method, path, body=None, ok=(200, 201), content_type="application/json",
                params=None):
        """Sends one request; returns the decoded JSON (or text). Raises KubeError on another status."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        r = self.session.request(method, self.server + path, json=body, headers=headers,
                                 params=params, timeout=self.timeout)
        if r.status_code not in ok:
            raise KubeError(method, path, r.status_code, r.text)
        if r.headers.get("Content-Type", "").startswith("application/json"):
            return r.json()
        return r.text

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def create(self, path, obj, **kw):
        return self.request("POST", path, body=obj, **kw)

    def delete(self, path, ok=(200, 202, 404), **kw):
        return self.request("DELETE", path, ok=ok, **kw)

    def patch(self, path, patch, **kw):
        return self.request("PATCH", path, body=patch, content_type="application/merge-patch+json", **kw)

    def status(self, method, path, body=None):
        """Only the HTTP status of a request (for RBAC checks and the like)."""
        r = self.session.request(method, self.server + path, json=body, timeout=self.timeout)
        return r.status_code

    def wait_for(self, path, predicate, timeout=60.0, interval=0.25, what=None):
        """GETs `path` until predicate(obj) is true; returns the object. 404 counts as 'not yet'.
        Raises TimeoutError naming `what` (or the path) and the last object seen."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                last = self.get(path)
                if predicate(last):
                    return last
            except KubeError as e:
                if e.status != 404:
                    raise
                last = None
            except requests.RequestException as e:
                last = e
            if time.monotonic() >= deadline:
                raise TimeoutError("%s not reached after %gs; last seen: %s" % (
                    what or path, timeout, _brief(last)))
            time.sleep(interval)


def _brief(obj):
    if isinstance(obj, dict):
        return {"metadata": {k: obj.get("metadata", {}).get(k) for k in ("name", "namespace")},
                "spec": obj.get("spec"), "status": obj.get("status")}
    return obj


def condition(obj, ctype):
    """The status of condition `ctype` in obj.status.conditions, or None."""
    for c in (obj or {}).get("status", {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c.get("status")
    return None
