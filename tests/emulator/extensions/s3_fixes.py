"""S3: responses moto 5.2.5 serializes with the wrong XML root element.

GetBucketVersioning answers <GetBucketVersioningResponse> where S3 answers
<VersioningConfiguration>. boto3 ignores the root element's name, so moto's own
tests pass; the AWS SDK for Rust checks it and fails every GetBucketVersioning
("invalid XML root: expected VersioningConfiguration"), which breaks reading a
bucket's versioning (drift detection). The fix renames the root; the content is
already right (Status, and MfaDelete when set; an empty element when versioning
was never enabled).

The wrapper checks the body it rewrites, so a moto release that fixes the
serializer leaves it untouched, and a test shows when the wrapper can go.
"""

from typing import Any

from moto.s3.responses import S3Response

_WRONG_ROOT = "GetBucketVersioningResponse"
_RIGHT_ROOT = "VersioningConfiguration"

_moto_get_bucket_versioning = S3Response.get_bucket_versioning


def _rename_root(body: Any) -> Any:
    if isinstance(body, bytes):
        return body.replace(_WRONG_ROOT.encode(), _RIGHT_ROOT.encode())
    if isinstance(body, str):
        return body.replace(_WRONG_ROOT, _RIGHT_ROOT)
    return body


def _get_bucket_versioning(self: S3Response) -> Any:
    status, headers, body = _moto_get_bucket_versioning(self)
    return status, headers, _rename_root(body)


def install() -> None:
    S3Response.get_bucket_versioning = _get_bucket_versioning
