"""Faults: a seeded fraction of AWS calls answered with the service's own throttling or
server error, as AWS sends them.

moto never throttles and never fails, so a client's retries are never exercised. With
`faults` = "throttle:0.1,5xx:0.05,seed=7" (EMULATOR_FAULTS, or the runtime key of the
same name; "" turns them off) each faultable call (aws_request.py) draws once from a
random generator seeded with `seed` (0 if left out): below 0.1 it is throttled, below
0.15 it gets a server error (500 or 503, a second draw), else moto answers. The same
seed and the same sequence of calls give the same faults; setting `faults` starts the
sequence again. The call is not carried out. Counts per kind: GET /_emulator/stats.

Calls the emulator makes itself (EventBridge invoking a Lambda target, events_lambda.py) draw
with draw_internal() at the same rates from a generator of their own (seeded from `seed`), so
they neither shift nor depend on the clients' sequence; they are not counted in the stats.

The answers (codes are all in the AWS SDKs' retryable lists: aws-runtime's
THROTTLING_ERRORS has Throttling, ThrottlingException, RequestLimitExceeded, SlowDown,
TooManyRequestsException; aws-smithy-runtime retries HTTP 500, 502, 503 and 504):

  protocol   service     throttle                          500                503
  ec2        EC2         503 RequestLimitExceeded          InternalError      Unavailable
  query      IAM, STS,   400 Throttling "Rate exceeded"    InternalFailure    ServiceUnavailable
             CloudFormation ...
  json       SageMaker,  400 ThrottlingException           InternalFailure    ServiceUnavailable
             KMS, Logs, Service Catalog, SSM ...
  rest-json  Lambda      429 TooManyRequestsException      InternalFailure    ServiceUnavailable
             EFS         429 ThrottlingException
             CodeArtifact 429 ThrottlingException
             others      400 ThrottlingException
  rest-xml   S3          503 SlowDown                      InternalError      ServiceUnavailable

Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
(EC2 codes and its XML error format), https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html
(ThrottlingException 400, InternalFailure 500, ServiceUnavailable 503 for query and JSON
services), https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (SlowDown 503),
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (TooManyRequestsException 429),
https://docs.aws.amazon.com/efs/latest/ug/API_CreateAccessPoint.html (ThrottlingException 429).
"""

import json
import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from .aws_request import AwsRequest
from .common import CONFIG

KINDS = ("throttle", "5xx")


@dataclass(frozen=True)
class FaultSpec:
    throttle: float = 0.0
    server: float = 0.0
    seed: int = 0

    @property
    def on(self) -> bool:
        return self.throttle > 0 or self.server > 0


def parse(text: str) -> FaultSpec:
    """'throttle:0.1,5xx:0.05,seed=N' (any order, each part optional); '' or 'off': none."""
    text = (text or "").strip()
    if text in ("", "off", "none"):
        return FaultSpec()
    rates = {"throttle": 0.0, "5xx": 0.0}
    seed = 0
    for part in (p.strip() for p in text.split(",")):
        if part.startswith("seed="):
            try:
                seed = int(part[len("seed=") :])
            except ValueError as exc:
                raise ValueError(f"faults: seed must be an integer, not {part[5:]!r}") from exc
            continue
        kind, sep, rate = part.partition(":")
        if not sep or kind not in rates:
            raise ValueError(f"faults: {part!r} is not <throttle|5xx>:<rate> or seed=<n>")
        try:
            rates[kind] = float(rate)
        except ValueError as exc:
            raise ValueError(f"faults: the rate of {kind} must be a number, not {rate!r}") from exc
        if not 0 <= rates[kind] <= 1:
            raise ValueError(f"faults: the rate of {kind} must be between 0 and 1")
    if rates["throttle"] + rates["5xx"] > 1:
        raise ValueError("faults: the rates add up to more than 1")
    return FaultSpec(rates["throttle"], rates["5xx"], seed)


_lock = threading.Lock()
_state: dict[str, Any] = {"spec": FaultSpec(), "rng": random.Random(0), "internal_rng": random.Random(0)}

# Calls the emulator makes inside itself (EventBridge invoking a Lambda target, events_lambda.py)
# draw from a generator of their own, so that they neither shift nor depend on the sequence the
# clients' calls see.
_INTERNAL_SEED_SALT = 0x5EED


def _check(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string such as 'throttle:0.1,5xx:0.05,seed=1'")
    parse(value)
    return value


def _apply(changed: set[str]) -> None:
    if "faults" in changed:
        spec = parse(CONFIG.get("faults"))
        with _lock:
            _state["spec"], _state["rng"] = spec, random.Random(spec.seed)
            _state["internal_rng"] = random.Random(spec.seed ^ _INTERNAL_SEED_SALT)


def draw(request: AwsRequest) -> tuple[str, int] | None:
    """(kind, HTTP status) of the fault this call gets, or None."""
    spec: FaultSpec = _state["spec"]
    if not spec.on or not request.faultable:
        return None
    with _lock:
        rng = _state["rng"]
        u = rng.random()
        if u < spec.throttle:
            return "throttle", 0
        if u < spec.throttle + spec.server:
            return "5xx", 500 if rng.random() < 0.5 else 503
    return None


def draw_internal() -> str | None:
    """"throttle", "5xx" or None for a call the emulator makes itself (same rates, own sequence)."""
    spec: FaultSpec = _state["spec"]
    if not spec.on:
        return None
    with _lock:
        u = _state["internal_rng"].random()
    if u < spec.throttle:
        return "throttle"
    if u < spec.throttle + spec.server:
        return "5xx"
    return None


# protocol -> (code, HTTP status, message) for a throttled call.
THROTTLE = {
    "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
    "query": ("Throttling", 400, "Rate exceeded"),
    "json": ("ThrottlingException", 400, "Rate exceeded"),
    "rest-json": ("ThrottlingException", 400, "Rate exceeded"),
    "rest-xml": ("SlowDown", 503, "Please reduce your request rate."),
}
SERVICE_THROTTLE = {
    "lambda": ("TooManyRequestsException", 429, "Rate exceeded"),
    "efs": ("ThrottlingException", 429, "Rate exceeded"),
    # CodeArtifact's model gives its ThrottlingException HTTP 429 (codeartifact.py serves it).
    "codeartifact": ("ThrottlingException", 429, "Rate exceeded"),
}
# protocol -> HTTP status -> (code, message).
SERVER = {
    "ec2": {500: ("InternalError", "An internal error has occurred."), 503: ("Unavailable", "The server is overloaded and can't handle the request.")},
    "rest-xml": {500: ("InternalError", "We encountered an internal error. Please try again."), 503: ("ServiceUnavailable", "Please reduce your request rate.")},
    "other": {
        500: ("InternalFailure", "The request processing has failed because of an unknown error, exception or failure."),
        503: ("ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    },
}


def answer(request: AwsRequest, kind: str, status: int, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of the fault in the request's protocol."""
    protocol = request.protocol
    if kind == "throttle":
        code, status, message = SERVICE_THROTTLE.get(request.service or "", THROTTLE.get(protocol, THROTTLE["json"]))
    else:
        code, message = SERVER.get(protocol, SERVER["other"])[status]
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif protocol == "query":
        side = "Sender" if status < 500 else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{side}</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    elif protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message><RequestId>{request_id}</RequestId>"
            f"<HostId>{request_id}</HostId></Error>"
        ).encode()
        headers += [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    elif protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    else:  # json (and anything unknown)
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = environ.get("CONTENT_TYPE") or "application/x-amz-json-1.1"
        headers.append(("Content-Type", content_type))
    if environ.get("REQUEST_METHOD") == "HEAD":
        body = b""
    headers.append(("Content-Length", str(len(body))))
    reasons = {400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
    return f"{status} {reasons.get(status, 'Error')}", headers, body


def install() -> None:
    CONFIG.validator("faults", _check)
    CONFIG.on_change(_apply)
    _apply({"faults"})
