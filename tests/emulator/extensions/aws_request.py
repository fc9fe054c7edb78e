"""Which AWS service and operation a request is, and in which protocol it speaks.

Stats (stats.py) count calls per service and operation, and faults (faults.py) must
answer in the service's own error format before moto sees the request, so the request
is classified from what a client sends, without moto:

  service    the SigV4 credential scope (Authorization header, or X-Amz-Credential of a
             pre-signed URL): `.../<region>/<signing name>/aws4_request`, named as
             botocore names services (elasticfilesystem -> efs, monitoring -> cloudwatch)
  protocol   X-Amz-Target header: "json"; Smithy-Protocol rpc-v2-cbor: "cbor"; a form
             body or an Action query parameter: "ec2" for EC2, else "query"; otherwise
             the service's REST protocol from botocore's model ("rest-json", "rest-xml")
  operation  the target's suffix, the Action parameter, the path's last segment (cbor),
             or the REST operation whose method, URI template and required query keys
             match (botocore's model; S3's `x-id` parameter names it directly)

Never faulted (`faultable` False): pre-signed URLs (a CloudFormation response URL on AWS
is one), requests that are not signed (the service is unknown), moto's own /moto-api/
routes and the CloudFormation response route /cloudformation_<region>/cfnresponse that
custom resources PUT to (both answer None: not AWS calls). The emulator's /_emulator/
routes never get here (routes.py), nor does the Lambda Runtime API (lambda_local.py
serves it on ports of its own).
"""

import io
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

# SigV4 signing name -> botocore service name, where they differ.
SERVICE_NAMES = {
    "elasticfilesystem": "efs",
    "monitoring": "cloudwatch",
    "states": "stepfunctions",
    "email": "ses",
    "execute-api": "apigateway",
    "cognito-idp": "cognito-idp",
}
REST_XML_SERVICES = {"s3", "s3control", "route53", "cloudfront"}

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


@dataclass(frozen=True)
class AwsRequest:
    service: str | None
    operation: str
    protocol: str
    faultable: bool


_models: dict[str, Any] = {}
_models_lock = threading.Lock()
_session: Any = None


def _rest_operations(service: str) -> tuple[str | None, list[Any]]:
    """(protocol, [(method, path regex, required query, required headers (WSGI names),
    literal length, operation)]) from botocore's model."""
    global _session
    with _models_lock:
        if service in _models:
            return _models[service]
        table: list[Any] = []
        protocol = None
        try:
            import botocore.session

            if _session is None:
                _session = botocore.session.get_session()
            model = _session.get_service_model(service)
            protocol = model.protocol
            names = model.operation_names if protocol.startswith("rest") else []  # only REST needs the table
            for name in names:
                operation = model.operation_model(name)
                http = operation.http
                # Headers the operation requires tell apart operations with one URI
                # (S3's CopyObject needs x-amz-copy-source, PutObject does not).
                headers = []
                shape = operation.input_shape
                if shape is not None:
                    for member in shape.required_members:
                        member_shape = shape.members[member]
                        if member_shape.serialization.get("location") == "header":
                            headers.append("HTTP_" + member_shape.serialization.get("name", member).upper().replace("-", "_"))
                uri = http.get("requestUri", "/")
                path, _, query = uri.partition("?")
                required = []
                for item in filter(None, query.split("&")):
                    key, eq, value = item.partition("=")
                    if key != "x-id":
                        required.append((key, value if eq else None))
                pattern = ""
                literal = 0
                for part in re.split(r"(\{[^}]+\})", path.rstrip("/")):
                    if part.startswith("{"):
                        pattern += "(.+)" if part.endswith("+}") else "([^/]+)"
                    else:
                        pattern += re.escape(part)
                        literal += len(part)
                table.append((http.get("method", "POST"), re.compile(pattern + "/?"), required, headers, literal, name))
        except Exception:  # no model for this name: operations stay unknown
            table = []
        _models[service] = (protocol, table)
        return _models[service]


def _rest_operation(
    service: str, method: str, path: str, query: dict[str, list[str]], environ: dict[str, Any]
) -> tuple[str | None, str]:
    protocol, table = _rest_operations(service)
    if "x-id" in query:
        return protocol, query["x-id"][0]
    best: tuple[int, int, int] | None = None
    found = "Unknown"
    for op_method, regex, required, headers, literal, name in table:
        if op_method != method or not regex.fullmatch(path):
            continue
        if any(key not in query or (value is not None and value not in query[key]) for key, value in required):
            continue
        if any(header not in environ for header in headers):
            continue
        score = (len(required), len(headers), literal)
        if best is None or score > best:
            best, found = score, name
    return protocol, found


def read_body(environ: dict[str, Any]) -> bytes:
    """The body, put back so that moto can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def classify(environ: dict[str, Any]) -> AwsRequest | None:
    path = environ.get("PATH_INFO", "") or "/"
    if path.startswith("/moto-api") or (path.startswith("/cloudformation_") and path.endswith("/cfnresponse")):
        return None
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    presigned = "X-Amz-Signature" in query or ("Signature" in query and "AWSAccessKeyId" in query)
    scope = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None and "X-Amz-Credential" in query:
        scope = _CREDENTIAL.search("Credential=" + unquote(query["X-Amz-Credential"][0]))
    signing_name = scope.group(2) if scope else None
    service = SERVICE_NAMES.get(signing_name, signing_name) if signing_name else None
    faultable = service is not None and not presigned
    method = environ.get("REQUEST_METHOD", "GET")

    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return AwsRequest(service, target.rsplit(".", 1)[-1], "json", faultable)
    if environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor":
        return AwsRequest(service, path.rstrip("/").rsplit("/", 1)[-1], "cbor", False)
    if service is None:
        return AwsRequest(None, "Unknown", "unknown", False)
    protocol, _ = _rest_operations(service)
    if protocol not in ("rest-json", "rest-xml") and service not in REST_XML_SERVICES:
        content_type = environ.get("CONTENT_TYPE", "")
        if "Action" in query or content_type.startswith("application/x-www-form-urlencoded"):
            action = query.get("Action", [""])[0]
            if not action and method == "POST":
                form = parse_qs(read_body(environ).decode("utf-8", "replace"))
                action = form.get("Action", ["Unknown"])[0]
            return AwsRequest(service, action or "Unknown", "ec2" if service == "ec2" else "query", faultable)
    protocol, operation = _rest_operation(service, method, path, query, environ)
    if protocol not in ("rest-json", "rest-xml"):
        protocol = "rest-xml" if service in REST_XML_SERVICES else "rest-json"
    return AwsRequest(service, operation, protocol, faultable)
