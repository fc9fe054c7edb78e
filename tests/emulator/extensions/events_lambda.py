"""EventBridge rules deliver to Lambda functions, asynchronously, as AWS does.

moto 5.2.5's Rule.send_to_targets raises NotImplementedError for a Lambda target (PutEvents
answers 500), delivers to rules that are DISABLED, and moto's Lambda keeps no
DeadLetterConfig and appends a second PutFunctionEventInvokeConfig instead of replacing the
first. Here:

Rules
  - only rules in state ENABLED (or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS) deliver;
    the pattern is moto's matcher; targets other than Lambda go to moto's code one by one (one
    that moto cannot deliver to is skipped with a line in the server log, not a 500).
  - a Lambda target (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]) gets the
    event in a thread of its own, so the call that caused the event (PutEvents, or a SageMaker
    call recorded by CloudTrail, cloudtrail_events.py) never waits, and concurrent events run
    concurrently. The function receives the event as EventBridge sends it ("time" ISO 8601,
    no moto-internal keys), or the target's Input (as given), InputPath (JSONPath into the
    event) or InputTransformer (InputPathsMap + InputTemplate; a placeholder inside a JSON
    string is replaced by the text, elsewhere by the JSON value; aws.events.rule-arn,
    aws.events.rule-name, aws.events.event, aws.events.event.json,
    aws.events.event.ingestion-time).

EventBridge -> Lambda (the Invoke EventBridge makes, InvocationType Event)
  - the function must exist (else RESOURCE_NOT_FOUND) and its resource-based policy
    (AddPermission) must allow it: a statement with Effect Allow, Principal
    events.amazonaws.com (or "*"), Action lambda:InvokeFunction (or lambda:*, *), Resource the
    target's function ARN, and conditions that hold for the rule (ArnLike/ArnEquals/StringLike/
    StringEquals and their negations on AWS:SourceArn = the rule ARN, AWS:SourceAccount = the
    rule's account; any other condition key does not hold), and no such Deny. Else
    NO_PERMISSIONS.
  - both are not retried (AWS: "for errors that result from missing permissions to a target,
    or a target resource that no longer exists ... EventBridge sends these events directly to
    the DLQ"); the event goes to the target's DeadLetterConfig.Arn (an SQS queue) with message
    attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, RETRY_ATTEMPTS (and
    EXHAUSTED_RETRY_CONDITION after retries), or is dropped.
  - retriable failures: with `faults` on, each such Invoke draws a throttle (THROTTLING) or a
    server error (INTERNAL_ERROR) at the faults' rates from a sequence of its own
    (faults.draw_internal). They are retried per the target's RetryPolicy
    (MaximumRetryAttempts, default 185; MaximumEventAgeInSeconds, default 86400) with
    exponential backoff 1, 2, 4, ... 60 AWS seconds, then go to the target DLQ as above.

Lambda's asynchronous invocation (once EventBridge's Invoke is accepted)
  - provided.* runtimes run through lambda_local.run_local (other runtimes: outcome
    "unsupported_runtime", nothing runs: moto would need Docker).
  - a function error (posted to /error, a crash, a timeout) is retried per the function's
    event invoke config (PutFunctionEventInvokeConfig: MaximumRetryAttempts 0-2, default 2;
    MaximumEventAgeInSeconds, default 21600) after 1 and then 2 AWS minutes; then the event
    goes to the function's DeadLetterConfig.TargetArn (SQS or SNS; message attributes
    RequestID, ErrorCode 200, ErrorMessage) and, if configured, to
    DestinationConfig.OnFailure (SQS or SNS: an invocation record). OnSuccess destinations get
    the record of a success.
  - waits are AWS seconds times `async_retry_scale` (EMULATOR_ASYNC_RETRY_SCALE, default
    0.001: a minute in 60 ms); event ages count those waits.

Lambda API fixes
  - CreateFunction/UpdateFunctionConfiguration keep DeadLetterConfig (TargetArn "" removes
    it), GetFunction/GetFunctionConfiguration answer it.
  - PutFunctionEventInvokeConfig replaces the function's config; UpdateFunctionEventInvokeConfig
    changes only the members it is given.

Every delivery is recorded (snapshot(), GET /_emulator/deliveries): per function ARN, one
record per (event, rule, target) with the attempts, the function's invocations and the outcome.
"""

import copy
import fnmatch
import json
import re
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.events.models import Rule

from . import faults, lambda_local
from .common import CONFIG

ENABLED_STATES = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
LAMBDA_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([^:]+))?$")
# Lambda's asynchronous retries: 1 minute before the second attempt, 2 before the third.
LAMBDA_RETRY_WAITS = (60.0, 120.0)
EVENTBRIDGE_BACKOFF_CAP = 60.0
ERROR_MESSAGE_LIMIT = 1024

_moto_send = Rule.send_to_targets

# --- records ------------------------------------------------------------------------------

_lock = threading.Lock()
_records: list[dict[str, Any]] = []
_events: list[dict[str, Any]] = []
_generation = [0]


def _iso(ts: float | None = None, millis: bool = True) -> str:
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, timezone.utc)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _update(rec: dict[str, Any], **changes: Any) -> None:
    with _lock:
        rec.update(changes)


def _append(rec: dict[str, Any], key: str, item: Any) -> None:
    with _lock:
        rec[key].append(item)


def note_event(summary: dict[str, Any]) -> None:
    """An event the emulator put on a bus itself (cloudtrail_events.py)."""
    with _lock:
        _events.append(summary)


def generation() -> int:
    return _generation[0]


def reset() -> None:
    """Forget every record; deliveries still running stop at their next step."""
    with _lock:
        _generation[0] += 1
        _records.clear()
        _events.clear()


def _parse(text: bytes | str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text.decode(errors="replace") if isinstance(text, bytes) else text


def snapshot(function: str | None = None, event_id: str | None = None) -> dict[str, Any]:
    """{"functions": {function ARN: [records]}, "events": [...], "count", "pending"}.
    `function`: a name or an ARN; `event_id`: one event."""
    with _lock:
        records = copy.deepcopy(_records)
        events = copy.deepcopy(_events)
    if function:
        records = [r for r in records if function in (r["function"], r["function_arn"])]
    if event_id:
        records = [r for r in records if r["event_id"] == event_id]
        events = [e for e in events if e.get("id") == event_id]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        grouped.setdefault(rec["function_arn"], []).append(rec)
    return {
        "functions": grouped,
        "events": events,
        "count": len(records),
        "pending": sum(1 for r in records if r["outcome"] == "pending"),
    }


# --- the event as targets get it -------------------------------------------------------------


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()


def for_moto(event: dict[str, Any]) -> dict[str, Any]:
    """What moto's own target code expects: "time" in epoch seconds, an ingestion time."""
    out = copy.deepcopy(event)
    out["time"] = _epoch(out.get("time", time.time()))
    out.setdefault("ingestion-time", time.time())
    return out


def for_target(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge sends it: "time" ISO 8601 (seconds), no moto-internal keys."""
    out = {k: copy.deepcopy(v) for k, v in event.items() if k != "ingestion-time"}
    if isinstance(out.get("time"), (int, float)):
        out["time"] = _iso(out["time"], millis=False)
    return out


_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def _jsonpath(event: Any, path: str) -> Any:
    from jsonpath_ng.ext import parse

    try:
        matches = parse(path).find(event)
    except Exception:  # a path jsonpath_ng cannot read selects nothing
        return None
    return matches[0].value if matches else None


def _fill(template: str, values: dict[str, Any]) -> str:
    """InputTemplate with its placeholders replaced: inside a JSON string by the text (escaped),
    elsewhere by the JSON value."""
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if ch == '"':
            in_string = not in_string
        elif ch == "<":
            match = _PLACEHOLDER.match(template, i)
            if match and match.group(1) in values:
                value = values[match.group(1)]
                if in_string:
                    text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
                    out.append(json.dumps(text)[1:-1])
                else:
                    out.append(json.dumps(value))
                i = match.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def target_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str, rule_name: str) -> bytes:
    """The bytes the target receives: Input, InputPath, InputTransformer, or the event."""
    sent = for_target(event)
    if target.get("Input") is not None:
        return str(target["Input"]).encode()
    if target.get("InputPath"):
        return json.dumps(_jsonpath(sent, target["InputPath"])).encode()
    transformer = target.get("InputTransformer")
    if transformer:
        values = {name: _jsonpath(sent, path) for name, path in (transformer.get("InputPathsMap") or {}).items()}
        values.update(
            {
                "aws.events.rule-arn": rule_arn,
                "aws.events.rule-name": rule_name,
                "aws.events.event": sent,
                "aws.events.event.json": sent,
                "aws.events.event.ingestion-time": _iso(event.get("ingestion-time"), millis=False),
            }
        )
        return _fill(str(transformer.get("InputTemplate") or ""), values).encode()
    return json.dumps(sent).encode()


# --- who may invoke ------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _principal_ok(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS")) or "events.amazonaws.com" in _as_list(principal.get("Service"))
    return principal == "events.amazonaws.com"


def _action_ok(action: Any) -> bool:
    return any(fnmatch.fnmatchcase("lambda:invokefunction", str(a).lower()) for a in _as_list(action))


def _resource_ok(resource: Any, target_arn: str, function_arn: str) -> bool:
    wanted = {target_arn}
    if target_arn == function_arn:
        wanted.add(function_arn + ":$LATEST")
    return any(fnmatch.fnmatchcase(w, str(r)) for r in _as_list(resource) or [function_arn] for w in wanted)


def _condition_ok(condition: Any, context: dict[str, str]) -> bool:
    for operator, tests in (condition or {}).items():
        op = str(operator)
        if_exists = op.endswith("IfExists")
        op = op[: -len("IfExists")] if if_exists else op
        for key, expected in (tests or {}).items():
            actual = context.get(str(key).lower())
            if actual is None:
                if if_exists:
                    continue
                return False
            values = [str(v) for v in _as_list(expected)]
            like = op.replace("Not", "") in ("ArnLike", "StringLike")
            if op.replace("Not", "") not in ("ArnLike", "ArnEquals", "StringLike", "StringEquals"):
                return False
            hit = any(fnmatch.fnmatchcase(actual, v) if like else actual == v for v in values)
            if hit == ("Not" in op):
                return False
    return True


def allows(fn: Any, target_arn: str, rule_arn: str, rule_account: str) -> bool:
    """Whether the function's resource-based policy lets EventBridge invoke it for this rule."""
    context = {"aws:sourcearn": rule_arn, "aws:sourceaccount": rule_account}
    allowed = False
    for statement in list(fn.policy.statements):
        if not (
            _principal_ok(statement.get("Principal"))
            and _action_ok(statement.get("Action"))
            and _resource_ok(statement.get("Resource"), target_arn, fn.function_arn)
            and _condition_ok(statement.get("Condition"), context)
        ):
            continue
        if statement.get("Effect", "Allow") == "Deny":
            return False
        allowed = True
    return allowed


# --- delivering ------------------------------------------------------------------------------------


def _sleep_aws(seconds: float) -> None:
    scaled = seconds * CONFIG.get("async_retry_scale")
    if scaled > 0:
        time.sleep(scaled)


def _sqs_send(arn: str, body: str, attributes: dict[str, tuple[str, str]]) -> str:
    from moto.sqs.models import sqs_backends

    parts = arn.split(":")
    region, account, name = parts[3], parts[4], parts[5]
    message = sqs_backends[account][region].send_message(
        queue_name=name,
        message_body=body,
        message_attributes={k: {"DataType": t, "StringValue": v} for k, (t, v) in attributes.items()},
    )
    return message.id


def _sns_publish(arn: str, body: str, attributes: dict[str, tuple[str, str]]) -> str:
    from moto.sns.models import sns_backends

    parts = arn.split(":")
    region, account = parts[3], parts[4]
    return sns_backends[account][region].publish(
        body, arn=arn, message_attributes={k: {"Type": t, "Value": v} for k, (t, v) in attributes.items()}
    )


def _send(arn: str, body: str, attributes: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Put a message on an SQS queue or SNS topic; {"arn", "message_id"} or {"arn", "error"}."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    try:
        if service == "sqs":
            return {"arn": arn, "message_id": _sqs_send(arn, body, attributes)}
        if service == "sns":
            return {"arn": arn, "message_id": _sns_publish(arn, body, attributes)}
        return {"arn": arn, "error": f"not an SQS queue or SNS topic: {arn}"}
    except Exception as exc:  # the queue or topic does not exist (any more)
        return {"arn": arn, "error": f"{type(exc).__name__}: {exc}"}


def _target_dlq(rec: dict[str, Any], target: dict[str, Any], event: dict[str, Any], code: str, message: str,
                retries: int, exhausted: str | None) -> bool:
    arn = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not arn:
        return False
    attributes = {
        "RULE_ARN": ("String", rec["rule_arn"]),
        "TARGET_ARN": ("String", rec["target_arn"]),
        "ERROR_CODE": ("String", code),
        "ERROR_MESSAGE": ("String", message[:ERROR_MESSAGE_LIMIT]),
        "RETRY_ATTEMPTS": ("String", str(retries)),
    }
    if exhausted:
        attributes["EXHAUSTED_RETRY_CONDITION"] = ("String", exhausted)
    sent = _send(arn, json.dumps(for_target(event)), attributes)
    _update(rec, dlq={"kind": "target", "error_code": code, **sent})
    return "message_id" in sent


def _accept(target: dict[str, Any], rule_arn: str, rule_account: str) -> tuple[Any, tuple[str, str, bool] | None]:
    """EventBridge's Invoke: (function, None) or (None, (error code, message, retriable))."""
    from moto.awslambda.models import lambda_backends

    arn = target["Arn"]
    match = LAMBDA_ARN.match(arn)
    if not match:
        return None, ("RESOURCE_NOT_FOUND", f"Not a Lambda function ARN: {arn}", False)
    region, account, _name, _qualifier = match.groups()
    try:
        fn = lambda_backends[account][region].get_function(arn)
    except Exception:
        fn = None
    if fn is None:
        return None, ("RESOURCE_NOT_FOUND", f"Function not found: {arn}", False)
    if not allows(fn, arn, rule_arn, rule_account):
        return None, (
            "NO_PERMISSIONS",
            f"EventBridge (events.amazonaws.com) is not authorized to perform lambda:InvokeFunction on {arn}: "
            f"no statement in the function's resource-based policy allows it for {rule_arn}",
            False,
        )
    drawn = faults.draw_internal()
    if drawn == "throttle":
        return None, ("THROTTLING", "Lambda throttled the invocation (Rate exceeded)", True)
    if drawn == "5xx":
        return None, ("INTERNAL_ERROR", "Lambda answered with a server error (ServiceException)", True)
    return fn, None


def _deliver(gen: int, rec: dict[str, Any], target: dict[str, Any], event: dict[str, Any], payload: bytes) -> None:
    policy = target.get("RetryPolicy") or {}
    max_retries = int(policy.get("MaximumRetryAttempts", 185))
    max_age = float(policy.get("MaximumEventAgeInSeconds", 86400))
    age = 0.0
    attempt = 0
    while True:
        if generation() != gen:
            return
        attempt += 1
        fn, failure = _accept(target, rec["rule_arn"], rec["account"])
        _update(rec, attempts=attempt)
        if failure is None:
            break
        code, message, retriable = failure
        _append(rec, "attempt_errors", {"attempt": attempt, "at": _iso(), "code": code, "message": message})
        exhausted = None
        if retriable:
            wait = min(2.0 ** (attempt - 1), EVENTBRIDGE_BACKOFF_CAP)
            if attempt - 1 >= max_retries:
                exhausted = "MaximumRetryAttempts"
            elif age + wait > max_age:
                exhausted = "MaximumEventAgeInSeconds"
            else:
                age += wait
                _sleep_aws(wait)
                continue
        reason = {"NO_PERMISSIONS": "no_permission", "RESOURCE_NOT_FOUND": "not_found"}.get(code, "throttled")
        if exhausted == "MaximumEventAgeInSeconds":
            reason = "expired"
        to_dlq = _target_dlq(rec, target, event, code, message, attempt - 1, exhausted)
        _update(rec, outcome="dlq" if to_dlq else reason, failure=reason, error=message, finished=_iso())
        return
    _run_async(gen, rec, fn, payload)


def _event_invoke_config(fn: Any) -> dict[str, Any]:
    configs = getattr(fn, "event_invoke_config", None) or []
    return dict(configs[0].config) if configs else {}


def _invocation_record(fn: Any, request_id: str, payload: bytes, condition: str, count: int,
                       error: bool, response: bytes) -> str:
    context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if error:
        context["functionError"] = "Unhandled"
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": _iso(),
            "requestContext": {
                "requestId": request_id,
                "functionArn": f"{fn.function_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": count,
            },
            "requestPayload": _parse(payload),
            "responseContext": context,
            "responsePayload": _parse(response) if response else None,
        }
    )


def _destination(config: dict[str, Any], which: str) -> str | None:
    return ((config.get("DestinationConfig") or {}).get(which) or {}).get("Destination")


def _run_async(gen: int, rec: dict[str, Any], fn: Any, payload: bytes) -> None:
    if fn.run_time not in lambda_local.LOCAL_RUNTIMES:
        _update(rec, outcome="unsupported_runtime", finished=_iso(),
                error=f"runtime {fn.run_time} cannot run in the emulator (only provided.* runtimes run locally)")
        return
    config = _event_invoke_config(fn)
    max_retries = int(config.get("MaximumRetryAttempts", 2))
    max_age = float(config.get("MaximumEventAgeInSeconds", 21600))
    age = 0.0
    request_id = str(uuid.uuid4())  # one request id for the event, as Lambda keeps it across retries
    result, error_type, condition = b"", None, "RetriesExhausted"
    runs = 0
    for run in range(1 + max_retries):
        if run > 0:
            wait = LAMBDA_RETRY_WAITS[min(run - 1, len(LAMBDA_RETRY_WAITS) - 1)]
            if age + wait > max_age:
                condition = "EventAgeExceeded"
                break
            age += wait
            _sleep_aws(wait)
        if generation() != gen:
            return
        started, began = _iso(), time.monotonic()
        try:
            result, error_type, _logs = lambda_local.run_local(fn, payload, request_id)
        except Exception as exc:  # the code could not be unpacked, ...
            result, error_type = json.dumps({"errorMessage": str(exc), "errorType": "Runtime.Unknown"}).encode(), "Unhandled"
        runs += 1
        doc = _parse(result)
        entry: dict[str, Any] = {
            "attempt": run + 1,
            "request_id": request_id,
            "started": started,
            "seconds": round(time.monotonic() - began, 3),
            "result": "ok" if error_type is None else "function_error",
        }
        if error_type is not None and isinstance(doc, dict):
            entry.update(error_type=doc.get("errorType"), error_message=doc.get("errorMessage"))
        _append(rec, "invocations", entry)
        if error_type is None:
            break
    if generation() != gen:
        return
    if error_type is None:
        changes: dict[str, Any] = {"outcome": "ok", "result": _parse(result), "finished": _iso()}
        success = _destination(config, "OnSuccess")
        if success:
            changes["destination"] = _send(success, _invocation_record(fn, request_id, payload, "Success", runs, False, result), {})
        _update(rec, **changes)
        return
    doc = _parse(result)
    message = (doc.get("errorMessage") if isinstance(doc, dict) else None) or str(doc)
    changes = {"outcome": "function_error", "failure": "function_error", "error": message, "finished": _iso()}
    failure = _destination(config, "OnFailure")
    if failure:
        changes["destination"] = _send(failure, _invocation_record(fn, request_id, payload, condition, runs, True, result), {})
    dead_letter = (getattr(fn, "dead_letter_config", None) or {}).get("TargetArn")
    if dead_letter:
        sent = _send(
            dead_letter,
            payload.decode(errors="replace"),
            {
                "RequestID": ("String", request_id),
                "ErrorCode": ("Number", "200"),
                "ErrorMessage": ("String", message[:ERROR_MESSAGE_LIMIT]),
            },
        )
        changes["dlq"] = {"kind": "function", **sent}
        if "message_id" in sent:
            changes["outcome"] = "dlq"
    _update(rec, **changes)


def start_delivery(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """Deliver `event` to the Lambda `target` of `rule` in a thread of its own; the record."""
    match = LAMBDA_ARN.match(target["Arn"])
    region, account, name = (match.group(1), match.group(2), match.group(3)) if match else ("", "", target["Arn"])
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    payload = target_input(target, event, rule.arn, rule.name)
    rec: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "event_id": event.get("id"),
        "source": event.get("source"),
        "detail_type": event.get("detail-type"),
        "event_name": detail.get("eventName"),
        "rule_arn": rule.arn,
        "target_id": target.get("Id"),
        "target_arn": target["Arn"],
        "function": name,
        "function_arn": f"arn:aws:lambda:{region}:{account}:function:{name}" if match else target["Arn"],
        "account": rule.account_id,
        "region": rule.region_name,
        "queued": _iso(),
        "finished": None,
        "outcome": "pending",
        "failure": None,
        "error": None,
        "attempts": 0,
        "attempt_errors": [],
        "invocations": [],
        "dlq": None,
        "destination": None,
        "input": _parse(payload),
        "result": None,
    }
    with _lock:
        _records.append(rec)
        gen = _generation[0]

    def run() -> None:
        try:
            _deliver(gen, rec, copy.deepcopy(target), event, payload)
        except Exception as exc:  # never let a delivery thread die silently
            traceback.print_exc(file=sys.stderr)
            _update(rec, outcome="error", error=f"{type(exc).__name__}: {exc}", finished=_iso())

    threading.Thread(target=run, daemon=True, name=f"eventbridge-{name}").start()
    return rec


# --- rules -------------------------------------------------------------------------------------


# Deliveries to other kinds of target, added by other modules (mlops_events.py: CodePipeline):
# each gets (rule, target, event) and returns True when the target is its kind.
TARGET_HOOKS: list[Any] = []


def _send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
    if self.state not in ENABLED_STATES:
        return
    if not self.event_pattern.matches_event(original_event):
        return
    for target in list(self.targets):
        if any(hook(self, target, dict(original_event)) for hook in TARGET_HOOKS):
            continue
        if LAMBDA_ARN.match(str(target.get("Arn", ""))):
            start_delivery(self, target, dict(original_event))
            continue
        one = copy.copy(self)
        one.targets = [target]
        try:
            _moto_send(one, for_moto(dict(original_event)), transform_input)
        except NotImplementedError:
            print(f"events: moto cannot deliver to target {target.get('Arn')} of {self.arn}; skipped", file=sys.stderr)


def matching_rules(account: str, region: str, event: dict[str, Any], bus: str = "default") -> list[Any]:
    """The enabled rules of the bus whose pattern matches the event."""
    from moto.events.models import events_backends

    backend = events_backends[account][region]
    event_bus = backend.event_buses.get(bus)
    if event_bus is None:
        return []
    return [
        r for r in list(event_bus.rules.values())
        if r.state in ENABLED_STATES and r.event_pattern.matches_event(event)
    ]


def put_on_bus(account: str, region: str, event: dict[str, Any]) -> list[str]:
    """Put an AWS service's event on the account's default bus; the ARNs of the rules it matched."""
    internal = for_moto(event)
    rules = matching_rules(account, region, internal)
    for rule in rules:
        try:
            rule.send_to_targets(copy.deepcopy(internal))
        except Exception:
            traceback.print_exc(file=sys.stderr)
    return [r.arn for r in rules]


# --- Lambda: dead-letter queues and event invoke configs ---------------------------------------------


def _install_lambda_fixes() -> None:
    from moto.awslambda.models import EventInvokeConfig, LambdaBackend, LambdaFunction

    moto_init = LambdaFunction.__init__
    moto_update = LambdaFunction.update_configuration
    moto_configuration = LambdaFunction.get_configuration

    def init(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        moto_init(self, account_id, spec, *args, **kwargs)
        target = (spec.get("DeadLetterConfig") or {}).get("TargetArn")
        self.dead_letter_config = {"TargetArn": target} if target else None

    def update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in config_updates:
            target = (config_updates.get("DeadLetterConfig") or {}).get("TargetArn")
            self.dead_letter_config = {"TargetArn": target} if target else None
        return moto_update(self, config_updates)

    def get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = moto_configuration(self, *args, **kwargs)
        if getattr(self, "dead_letter_config", None):
            config["DeadLetterConfig"] = dict(self.dead_letter_config)
        return config

    def put_event_invoke_config(self: LambdaBackend, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
        fn = self.get_function(function_name)
        event_config = EventInvokeConfig(fn.function_arn, fn.last_modified, config)
        fn.event_invoke_config = [event_config]
        return event_config.response()

    def update_event_invoke_config(self: LambdaBackend, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
        fn = self.get_function(function_name)
        current = dict(fn.event_invoke_config[0].config) if fn.event_invoke_config else {}
        current.update(config)
        return put_event_invoke_config(self, function_name, current)

    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaBackend.put_function_event_invoke_config = put_event_invoke_config  # type: ignore[method-assign]
    LambdaBackend.update_function_event_invoke_config = update_event_invoke_config  # type: ignore[method-assign]


def install() -> None:
    Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
    _install_lambda_fixes()
