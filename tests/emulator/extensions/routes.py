"""The emulator's own HTTP routes, served in front of moto on the same port.

They live under /_emulator/, which no AWS request can reach: moto picks a
service from the Host header, the SigV4 credential scope or the body, and falls
back to S3 path-style addressing, where the first path segment is a bucket name,
and bucket names cannot contain "_". We intercept these paths before moto's
dispatcher sees the request, so moto's routing is never involved.

  GET  /_emulator/health     {"emulator": "aws-emulator", "pid": ..., "moto": "5.2.5"}
  GET  /_emulator/inventory  see inventory.py
  GET  /_emulator/config     current runtime config, plus "effective": the latency profile in force
  POST /_emulator/config     JSON object of settings to change, e.g. {"sc_share_delay_seconds": 0.2};
                             "request_delay_seconds" delays every AWS request (not these routes);
                             "studio_delay_seconds" is how long Studio resources stay Pending/Deleting;
                             latency_profile/latency_scale/call_latency_scale/latency_seed
                             (latency_profile.py), faults (faults.py)
  GET  /_emulator/latency-profile  the settle times and call latency in force (latency_profile.describe)
  GET  /_emulator/stats      AWS calls per service and operation, and faults injected (stats.py)
  POST /_emulator/stats/reset  count from zero again
  GET  /_emulator/deliveries EventBridge deliveries to Lambda targets and the CloudTrail events
                             the emulator put on buses (events_lambda.py); ?function=<name or ARN>,
                             ?event_id=<id> narrow it; "pipelines": the rules' starts of
                             CodePipeline pipelines (mlops_events.py)
  POST /_emulator/deliveries/reset  forget them
  POST /_emulator/reset      drop every resource (moto's reset; extension state lives
                             on moto's backends so it goes too) and the delivery records;
                             config and stats are kept

Every other request is an AWS call (or moto's own): it is classified (aws_request.py) and
counted, waits request_delay_seconds plus the profile's per-call latency, may get a fault
(faults.py), then the due transitions are applied (pending.py, studio.settle) and moto answers.
"""

import json
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import moto

from . import aws_request, events_lambda, faults, latency_profile, mlops_events, model_rules, pending, stats
from .common import CONFIG, LOCK
from .inventory import inventory
from .studio import settle

PREFIX = "/_emulator/"


def _reset() -> dict[str, Any]:
    from moto.moto_api._internal.models import moto_api_backend

    with LOCK:
        moto_api_backend.reset()
        pending.clear()
    events_lambda.reset()
    mlops_events.reset()
    return {"reset": True}


def _config() -> dict[str, Any]:
    return {**CONFIG.values, "effective": latency_profile.describe()}


class EmulatorApp:
    def __init__(self, moto_app: Callable[..., Iterable[bytes]]) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.aws(environ, start_response)
        status, body = self.handle(environ.get("REQUEST_METHOD", "GET"), path[len(PREFIX) :].rstrip("/"), environ)
        data = json.dumps(body, indent=1, sort_keys=True).encode() + b"\n"
        start_response(
            status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]

    def aws(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            request = aws_request.classify(environ)
        except Exception:  # never let bookkeeping break a call: serve it uncounted and unfaulted
            traceback.print_exc(file=sys.stderr)
            request = None
        if request is not None:
            stats.count(request)
        delay = CONFIG.get("request_delay_seconds")
        if request is not None and request.service is not None:
            delay += latency_profile.call_latency_seconds()
        if delay > 0:
            time.sleep(delay)
        fault = faults.draw(request) if request is not None else None
        if fault is not None:
            stats.count_fault(request, fault[0])
            status, headers, body = faults.answer(request, fault[0], fault[1], environ)
            start_response(status, headers)
            return [body]
        refused = self.refused(request, environ) if fault is None else None
        if refused is not None:
            start_response(refused[0], refused[1])
            return [refused[2]]
        # Time-driven state (Studio's Pending/Deleting, pending.py's queue) catches up
        # before moto sees the request.
        pending.run_due()
        settle()
        return self.moto_app(environ, start_response)

    @staticmethod
    def refused(request: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """AWS's answer to a request that breaks its API model's constraints (model_rules)."""
        if request is None or request.protocol != "json" or request.service not in model_rules.CHECKED_SERVICES:
            return None
        body = aws_request.read_body(environ)
        text = model_rules.refusal(request.service, request.operation, body)
        if text is None:
            return None
        data = json.dumps({"__type": "ValidationException", "message": text}).encode()
        headers = [
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("Content-Type", environ.get("CONTENT_TYPE") or "application/x-amz-json-1.1"),
            ("Content-Length", str(len(data))),
        ]
        return "400 Bad Request", headers, data

    def handle(self, method: str, route: str, environ: dict[str, Any]) -> tuple[str, Any]:
        if route == "health" and method == "GET":
            return "200 OK", {"emulator": "aws-emulator", "pid": os.getpid(), "moto": moto.__version__}
        if route == "inventory" and method == "GET":
            pending.run_due()
            settle()
            return "200 OK", inventory()
        if route == "config" and method == "GET":
            return "200 OK", _config()
        if route == "config" and method == "POST":
            try:
                changes = json.loads(_read_body(environ) or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("body must be a JSON object")
                if "effective" in changes:
                    raise ValueError("effective is read-only (GET /_emulator/latency-profile)")
                CONFIG.update(changes)
                return "200 OK", _config()
            except ValueError as exc:
                return "400 Bad Request", {"error": str(exc)}
        if route == "reset" and method == "POST":
            return "200 OK", _reset()
        if route == "latency-profile" and method == "GET":
            return "200 OK", latency_profile.describe()
        if route == "stats" and method == "GET":
            return "200 OK", stats.snapshot()
        if route == "stats/reset" and method == "POST":
            stats.reset()
            return "200 OK", stats.snapshot()
        if route == "deliveries" and method == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            snapshot = events_lambda.snapshot(
                function=(query.get("function") or [None])[0], event_id=(query.get("event_id") or [None])[0]
            )
            return "200 OK", {**snapshot, "pipelines": mlops_events.deliveries()}
        if route == "deliveries/reset" and method == "POST":
            events_lambda.reset()
            mlops_events.reset()
            return "200 OK", {**events_lambda.snapshot(), "pipelines": []}
        if route in {
            "health", "inventory", "config", "reset", "latency-profile", "stats", "stats/reset", "deliveries",
            "deliveries/reset",
        }:
            return "405 Method Not Allowed", {"error": f"{method} not allowed on {PREFIX}{route}"}
        return "404 Not Found", {"error": f"no route {PREFIX}{route}"}


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""
