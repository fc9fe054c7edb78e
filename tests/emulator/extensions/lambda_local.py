"""Lambda functions on OS-only runtimes run as local child processes (no Docker).

moto's Invoke starts a Docker container. For Runtime provided.al2023, provided.al2
and provided the code zip holds a `bootstrap` executable that talks to the Lambda
Runtime API; this module runs that executable on this machine instead, one process
per invocation, against a tiny Runtime API server that serves exactly one event:

  GET  /2018-06-01/runtime/invocation/next            200, the event; a second call blocks
  POST /2018-06-01/runtime/invocation/<id>/response   202, the result
  POST /2018-06-01/runtime/invocation/<id>/error      202, a function error
  POST /2018-06-01/runtime/init/error                 202, an initialisation error

The process is killed (its whole process group) as soon as a result or error is
recorded, or at the function's Timeout. Its stdout and stderr go to
<run dir>/lambda/<function name>.log and to a stream of the CloudWatch Logs group
/aws/lambda/<function name>. Other runtimes keep moto's behaviour.
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moto.awslambda.models import LambdaFunction

from .common import LOCK

LOCAL_RUNTIMES = {"provided.al2023", "provided.al2", "provided"}
API = "/2018-06-01/runtime"
# AWS's size limit for a synchronous answer and for the tail in X-Amz-Log-Result.
LOG_TAIL_BYTES = 4096

_moto_invoke = LambdaFunction.invoke
_extract_locks: dict[str, threading.Lock] = {}


def run_dir() -> str:
    """The emulator's run dir: where server.log is (stdout), else a temp dir of our own."""
    try:
        target = os.readlink("/proc/self/fd/1")
        if os.path.basename(target) == "server.log":
            return os.path.dirname(target)
    except OSError:
        pass
    root = os.environ.get("EMULATOR_RUN_DIR")
    port = os.environ.get("MOTO_PORT")
    if root and port and os.path.isdir(os.path.join(root, port)):
        return os.path.join(root, port)
    path = os.path.join(tempfile.gettempdir(), f"aws-emulator-{os.getuid()}-{port or 'x'}")
    os.makedirs(path, exist_ok=True)
    return path


def code_dir(fn: LambdaFunction) -> str:
    """The function's code zip unpacked (once per code hash), exec bits kept."""
    data: bytes = fn.code_bytes or b""
    if not data:
        raise RuntimeError(f"function {fn.function_name} has no code")
    digest = hashlib.sha256(data).hexdigest()
    root = os.path.join(run_dir(), "lambda", "code")
    final = os.path.join(root, digest)
    with LOCK:
        lock = _extract_locks.setdefault(digest, threading.Lock())
    with lock:
        if os.path.isdir(final):
            return final
        os.makedirs(root, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=root)
        try:
            import io

            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    path = zf.extract(info, tmp)
                    mode = (info.external_attr >> 16) & 0o777
                    if mode and not info.is_dir():
                        os.chmod(path, mode)
            bootstrap = os.path.join(tmp, "bootstrap")
            if os.path.isfile(bootstrap):
                # Lambda needs it executable; a zip made without Unix modes has none.
                os.chmod(bootstrap, os.stat(bootstrap).st_mode | 0o755)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final


@dataclass
class Outcome:
    payload: bytes = b""
    error_type: str | None = None  # None: success
    recorded: threading.Event = field(default_factory=threading.Event)


def _error_payload(message: str, error_type: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class RuntimeApi(ThreadingHTTPServer):
    """The Lambda Runtime API for one invocation, on 127.0.0.1 and a free port."""

    daemon_threads = True

    def __init__(self, event: bytes, request_id: str, headers: dict[str, str]):
        self.event, self.request_id, self.event_headers = event, request_id, headers
        self.outcome = Outcome()
        self.served = False
        self.closing = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)

    def record(self, payload: bytes, error_type: str | None) -> None:
        if not self.outcome.recorded.is_set():
            self.outcome.payload, self.outcome.error_type = payload, error_type
            self.outcome.recorded.set()

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.closing.set()  # releases a blocked second /next
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RuntimeApi

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        srv = self.server
        if self.path != f"{API}/invocation/next":
            self._answer(404, b'{"errorMessage": "not found"}')
            return
        with LOCK:
            first = not srv.served
            srv.served = True
        if not first:
            # A real runtime has no second event for this process: it waits until frozen or killed.
            srv.closing.wait()
            self.close_connection = True
            return
        headers = dict(srv.event_headers)
        headers["Lambda-Runtime-Deadline-Ms"] = headers.pop("deadline")
        self._answer(200, srv.event, headers)

    def do_POST(self) -> None:
        srv = self.server
        body = self._body()
        rid = srv.request_id
        if self.path == f"{API}/invocation/{rid}/response":
            srv.record(body, None)
        elif self.path == f"{API}/invocation/{rid}/error":
            srv.record(_as_error(body, self.headers.get("Lambda-Runtime-Function-Error-Type")), "Unhandled")
        elif self.path == f"{API}/init/error":
            srv.record(_as_error(body, self.headers.get("Lambda-Runtime-Function-Error-Type")), "Unhandled")
        else:
            self._answer(404, b'{"errorMessage": "unknown path or request id"}')
            return
        self._answer(202, b'{"status": "OK"}')


def _as_error(body: bytes, error_type: str | None) -> bytes:
    try:
        doc = json.loads(body or b"{}")
        if isinstance(doc, dict):
            return json.dumps(doc).encode()
    except ValueError:
        pass
    return _error_payload(body.decode(errors="replace"), error_type or "Runtime.Unknown")


def _environment(fn: LambdaFunction, api_port: int, task_root: str) -> dict[str, str]:
    env = {str(k): str(v) for k, v in (fn.environment_vars or {}).items()}
    env.update(
        {
            "PATH": os.environ.get("PATH") or "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": fn.handler or "",
            "LAMBDA_TASK_ROOT": task_root,
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api_port}",
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '4566')}",
            # The custom-resource Lambda answers only CloudFormation's response buckets, and
            # hosts listed here: cfn_custom.py's ResponseURL is this emulator's own address.
            "SECURE_MLOPS_ALLOWED_RESPONSE_HOST": f"127.0.0.1:{os.environ.get('MOTO_PORT', '4566')}",
        }
    )
    # As Lambda does for a function whose LoggingConfig asks for JSON logs (moto drops it;
    # install() keeps it on the function).
    logging = getattr(fn, "logging_config", None) or {}
    if logging.get("LogFormat") == "JSON":
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    if logging.get("LogGroup"):
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = logging["LogGroup"]
    return env


_moto_init = LambdaFunction.__init__
_moto_update_configuration = LambdaFunction.update_configuration


def _init(self: LambdaFunction, *args: Any, **kwargs: Any) -> None:
    _moto_init(self, *args, **kwargs)
    spec = kwargs.get("spec") if "spec" in kwargs else (args[1] if len(args) > 1 else {})
    self.logging_config = dict((spec or {}).get("LoggingConfig") or {})


def _update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "LoggingConfig" in config_updates:
        self.logging_config = dict(config_updates["LoggingConfig"] or {})
    answer = _moto_update_configuration(self, config_updates)
    if getattr(self, "logging_config", None) and isinstance(answer, dict):
        answer["LoggingConfig"] = self.logging_config
    return answer


def run_local(fn: LambdaFunction, event: bytes, request_id: str | None = None) -> tuple[bytes, str | None, str]:
    """One invocation: (payload, function error or None, the process's output). `request_id`:
    Lambda's id for the event (an asynchronous event keeps it across retries); default a new one."""
    request_id = request_id or str(uuid.uuid4())
    timeout = float(fn.timeout or 3)
    task_root = code_dir(fn)
    trace = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
    api = RuntimeApi(
        event,
        request_id,
        {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "deadline": str(int((time.time() + timeout) * 1000)),
            "Lambda-Runtime-Invoked-Function-Arn": fn.function_arn,
            "Lambda-Runtime-Trace-Id": trace,
        },
    )
    api.start()
    output: list[bytes] = []
    started = time.monotonic()
    proc = None
    try:
        try:
            proc = subprocess.Popen(
                [os.path.join(task_root, "bootstrap")],
                cwd=task_root,
                env=_environment(fn, api.server_address[1], task_root),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )
        except OSError as exc:
            api.record(_error_payload(f"Couldn't start bootstrap: {exc}", "Runtime.InvalidEntrypoint"), "Unhandled")
        if proc is not None:
            reader = threading.Thread(target=lambda: output.extend(iter(lambda: proc.stdout.read1(65536), b"")), daemon=True)
            reader.start()
            while not api.outcome.recorded.wait(0.02):
                if proc.poll() is not None:
                    api.outcome.recorded.wait(0.1)  # a result posted just before exiting
                    api.record(
                        _error_payload(
                            f"RequestId: {request_id} Error: Runtime exited with error: exit status {proc.returncode}",
                            "Runtime.ExitError",
                        ),
                        "Unhandled",
                    )
                    break
                if time.monotonic() - started > timeout:
                    api.record(
                        _error_payload(f"{request_id} Task timed out after {timeout:.2f} seconds", "Sandbox.Timedout"),
                        "Unhandled",
                    )
                    break
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
            reader.join(2)
    finally:
        api.stop()
    logs = b"".join(output).decode(errors="replace")
    _save_logs(fn, request_id, logs, api.outcome, time.monotonic() - started)
    return api.outcome.payload, api.outcome.error_type, logs


def _save_logs(fn: LambdaFunction, request_id: str, logs: str, outcome: Outcome, seconds: float) -> None:
    status = "ok" if outcome.error_type is None else "error " + outcome.payload.decode(errors="replace")[:500]
    try:
        folder = os.path.join(run_dir(), "lambda")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{fn.function_name}.log"), "a", encoding="utf-8") as fh:
            fh.write(f"=== {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} START RequestId: {request_id}\n")
            fh.write(logs if logs.endswith("\n") or not logs else logs + "\n")
            fh.write(f"=== END RequestId: {request_id} ({seconds:.2f}s, {status})\n")
    except OSError:
        pass
    try:
        lines = [f"START RequestId: {request_id} Version: $LATEST", *logs.splitlines(), f"END RequestId: {request_id}"]
        # moto's save_logs stamps events with float milliseconds, which GetLogEvents and
        # FilterLogEvents then answer and the AWS SDKs refuse (a timestamp is an integer). The
        # group is the function's LoggingConfig.LogGroup when it names one, as on Lambda.
        group = (getattr(fn, "logging_config", None) or {}).get("LogGroup") or fn.logs_group_name
        now = int(time.time() * 1000)
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{uuid.uuid4().hex}"
        with LOCK:
            fn.logs_backend.ensure_log_group(group)
            fn.logs_backend.create_log_stream(group, stream)
            fn.logs_backend.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])
    except Exception:  # logs are for debugging; never fail the invocation
        pass


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    if value is None and hasattr(headers, "items"):
        for key, val in headers.items():
            if key.lower() == name.lower():
                return val
    return value


def _invoke(self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> Any:
    if self.run_time not in LOCAL_RUNTIMES:
        return _moto_invoke(self, body, request_headers, response_headers)
    event = body.encode() if isinstance(body, str) else (body or b"")
    if not event.strip():
        event = b"{}"
    inv_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
    response_headers["x-amz-executed-version"] = "$LATEST"
    if inv_type == "DryRun":
        return b""
    if inv_type == "Event":
        threading.Thread(target=_run_quietly, args=(self, event), daemon=True).start()
        return b""
    payload, error, logs = run_local(self, event)
    if error:
        response_headers["x-amz-function-error"] = error
    tail = logs.encode()[-LOG_TAIL_BYTES:]
    response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
    return payload


def _run_quietly(fn: LambdaFunction, event: bytes) -> None:
    try:
        run_local(fn, event)
    except Exception as exc:  # an asynchronous invocation has no caller to tell
        print(f"lambda_local: async invoke of {fn.function_name} failed: {exc!r}", flush=True)


def install() -> None:
    LambdaFunction.invoke = _invoke
    LambdaFunction.__init__ = _init
    LambdaFunction.update_configuration = _update_configuration
