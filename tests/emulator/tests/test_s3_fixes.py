"""S3 response shapes the AWS SDKs check but boto3 does not: the XML root element."""

import xml.etree.ElementTree as ET

import pytest

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture
def s3(emulator):
    return emulator.client("s3")


def raw_root(client, call, **kwargs) -> tuple[ET.Element, dict]:
    """Calls `call` and returns the root element of the raw XML body and the parsed answer."""
    seen: list[bytes] = []

    def capture(http_response, **_):
        seen.append(http_response.content)

    client.meta.events.register("after-call.s3.*", capture)
    try:
        parsed = getattr(client, call)(**kwargs)
    finally:
        client.meta.events.unregister("after-call.s3.*", capture)
    return ET.fromstring(seen[-1]), parsed


def test_get_bucket_versioning_has_the_s3_root_element(s3, name):
    bucket = name("versioning")
    s3.create_bucket(Bucket=bucket)
    # Never enabled: an empty VersioningConfiguration, as on S3.
    root, parsed = raw_root(s3, "get_bucket_versioning", Bucket=bucket)
    assert root.tag == f"{NS}VersioningConfiguration"
    assert "Status" not in parsed

    for status in ["Enabled", "Suspended"]:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
        root, parsed = raw_root(s3, "get_bucket_versioning", Bucket=bucket)
        assert root.tag == f"{NS}VersioningConfiguration"
        assert root.find(f"{NS}Status").text == status
        assert parsed["Status"] == status
    s3.delete_bucket(Bucket=bucket)


def test_create_bucket_tags_the_bucket_it_creates(s3, name):
    bucket = name("tagged")
    tags = [{"Key": "secure-mlops:environment", "Value": "t1"}, {"Key": "team", "Value": ""}]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"Tags": tags})
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted(got, key=lambda t: t["Key"]) == tags

    # us-east-1 answers a second CreateBucket of an owned bucket with success; its tags stay.
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"Tags": [{"Key": "other", "Value": "x"}]})
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted(got, key=lambda t: t["Key"]) == tags
    s3.delete_bucket(Bucket=bucket)


def test_create_bucket_without_tags_leaves_none(s3, name):
    bucket = name("untagged")
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.get_bucket_tagging(Bucket=bucket)
    assert raised.value.response["Error"]["Code"] == "NoSuchTagSet"
    s3.delete_bucket(Bucket=bucket)


def test_a_deleted_bucket_takes_its_tags_with_it(s3, name):
    bucket = name("retagged")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.get_bucket_tagging(Bucket=bucket)
    assert raised.value.response["Error"]["Code"] == "NoSuchTagSet"
    s3.delete_bucket(Bucket=bucket)
