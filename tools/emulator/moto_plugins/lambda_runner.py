"""Lambda runs the deployed functions: Invoke, EventBridge targets and schedules run the function's code.

moto 5.2.5 without docker never runs a function: Invoke echoes the payload, a rule with a Lambda target
makes PutEvents fail (500, NotImplementedError), schedules never fire, and DeadLetterConfig and
LoggingConfig are dropped. With this plugin, as the Lambda Developer Guide documents:

- The function's code is the deployed zip: its `bootstrap` (a custom runtime, `provided.al2023`; the
  local target deploys binaries built for this machine) runs as a process of the emulator, under the
  Lambda Runtime API (`AWS_LAMBDA_RUNTIME_API`, served here per invocation), with the function's
  environment variables, the `AWS_LAMBDA_*` variables Lambda sets, and AWS_ENDPOINT_URL naming this
  emulator, so its SDK calls come back here. A function attached to a VPC also gets HTTPS_PROXY (and
  NO_PROXY for the emulator itself) naming the emulator's VPC proxy, through which it reaches
  private addresses (appliances.py). One process per invocation (every start is cold); the
  process is stopped once it has answered, or at the function's Timeout ("Task timed out after N
  seconds", error type Sandbox.Timedout). A zip without an executable `bootstrap`, or with one this
  machine cannot run, fails the invocation as Lambda does (Runtime.InvalidEntrypoint).
- Invoke (RequestResponse) waits for the result; a function error answers 200 with the error document
  and `X-Amz-Function-Error: Unhandled`, `LogType=Tail` gives the last 4 KB of the log. Invoke with
  `Event` queues the event and answers 202. DryRun answers 204 without running anything.
- Reserved concurrency (`ReservedConcurrentExecutions`): a synchronous invoke beyond it is refused with
  429 TooManyRequestsException (Reason ReservedFunctionConcurrentInvocationLimitExceeded); an
  asynchronous event waits for a free slot, as Lambda keeps throttled events queued.
- Asynchronous invocation: a failed attempt (function error, timeout, crash) is retried twice (or
  `MaximumRetryAttempts` of PutFunctionEventInvokeConfig), one minute and then two minutes later; then
  the event goes to the function's dead-letter queue (`DeadLetterConfig`, SQS or SNS, with the
  RequestID, ErrorCode and ErrorMessage attributes) and to the on-failure destination of its event
  invoke config (SQS, SNS or Lambda, an invocation record); a success goes to the on-success one.
- EventBridge: a rule's Lambda targets receive matching events asynchronously (constant `Input` and
  `InputPath` honoured; the event's `time` in ISO 8601, as EventBridge sends it), while the other
  targets are delivered by moto as before. Targets naming a function that does not exist are dropped,
  as EventBridge drops them after its retries.
- A schedule rule (ScheduleExpression, no EventPattern) receives only its schedule's events; moto
  hands it every event on the bus.
- Schedules: every ENABLED rule with a `rate(...)` or `cron(...)` ScheduleExpression fires on its own
  ("Scheduled Event" from aws.events, its ARN in `resources`): a rate a period after the rule is first
  seen, then every period; a cron at each matching minute (UTC) of the emulator's clock, which the
  speed-up makes run faster too (at most one firing per rule each half second; a week of emulated
  minutes looked back at most).
- Logs: each invocation writes a log stream `YYYY/MM/DD/[$LATEST]<id>` to the function's log group
  (`LoggingConfig.LogGroup`, or `/aws/lambda/<name>`): the START line, every line the process wrote
  (stdout and stderr), END and REPORT, in the function's log format (Text or JSON), so CloudWatch Logs
  (FilterLogEvents, GetLogEvents) shows function output as it does on AWS.
- Event source mappings and subscriptions (SQS queues, DynamoDB streams, SNS topics) run the function
  too, but as moto delivers them: synchronously, inside the request that produced the records (a
  SendMessage or PutItem waits for the function), one SQS message per invocation, and a failed SQS
  batch becomes visible again without being redelivered until the queue's next message.
- GetFunctionConfiguration reports DeadLetterConfig and LoggingConfig.

Emulator-only control (tests shorten time rather than wait minutes): `POST /_iac/clock
{"speedup": N}` divides schedule periods, retry delays and lifecycle-hook timeouts by N, and runs the
clock cron schedules read N times faster (`_clock.py`;
1 restores real time; a period never drops under one second); `GET /_iac/clock` answers the value. `GET /_iac/lambda/invocations`
lists finished invocations (function, request id, kind, outcome, attempt), newest last.

Not emulated: execution environments are not reused between invocations, versions and aliases run
$LATEST, provisioned concurrency, SnapStart, extensions, the account's unreserved concurrency quota,
maximum event age, and recursion detection.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import logging
import os
import re
import stat
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction
from moto.awslambda_simple.models import LambdaSimpleBackend, lambda_simple_backends
from moto.events.models import Rule, events_backends
from moto.logs.models import logs_backends
from moto.moto_api._internal.models import MotoAPIBackend
from moto.utilities.arns import parse_arn

from . import _clock, _control, appliances
from ._errors import SERVICE_ERRORS
from ._patching import patch

NAME = "lambda: functions run their deployed bootstrap (Invoke, EventBridge targets, schedules, async retries, DLQ, logs)"

log = logging.getLogger(__name__)

# The emulator's own URL, set by server.py once it listens: the functions' AWS_ENDPOINT_URL.
ENDPOINT: str | None = None

RETRY_DELAYS = (60.0, 120.0)
DEFAULT_RETRIES = 2
LOG_TAIL_BYTES = 4096
MAX_INVOCATION_RECORDS = 500

_slots = threading.Condition()
_running: dict[str, int] = {}
_invocations: list[dict[str, Any]] = []
_binaries_lock = threading.Lock()


class TooManyRequests(LambdaClientError):
    def __init__(self, message: str):
        super().__init__("TooManyRequestsException", message)
        self.code = 429
        self.description = json.dumps(
            {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": message}
        )


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scaled(seconds: float) -> float:
    return _clock.scaled(seconds)


# --- the function's code ---------------------------------------------------------------------------


def _bootstrap(fn: LambdaFunction) -> str:
    """The zip's bootstrap, extracted once per code hash into a private directory."""
    code = getattr(fn, "code_bytes", b"") or b""
    if not code:
        raise _Failure("Runtime.InvalidEntrypoint", "the function has no code")
    digest = getattr(fn, "code_sha_256", "") or uuid.uuid4().hex
    safe = re.sub(r"[^A-Za-z0-9]", "_", digest)
    directory = os.path.join(tempfile.gettempdir(), f"iac-emulator-lambda-{os.getuid()}", safe)
    path = os.path.join(directory, "bootstrap")
    with _binaries_lock:
        if not os.path.isfile(path):
            try:
                with zipfile.ZipFile(io.BytesIO(code)) as z:
                    data = z.read("bootstrap")
            except KeyError:
                raise _Failure("Runtime.InvalidEntrypoint", "the deployment package has no bootstrap") from None
            except zipfile.BadZipFile:
                raise _Failure("Runtime.InvalidEntrypoint", "the deployment package is not a zip file") from None
            os.makedirs(directory, mode=0o700, exist_ok=True)
            partial = path + ".partial"
            with open(partial, "wb") as f:
                f.write(data)
            os.chmod(partial, stat.S_IRWXU)
            os.replace(partial, path)
    return path


class _Failure(Exception):
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message

    def document(self) -> bytes:
        return json.dumps({"errorType": self.error_type, "errorMessage": self.message}).encode()


# --- one invocation under the Runtime API ----------------------------------------------------------


class _Invocation:
    def __init__(self, request_id: str, event: bytes, arn: str, deadline_ms: int):
        self.request_id = request_id
        self.event = event
        self.arn = arn
        self.deadline_ms = deadline_ms
        self.delivered = False
        self.done = threading.Event()
        self.outcome: tuple[str, bytes] | None = None
        self.lock = threading.Lock()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A poll still open when the process is stopped resets its connection: expected, not logged."""


def _runtime_api(inv: _Invocation) -> ThreadingHTTPServer:
    prefix = "/2018-06-01/runtime"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != f"{prefix}/invocation/next":
                return self._answer(404)
            with inv.lock:
                first = not inv.delivered
                inv.delivered = True
            if not first:
                inv.done.wait()  # one invocation per process: hold the poll until it is stopped
                time.sleep(3600)
                return self._answer(410)
            self._answer(200, inv.event, {
                "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": inv.arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{inv.request_id.replace('-', '')[:24]}",
                "Content-Type": "application/json",
            })

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            route = self.path[len(prefix):] if self.path.startswith(prefix) else ""
            if route == "/init/error":
                kind = "init-error"
            elif route == f"/invocation/{inv.request_id}/response":
                kind = "response"
            elif route == f"/invocation/{inv.request_id}/error":
                kind = "error"
            else:
                return self._answer(404)
            with inv.lock:
                if inv.outcome is None:
                    inv.outcome = (kind, body)
            inv.done.set()
            self._answer(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

    server = _QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _logging_config(fn: LambdaFunction) -> dict[str, Any]:
    given = getattr(fn, "_iac_logging", None) or {}
    return {
        "LogFormat": given.get("LogFormat") or "Text",
        "LogGroup": given.get("LogGroup") or f"/aws/lambda/{fn.function_name}",
        **({"ApplicationLogLevel": given["ApplicationLogLevel"]} if given.get("ApplicationLogLevel") else {}),
        **({"SystemLogLevel": given["SystemLogLevel"]} if given.get("SystemLogLevel") else {}),
    }


class _LogStream:
    """The invocation's log stream in the function's log group."""

    def __init__(self, fn: LambdaFunction, request_id: str):
        config = _logging_config(fn)
        self.json = config["LogFormat"] == "JSON"
        self.group = config["LogGroup"]
        self.backend = logs_backends[fn.account_id][fn.region]
        self.stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{request_id.replace('-', '')}"
        self.lines: list[str] = []
        self.lock = threading.Lock()
        try:
            self.backend.ensure_log_group(self.group)
            self.backend.create_log_stream(self.group, self.stream)
        except SERVICE_ERRORS:
            log.warning("cannot create log stream %s in %s", self.stream, self.group, exc_info=True)

    def write(self, message: str) -> None:
        with self.lock:
            self.lines.append(message)
            try:
                self.backend.put_log_events(
                    self.group, self.stream, [{"timestamp": int(time.time() * 1000), "message": message}]
                )
            except SERVICE_ERRORS:
                log.warning("cannot write to log group %s", self.group, exc_info=True)

    def platform(self, kind: str, text: str, record: dict[str, Any]) -> None:
        if self.json:
            self.write(json.dumps({"time": _now_iso(), "type": f"platform.{kind}", "record": record}))
        else:
            self.write(text)

    def tail(self) -> str:
        with self.lock:
            text = "\n".join(self.lines) + "\n"
        return text[-LOG_TAIL_BYTES:]


def _environment(fn: LambdaFunction, api: str, group: str, stream: str, log_format: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "TZ": ":UTC"}
    env.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
    env.update({
        "AWS_LAMBDA_RUNTIME_API": api,
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": group,
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_LAMBDA_LOG_FORMAT": log_format,
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "emulator",
        "AWS_EC2_METADATA_DISABLED": "true",
        "_HANDLER": str(fn.handler or "bootstrap"),
    })
    if ENDPOINT:
        env["AWS_ENDPOINT_URL"] = ENDPOINT
    if (getattr(fn, "_vpc_config", None) or {}).get("SubnetIds"):
        # Attached to a VPC: private addresses are reached through the emulator's model of the VPC
        # network (appliances.py), the emulator itself directly.
        env["HTTPS_PROXY"] = appliances.proxy_url()
        env["NO_PROXY"] = "localhost,127.0.0.1"
    return env


def _run(fn: LambdaFunction, event: bytes, request_id: str) -> tuple[bool, bytes, str]:
    """Runs one invocation; returns (succeeded, response or error document, log tail)."""
    logs = _LogStream(fn, request_id)
    config = _logging_config(fn)
    logs.platform("start", f"START RequestId: {request_id} Version: $LATEST",
                  {"requestId": request_id, "version": "$LATEST"})
    started = time.monotonic()
    timeout = float(fn.timeout or 3)
    deadline_ms = int((time.time() + timeout) * 1000)
    inv = _Invocation(request_id, event, fn.function_arn, deadline_ms)
    server = None
    proc = None
    readers: list[threading.Thread] = []
    try:
        path = _bootstrap(fn)
        server = _runtime_api(inv)
        api = f"127.0.0.1:{server.server_address[1]}"
        env = _environment(fn, api, logs.group, logs.stream, config["LogFormat"])
        try:
            proc = subprocess.Popen(
                [path], env=env, cwd=os.path.dirname(path), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            )
        except OSError as e:
            raise _Failure("Runtime.InvalidEntrypoint", f"cannot run the bootstrap: {e.strerror}") from None
        for pipe in (proc.stdout, proc.stderr):
            reader = threading.Thread(target=_pump, args=(pipe, logs), daemon=True)
            reader.start()
            readers.append(reader)
        exited = threading.Thread(target=lambda: (proc.wait(), inv.done.set()), daemon=True)
        exited.start()
        inv.done.wait(timeout)
        with inv.lock:
            outcome = inv.outcome
        if outcome is None:
            if proc.poll() is None:
                raise _Failure("Sandbox.Timedout",
                               f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds")
            raise _Failure("Runtime.ExitError",
                           f"RequestId: {request_id} Error: Runtime exited with error: exit status {proc.returncode}")
        kind, body = outcome
        if kind == "response":
            return True, body, ""
        if kind == "init-error":
            return False, body or _Failure("Runtime.Unknown", "init error").document(), ""
        return False, body or _Failure("Runtime.Unknown", "the function failed").document(), ""
    except _Failure as failure:
        if failure.error_type == "Sandbox.Timedout":
            logs.write(f"{_now_iso()} {request_id} Task timed out after {timeout:.2f} seconds")
        return False, failure.document(), ""
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
            proc.wait()
        for reader in readers:
            reader.join(timeout=2)
        if server is not None:
            server.shutdown()
            server.server_close()
        inv.done.set()
        elapsed = (time.monotonic() - started) * 1000
        logs.platform("end", f"END RequestId: {request_id}", {"requestId": request_id})
        logs.platform(
            "report",
            f"REPORT RequestId: {request_id}\tDuration: {elapsed:.2f} ms\tBilled Duration: {int(elapsed) + 1} ms\t"
            f"Memory Size: {fn.memory_size} MB\tMax Memory Used: 0 MB",
            {"requestId": request_id, "metrics": {"durationMs": round(elapsed, 2), "memorySizeMB": fn.memory_size}},
        )
        _tail_holder[request_id] = logs.tail()


_tail_holder: dict[str, str] = {}


def _pump(pipe: Any, logs: _LogStream) -> None:
    for raw in iter(pipe.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line:
            logs.write(line)
    pipe.close()


def _record(fn: LambdaFunction, request_id: str, kind: str, ok: bool, body: bytes, attempt: int) -> None:
    error = None
    if not ok:
        try:
            error = json.loads(body).get("errorType")
        except (ValueError, AttributeError):
            error = "Unhandled"
    with _slots:
        _invocations.append({
            "function": fn.function_name, "region": fn.region, "request_id": request_id, "kind": kind,
            "succeeded": ok, "error_type": error, "attempt": attempt, "finished": _now_iso(),
        })
        del _invocations[:-MAX_INVOCATION_RECORDS]


# --- concurrency -----------------------------------------------------------------------------------


def _reserved(fn: LambdaFunction) -> int | None:
    value = getattr(fn, "reserved_concurrency", None)
    return None if value in (None, "") else int(value)


def _try_acquire(fn: LambdaFunction) -> bool:
    limit = _reserved(fn)
    with _slots:
        if limit is not None and _running.get(fn.function_arn, 0) >= limit:
            return False
        _running[fn.function_arn] = _running.get(fn.function_arn, 0) + 1
        return True


def _acquire_waiting(arn_key: tuple[str, str, str]) -> LambdaFunction | None:
    """Waits for a slot of the function (an async event queued while throttled); None once it is gone."""
    while True:
        fn = _function(*arn_key)
        if fn is None:
            return None
        if _try_acquire(fn):
            return fn
        with _slots:
            _slots.wait(1.0)


def _release(fn: LambdaFunction) -> None:
    with _slots:
        _running[fn.function_arn] = max(_running.get(fn.function_arn, 1) - 1, 0)
        _slots.notify_all()


def _function(account: str, region: str, name: str) -> LambdaFunction | None:
    try:
        return lambda_simple_backends[account][region].get_function(name)
    except SERVICE_ERRORS:
        return None


# --- asynchronous invocation -----------------------------------------------------------------------


def invoke_async(account: str, region: str, name: str, event: bytes, source: str) -> str:
    """Queues an event for the function, as Lambda's asynchronous invocation does; returns the request id."""
    request_id = str(uuid.uuid4())
    threading.Thread(
        target=_attempts, args=((account, region, name), event, request_id, source), daemon=True,
        name=f"lambda-async-{name}",
    ).start()
    return request_id


def _invoke_config(fn: LambdaFunction) -> dict[str, Any]:
    configs = getattr(fn, "event_invoke_config", None) or []
    return configs[0].config if configs else {}


def _attempts(key: tuple[str, str, str], event: bytes, request_id: str, source: str) -> None:
    fn = _function(*key)
    if fn is None:
        log.warning("%s: function %s does not exist; event dropped", source, key[2])
        return
    retries = int(_invoke_config(fn).get("MaximumRetryAttempts", DEFAULT_RETRIES))
    body = b""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(_scaled(RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]))
        fn = _acquire_waiting(key)
        if fn is None:
            log.warning("%s: function %s was deleted; event dropped", source, key[2])
            return
        try:
            ok, body, _ = _run(fn, event, request_id)
        finally:
            _release(fn)
        _record(fn, request_id, "Event", ok, body, attempt + 1)
        if ok:
            _destination(fn, "OnSuccess", event, request_id, body, attempt + 1, None)
            return
    _dead_letter(fn, event, request_id, body)
    _destination(fn, "OnFailure", event, request_id, body, retries + 1, "RetriesExhausted")


def _error_message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("errorMessage", ""))[:1000]
    except (ValueError, AttributeError):
        return body.decode("utf-8", "replace")[:1000]


def _dead_letter(fn: LambdaFunction, event: bytes, request_id: str, body: bytes) -> None:
    target = ((getattr(fn, "_iac_dead_letter", None) or {}).get("TargetArn")) or ""
    if not target:
        return
    attributes = {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": _error_message(body) or "Unhandled"},
    }
    _send(fn, target, event.decode("utf-8", "replace"), attributes)


def _destination(fn: LambdaFunction, which: str, event: bytes, request_id: str, body: bytes,
                 count: int, condition: str | None) -> None:
    target = _invoke_config(fn).get("DestinationConfig", {}).get(which, {}).get("Destination")
    if not target:
        return
    try:
        payload: Any = json.loads(event)
    except ValueError:
        payload = event.decode("utf-8", "replace")
    try:
        response: Any = json.loads(body) if body else None
    except ValueError:
        response = body.decode("utf-8", "replace")
    record = {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {"requestId": request_id, "functionArn": f"{fn.function_arn}:$LATEST",
                           "condition": condition or "Success", "approximateInvokeCount": count},
        "requestPayload": payload,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                            **({"functionError": "Unhandled"} if which == "OnFailure" else {})},
        "responsePayload": response,
    }
    _send(fn, target, json.dumps(record), None)


def _send(fn: LambdaFunction, target: str, message: str, attributes: dict[str, Any] | None) -> None:
    arn = parse_arn(target)
    try:
        if arn.service == "sqs":
            from moto.sqs import sqs_backends

            sqs_backends[arn.account][arn.region].send_message(
                queue_name=arn.resource_id, message_body=message, message_attributes=attributes or {}
            )
        elif arn.service == "sns":
            from moto.sns import sns_backends

            sns_backends[arn.account][arn.region].publish(
                message=message, arn=target,
                message_attributes={k: {"DataType": v["DataType"], "StringValue": v["StringValue"]}
                                    for k, v in (attributes or {}).items()},
            )
        elif arn.service == "lambda":
            invoke_async(arn.account, arn.region, arn.resource_id.split(":")[0], message.encode(), fn.function_name)
        else:
            log.warning("%s: destination %s is not supported by the emulator", fn.function_name, target)
    except SERVICE_ERRORS:
        log.warning("%s: cannot deliver to %s", fn.function_name, target, exc_info=True)


# --- patches: Lambda -------------------------------------------------------------------------------


def backend_invoke(original, self, function_name: str, qualifier: str | None, body: Any, headers: Any,
                   response_headers: Any) -> bytes:
    """moto echoes the payload; Lambda runs the function."""
    fn = self.get_function(function_name, qualifier)
    kind = headers.get("X-Amz-Invocation-Type") or headers.get("x-amz-invocation-type") or "RequestResponse"
    event = body if isinstance(body, bytes) else (body or "{}").encode()
    if kind == "DryRun":
        return b""
    if kind == "Event":
        request_id = invoke_async(fn.account_id, fn.region, fn.function_name, event, "Invoke")
        response_headers["x-amzn-RequestId"] = request_id
        return b""
    if not _try_acquire(fn):
        raise TooManyRequests("Rate Exceeded.")
    request_id = str(uuid.uuid4())
    try:
        ok, result, _ = _run(fn, event, request_id)
    finally:
        _release(fn)
    _record(fn, request_id, "RequestResponse", ok, result, 1)
    if not ok:
        response_headers["x-amz-function-error"] = "Unhandled"
    tail = _tail_holder.pop(request_id, "")
    response_headers["x-amz-log-result"] = base64.b64encode(tail.encode()).decode()
    response_headers["x-amz-executed-version"] = "$LATEST"
    return result


def function_invoke(original, self, body: str, request_headers: Any, response_headers: Any) -> bytes:
    """moto's event sources (DynamoDB streams, SNS, Kinesis) invoke the function model, which tries
    docker; Lambda runs the function."""
    backend = lambda_simple_backends[self.account_id][self.region]
    return backend.invoke(self.function_name, None, body, dict(request_headers or {}), response_headers)


def function_init(original, self, account_id: str, spec: dict[str, Any], region: str, version: str | int = 1):
    """moto drops DeadLetterConfig and LoggingConfig; Lambda keeps and reports them."""
    original(account_id, spec, region, version)
    self._iac_dead_letter = spec.get("DeadLetterConfig") or None
    self._iac_logging = spec.get("LoggingConfig") or None


def update_configuration(original, self, config_updates: dict[str, Any]):
    for key, attr in (("DeadLetterConfig", "_iac_dead_letter"), ("LoggingConfig", "_iac_logging")):
        if key in config_updates:
            setattr(self, attr, config_updates[key] or None)
    return original(config_updates)


def get_configuration(original, self, *args: Any, **kwargs: Any) -> dict[str, Any]:
    config = original(*args, **kwargs)
    dead_letter = getattr(self, "_iac_dead_letter", None)
    if dead_letter and dead_letter.get("TargetArn"):
        config["DeadLetterConfig"] = {"TargetArn": dead_letter["TargetArn"]}
    config["LoggingConfig"] = _logging_config(self)
    return config


def function_from_cloudformation(original, cls, resource_name: str, cloudformation_json: Any, account_id: str,
                                 region_name: str, **kwargs: Any):
    """moto passes neither DeadLetterConfig nor LoggingConfig of AWS::Lambda::Function on."""
    fn = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    properties = cloudformation_json.get("Properties", {})
    fn._iac_dead_letter = properties.get("DeadLetterConfig") or None
    fn._iac_logging = properties.get("LoggingConfig") or None
    return fn


# --- patches: EventBridge --------------------------------------------------------------------------


def _lambda_event(target: dict[str, Any], event: dict[str, Any]) -> bytes:
    if "Input" in target:
        return str(target["Input"]).encode()
    shaped = copy.deepcopy(event)
    shaped.pop("ingestion-time", None)
    if isinstance(shaped.get("time"), (int, float)):
        shaped["time"] = datetime.fromtimestamp(shaped["time"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = target.get("InputPath")
    if path and path.startswith("$."):
        for part in path[2:].split("."):
            shaped = shaped.get(part) if isinstance(shaped, dict) else None
    return json.dumps(shaped).encode()


_firing = threading.local()


def send_to_targets(original, self, original_event: Any, transform_input: bool = True) -> None:
    """moto fails (NotImplementedError) on a Lambda target; EventBridge invokes it asynchronously.
    moto also hands every event on the bus to schedule rules (no pattern matches everything); on AWS
    a schedule rule receives only its schedule's events."""
    if getattr(self, "scheduled_expression", None) and not self.event_pattern.dump() and not getattr(_firing, "on", False):
        return None
    lambdas = [t for t in self.targets if str(t.get("Arn", "")).startswith("arn:") and parse_arn(t["Arn"]).service == "lambda"]
    if not lambdas:
        return original(original_event, transform_input)
    if not self.event_pattern.matches_event(original_event):
        return None
    others = [t for t in self.targets if t not in lambdas]
    if others:
        rest = copy.copy(self)
        rest.targets = others
        original.__func__(rest, original_event, transform_input)
    for target in lambdas:
        arn = parse_arn(target["Arn"])
        name = arn.resource_id.split(":")[0]
        invoke_async(arn.account, arn.region, name, _lambda_event(target, original_event), f"rule {self.name}")
    return None


# --- schedules -------------------------------------------------------------------------------------

RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((.+)\)$")
UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}

# (account, region, bus, rule name, expression) -> the monotonic time it is due next, or for cron
# the last minute it fired.
_due: dict[tuple[str, str, str, str, str], float] = {}
_scheduler_started = threading.Event()


def rate_seconds(expression: str) -> float | None:
    found = RATE.match(expression.strip())
    return int(found.group(1)) * UNITS[found.group(2)] if found else None


def _field_matches(field: str, value: int, names: dict[str, int] | None = None) -> bool:
    if field in ("*", "?"):
        return True
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            low, high = 0, 10_000
        elif "-" in part:
            a, b = part.split("-", 1)
            low, high = _cron_value(a, names), _cron_value(b, names)
        else:
            low = _cron_value(part, names)
            high = low if step == 1 else 10_000
        if low <= value <= high and (value - low) % step == 0:
            return True
    return False


def _cron_value(text: str, names: dict[str, int] | None) -> int:
    upper = text.upper()
    if names and upper in names:
        return names[upper]
    return int(text)


MONTHS = {m: i + 1 for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}
DAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


def cron_matches(expression: str, when: datetime) -> bool:
    """EventBridge cron: minutes hours day-of-month month day-of-week year (UTC; day-of-week 1 = SUN)."""
    found = CRON.match(expression.strip())
    if not found:
        return False
    fields = found.group(1).split()
    if len(fields) != 6:
        return False
    minute, hour, dom, month, dow, year = fields
    weekday = (when.isoweekday() % 7) + 1
    return (
        _field_matches(minute, when.minute)
        and _field_matches(hour, when.hour)
        and _field_matches(dom.replace("L", "31").replace("W", ""), when.day)
        and _field_matches(month, when.month, MONTHS)
        and _field_matches(dow.split("#")[0].replace("L", ""), weekday, DAYS)
        and _field_matches(year, when.year)
    )


def _scheduled_event(rule: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account_id,
        "time": time.time(),
        "region": rule.region_name,
        "resources": [rule.arn],
        "detail": {},
    }


def _fire(rule: Any) -> None:
    event = _scheduled_event(rule)
    for target in list(rule.targets):
        single = copy.copy(rule)
        single.targets = [target]
        try:
            arn = parse_arn(target["Arn"])
            if arn.service == "lambda":
                invoke_async(arn.account, arn.region, arn.resource_id.split(":")[0], _lambda_event(target, event),
                             f"schedule {rule.name}")
            else:
                _firing.on = True
                try:
                    Rule.send_to_targets(single, copy.deepcopy(event))
                finally:
                    _firing.on = False
        except (NotImplementedError, *SERVICE_ERRORS):
            log.warning("schedule %s: not delivered to %s", rule.name, target.get("Arn"), exc_info=True)


# A cron schedule looks back at most this many emulated minutes per tick (a week), however fast the
# clock runs; it fires once per tick however many of them match.
CRON_LOOKBACK_MINUTES = 7 * 24 * 60


def _minutes_since(last: float | None, minute: datetime) -> list[datetime]:
    """The minutes a cron schedule has not yet looked at, up to `minute`: just `minute` when the rule
    is new; none when it already looked at `minute`."""
    if last is None:
        return [minute]
    count = min(int((minute.timestamp() - last) // 60), CRON_LOOKBACK_MINUTES)
    return [minute - timedelta(minutes=i) for i in range(count)]


def tick(now: float | None = None, wall: datetime | None = None) -> None:
    """Fires every schedule that is due (the scheduler thread calls it every second)."""
    now = time.monotonic() if now is None else now
    wall = wall or _clock.wall(now)
    seen = set()
    for account, regions in list(events_backends.items()):
        for region, backend in list(regions.items()):
            for bus_name, bus in list(backend.event_buses.items()):
                for rule in list(bus.rules.values()):
                    expression = getattr(rule, "scheduled_expression", None)
                    if not expression or rule.state != "ENABLED" or not rule.targets:
                        continue
                    key = (account, region, bus_name, rule.name, expression)
                    seen.add(key)
                    period = rate_seconds(expression)
                    if period is not None:
                        due = _due.setdefault(key, now + max(_scaled(period), 1.0))
                        if now >= due:
                            _due[key] = now + max(_scaled(period), 1.0)
                            _fire(rule)
                    else:
                        minute = wall.replace(second=0, microsecond=0)
                        if any(cron_matches(expression, m) for m in _minutes_since(_due.get(key), minute)):
                            _fire(rule)
                        _due[key] = minute.timestamp()
    for key in [k for k in _due if k not in seen]:
        _due.pop(key, None)


def _scheduler() -> None:
    while True:
        time.sleep(0.5)
        try:
            tick()
        except Exception:  # noqa: BLE001 -- the scheduler must survive anything a rule holds
            log.exception("schedule tick failed")


def start_scheduler() -> None:
    if not _scheduler_started.is_set():
        _scheduler_started.set()
        threading.Thread(target=_scheduler, daemon=True, name="event-schedules").start()


# --- control ---------------------------------------------------------------------------------------


def clock(method: str, body: Any) -> tuple[int, Any]:
    if method == "GET":
        return 200, {"speedup": _clock.speedup()}
    if method != "POST":
        return 405, {"error": f"{method} not allowed"}
    if not isinstance(body, dict) or set(body) != {"speedup"} or not isinstance(body["speedup"], (int, float)) \
            or isinstance(body["speedup"], bool) or not 1 <= body["speedup"] <= 100_000:
        raise _control.BadRequest('expected {"speedup": N} with 1 <= N <= 100000')
    _clock.set_speedup(body["speedup"])
    now = time.monotonic()
    for key in list(_due):  # rates restart from now at the new speed; crons from the current minute
        period = rate_seconds(key[4])
        if period is not None:
            _due[key] = now + max(_scaled(period), 1.0)
        else:
            _due.pop(key, None)
    return 200, {"speedup": _clock.speedup()}


def invocations(method: str, body: Any) -> tuple[int, Any]:
    if method == "DELETE":
        with _slots:
            count = len(_invocations)
            _invocations.clear()
        return 200, {"deleted": count}
    if method != "GET":
        return 405, {"error": f"{method} not allowed"}
    with _slots:
        return 200, {"invocations": list(_invocations)}


def reset(original, self) -> None:
    """moto's reset also restores real time and forgets the invocations."""
    original()
    _clock.set_speedup(1.0)
    _due.clear()
    with _slots:
        _invocations.clear()


def apply() -> str:
    patch(LambdaSimpleBackend, "invoke", backend_invoke, corrects="Invoke echoes the payload instead of running the function")
    patch(LambdaFunction, "invoke", function_invoke,
          corrects="DynamoDB stream, SNS and Kinesis event sources try docker instead of running the function")
    patch(LambdaFunction, "__init__", function_init, corrects="DeadLetterConfig and LoggingConfig are dropped")
    patch(LambdaFunction, "update_configuration", update_configuration,
          corrects="UpdateFunctionConfiguration drops DeadLetterConfig and LoggingConfig")
    patch(LambdaFunction, "get_configuration", get_configuration,
          corrects="GetFunctionConfiguration reports neither DeadLetterConfig nor LoggingConfig")
    patch(LambdaFunction, "create_from_cloudformation_json", function_from_cloudformation,
          corrects="AWS::Lambda::Function drops DeadLetterConfig and LoggingConfig")
    patch(Rule, "send_to_targets", send_to_targets, corrects="a rule with a Lambda target fails PutEvents (500)")
    patch(MotoAPIBackend, "reset", reset, corrects="reset keeps the emulator clock's speed-up (added here)")
    _control.register("/_iac/clock", clock)
    _control.register("/_iac/lambda/invocations", invocations)
    start_scheduler()
    return NAME
