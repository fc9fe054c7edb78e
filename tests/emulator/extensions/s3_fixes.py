"""S3: where moto 5.2.5 differs from S3 in what the AWS SDK for Rust sees.

1. Tags in CreateBucket. S3 takes `CreateBucketConfiguration.Tags` and tags
the bucket as it creates it; moto drops them, so a run killed between
CreateBucket and PutBucketTagging left an untagged bucket that the next run
(rightly) refused to adopt. The wrapper tags a bucket the call created (not one
that already existed: us-east-1 answers a re-create with success and leaves the
bucket as it was).

2. Tags outliving their bucket. moto keeps a deleted bucket's tags (they are
held by ARN), so a new bucket of the same name came back tagged: an untagged
bucket someone else made passed for this environment's. DeleteBucket now drops
them, as S3 does.

3. The wrong XML root element in GetBucketVersioning.

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

import xmltodict
from moto.s3.exceptions import MissingBucket
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response

_WRONG_ROOT = "GetBucketVersioningResponse"
_RIGHT_ROOT = "VersioningConfiguration"

_moto_get_bucket_versioning = S3Response.get_bucket_versioning
_moto_bucket_response_put = S3Response._bucket_response_put
_moto_delete_bucket = S3Backend.delete_bucket


def _delete_bucket(self: S3Backend, bucket_name: str) -> Any:
    deleted = _moto_delete_bucket(self, bucket_name)
    if deleted is not None:  # None: not empty, so not deleted
        self.tagger.delete_all_tags_for_resource(deleted.arn)
    return deleted


def _tags_in_create(body: Any) -> dict[str, str]:
    """The tags of a CreateBucket body (`CreateBucketConfiguration/Tags/Tag`), or none."""
    if not body:
        return {}
    try:
        config = xmltodict.parse(body).get("CreateBucketConfiguration") or {}
    except Exception:  # moto reports a malformed body itself
        return {}
    tags = (config.get("Tags") or {}).get("Tag") or []
    if isinstance(tags, dict):
        tags = [tags]
    return {t["Key"]: t.get("Value") or "" for t in tags}


def _bucket_response_put(
    self: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]
) -> Any:
    # A PUT on the bucket with no subresource in the query is CreateBucket.
    creating = not querystring
    existed = True
    if creating:
        try:
            self.backend.get_bucket(bucket_name)
        except MissingBucket:
            existed = False
    answer = _moto_bucket_response_put(self, request, bucket_name, querystring)
    if creating and not existed:
        tags = _tags_in_create(self.body)
        if tags:
            self.backend.put_bucket_tagging(bucket_name, tags)
    return answer


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
    S3Response._bucket_response_put = _bucket_response_put
    S3Backend.delete_bucket = _delete_bucket
