"""deploy.check_endpoint against botocore's Stubber."""

import io

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from deploy import check_endpoint

ENDPOINT = "sagemaker-p-abc123def456-staging"


def clients(status, answer=b"0.42"):
    kw = {"region_name": "eu-west-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    sagemaker, runtime = boto3.client("sagemaker", **kw), boto3.client("sagemaker-runtime", **kw)
    sm, rt = Stubber(sagemaker), Stubber(runtime)
    sm.add_response(
        "describe_endpoint",
        {
            "EndpointName": ENDPOINT,
            "EndpointArn": f"arn:aws:sagemaker:eu-west-1:111122223333:endpoint/{ENDPOINT}",
            "EndpointConfigName": "c",
            "EndpointStatus": status,
            "CreationTime": "2026-12-01T00:00:00Z",
            "LastModifiedTime": "2026-12-01T00:00:00Z",
        },
        {"EndpointName": ENDPOINT},
    )
    rt.add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(answer), len(answer)), "ContentType": "text/csv"},
        {"EndpointName": ENDPOINT, "ContentType": "text/csv", "Body": check_endpoint.SAMPLE},
    )
    sm.activate()
    rt.activate()
    return sagemaker, runtime


def test_an_endpoint_in_service_that_answers_a_number_passes():
    assert check_endpoint.check(*clients("InService"), ENDPOINT) == pytest.approx(0.42)


def test_an_endpoint_not_in_service_fails():
    with pytest.raises(check_endpoint.EndpointFailed, match="Failed"):
        check_endpoint.check(*clients("Failed"), ENDPOINT)


@pytest.mark.parametrize("answer", [b"<html>error</html>", b"nan"])
def test_an_answer_that_is_not_a_finite_number_fails(answer):
    with pytest.raises(check_endpoint.EndpointFailed):
        check_endpoint.check(*clients("InService", answer), ENDPOINT)


def test_the_sample_has_the_seed_models_eight_features():
    assert len(check_endpoint.SAMPLE.split(",")) == 8
