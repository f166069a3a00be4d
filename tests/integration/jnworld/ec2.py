"""EC2 for the tests: moto's server on loopback, a fault-injecting proxy in front of it, and
SigV4-signed EC2 Query calls made with botocore's signer.

moto cannot fail the way EC2 fails (shared/reference/ec2.md section 4.5), so FaultProxy adds the
failures. Faults are armed through the Python API (FaultProxy.add) or over HTTP on the proxy's
control path, for drivers that are not Python:

  POST   /jn-proxy/faults   {"kind": ..., "action": "*", "times": 1, ...}  -> 201 {"id": N}
  DELETE /jn-proxy/faults                                                   -> 200 (all disarmed)
  GET    /jn-proxy/log                                                      -> 200 [{"action", "fault"}]

Kinds (`action` is an EC2 Action name or "*"; `times` how many requests it hits, null = every one):
  throttle  HTTP 503 with the EC2 error XML, code RequestLimitExceeded
  error500  HTTP 500 with the EC2 error XML, code InternalError
  slow      waits `seconds` (default 2) and then forwards the request
  drop      reads the request and closes the connection without an answer
            (`mode`: "close", the default, or "reset" for a TCP RST)
  ice       CreateFleet only: every override whose (instance type, availability zone, capacity
            type) matches one of `pools` ([type, zone, "on-demand"|"spot"], "*" matches anything)
            is removed from the request moto sees and reported in the answer's errorSet with
            InsufficientInstanceCapacity, the way EC2 reports a partial fleet. When every
            override matches, moto is not called and the answer holds only the errorSet.
            An override's zone is its AvailabilityZone, else its subnet's zone (asked of moto).
            `times` counts the CreateFleet calls the fault affected.
"""
import html
import http.client
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from . import procs

EC2_API_VERSION = "2016-11-15"
EC2_NS = "http://ec2.amazonaws.com/doc/%s/" % EC2_API_VERSION
MOTO_START_TIMEOUT = 60
CONTROL_PREFIX = "/jn-proxy/"
FAULT_KINDS = ("throttle", "error500", "slow", "drop", "ice")


def ec2_call(endpoint, action, params=(), region="us-east-1", access_key="AKIDJITNODETEST",
             secret_key="jitnode-test-secret", timeout=30.0):
    """POSTs one EC2 Query API call signed with SigV4 (service ec2); returns the requests Response.
    `params` is a list of (name, value) pairs in EC2's flattened form (e.g. InstanceType.1)."""
    body = urllib.parse.urlencode([("Action", action), ("Version", EC2_API_VERSION)] + list(params))
    url = endpoint.rstrip("/") + "/"
    req = AWSRequest(method="POST", url=url, data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(access_key, secret_key), "ec2", region).add_auth(req)
    session = requests.Session()
    session.trust_env = False
    return session.post(url, data=body, headers=dict(req.headers.items()), timeout=timeout)


def error_xml(code, message):
    """An EC2 error document (shape of EC2's error responses)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code>'
            '<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>'
            % (code, html.escape(message), uuid.uuid4()))


class MotoServer:
    """moto's server as a child process of a world (`registry`), on a free loopback port."""

    def __init__(self, registry, port=None, env=None):
        from .cluster import free_port  # one port helper for the whole world
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.component = registry.start("moto", [
            sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)], env=env)
        self.component.wait_ready(self.reset, MOTO_START_TIMEOUT)

    def reset(self):
        """Drops all of moto's state (POST /moto-api/reset); true when moto answered 200."""
        return requests.post(self.url + "/moto-api/reset", timeout=5).status_code == 200

    def stop(self):
        self.component.stop()


class Fault:
    def __init__(self, fid, kind, action="*", times=1, seconds=2.0, mode="close", pools=()):
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind '%s'" % kind)
        self.id, self.kind, self.action, self.times = fid, kind, action, times
        self.seconds, self.mode = float(seconds), mode
        self.pools = [tuple(p) for p in pools]
        if kind == "ice" and not self.pools:
            raise ValueError("fault 'ice' needs pools of [type, zone, capacity type]")
        if kind == "ice" and action == "*":
            self.action = "CreateFleet"

    def matches_pool(self, itype, zone, ctype):
        for p in self.pools:
            if all(want == "*" or want == got for want, got in zip(p, (itype, zone, ctype))):
                return True
        return False


class FaultProxy:
    """An HTTP proxy in front of `upstream` (moto's URL) that injects armed faults."""

    def __init__(self, upstream, host="127.0.0.1", port=0):
        self.upstream = urllib.parse.urlsplit(upstream)
        self._lock = threading.Lock()
        self._faults = []
        self._next_id = 1
        self._subnet_zones = {}
        self.log = []
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        self._server = _QuietServer((host, port), Handler)
        self._server.daemon_threads = True
        self.url = "http://%s:%d" % self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="jn-fault-proxy",
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def add(self, kind, action="*", times=1, **params):
        """Arms a fault (see the module doc); returns its id."""
        with self._lock:
            fault = Fault(self._next_id, kind, action, times, **params)
            self._next_id += 1
            self._faults.append(fault)
            return fault.id

    def clear(self):
        with self._lock:
            self._faults.clear()

    def actions(self):
        """The Actions the proxy has seen, in order."""
        with self._lock:
            return [e["action"] for e in self.log]

    # ---- used by the handler ---------------------------------------------------------------

    def _take(self, action, kinds):
        """The first armed fault of one of `kinds` for `action`, consuming one of its `times`."""
        with self._lock:
            for f in self._faults:
                if f.kind in kinds and f.action in ("*", action):
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    return f
        return None

    def _spend(self, faults):
        """Counts one use of each fault in `faults` (a CreateFleet they affected)."""
        with self._lock:
            for f in faults:
                if f.times is not None:
                    f.times -= 1
                    if f.times <= 0 and f in self._faults:
                        self._faults.remove(f)

    def _ice_faults(self):
        with self._lock:
            return [f for f in self._faults if f.kind == "ice"]

    def _record(self, action, fault):
        with self._lock:
            self.log.append({"action": action, "fault": fault})

    def subnet_zone(self, subnet_id, region):
        key = (region, subnet_id)
        if key not in self._subnet_zones:
            r = ec2_call(self.upstream.geturl(), "DescribeSubnets", [("SubnetId.1", subnet_id)],
                         region=region)
            m = re.search(r"<availabilityZone>([^<]+)</availabilityZone>", r.text)
            self._subnet_zones[key] = m.group(1) if m else ""
        return self._subnet_zones[key]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up (timeouts in tests, dropped connections) is not an error here.
        if not isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout, OSError)):
            super().handle_error(request, client_address)


_OVERRIDE = re.compile(r"^LaunchTemplateConfigs\.(\d+)\.Overrides\.(\d+)\.(.+)$")
_CONFIG = re.compile(r"^LaunchTemplateConfigs\.(\d+)\.(.+)$")
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner = None  # the FaultProxy, set by a subclass per proxy

    def log_message(self, fmt, *args):  # quiet: the tests read FaultProxy.log instead
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _send(self, status, body, content_type="text/xml;charset=UTF-8"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith(CONTROL_PREFIX):
            return self._control(body)
        query = urllib.parse.urlsplit(self.path).query
        form = urllib.parse.parse_qsl(body.decode("utf-8", "replace") or query,
                                      keep_blank_values=True)
        action = dict(form).get("Action", "")
        proxy = self.owner
        fault = proxy._take(action, ("throttle", "error500", "drop", "slow"))
        ice = action == "CreateFleet" and bool(proxy._ice_faults())
        if fault is not None and not (fault.kind == "slow" and ice):
            proxy._record(action, fault.kind)
        elif fault is None and not ice:
            proxy._record(action, None)
        if fault is not None:
            if fault.kind == "throttle":
                return self._send(503, error_xml("RequestLimitExceeded", "Request limit exceeded."))
            if fault.kind == "error500":
                return self._send(500, error_xml(
                    "InternalError", "An internal error has occurred."))
            if fault.kind == "drop":
                return self._drop(fault.mode)
            time.sleep(fault.seconds)  # slow: then answer normally
        if ice:
            return self._create_fleet(form, body, "slow" if fault is not None else None)
        self._forward(body)

    def _drop(self, mode):
        self.close_connection = True
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _forward(self, body, headers_override=None):
        up = self.owner.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "content-length", "connection")}
        headers.update(headers_override or {})
        headers["Content-Length"] = str(len(body))
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            status, ctype = resp.status, resp.getheader("Content-Type", "text/xml")
        finally:
            conn.close()
        return self._send(status, data, ctype) if headers_override is None else (status, data, ctype)

    def _create_fleet(self, form, body, slow):
        proxy = self.owner
        m = _REGION.search(self.headers.get("Authorization", ""))
        region = m.group(1) if m else "us-east-1"
        fields = dict(form)
        ctype = fields.get("TargetCapacitySpecification.DefaultTargetCapacityType", "on-demand")
        overrides = {}
        for key, value in form:
            om = _OVERRIDE.match(key)
            if om:
                overrides.setdefault((int(om.group(1)), int(om.group(2))), {})[om.group(3)] = value
        iced = {}
        faults = proxy._ice_faults()
        hit = set()
        for (n, k), ov in overrides.items():
            zone = ov.get("AvailabilityZone") or (
                proxy.subnet_zone(ov["SubnetId"], region) if ov.get("SubnetId") else "")
            itype = ov.get("InstanceType", "")
            matching = [f for f in faults if f.matches_pool(itype, zone, ctype)]
            if matching:
                iced[(n, k)] = (itype, zone, ov)
                hit.update(matching)
        proxy._spend(hit)
        proxy._record("CreateFleet", "ice" if iced else slow)
        if not iced:
            return self._forward(body)
        errors = "".join(_ice_item(fields, n, itype, zone, ov, ctype)
                         for (n, _), (itype, zone, ov) in sorted(iced.items()))
        kept = _without_overrides(form, set(iced), overrides)
        if kept is None:
            return self._send(200, (
                '<?xml version="1.0" encoding="UTF-8"?>\n<CreateFleetResponse xmlns="%s">'
                "<requestId>%s</requestId><fleetId>fleet-%s</fleetId><errorSet>%s</errorSet>"
                "<fleetInstanceSet/></CreateFleetResponse>"
                % (EC2_NS, uuid.uuid4(), uuid.uuid4(), errors)))
        status, data, content_type = self._forward(
            urllib.parse.urlencode(kept).encode(), headers_override={})
        text = data.decode("utf-8", "replace")
        if status == 200:
            text = _add_errors(text, errors)
        return self._send(status, text, content_type)

    def _control(self, body):
        proxy = self.owner
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == CONTROL_PREFIX + "faults" and self.command == "POST":
                spec = json.loads(body or b"{}")
                kind = spec.pop("kind", None)
                fid = proxy.add(kind, **spec)
                return self._send(201, json.dumps({"id": fid}), "application/json")
            if path == CONTROL_PREFIX + "faults" and self.command == "DELETE":
                proxy.clear()
                return self._send(200, "{}", "application/json")
            if path == CONTROL_PREFIX + "log" and self.command == "GET":
                with proxy._lock:
                    log = list(proxy.log)
                return self._send(200, json.dumps(log), "application/json")
        except (ValueError, TypeError) as e:
            return self._send(400, json.dumps({"error": "invalid fault: %s" % e}), "application/json")
        return self._send(404, json.dumps({"error": "no control path '%s'" % path}),
                          "application/json")


def _ice_item(fields, n, itype, zone, ov, ctype):
    spec = ""
    for name, tag in (("LaunchTemplateId", "launchTemplateId"),
                      ("LaunchTemplateName", "launchTemplateName"), ("Version", "version")):
        value = fields.get("LaunchTemplateConfigs.%d.LaunchTemplateSpecification.%s" % (n, name))
        if value:
            spec += "<%s>%s</%s>" % (tag, html.escape(value), tag)
    over = "".join("<%s>%s</%s>" % (tag, html.escape(ov[name]), tag) for name, tag in (
        ("InstanceType", "instanceType"), ("SubnetId", "subnetId"),
        ("AvailabilityZone", "availabilityZone"), ("WeightedCapacity", "weightedCapacity"),
        ("Priority", "priority"), ("MaxPrice", "maxPrice")) if ov.get(name))
    message = ("We currently do not have sufficient %s capacity in the Availability Zone you "
               "requested (%s). Our system will be working on provisioning additional capacity."
               % (itype, zone))
    return ("<item><launchTemplateAndOverrides><launchTemplateSpecification>%s"
            "</launchTemplateSpecification><overrides>%s</overrides></launchTemplateAndOverrides>"
            "<lifecycle>%s</lifecycle><errorCode>InsufficientInstanceCapacity</errorCode>"
            "<errorMessage>%s</errorMessage></item>" % (spec, over, ctype, html.escape(message)))


def _without_overrides(form, iced, overrides):
    """The form without the iced overrides, renumbered densely; None when no override is left
    (launch template configs that had overrides and lost all of them are dropped too)."""
    left = {}
    for (n, k) in sorted(overrides):
        if (n, k) not in iced:
            left.setdefault(n, []).append(k)
    configs = sorted({int(m.group(1)) for key, _ in form for m in [_CONFIG.match(key)] if m})
    keep_configs = [n for n in configs if n in left or not any(nn == n for nn, _ in overrides)]
    if not left:
        return None
    new_n = {n: i + 1 for i, n in enumerate(keep_configs)}
    new_k = {(n, k): i + 1 for n, ks in left.items() for i, k in enumerate(ks)}
    out = []
    for key, value in form:
        om = _OVERRIDE.match(key)
        if om:
            n, k = int(om.group(1)), int(om.group(2))
            if (n, k) in new_k and n in new_n:
                out.append(("LaunchTemplateConfigs.%d.Overrides.%d.%s"
                            % (new_n[n], new_k[(n, k)], om.group(3)), value))
            continue
        cm = _CONFIG.match(key)
        if cm:
            n = int(cm.group(1))
            if n in new_n:
                out.append(("LaunchTemplateConfigs.%d.%s" % (new_n[n], cm.group(2)), value))
            continue
        out.append((key, value))
    return out


def _add_errors(xml, items):
    """Puts errorSet items into a CreateFleet answer (replacing an empty errorSet if any)."""
    for empty in ("<errorSet/>", "<errorSet></errorSet>", "<errorSet />"):
        if empty in xml:
            return xml.replace(empty, "<errorSet>%s</errorSet>" % items, 1)
    if "<errorSet>" in xml:
        return xml.replace("<errorSet>", "<errorSet>" + items, 1)
    return re.sub(r"</fleetId>", lambda m: m.group(0) + "<errorSet>%s</errorSet>" % items, xml,
                  count=1)
