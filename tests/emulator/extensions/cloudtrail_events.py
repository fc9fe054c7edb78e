"""SageMaker API calls recorded by CloudTrail reach EventBridge as "AWS API Call via CloudTrail".

On AWS, a management API call that a trail logs (cloudtrail.recording_trails: logging, in the
call's region or multi-region, selectors taking write management events) is also put on the
account's default event bus in that region, some time after the call, as

  {"version": "0", "id": <uuid>, "detail-type": "AWS API Call via CloudTrail",
   "source": "aws.sagemaker", "account": <account>, "time": <ISO 8601, seconds, Z>,
   "region": <region>, "resources": [],
   "detail": {"eventVersion": "1.09", "userIdentity": {...}, "eventTime": <as time>,
              "eventSource": "sagemaker.amazonaws.com", "eventName": "CreateTrainingJob",
              "awsRegion": <region>, "sourceIPAddress": "127.0.0.1", "userAgent": <User-Agent>,
              "requestParameters": {...}, "responseElements": {...} | null,
              "requestID": <the x-amzn-RequestId the caller got>, "eventID": <uuid>,
              "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
              "recipientAccountId": <account>, "eventCategory": "Management"}}

moto records nothing. Here every SageMaker call that succeeds (2xx) and is not read-only (its
name does not start with Describe, List, Get, Search, BatchDescribe, BatchGet or Query) is
checked against the trails at the call; if one records it, the event is put on the default bus
`cloudtrail_delay_ms` later (EMULATOR_CLOUDTRAIL_DELAY_MS, default 300) by a timer thread, so
the call never waits, and goes through the bus's rules as any event does (events_lambda.py:
enabled rules, moto's pattern matching, Lambda targets run asynchronously). Among them are the
calls a security response watches: CreateTrainingJob, CreateProcessingJob, CreateTransformJob,
CreateHyperParameterTuningJob, CreateAutoMLJob(V2), CreateNotebookInstance, CreateModel,
CreateEndpointConfig, CreateApp, CreateSpace, UpdateDomain, UpdateUserProfile, UpdateSpace.

  requestParameters   the request JSON, structure member names with their first letter in
                      lower case, recursively ("vpcConfig": {"subnets": [...],
                      "securityGroupIds": [...]}); keys of maps (Environment, HyperParameters)
                      as given. Members are told from map keys with botocore's model.
  responseElements    the answer JSON, likewise; null when it is empty.
  userIdentity        an access key of an STS AssumeRole session (moto's sts backend):
                      {"type": "AssumedRole", "principalId": "<role id>:<session>",
                       "arn": "arn:aws:sts::<account>:assumed-role/<role name>/<session>",
                       "accountId", "accessKeyId", "sessionContext": {"sessionIssuer":
                       {"type": "Role", "principalId": <role id>, "arn": <role ARN with path>,
                        "accountId", "userName": <role name>}, "attributes":
                       {"creationDate", "mfaAuthenticated": "false"}}};
                      an IAM user's key: {"type": "IAMUser", "principalId", "arn", "accountId",
                      "accessKeyId", "userName"}; any other key (the test credentials):
                      {"type": "Root", "principalId": <account>, "arn":
                      "arn:aws:iam::<account>:root", "accountId", "accessKeyId"}.

The SageMaker answer's x-amzn-RequestId becomes a UUID (SageMaker's format; moto's is 52
random characters) and is the event's requestID. Each event put on a bus is listed, with the
trails that recorded it and the rules it matched, in GET /_emulator/deliveries ("events").
"""

import json
import re
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.core.utils import get_service_model
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.utils import get_partition

from . import cloudtrail, events_lambda
from .common import CONFIG

READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Search", "BatchDescribe", "BatchGet", "Query")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

_moto_call_action = SageMakerResponse.call_action


def read_only(operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES)


def cloudtrail_style(shape: Any, value: Any) -> Any:
    """CloudTrail's rendering of an API document: structure members lowerCamelCase, map keys kept."""
    if isinstance(value, dict):
        kind = getattr(shape, "type_name", None)
        if kind == "map":
            return {k: cloudtrail_style(shape.value, v) for k, v in value.items()}
        members = shape.members if kind == "structure" else {}
        return {k[:1].lower() + k[1:]: cloudtrail_style(members.get(k), v) for k, v in value.items()}
    if isinstance(value, list):
        inner = shape.member if getattr(shape, "type_name", None) == "list" else None
        return [cloudtrail_style(inner, v) for v in value]
    return value


def _shapes(operation: str) -> tuple[Any, Any]:
    try:
        model = get_service_model("sagemaker").operation_model(operation)
        return model.input_shape, model.output_shape
    except Exception:  # an operation botocore does not know: every key is a member
        return None, None


def _access_key(headers: Any) -> str:
    match = _CREDENTIAL.search(headers.get("Authorization") or "")
    return match.group(1) if match else ""


def user_identity(account: str, region: str, access_key: str) -> dict[str, Any]:
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    partition = get_partition(region)
    for _acct, _part, sts in sts_backends.iter_backends():
        role = sts.get_assumed_role_from_access_key(access_key)
        if role is None:
            continue
        role_name = role.role_arn.split("/")[-1]
        role_account = role.account_id
        try:
            role_id = iam_backends[role_account][partition].get_role_by_arn(role.role_arn).id
        except Exception:  # AssumeRole does not need the role to exist
            role_id = "AROA" + uuid.uuid5(uuid.NAMESPACE_URL, role.role_arn).hex[:17].upper()
        return {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{role.session_name}",
            "arn": f"arn:{partition}:sts::{role_account}:assumed-role/{role_name}/{role.session_name}",
            "accountId": role_account,
            "accessKeyId": access_key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": role.role_arn,
                    "accountId": role_account,
                    "userName": role_name,
                },
                "attributes": {
                    "creationDate": _iso(getattr(role, "_emulator_created", None) or time.time()),
                    "mfaAuthenticated": "false",
                },
            },
        }
    for acct, part, iam in iam_backends.iter_backends():
        user = iam.get_user_from_access_key_id(access_key) if access_key else None
        if user is not None:
            return {
                "type": "IAMUser",
                "principalId": user.id,
                "arn": user.arn,
                "accountId": user.account_id,
                "accessKeyId": access_key,
                "userName": user.name,
            }
    return {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:{partition}:iam::{account}:root",
        "accountId": account,
        "accessKeyId": access_key,
    }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(text: Any) -> Any:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    try:
        doc = json.loads(text or "{}")
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def api_call_event(
    *, service: str, operation: str, account: str, region: str, identity: dict[str, Any], user_agent: str,
    request: dict[str, Any], response: dict[str, Any], request_id: str, when: float,
    input_shape: Any = None, output_shape: Any = None,
) -> dict[str, Any]:
    moment = _iso(when)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": f"aws.{service}",
        "account": account,
        "time": moment,
        "region": region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventTime": moment,
            "eventSource": f"{service}.amazonaws.com",
            "eventName": operation,
            "awsRegion": region,
            "sourceIPAddress": "127.0.0.1",
            "userAgent": user_agent,
            "requestParameters": cloudtrail_style(input_shape, request) if request else None,
            "responseElements": cloudtrail_style(output_shape, response) if response else None,
            "requestID": request_id,
            "eventID": str(uuid.uuid4()),
            "readOnly": read_only(operation),
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        },
    }


def emit(account: str, region: str, event: dict[str, Any], trails: list[str]) -> None:
    """Put the event on the default bus `cloudtrail_delay_ms` from now (a timer thread)."""
    gen = events_lambda.generation()

    def fire() -> None:
        if events_lambda.generation() != gen:
            return
        try:
            rules = events_lambda.put_on_bus(account, region, event)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            rules = []
        detail = event["detail"]
        events_lambda.note_event(
            {
                "id": event["id"],
                "source": event["source"],
                "detail_type": event["detail-type"],
                "event_name": detail["eventName"],
                "cloudtrail_event_id": detail["eventID"],
                "request_id": detail["requestID"],
                "account": account,
                "region": region,
                "time": event["time"],
                "trails": trails,
                "rules": rules,
                "event": event,
            }
        )

    timer = threading.Timer(CONFIG.get("cloudtrail_delay_ms") / 1000.0, fire)
    timer.daemon = True
    timer.start()


def _record(self: SageMakerResponse, status: int, headers: dict[str, Any], body: Any, when: float) -> None:
    operation = self._get_action()
    if not operation or read_only(operation):
        return
    account, region = self.current_account, self.region
    trails = cloudtrail.recording_trails(account, region, "sagemaker.amazonaws.com", operation, False)
    if not trails:
        return
    input_shape, output_shape = _shapes(operation)
    event = api_call_event(
        service="sagemaker",
        operation=operation,
        account=account,
        region=region,
        identity=user_identity(account, region, _access_key(self.headers)),
        user_agent=self.headers.get("User-Agent") or "",
        request=_json(self.body),
        response=_json(body),
        request_id=headers["x-amzn-requestid"],
        when=when,
        input_shape=input_shape,
        output_shape=output_shape,
    )
    emit(account, region, event, trails)


def _call_action(self: SageMakerResponse) -> Any:
    when = time.time()
    status, headers, body = _moto_call_action(self)
    headers["x-amzn-requestid"] = str(uuid.uuid4())
    if 200 <= int(status) < 300:
        try:
            _record(self, int(status), headers, body, when)
        except Exception:  # recording must never break the call
            traceback.print_exc(file=sys.stderr)
    return status, headers, body


def install() -> None:
    from moto.sts.models import STSBackend

    moto_assume_role = STSBackend.assume_role

    def assume_role(self: STSBackend, *args: Any, **kwargs: Any) -> Any:
        role = moto_assume_role(self, *args, **kwargs)
        role._emulator_created = time.time()  # sessionContext.attributes.creationDate
        return role

    STSBackend.assume_role = assume_role  # type: ignore[method-assign]
    SageMakerResponse.call_action = _call_action  # type: ignore[method-assign]
