"""S3 bucket policies evaluated with the request's condition keys, as S3 does.

moto 5.2.5 checks a bucket's policy on object requests (GetObject, PutObject, DeleteObject,
DeleteObjects) without any request context, and its condition check knows only StringEquals:
every other operator (Bool, StringNotEquals, ArnNotLike, Null, ...) counts as matching, and
StringEquals on a key the request does not carry counts as not matching. So a Deny with a
`Bool aws:SecureTransport false` or `StringNotEquals aws:PrincipalAccount <account>` condition
refused every request, and an Allow with a condition never applied.

Here the policy is evaluated as S3 does, with the keys the emulator can know for a request:

  - aws:SecureTransport "true": the AWS SDKs always use TLS; the emulator is plain HTTP only
    because it is local;
  - aws:PrincipalAccount: the caller's account (moto's: the access key's account, the
    x-moto-account-id header, or the default 123456789012);
  - aws:ViaAWSService "false": every request comes from a client, not a service;
  - s3:x-amz-server-side-encryption and s3:x-amz-server-side-encryption-aws-kms-key-id from the
    request's headers when present;
  - aws:SourceVpce, aws:SourceVpc, aws:PrincipalArn: absent (no request comes through a VPC
    endpoint here, and moto does not tell who the principal is).

Operators: String(Not)Equals(IgnoreCase), String(Not)Like, Arn(Not)Equals, Arn(Not)Like, Bool,
Null, each with IfExists; ForAnyValue:/ForAllValues: prefixes are read as the plain operator (the
keys above are single-valued). Several operators, and several keys in one, must all match; several
values of one key: any (a negated operator matches when the request's value is none of them). A
key the request lacks: a positive operator does not match, a negated one does, IfExists matches,
Null checks presence. An operator not listed counts as matching (so a Deny applies), and is logged.
Principals: "*" and {"AWS": ...} apply to every caller (moto does not tell who calls); a principal
string other than "*" is skipped, as moto does. Explicit Deny wins; otherwise an Allow permits.
"""

import json
import logging
import threading
from fnmatch import fnmatchcase
from typing import Any

from moto.core.responses import BaseResponse
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.models import FakeBucket

log = logging.getLogger(__name__)
_REQUEST = threading.local()
NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
HEADER_KEYS = {
    "x-amz-server-side-encryption": "s3:x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id": "s3:x-amz-server-side-encryption-aws-kms-key-id",
}


def _like(pattern: str, value: str) -> bool:
    # IAM's wildcards are only * and ?; fnmatch's [...] must be literal.
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def _one(base: str, expected: str, actual: str) -> bool:
    if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        return actual == expected
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.lower() == expected.lower()
    if base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        return _like(expected, actual)
    if base == "Bool":
        return actual.lower() == str(expected).lower()
    raise KeyError(base)


def condition_matches(operator: str, expected: Any, actual: str | None) -> bool:
    """Whether one `operator: {key: expected}` holds for the request's value of the key."""
    base = operator.split(":", 1)[1] if operator.startswith(("ForAnyValue:", "ForAllValues:")) else operator
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    values = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
    if base == "Null":
        return any((actual is None) == (v.lower() == "true") for v in values)
    if actual is None:
        return if_exists or base in NEGATED
    try:
        hit = any(_one(base, v, actual) for v in values)
    except KeyError:
        log.warning("s3_policy: condition operator %s is not evaluated; counted as matching", operator)
        return True
    return not hit if base in NEGATED else hit


def conditions_match(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    return all(
        condition_matches(operator, expected, context.get(key))
        for operator, keys in conditions.items()
        for key, expected in keys.items()
    )


def request_context(bucket: FakeBucket) -> dict[str, str]:
    context = {
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
        "aws:PrincipalAccount": getattr(_REQUEST, "account", None) or bucket.account_id,
    }
    headers = getattr(_REQUEST, "headers", None) or {}
    for header, key in HEADER_KEYS.items():
        value = headers.get(header)
        if value:
            context[key] = value
    return context


def _get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    context = request_context(self)
    result = PermissionResult.NEUTRAL
    for raw in statements:
        statement = IAMPolicyStatement(raw)
        if "NotAction" in raw:
            concerned = not statement._check_element_matches("NotAction", action)
        else:
            concerned = "Action" in raw and statement._check_element_matches("Action", action)
        if not concerned or statement.is_unknown_principal(raw.get("Principal")):
            continue
        if raw.get("Resource") and not statement._check_element_matches("Resource", resource):
            continue
        if not conditions_match(raw.get("Condition") or {}, context):
            continue
        if raw.get("Effect") == "Deny":
            return PermissionResult.DENIED
        result = PermissionResult.PERMITTED
    return result


_moto_setup_class = BaseResponse.setup_class


def _setup_class(self: BaseResponse, *args: Any, **kwargs: Any) -> Any:
    out = _moto_setup_class(self, *args, **kwargs)
    # Every request of this thread from here on: who calls, with which headers.
    if getattr(self, "service_name", None) == "s3" or type(self).__module__.startswith("moto.s3"):
        _REQUEST.account = getattr(self, "current_account", None)
        _REQUEST.headers = {k.lower(): v for k, v in dict(getattr(self, "headers", None) or {}).items()}
    return out


def install() -> None:
    FakeBucket.get_permission = _get_permission  # type: ignore[method-assign]
    BaseResponse.setup_class = _setup_class  # type: ignore[method-assign]
