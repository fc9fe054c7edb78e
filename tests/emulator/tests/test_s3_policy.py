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


def client_as(emulator, service: str, credentials: dict):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"),
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def assumed(emulator, role_arn: str):
    """An S3 client with the temporary credentials of a session of `role_arn` (moto files the key
    under the role's account, so that is the caller's account; the role need not exist)."""
    sts = emulator.client("sts")
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="s3-policy-test")["Credentials"]
    return client_as(emulator, "s3", creds)


def test_other_accounts_credentials_are_refused_by_the_account_deny(emulator, s3, name):
    bucket = name("catalog")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="t.yaml", Body=b"x")
    stranger = assumed(emulator, "arn:aws:iam::210987654321:role/reader")
    insider = assumed(emulator, f"arn:aws:iam::{ACCOUNT}:role/reader")
    # Without a policy nothing stops them: what follows is the policy's doing.
    assert stranger.get_object(Bucket=bucket, Key="t.yaml")["Body"].read() == b"x"
    put_policy(
        s3,
        bucket,
        deny("DenyInsecureTransport", bucket, {"Bool": {"aws:SecureTransport": "false"}}),
        deny("DenyOtherAccounts", bucket, {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}),
    )
    assert forbidden(lambda: stranger.get_object(Bucket=bucket, Key="t.yaml"))
    assert forbidden(lambda: stranger.put_object(Bucket=bucket, Key="u.yaml", Body=b"y", Tagging="a=b"))
    insider.put_object(Bucket=bucket, Key="u.yaml", Body=b"y", Tagging="a=b")
    # moto 5.2.5 does not read an account out of a key id it did not issue: this is the default account.
    made_up = client_as(emulator, "s3", {"AccessKeyId": "210987654321", "SecretAccessKey": "x"})
    assert made_up.get_object(Bucket=bucket, Key="t.yaml")["Body"].read() == b"x"
    assert insider.get_object(Bucket=bucket, Key="u.yaml")["Body"].read() == b"y"


def data_bucket_policy(bucket: str, emptiers: list[str]) -> list[dict]:
    """The data buckets' endpoint-only statements (core/src/policy/environment/bucket.rs)."""
    outside = {"StringNotEquals": {"aws:SourceVpce": "vpce-0123"}, "Bool": {"aws:ViaAWSService": "false"}}
    statements = [
        deny("DenyObjectAccessOutsideVpcEndpoint", bucket, outside),
        deny("DenyObjectListAndDeleteOutsideVpcEndpoint", bucket, {**outside, "ArnNotLike": {"aws:PrincipalArn": emptiers}}),
    ]
    statements[0]["Action"] = ["s3:GetObject*", "s3:PutObject*", "s3:RestoreObject"]
    statements[1]["Action"] = ["s3:DeleteObject*", "s3:ListBucket*", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
    return statements


def test_principal_arn_lets_only_the_excepted_role_delete_from_outside_the_endpoint(emulator, s3, name):
    iam = emulator.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    emptier = iam.create_role(RoleName=name("emptier"), Path="/service-role/", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    other = iam.create_role(RoleName=name("other"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    user = iam.create_user(UserName=name("user"))["User"]["UserName"]
    user_s3 = client_as(emulator, "s3", iam.create_access_key(UserName=user)["AccessKey"])

    bucket = name("data")
    s3.create_bucket(Bucket=bucket)
    for key in ("a", "b", "c", "d"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    put_policy(s3, bucket, *data_bucket_policy(bucket, [emptier]))

    # Object reads and writes: nobody from outside the endpoint, the excepted role included.
    for client in (s3, assumed(emulator, emptier), user_s3):
        assert forbidden(lambda: client.get_object(Bucket=bucket, Key="a"))
        assert forbidden(lambda: client.head_object(Bucket=bucket, Key="a"))  # HeadObject is s3:GetObject
        assert forbidden(lambda: client.put_object(Bucket=bucket, Key="e", Body=b"x"))
        assert forbidden(lambda: client.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": []}))

    # Deletes: the default credentials (no principal ARN), another role and an IAM user are refused.
    for client in (s3, assumed(emulator, other), user_s3):
        assert forbidden(lambda: client.delete_object(Bucket=bucket, Key="a"))
        errors = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})["Errors"]
        assert sorted((e["Key"], e["Code"]) for e in errors) == [("a", "AccessDenied"), ("b", "AccessDenied")]

    # The excepted role (aws:PrincipalArn of its session is the role's ARN, path included) may.
    emptying = assumed(emulator, emptier)
    emptying.delete_object(Bucket=bucket, Key="a")
    answer = emptying.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}, {"Key": "c"}]})
    assert sorted(d["Key"] for d in answer["Deleted"]) == ["b", "c"] and not answer.get("Errors")

    # An ArnLike deny on the user's ARN fires for the user only.
    put_policy(
        s3,
        bucket,
        deny("DenyUser", bucket, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/{user}"}}),
    )
    assert forbidden(lambda: user_s3.get_object(Bucket=bucket, Key="d"))
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == b"x"


def test_principal_arn_absent_for_unknown_keys_null_and_if_exists(s3, name):
    bucket = name("anon")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    # The default credentials are no IAM principal moto knows: the key is absent.
    put_policy(s3, bucket, deny("DenyUnknownPrincipals", bucket, {"Null": {"aws:PrincipalArn": "true"}}))
    assert forbidden(lambda: s3.get_object(Bucket=bucket, Key="k"))
    put_policy(s3, bucket, deny("DenyKnownPrincipals", bucket, {"Null": {"aws:PrincipalArn": "false"}}))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    # ArnLikeIfExists on an absent key matches; ArnLike does not.
    put_policy(s3, bucket, deny("DenyRoles", bucket, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    put_policy(s3, bucket, deny("DenyRolesIfExists", bucket, {"ArnLikeIfExists": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}))
    assert forbidden(lambda: s3.get_object(Bucket=bucket, Key="k"))


def test_an_unknown_operator_counts_as_matching(s3, name):
    bucket = name("unknown")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    put_policy(s3, bucket, deny("DenyByIp", bucket, {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert forbidden(lambda: s3.get_object(Bucket=bucket, Key="k"))


def test_multiple_operators_are_anded_and_values_ored(s3, name):
    bucket = name("and-or")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    # Both operators hold (account in the list, TLS is on): denied.
    put_policy(
        s3,
        bucket,
        deny(
            "Both",
            bucket,
            {"StringEquals": {"aws:PrincipalAccount": ["111111111111", ACCOUNT]}, "Bool": {"aws:SecureTransport": "true"}},
        ),
    )
    assert forbidden(lambda: s3.get_object(Bucket=bucket, Key="k"))
    # One of them does not: not denied.
    put_policy(
        s3,
        bucket,
        deny(
            "OneFails",
            bucket,
            {"StringEquals": {"aws:PrincipalAccount": ["111111111111", ACCOUNT]}, "Bool": {"aws:SecureTransport": "false"}},
        ),
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    # A negated operator with several values matches only if the request's is none of them.
    put_policy(s3, bucket, deny("NotListed", bucket, {"StringNotEquals": {"aws:PrincipalAccount": ["111111111111", ACCOUNT]}}))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
