"""Faults (each service's own throttling and server errors, seeded) and call counts."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import Emulator, create_local_function, read_events, wait_for


def raw_client(emulator: Emulator, service: str, region: str = "us-east-1", **config: Any) -> Any:
    """A client that does not retry (conftest's legacy max_attempts=1 still retries throttling)."""
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries=config.pop("retries", {"total_max_attempts": 1, "mode": "standard"}), s3={"addressing_style": "path"}, **config),
    )


@pytest.fixture
def faults(emulator: Emulator) -> Iterator[Any]:
    """Set `faults` for one test; none again after it."""
    yield lambda spec: emulator.set_config(faults=spec)
    emulator.set_config(faults="")


def stats(emulator: Emulator) -> dict:
    status, doc = emulator.http("GET", "/_emulator/stats")
    assert status == 200
    return doc


# service -> (a call, the throttling code, its HTTP status, the codes of 500 and 503)
CALLS = {
    "ec2": (lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503, "InternalError", "Unavailable"),
    "iam": (lambda c: c.list_roles(), "Throttling", 400, "InternalFailure", "ServiceUnavailable"),
    "sts": (lambda c: c.get_caller_identity(), "Throttling", 400, "InternalFailure", "ServiceUnavailable"),
    "s3": (lambda c: c.list_buckets(), "SlowDown", 503, "InternalError", "ServiceUnavailable"),
    "sagemaker": (lambda c: c.list_domains(), "ThrottlingException", 400, "InternalFailure", "ServiceUnavailable"),
    "kms": (lambda c: c.list_keys(), "ThrottlingException", 400, "InternalFailure", "ServiceUnavailable"),
    "logs": (lambda c: c.describe_log_groups(), "ThrottlingException", 400, "InternalFailure", "ServiceUnavailable"),
    "servicecatalog": (lambda c: c.list_portfolios(), "ThrottlingException", 400, "InternalFailure", "ServiceUnavailable"),
    "ssm": (lambda c: c.describe_parameters(), "ThrottlingException", 400, "InternalFailure", "ServiceUnavailable"),
    "lambda": (lambda c: c.list_functions(), "TooManyRequestsException", 429, "InternalFailure", "ServiceUnavailable"),
    "efs": (lambda c: c.describe_file_systems(), "ThrottlingException", 429, "InternalFailure", "ServiceUnavailable"),
}


def failure(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as exc:
        call()
    return exc.value.response["Error"]["Code"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("service", sorted(CALLS))
def test_each_service_throttles_and_fails_in_its_own_format(emulator: Emulator, faults: Any, service: str):
    call, code, status, code500, code503 = CALLS[service]
    client = raw_client(emulator, service)
    faults("throttle:1")
    assert failure(lambda: call(client)) == (code, status)
    faults("5xx:1,seed=0")
    seen = {failure(lambda: call(client)) for _ in range(12)}
    assert seen == {(code500, 500), (code503, 503)}
    faults("")
    call(client)


def test_the_sdk_retries_every_fault_and_a_faulted_call_does_nothing(emulator: Emulator, faults: Any, name: Any):
    # botocore's standard retry mode retries the same codes and statuses as the Rust SDK.
    emulator.http("POST", "/_emulator/stats/reset")
    faults("throttle:0.3,5xx:0.3,seed=11")
    retrying = {"retries": {"total_max_attempts": 30, "mode": "standard"}}
    s3, ec2, sm = (raw_client(emulator, s, **dict(retrying)) for s in ("s3", "ec2", "sagemaker"))
    buckets = [name("faulty") for _ in range(5)]
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
        ec2.describe_vpcs()
        sm.list_domains()
    faults("")
    doc = stats(emulator)
    assert doc["faults"]["throttle"] > 0 and doc["faults"]["5xx"] > 0
    created = doc["calls"]["s3"]["CreateBucket"]
    faulted = sum(doc["faulted_calls"].get("s3", {}).get("CreateBucket", {}).values())
    assert created == len(buckets) + faulted  # every fault was retried, each bucket made once
    assert set(buckets) <= {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_faults_are_the_same_for_the_same_seed_and_calls(emulator: Emulator, faults: Any):
    sts = raw_client(emulator, "sts")

    def outcomes() -> list[str]:
        out = []
        for _ in range(20):
            try:
                sts.get_caller_identity()
                out.append("ok")
            except ClientError as err:
                out.append(err.response["Error"]["Code"])
        return out

    faults("throttle:0.3,5xx:0.2,seed=5")
    first = outcomes()
    faults("throttle:0.3,5xx:0.2,seed=5")
    assert outcomes() == first and {"ok", "Throttling"} <= set(first)
    faults("throttle:0.3,5xx:0.2,seed=6")
    assert outcomes() != first


def test_emulator_routes_presigned_urls_and_unsigned_requests_are_never_faulted(emulator: Emulator, faults: Any, name: Any):
    s3 = raw_client(emulator, "s3")
    bucket = name("presigned")
    s3.create_bucket(Bucket=bucket)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "answer.json"}, ExpiresIn=60)
    faults("throttle:1")
    for _ in range(5):
        assert emulator.http("GET", "/_emulator/health")[0] == 200
        request = urllib.request.Request(url, data=b"{}", method="PUT", headers={"Content-Type": ""})
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200
        get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "answer.json"}, ExpiresIn=60)
        with urllib.request.urlopen(get, timeout=10) as resp:
            assert resp.read() == b"{}"
        with pytest.raises(urllib.error.HTTPError) as unsigned:  # moto's answer: anonymous access denied
            urllib.request.urlopen(emulator.url + f"/{bucket}/answer.json", timeout=10)
        assert unsigned.value.code == 403
    assert failure(lambda: s3.list_buckets())[0] == "SlowDown"


def test_custom_resource_answers_reach_cloudformation_under_faults(emulator: Emulator, faults: Any, tmp_path: Any, name: Any):
    # The function's own calls may be faulted; its PUT to the response URL never is.
    region = "ca-central-1"
    log = tmp_path / "events.jsonl"
    fn = create_local_function(emulator, region, name("cr"), env={"EVENT_LOG": str(log)})
    cfn = raw_client(emulator, "cloudformation", region, retries={"total_max_attempts": 30, "mode": "standard"})
    template = {"Resources": {"Thing": {"Type": "Custom::Thing", "Properties": {"ServiceToken": fn, "Name": "one"}}}}
    stack = name("faulty-stack")
    faults("throttle:0.3,seed=2")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    wait_for(lambda: cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE", 30, "CREATE_COMPLETE")
    assert [e["RequestType"] for e in read_events(log)] == ["Create"]


def test_stats_count_operations_per_service_until_reset(emulator: Emulator, name: Any):
    status, doc = emulator.http("POST", "/_emulator/stats/reset")
    assert status == 200 and doc["total_calls"] == 0 and doc["calls"] == {} and doc["faults"] == {"throttle": 0, "5xx": 0}
    s3, ec2, sm, efs = (raw_client(emulator, s) for s in ("s3", "ec2", "sagemaker", "efs"))
    bucket = name("counted")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"x")
    s3.list_objects_v2(Bucket=bucket)
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    sm.list_domains()
    efs.describe_file_systems()
    emulator.inventory()  # not an AWS call
    doc = stats(emulator)
    assert doc["calls"] == {
        "ec2": {"DescribeVpcs": 2},
        "efs": {"DescribeFileSystems": 1},
        "s3": {"CreateBucket": 1, "ListObjectsV2": 1, "PutBucketPolicy": 1, "PutObject": 1},
        "sagemaker": {"ListDomains": 1},
    }
    assert doc["total_calls"] == 8 and doc["faulted_calls"] == {}
    assert emulator.http("GET", "/_emulator/stats/reset")[0] == 405
