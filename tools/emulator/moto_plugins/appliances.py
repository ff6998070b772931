"""Appliance stand-ins: instances of a registered appliance image answer the appliance's HTTPS API at
their private addresses, through the emulator's VPC proxy.

moto's instances are records: nothing listens at their private addresses, and those addresses
(10.x in the emulator's VPCs) are not routable from the host, where the functions the emulator runs
live. On AWS, a function attached to a VPC reaches an instance's private address over the VPC
network, and an appliance image (FortiGate-like) boots an HTTPS management API there. This plugin
gives the emulator both:

- The VPC proxy: an HTTP proxy on loopback that accepts only `CONNECT <private address>:<port>`,
  its model of the VPC network. lambda_runner gives every function attached to a VPC
  `HTTPS_PROXY=<proxy>` and `NO_PROXY=localhost,127.0.0.1` (the standard variables; the appliance
  client honours them, and the emulator's own endpoint stays direct). The tunnel carries the TLS
  session end to end: the client's certificate check sees the appliance's certificate.
  A CONNECT to an address no running instance holds answers 504 (on AWS the connection times
  out); to an instance that is not a registered appliance, or to another port, 502 (connection
  refused); anything but CONNECT, 405.
- Appliance images: `POST /_iac/stand-ins/appliances` with `{"image_id": "ami-...", "region":
  "us-east-1", "port": 443, "admin_user": "admin"}` (port and admin_user optional, these defaults)
  makes every instance launched from that image in that region an appliance: 201 when registered,
  200 when it was (the settings are updated); 400 for a malformed request.
  `cargo xtask deploy --target local` registers the image of an appliance blueprint with a
  `configuration` block.
- The appliance API (FortiOS-style, as runtime/src/appliance_asg/appliance_api.rs speaks it), HTTP/1.1
  with keep-alive over TLS with the shipped example certificate (`tools/emulator/appliance/`; a real
  deployment pins its own appliances' certificates), HTTP Basic authentication as `admin_user`:
  - `GET /api/v2/status`: 200 (the credentials are valid);
  - `POST /api/v2/admin/password` `{"user", "new_password"}`: 200; 400 for malformed JSON, another
    user or an empty password;
  - `PUT /api/v2/licence` `{"kind": "file" | "token", "name", "content"}` (file content base64):
    200; 409 when that licence is already installed; 400 when malformed;
  - `PUT /api/v2/configuration` (`text/plain`): 200, the whole configuration replaced; 415 for
    another content type; 400 for text that is not UTF-8.
  As on a FortiGate first boot: the administrator's password is the instance ID, and until it is
  changed every request but the status and the password change answers 403. A wrong password answers
  401; after 3 consecutive failed logins the administrator is locked out for 60 s (403; the clock
  speed-up applies). An unknown path answers 404, a known one with another method 405.
- `GET /_iac/appliances` answers `{"proxy": "http://127.0.0.1:<port>", "images": [...],
  "appliances": [...]}`: per appliance, what was pushed (instance_id, region, image_id, address,
  password, password_changes, failed_logins, licence, configuration, configurations (how many were
  applied) and requests, `METHOD path status` in order), so tests can assert on it.
  `POST /moto-api/reset` forgets images and appliances.

Not emulated: security groups and routes between the function and the instance (any VPC function
reaches any appliance), boot time (the API answers as soon as the instance runs), the rest of the
appliance's API.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import socket
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from moto.ec2.models import ec2_backends

from . import _clock, _control

NAME = "appliances: instances of registered appliance images answer the appliance HTTPS API through the VPC proxy"

log = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
CERTIFICATE = os.path.join(HERE, "..", "appliance", "example-cert.pem")
KEY = os.path.join(HERE, "..", "appliance", "example-key.pem")

LOCKOUT_THRESHOLD = 3
LOCKOUT_SECONDS = 60.0
MAX_HEAD = 16 * 1024
IMAGE_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")

_lock = threading.RLock()
# (region, image id) -> {"port", "admin_user"}
_images: dict[tuple[str, str], dict[str, Any]] = {}
# (region, instance id) -> the appliance
_appliances: dict[tuple[str, str], "Appliance"] = {}
_proxy: socketserver.ThreadingTCPServer | None = None


class Appliance:
    """What one appliance holds and was sent (guarded by the module lock)."""

    def __init__(self, region: str, instance: Any, address: str, admin_user: str):
        self.region = region
        self.instance_id = instance.id
        self.image_id = instance.image_id
        self.address = address
        self.admin_user = admin_user
        self.password = instance.id
        self.password_changes = 0
        self.failed_logins = 0
        self.consecutive_failures = 0
        self.locked_until = 0.0
        self.licence: dict[str, Any] | None = None
        self.configuration: str | None = None
        self.configurations = 0
        self.requests: list[str] = []

    def view(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id, "region": self.region, "image_id": self.image_id,
            "address": self.address, "password": self.password, "password_changes": self.password_changes,
            "failed_logins": self.failed_logins, "licence": self.licence, "configuration": self.configuration,
            "configurations": self.configurations, "requests": list(self.requests),
        }

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        routes = {
            "/api/v2/status": ("GET",),
            "/api/v2/admin/password": ("POST",),
            "/api/v2/licence": ("PUT",),
            "/api/v2/configuration": ("PUT",),
        }
        route = path.split("?", 1)[0]
        if route not in routes:
            return 404, {"error": f"no such API path '{route}'"}
        if method not in routes[route]:
            return 405, {"error": f"{method} is not allowed on {route}: expected {routes[route][0]}"}
        now = time.monotonic()
        if now < self.locked_until:
            return 403, {"error": f"administrator '{self.admin_user}' is locked out after {LOCKOUT_THRESHOLD} failed logins"}
        user, password = _basic(headers.get("Authorization"))
        if user != self.admin_user or password != self.password:
            self.failed_logins += 1
            self.consecutive_failures += 1
            if self.consecutive_failures >= LOCKOUT_THRESHOLD:
                self.consecutive_failures = 0
                self.locked_until = now + _clock.scaled(LOCKOUT_SECONDS)
            return 401, {"error": "authentication failed"}
        self.consecutive_failures = 0
        if route == "/api/v2/status":
            return 200, {"status": "ok", "hostname": self.instance_id, "must_change_password": self._initial()}
        if route == "/api/v2/admin/password":
            document = _json(body)
            if not isinstance(document, dict) or set(document) != {"user", "new_password"}:
                return 400, {"error": 'expected {"user": "...", "new_password": "..."}'}
            if document["user"] != self.admin_user:
                return 400, {"error": f"unknown administrator '{document['user']}'"}
            if not isinstance(document["new_password"], str) or not document["new_password"]:
                return 400, {"error": "the new password must be a non-empty string"}
            self.password = document["new_password"]
            self.password_changes += 1
            return 200, {"status": "ok"}
        if self._initial():
            return 403, {"error": "the administrator must change the initial password first"}
        if route == "/api/v2/licence":
            document = _json(body)
            if not isinstance(document, dict) or set(document) != {"kind", "name", "content"} \
                    or document["kind"] not in ("file", "token") \
                    or not all(isinstance(document[k], str) and document[k] for k in ("name", "content")):
                return 400, {"error": 'expected {"kind": "file" | "token", "name": "...", "content": "..."}'}
            if document["kind"] == "file":
                try:
                    base64.b64decode(document["content"], validate=True)
                except (binascii.Error, ValueError):
                    return 400, {"error": "a licence file's content must be base64"}
            if self.licence == document:
                return 409, {"error": f"licence '{document['name']}' is already installed"}
            self.licence = document
            return 200, {"status": "ok"}
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "text/plain":
            return 415, {"error": f"content type '{content_type}': expected text/plain"}
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return 400, {"error": "the configuration is not UTF-8"}
        self.configuration = text
        self.configurations += 1
        return 200, {"status": "ok"}

    def _initial(self) -> bool:
        return self.password_changes == 0


def _basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.startswith("Basic "):
        return None, None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        return None, None
    return user, password


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


# --- who is at an address --------------------------------------------------------------------------


def _instance_at(address: str) -> tuple[str, Any] | None:
    """(region, running instance) with an interface holding `address`, if any."""
    for _account, regions in list(ec2_backends.items()):
        for region, backend in list(regions.items()):
            for eni in list(getattr(backend, "enis", {}).values()):
                addresses = [eni.private_ip_address, *(getattr(eni, "private_ip_addresses", None) or [])]
                addresses = [a.get("PrivateIpAddress") if isinstance(a, dict) else a for a in addresses]
                instance = eni.instance
                if address in addresses and instance is not None and instance.state == "running":
                    return region, instance
    return None


def _appliance(address: str, port: int) -> tuple[int, str, Appliance | None]:
    """The appliance listening at address:port, or the proxy's status and reason."""
    found = _instance_at(address)
    if found is None:
        return 504, f"no running instance holds {address}: the connection timed out", None
    region, instance = found
    with _lock:
        image = _images.get((region, instance.image_id))
        if image is None or image["port"] != port:
            return 502, f"{address}:{port} ({instance.id}) refused the connection", None
        key = (region, instance.id)
        if key not in _appliances:
            _appliances[key] = Appliance(region, instance, address, image["admin_user"])
        return 200, "Connection established", _appliances[key]


# --- the VPC proxy ---------------------------------------------------------------------------------


def _tls_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(CERTIFICATE, KEY)
    return context


class _Api(BaseHTTPRequestHandler):
    """The appliance API on one tunnelled TLS connection."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle kept-alive connection is closed, as servers do
    appliance: Appliance

    def log_message(self, *_args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with _lock:
            status, document = self.appliance.answer(self.command, self.path, self.headers, body)
            self.appliance.requests.append(f"{self.command} {self.path} {status}")
        payload = json.dumps(document).encode()
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="appliance"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Proxy(socketserver.StreamRequestHandler):
    rbufsize = 0  # unbuffered: after the head, the bytes belong to the TLS session

    def handle(self) -> None:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            byte = self.rfile.read(1)
            if not byte or len(head) > MAX_HEAD:
                return
            head += byte
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            return self._refuse(405, "Method Not Allowed", "the VPC proxy only tunnels: expected CONNECT host:port")
        host, _, port_text = parts[1].rpartition(":")
        host = host.strip("[]")
        if not host or not port_text.isdigit():
            return self._refuse(400, "Bad Request", f"expected CONNECT host:port, not '{parts[1]}'")
        status, reason, appliance = _appliance(host, int(port_text))
        if appliance is None:
            return self._refuse(status, "Gateway Timeout" if status == 504 else "Bad Gateway", reason)
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            tls = _tls_context().wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client gave up on the handshake (a pin mismatch, say)
        handler = type("Api", (_Api,), {"appliance": appliance})
        try:
            handler(tls, self.client_address, self.server)
        except (ssl.SSLError, OSError):
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def _refuse(self, status: int, reason: str, message: str) -> None:
        body = message.encode()
        self.wfile.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode() + body
        )


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.warning("VPC proxy connection from %s failed", client_address, exc_info=True)


def proxy_url() -> str:
    """The VPC proxy's URL (started on first use)."""
    global _proxy
    with _lock:
        if _proxy is None:
            _proxy = _ProxyServer(("127.0.0.1", 0), _Proxy)
            threading.Thread(target=_proxy.serve_forever, daemon=True, name="vpc-proxy").start()
        return f"http://127.0.0.1:{_proxy.server_address[1]}"


# --- control ---------------------------------------------------------------------------------------


def stand_ins(method: str, body: Any) -> tuple[int, Any]:
    if method == "GET":
        with _lock:
            return 200, {"images": [{"image_id": i, "region": r, **v} for (r, i), v in sorted(_images.items())]}
    if method != "POST":
        return 405, {"error": f"{method} not allowed"}
    allowed = {"image_id", "region", "port", "admin_user"}
    if not isinstance(body, dict) or not {"image_id", "region"} <= set(body) or set(body) - allowed:
        raise _control.BadRequest(
            'expected {"image_id": "ami-...", "region": "...", "port": 443, "admin_user": "admin"} '
            "(port and admin_user optional)"
        )
    image_id, region = body["image_id"], body["region"]
    port, user = body.get("port", 443), body.get("admin_user", "admin")
    if not isinstance(image_id, str) or not IMAGE_ID.match(image_id):
        raise _control.BadRequest(f"invalid image_id '{image_id}': expected ami- and 8 or 17 hex digits")
    if not isinstance(region, str) or not region:
        raise _control.BadRequest("region must be a region name")
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise _control.BadRequest(f"invalid port '{port}': expected 1..65535")
    if not isinstance(user, str) or not user:
        raise _control.BadRequest("admin_user must be a non-empty string")
    with _lock:
        known = (region, image_id) in _images
        _images[(region, image_id)] = {"port": port, "admin_user": user}
    return (200 if known else 201), {"image_id": image_id, "region": region, "port": port, "admin_user": user}


def appliances(method: str, body: Any) -> tuple[int, Any]:
    if method != "GET":
        return 405, {"error": f"{method} not allowed"}
    url = proxy_url()
    with _lock:
        return 200, {
            "proxy": url,
            "images": [{"image_id": i, "region": r, **v} for (r, i), v in sorted(_images.items())],
            "appliances": [a.view() for _, a in sorted(_appliances.items())],
        }


def reset() -> None:
    with _lock:
        _images.clear()
        _appliances.clear()


def apply() -> str:
    # Nothing of moto's is patched: moto has no network to correct. The plugin adds the network
    # (the proxy) and the appliances on it.
    _control.register("/_iac/stand-ins/appliances", stand_ins)
    _control.register("/_iac/appliances", appliances)
    _control.on_reset(reset)
    proxy_url()
    return NAME

