"""Bucket policies with conditions (s3_policy.py): evaluated with the request's keys, as S3 does."""

import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"


@pytest.fixture
def s3(emulator):
    return emulator.client("s3")


def deny(sid: str, bucket: str, condition: dict) -> dict:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": condition,
    }


def put_policy(s3, bucket: str, *statements: dict) -> None:
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def forbidden(call) -> bool:
    try:
        call()
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
        return True
    return False


def test_tls_only_and_this_account_only_let_the_owner_in(s3, name):
    bucket = name("catalog")
    s3.create_bucket(Bucket=bucket)
    put_policy(
        s3,
        bucket,
        deny("DenyInsecureTransport", bucket, {"Bool": {"aws:SecureTransport": "false"}}),
        deny("DenyOtherAccounts", bucket, {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}),
    )
    s3.put_object(Bucket=bucket, Key="t.yaml", Body=b"x", Tagging="servicecatalog:provisioning=true")
    assert s3.get_object(Bucket=bucket, Key="t.yaml")["Body"].read() == b"x"
    # Another account's caller (moto takes the caller's account from x-moto-account-id).
    import boto3

    stranger = boto3.client(
        "s3",
        endpoint_url=s3.meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    def as_other_account(request, **_):
        request.headers["x-moto-account-id"] = "999999999999"

    stranger.meta.events.register("before-sign.s3.*", as_other_account)
    assert forbidden(lambda: stranger.get_object(Bucket=bucket, Key="t.yaml"))
    assert forbidden(lambda: stranger.put_object(Bucket=bucket, Key="u.yaml", Body=b"y"))


def test_an_endpoint_only_deny_still_refuses_requests_from_outside(s3, name):
    bucket = name("data")
    s3.create_bucket(Bucket=bucket)
    put_policy(
        s3,
        bucket,
        deny(
            "DenyObjectAccessOutsideVpcEndpoint",
            bucket,
            {"StringNotEquals": {"aws:SourceVpce": "vpce-0123"}, "Bool": {"aws:ViaAWSService": "false"}},
        ),
    )
    assert forbidden(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x"))


def test_null_and_if_exists(s3, name):
    bucket = name("keys")
    s3.create_bucket(Bucket=bucket)
    put_policy(
        s3,
        bucket,
        # SSE-KMS uploads must name a key; others are not this statement's business.
        deny(
            "DenyKmsWithoutKey",
            bucket,
            {
                "StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "true"},
            },
        ),
    )
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")  # no header: StringEquals does not match
    assert forbidden(lambda: s3.put_object(Bucket=bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms"))
    s3.put_object(Bucket=bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="k")

    # IfExists: an absent key makes the condition true (IAM's rule), so this denies plain uploads.
    strict = name("strict")
    s3.create_bucket(Bucket=strict)
    put_policy(
        s3,
        strict,
        deny("DenyOtherEncryption", strict, {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}),
    )
    assert forbidden(lambda: s3.put_object(Bucket=strict, Key="plain", Body=b"x"))
    assert forbidden(lambda: s3.put_object(Bucket=strict, Key="aes", Body=b"x", ServerSideEncryption="AES256"))
    s3.put_object(Bucket=strict, Key="kms", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="k")
