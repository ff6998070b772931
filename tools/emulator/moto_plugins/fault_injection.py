"""Fault injection and call counting, so tests can drive failure paths through the real emulator.

A control API on the emulator's own port (not an AWS API; moto has none of this):

    POST   /_iac/faults        add a rule (JSON below); 201 with the rule
    GET    /_iac/faults        {"faults": [rule, ...]}, each with how often it matched and fired
    DELETE /_iac/faults        remove every rule; {"deleted": n}
    DELETE /_iac/faults/<id>   remove one rule; 404 if there is none
    GET    /_iac/calls         {"calls": [{"service", "operation", "region", "count"}, ...]}, every AWS
                               request that reached the emulator since the last reset (faulted ones
                               included); `?service=..&operation=..&region=..` filter
    DELETE /_iac/calls         forget the counts
    POST   /moto-api/reset     moto's reset also removes every rule and forgets the counts

A rule:

    {"service": "elasticloadbalancing",   # SigV4 signing name (credential scope); absent: every
                                          # service, which needs "region" (a region that is down)
     "operation": "RegisterTargets",      # API operation name; absent: any operation of the service
     "region": "us-west-2",               # absent: any region
     "status": 400,                       # HTTP status, 400..599, default 400
     "code": "Throttling",                # the error code, required
     "message": "Rate exceeded",          # default ""
     "type": "Sender",                    # query/XML protocols' <Type>; default Sender (< 500) or Receiver
     "skip": 0,                           # matching requests let through before the first failure
     "count": 2}                          # how many matching requests fail (default 1; 0 only counts;
                                          # null: every matching request)

and as returned: the same fields plus "id", "matched" (matching requests seen, whether failed or
not) and "fired" (requests failed). When several rules match a request, each counts it and the first
(lowest id) that still has failures to give fails it.

How a request is identified, the way moto routes it: the service is the signing name in the
Authorization header's SigV4 credential scope (or X-Amz-Credential of a presigned URL), after moto's
aliases (`eventbridge` -> `events`); the operation is `Action=` (query and EC2 protocols, body or
query string), the part after the dot of `X-Amz-Target` (awsJson1_0/1_1), the path's last segment
for Smithy RPC v2 CBOR, and for REST services (lambda, s3 path-style, ...) the operation of botocore's
service model whose HTTP method, URI template, required query keys and required headers match (the
most specific first).

The injected error is what AWS sends for the protocol the request used, so SDKs parse the code and
classify it (throttling codes are retried by the AWS SDK for Rust and botocore):
- AWS query (elasticloadbalancing, autoscaling, sts, cloudformation, ...): text/xml
  `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`;
- EC2: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`;
- awsJson1_0/1_1 (dynamodb, ssm, secretsmanager, ...): `{"__type": "com.amazonaws.<service>#<Code>",
  "message": ...}` with the `x-amzn-ErrorType` header (and `x-amzn-query-error` for query-compatible
  services that ask for it with `x-amzn-query-mode`);
- Smithy RPC v2 CBOR: the same map in CBOR with the `smithy-protocol: rpc-v2-cbor` header;
- REST-JSON (lambda, ...): `x-amzn-ErrorType: <Code>` and `{"Type": "User"|"Service", "message": ...}`;
- REST-XML: S3's `<Error><Code/><Message/><RequestId/></Error>` (no body for HEAD), other services'
  `<ErrorResponse>` as for query.
Every error carries `x-amzn-RequestId` (S3: `x-amz-request-id`).
"""

from __future__ import annotations

import functools
import io
from http import HTTPStatus
import json
import re
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import botocore.session
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from moto.moto_server.werkzeug_app import SIGNING_ALIASES, DomainDispatcherApplication

from . import _control
from ._patching import patch

NAME = "emulator: fault injection and call counts (/_iac/faults, /_iac/calls)"

PREFIX = "/_iac/"
_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
_FIELDS = {"service", "operation", "region", "status", "code", "message", "type", "skip", "count"}

_lock = threading.Lock()


@dataclass
class Rule:
    id: int
    service: str | None
    code: str
    operation: str | None = None
    region: str | None = None
    status: int = 400
    message: str = ""
    type: str | None = None
    skip: int = 0
    count: int | None = 1
    matched: int = 0
    fired: int = 0

    def matches(self, call: "Call") -> bool:
        return (
            (self.service is None or self.service == call.service)
            and (self.operation is None or self.operation == call.operation)
            and (self.region is None or self.region == call.region)
        )

    def can_fire(self) -> bool:
        return self.matched > self.skip and (self.count is None or self.fired < self.count)


@dataclass
class Call:
    service: str
    region: str | None
    operation: str | None
    protocol: str
    json_version: str = "1.1"
    query_compatible: bool = False


@dataclass
class _State:
    rules: list[Rule] = field(default_factory=list)
    next_id: int = 1
    calls: dict[tuple[str, str | None, str | None], int] = field(default_factory=dict)


_state = _State()


def reset() -> None:
    with _lock:
        _state.rules.clear()
        _state.calls.clear()


# --- identifying a request -------------------------------------------------------------------------


def _form_body(environ: dict[str, Any]) -> str:
    """The urlencoded body, leaving it readable for moto (as moto's own dispatcher does)."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return ""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    if not length:
        return ""
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw.decode("utf-8", "replace")


@functools.lru_cache(maxsize=None)
def _rest_routes(service: str) -> tuple[str, list[tuple[int, str, re.Pattern, dict[str, str | None], list[str], str]]]:
    """(protocol, routes) from botocore's model for a REST service; routes best-first."""
    try:
        model = botocore.session.get_session().get_service_model(service)
    except (UnknownServiceError, DataNotFoundError):
        return "rest-json", []
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        http = operation.http
        shape = operation.input_shape
        headers = [
            "HTTP_" + member.serialization["name"].upper().replace("-", "_")
            for key, member in (shape.members.items() if shape is not None else [])
            if key in shape.required_members and member.serialization.get("location") == "header"
        ]
        path, _, query = http.get("requestUri", "/").partition("?")
        pattern = ""
        literal = 0
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                pattern += ".+" if piece.endswith("+}") else "[^/]+"
            else:
                pattern += re.escape(piece)
                literal += len(piece)
        required = {}
        for item in filter(None, query.split("&")):
            key, eq, value = item.partition("=")
            required[key] = value if eq else None
        score = literal * 10 + len(required) + len(headers)
        routes.append((score, http.get("method", "GET"), re.compile(f"^{pattern}/?$"), required, headers, name))
    routes.sort(key=lambda r: -r[0])
    protocol = model.metadata.get("protocol", "rest-json")
    return protocol, routes


def _rest_operation(environ: dict[str, Any], service: str, method: str, path: str, query: dict[str, list[str]]) -> tuple[str, str | None]:
    protocol, routes = _rest_routes(service)
    for _, route_method, pattern, required, headers, name in routes:
        if route_method != method or not pattern.match(path):
            continue
        if all(k in query and (v is None or v in query[k]) for k, v in required.items()) and all(
            h in environ for h in headers
        ):
            return protocol, name
    return protocol, None


def identify(environ: dict[str, Any]) -> Call | None:
    """The service, region, operation and protocol of an AWS request, or None if it is not one."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    scope = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", "") or "") or _CREDENTIAL.search(
        "Credential=" + (query.get("X-Amz-Credential") or [""])[0]
    )
    if scope is None:
        return None
    region, service = scope.group(1), scope.group(2).lower()
    service = SIGNING_ALIASES.get(service, service)
    content_type = environ.get("CONTENT_TYPE", "") or ""
    target = environ.get("HTTP_X_AMZ_TARGET")
    path = environ.get("PATH_INFO", "") or "/"
    if target:
        return Call(
            service, region, target.rsplit(".", 1)[-1], "json",
            json_version="1.0" if "json-1.0" in content_type else "1.1",
            query_compatible=bool(environ.get("HTTP_X_AMZN_QUERY_MODE")),
        )
    if (environ.get("HTTP_SMITHY_PROTOCOL") or "").lower() == "rpc-v2-cbor":
        return Call(service, region, path.rstrip("/").rsplit("/", 1)[-1] or None, "cbor")
    action = (parse_qs(_form_body(environ)).get("Action") or query.get("Action") or [None])[0]
    if action:
        return Call(service, region, action, "ec2" if service == "ec2" else "query")
    protocol, operation = _rest_operation(environ, service, environ.get("REQUEST_METHOD", "GET"), path, query)
    return Call(service, region, operation, protocol)


# --- errors in the wire format of each protocol ----------------------------------------------------


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + n.to_bytes(2, "big")
    return bytes([major << 5 | 26]) + n.to_bytes(4, "big")


def cbor(value: dict[str, str] | str) -> bytes:
    """CBOR (RFC 8949) of a map of text strings: all an RPC v2 CBOR error needs."""
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _cbor_head(3, len(data)) + data
    out = _cbor_head(5, len(value))
    for key, item in value.items():
        out += cbor(key) + cbor(item)
    return out


def error_response(rule: Rule, call: Call, method: str) -> tuple[int, list[tuple[str, str]], bytes]:
    request_id = str(uuid.uuid4())
    code, message = rule.code, rule.message
    kind = rule.type or ("Receiver" if rule.status >= 500 else "Sender")
    headers = [("x-amzn-RequestId", request_id)]
    if call.protocol == "ec2":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif call.protocol == "json":
        body = json.dumps({"__type": f"com.amazonaws.{call.service}#{code}", "message": message}).encode()
        headers += [("Content-Type", f"application/x-amz-json-{call.json_version}"), ("x-amzn-ErrorType", code)]
        if call.query_compatible:
            headers.append(("x-amzn-query-error", f"{code};{kind}"))
    elif call.protocol == "cbor":
        body = cbor({"__type": f"com.amazonaws.{call.service}#{code}", "message": message})
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
    elif call.protocol == "rest-json":
        body = json.dumps({"Type": "Service" if kind == "Receiver" else "User", "message": message}).encode()
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif call.protocol == "rest-xml" and call.service == "s3":
        headers = [("x-amz-request-id", request_id), ("Content-Type", "application/xml")]
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}</Code><Message>{escape(message)}'
            f"</Message><RequestId>{request_id}</RequestId></Error>"
        ).encode()
    else:  # query, and REST-XML services other than S3
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(code)}</Code><Message>{escape(message)}"
            f"</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    if method == "HEAD":
        body = b""
    headers.append(("Content-Length", str(len(body))))
    return rule.status, headers, body


# --- the control API -------------------------------------------------------------------------------


class _BadRequest(ValueError):
    pass


def _int(spec: dict, key: str, default: int | None, low: int, high: int | None = None) -> int | None:
    value = spec.get(key, default)
    if value is None and key == "count":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limit = f"{low}..{high}" if high is not None else f">= {low}"
        raise _BadRequest(f"{key!r} must be an integer {limit}, got {value!r}")
    return value


def _str(spec: dict, key: str, required: bool = False, default: str | None = None) -> str | None:
    value = spec.get(key, default)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise _BadRequest(f"{key!r} must be a non-empty string, got {value!r}")
    return value


def add_rule(spec: Any) -> Rule:
    if not isinstance(spec, dict):
        raise _BadRequest("the rule must be a JSON object")
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise _BadRequest(f"unknown field(s) {unknown}; known: {sorted(_FIELDS)}")
    kind = _str(spec, "type")
    if kind not in (None, "Sender", "Receiver"):
        raise _BadRequest(f"'type' must be Sender or Receiver, got {kind!r}")
    service = _str(spec, "service")
    if service is None and _str(spec, "region") is None:
        raise _BadRequest("a rule without 'service' must name its 'region' (every call signed for it fails)")
    with _lock:
        rule = Rule(
            id=_state.next_id,
            service=service.lower() if service is not None else None,
            code=_str(spec, "code", required=True),
            operation=_str(spec, "operation"),
            region=_str(spec, "region"),
            status=_int(spec, "status", 400, 400, 599),
            message=_str(spec, "message", default="") or "",
            type=kind,
            skip=_int(spec, "skip", 0, 0),
            count=_int(spec, "count", 1, 0),
        )
        _state.next_id += 1
        _state.rules.append(rule)
        return rule


def _json(start_response: Callable, status: int, payload: Any) -> Iterable[bytes]:
    body = json.dumps(payload).encode()
    reason = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _read_json(environ: dict[str, Any]) -> Any:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError as e:
        raise _BadRequest("bad Content-Length") from e
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        return json.loads(raw or b"null")
    except json.JSONDecodeError as e:
        raise _BadRequest(f"the body is not JSON: {e}") from e


def control(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "").rstrip("/")
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if path == "/_iac/faults":
            if method == "POST":
                return _json(start_response, 201, asdict(add_rule(_read_json(environ))))
            if method == "GET":
                with _lock:
                    return _json(start_response, 200, {"faults": [asdict(r) for r in _state.rules]})
            if method == "DELETE":
                with _lock:
                    deleted = len(_state.rules)
                    _state.rules.clear()
                return _json(start_response, 200, {"deleted": deleted})
        elif path.startswith("/_iac/faults/") and method == "DELETE":
            rule_id = path.rsplit("/", 1)[-1]
            with _lock:
                kept = [r for r in _state.rules if str(r.id) != rule_id]
                found = len(kept) != len(_state.rules)
                _state.rules[:] = kept
            if not found:
                return _json(start_response, 404, {"error": f"no fault rule {rule_id}"})
            return _json(start_response, 200, {"deleted": 1})
        elif path == "/_iac/calls":
            if method == "GET":
                wanted = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
                unknown = sorted(set(wanted) - {"service", "operation", "region"})
                if unknown:
                    raise _BadRequest(f"unknown filter(s) {unknown}")
                with _lock:
                    calls = [
                        {"service": s, "operation": o, "region": r, "count": n}
                        for (s, o, r), n in sorted(_state.calls.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
                        if all({"service": s, "operation": o, "region": r}[k] == v for k, v in wanted.items())
                    ]
                return _json(start_response, 200, {"calls": calls})
            if method == "DELETE":
                with _lock:
                    _state.calls.clear()
                return _json(start_response, 200, {"deleted": True})
        elif path in _control.ROUTES:
            body = _read_json(environ) if method in ("POST", "PUT") else None
            try:
                status, payload = _control.ROUTES[path](method, body)
            except _control.BadRequest as e:
                raise _BadRequest(str(e)) from e
            return _json(start_response, status, payload)
        else:
            return _json(start_response, 404, {"error": f"unknown control path {path}"})
        return _json(start_response, 405, {"error": f"{method} not allowed on {path}"})
    except _BadRequest as e:
        return _json(start_response, 400, {"error": str(e)})


# --- the request hook ------------------------------------------------------------------------------


def _drain(environ: dict[str, Any]) -> None:
    """Reads the request body we answer without moto, so the connection stays usable."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    if length:
        stream.read(length)
    elif environ.get("wsgi.input_terminated"):
        stream.read()


def dispatch(original, self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    """moto has no fault injection: the control API, call counts and injected errors come first."""
    path = environ.get("PATH_INFO", "") or ""
    if path.startswith(PREFIX) or path == PREFIX.rstrip("/"):
        return control(environ, start_response)
    if path.startswith("/moto-api/"):
        response = original(environ, start_response)
        if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            reset()
            for plugin_reset in _control.RESETS:
                plugin_reset()
        return response
    call = identify(environ)
    if call is None:
        return original(environ, start_response)
    fired = None
    with _lock:
        key = (call.service, call.operation, call.region)
        _state.calls[key] = _state.calls.get(key, 0) + 1
        for rule in _state.rules:
            if rule.matches(call):
                rule.matched += 1
                if fired is None and rule.can_fire():
                    rule.fired += 1
                    fired = rule
    if fired is None:
        return original(environ, start_response)
    _drain(environ)
    status, headers, body = error_response(fired, call, environ.get("REQUEST_METHOD", "GET"))
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    start_response(f"{status} {reason}", headers)
    return [body]


def apply() -> str:
    patch(DomainDispatcherApplication, "__call__", dispatch,
          corrects="moto has no fault injection or call counts for tests of failure paths")
    return NAME
