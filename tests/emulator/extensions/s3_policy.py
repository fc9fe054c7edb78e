"""S3 bucket policies evaluated with the request's condition keys, as S3 does.

moto 5.2.5 checks a bucket's policy on object requests (the key response: GetObject, HeadObject,
PutObject, DeleteObject, POST on a key; and DeleteObjects, per key) without any request context,
and its condition check knows only StringEquals: every other operator (Bool, StringNotEquals,
ArnNotLike, Null, ...) counts as matching, and StringEquals on a key the request does not carry
counts as not matching. So a Deny with a `Bool aws:SecureTransport false` or `StringNotEquals
aws:PrincipalAccount <account>` condition refused every request, and an Allow with a condition
never applied. Those two are the only places moto reads a bucket policy; bucket-level requests
(ListObjects, GetBucket*, PutBucket*, ...) are not checked against it at all, here as in moto.

Here the policy is evaluated as S3 does, with the keys the emulator can know for a request:

  - aws:SecureTransport "true": the AWS SDKs always use TLS; the emulator is plain HTTP on
    127.0.0.1 only because it is local, so a TLS-only Deny does not fire;
  - aws:PrincipalAccount: the caller's account, as moto decides it: MOTO_ACCOUNT_ID, else the
    x-moto-account-id header, else the account holding the access key (an IAM user's key, or
    the temporary key of an STS AssumeRole, which lands in the role's account), else the
    default 123456789012 (any other key id, e.g. `testing`);
  - aws:PrincipalArn: for an assumed-role session the role's ARN (as IAM sets it: the role, not
    the session), for an IAM user's key the user's ARN; absent for any other key, as moto does
    not know who that is;
  - aws:ViaAWSService "false": every request comes from a client, not a service;
  - s3:x-amz-server-side-encryption and s3:x-amz-server-side-encryption-aws-kms-key-id from the
    request's headers when present;
  - aws:SourceVpce, aws:SourceVpc: absent (no request comes through a VPC endpoint here), so an
    endpoint-only Deny (`StringNotEquals aws:SourceVpce`) refuses every request.

The action is the one IAM authorizes, not moto's name for the HTTP method: HeadObject is
s3:GetObject, a POST on a key (multipart create/complete) s3:PutObject and with `?restore`
s3:RestoreObject, and the subresources have their own (`?tagging` s3:GetObjectTagging, `?acl`
s3:PutObjectAcl, `?versionId` s3:GetObjectVersion / s3:DeleteObjectVersion, `?uploadId` on
DELETE s3:AbortMultipartUpload, ...).

Operators: String(Not)Equals(IgnoreCase), String(Not)Like, Arn(Not)Equals, Arn(Not)Like, Bool,
Null, each with IfExists; the context keys here are single-valued, so ForAnyValue:X is X except
that an absent key never matches, and ForAllValues:X is X except that an absent key always
matches. Several operators, and several keys in one, must all match; several values of one key:
any (a negated operator matches when the request's value is none of them). A key the request
lacks: a positive operator does not match, a negated one does, IfExists matches, Null checks
presence. An operator not listed (Numeric*, Date*, IpAddress, ...) counts as matching, present
key or not (so a Deny applies: conservative), and is logged.
Principals: "*" and {"AWS": ...} apply to every caller; a principal string other than "*" is
skipped, as moto does. Explicit Deny wins; otherwise an Allow permits.
"""

import json
import logging
import threading
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.core.responses import BaseResponse
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.models import FakeBucket

log = logging.getLogger(__name__)
_REQUEST = threading.local()
NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
KNOWN = NEGATED | {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool", "Null"}
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
    return actual.lower() == str(expected).lower()  # Bool


def condition_matches(operator: str, expected: Any, actual: str | None) -> bool:
    """Whether one `operator: {key: expected}` holds for the request's value of the key."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in KNOWN or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        log.warning("s3_policy: condition operator %s is not evaluated; counted as matching", operator)
        return True
    values = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
    if base == "Null":
        return any((actual is None) == (v.lower() == "true") for v in values)
    if actual is None:
        # No values in the request: "for any" is false, "for all" vacuously true.
        if qualifier:
            return qualifier == "ForAllValues"
        return if_exists or base in NEGATED
    hit = any(_one(base, v, actual) for v in values)
    return not hit if base in NEGATED else hit


def conditions_match(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    return all(
        condition_matches(operator, expected, context.get(key))
        for operator, keys in conditions.items()
        for key, expected in keys.items()
    )


def principal_arn(access_key_id: str | None) -> str | None:
    """aws:PrincipalArn of a moto access key: the role of an assumed-role session, or the IAM
    user owning the key; None for a key moto did not issue."""
    if not access_key_id:
        return None
    from moto.iam.models import iam_backends

    for _account, _partition, iam in iam_backends.iter_backends():
        key = iam.access_keys.get(access_key_id)
        if key is None:
            continue
        if key.role_arn:
            return key.role_arn
        if key.user_name:
            try:
                return iam.get_user(key.user_name).arn
            except Exception:  # the user is gone; its key cannot sign anything on AWS either
                return None
        return None
    return None


def request_context(bucket: FakeBucket) -> dict[str, str]:
    """The condition keys of the request this thread is serving (cached for its DeleteObjects)."""
    cached = getattr(_REQUEST, "context", None)
    if cached is not None:
        return cached
    context = {
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
        "aws:PrincipalAccount": getattr(_REQUEST, "account", None) or bucket.account_id,
    }
    arn = principal_arn(getattr(_REQUEST, "access_key", None))
    if arn:
        context["aws:PrincipalArn"] = arn
    headers = getattr(_REQUEST, "headers", None) or {}
    for header, key in HEADER_KEYS.items():
        value = headers.get(header)
        if value:
            context[key] = value
    _REQUEST.context = context
    return context


def iam_action(action: str, method: str, query: dict[str, Any]) -> str:
    """The action IAM authorizes for moto's `s3:<Method>Object` on a key with this query."""
    version = "versionId" in query
    if action == "s3:HeadObject" or (action == "s3:GetObject" and method in ("GET", "HEAD")):
        for sub, plain, versioned in (
            ("tagging", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
            ("acl", "s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
            ("attributes", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
            ("retention", "s3:GetObjectRetention", "s3:GetObjectRetention"),
            ("legal-hold", "s3:GetObjectLegalHold", "s3:GetObjectLegalHold"),
            ("torrent", "s3:GetObjectTorrent", "s3:GetObjectVersionTorrent"),
        ):
            if sub in query:
                return versioned if version else plain
        if "uploadId" in query:
            return "s3:ListMultipartUploadParts"
        return "s3:GetObjectVersion" if version else "s3:GetObject"
    if action == "s3:PutObject" and method == "PUT":
        for sub, plain, versioned in (
            ("tagging", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
            ("acl", "s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
            ("retention", "s3:PutObjectRetention", "s3:PutObjectRetention"),
            ("legal-hold", "s3:PutObjectLegalHold", "s3:PutObjectLegalHold"),
        ):
            if sub in query:
                return versioned if version else plain
        return action  # PutObject, CopyObject, UploadPart
    if action == "s3:DeleteObject" and method == "DELETE":
        if "uploadId" in query:
            return "s3:AbortMultipartUpload"
        if "tagging" in query:
            return "s3:DeleteObjectVersionTagging" if version else "s3:DeleteObjectTagging"
        return "s3:DeleteObjectVersion" if version else action
    if action == "s3:PostObject":
        if "restore" in query:
            return "s3:RestoreObject"
        if "select" in query:
            return "s3:GetObject"
        return "s3:PutObject"  # CreateMultipartUpload, CompleteMultipartUpload
    return action  # DeleteObjects' per-key s3:DeleteObject, OPTIONS


def _get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    action = iam_action(action, getattr(_REQUEST, "method", "") or "", getattr(_REQUEST, "query", None) or {})
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


def _setup_class(self: BaseResponse, request: Any, *args: Any, **kwargs: Any) -> Any:
    out = _moto_setup_class(self, request, *args, **kwargs)
    # Every S3 request of this thread from here on: who calls, how, with which headers.
    if getattr(self, "service_name", None) == "s3" or type(self).__module__.startswith("moto.s3"):
        _REQUEST.context = None
        _REQUEST.account = getattr(self, "current_account", None)
        _REQUEST.headers = {k.lower(): v for k, v in dict(getattr(self, "headers", None) or {}).items()}
        _REQUEST.method = (getattr(self, "method", None) or "").upper()
        # Not self.querystring: moto fills that from the form body or the headers when the URL
        # has no query.
        url = getattr(self, "uri", None) or getattr(request, "url", "") or ""
        _REQUEST.query = parse_qs(urlparse(url).query, keep_blank_values=True)
        try:
            _REQUEST.access_key = self.get_access_key()
        except Exception:
            _REQUEST.access_key = None
    return out


def install() -> None:
    FakeBucket.get_permission = _get_permission  # type: ignore[method-assign]
    BaseResponse.setup_class = _setup_class  # type: ignore[method-assign]
