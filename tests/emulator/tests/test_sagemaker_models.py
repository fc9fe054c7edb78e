"""SageMaker models and endpoint configurations (extensions/sagemaker_models.py), and the Studio
lists the audit pages through (extensions/studio.py)."""

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-execution"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
VPC = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]}


def refused(code: str, call: Callable[..., Any], **kw: Any) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value.response["Error"]["Message"]


def names(page: list[dict[str, Any]], key: str) -> list[str]:
    return [item[key] for item in page]


@pytest.fixture
def sm(emulator: Emulator, region: str) -> Any:
    return emulator.client("sagemaker", region)


def test_model_reads_back_its_network(sm, name):
    isolated, plain = name("model"), name("model")
    arn = sm.create_model(ModelName=isolated, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"},
                          VpcConfig=VPC, EnableNetworkIsolation=True)["ModelArn"]
    d = sm.describe_model(ModelName=isolated)
    assert d["ModelArn"] == arn and d["ExecutionRoleArn"] == ROLE
    assert d["VpcConfig"] == VPC and d["EnableNetworkIsolation"] is True  # moto: always false
    sm.create_model(ModelName=plain, ExecutionRoleArn=ROLE, Containers=[{"Image": "img"}])
    d = sm.describe_model(ModelName=plain)
    assert "VpcConfig" not in d and "PrimaryContainer" not in d and d["EnableNetworkIsolation"] is False  # moto: {} for both
    assert d["Containers"] == [{"Image": "img"}]

    message = refused("ValidationException", sm.create_model, ModelName=isolated, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "other"})
    assert message == f'Cannot create already existing model "{arn}".'
    assert sm.describe_model(ModelName=isolated)["PrimaryContainer"] == {"Image": "img"}  # moto replaced it


def test_list_models_sorts_and_pages(sm, name):
    prefix = name("mdl")
    models = [f"{prefix}-{i}" for i in range(5)]
    for model in models:
        sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    first = sm.list_models(NameContains=prefix, MaxResults=2)  # default: CreationTime, Descending
    assert names(first["Models"], "ModelName") == models[:-3:-1]
    second = sm.list_models(NameContains=prefix, MaxResults=2, NextToken=first["NextToken"])
    third = sm.list_models(NameContains=prefix, MaxResults=2, NextToken=second["NextToken"])
    assert names(second["Models"] + third["Models"], "ModelName") == models[2::-1] and "NextToken" not in third
    ascending = sm.list_models(NameContains=prefix, SortBy="Name", SortOrder="Ascending")
    assert names(ascending["Models"], "ModelName") == models
    assert len(sm.list_models()["Models"]) <= 10  # AWS's default page (moto: every model)


def test_endpoint_config_reads_back_its_key_and_variants(emulator, sm, name):
    model = name("model")
    sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    config = name("epc")
    variants = [{"VariantName": "main", "ModelName": model, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]
    arn = sm.create_endpoint_config(EndpointConfigName=config, KmsKeyId=KEY, ProductionVariants=variants)["EndpointConfigArn"]
    d = sm.describe_endpoint_config(EndpointConfigName=config)
    assert d["EndpointConfigArn"] == arn and d["KmsKeyId"] == KEY
    assert d["ProductionVariants"] == variants
    assert "DataCaptureConfig" not in d  # moto: {}
    capture = {"EnableCapture": True, "InitialSamplingPercentage": 10, "DestinationS3Uri": "s3://team-out/capture",
               "KmsKeyId": KEY, "CaptureOptions": [{"CaptureMode": "Input"}]}
    captured = name("epc")
    sm.create_endpoint_config(EndpointConfigName=captured, ProductionVariants=variants, DataCaptureConfig=capture)
    d = sm.describe_endpoint_config(EndpointConfigName=captured)
    assert d["DataCaptureConfig"] == capture and "KmsKeyId" not in d

    message = refused("ValidationException", sm.create_endpoint_config, EndpointConfigName=config, ProductionVariants=variants)
    assert message == f'Cannot create already existing endpoint configuration "{arn}".'
    other = [{**variants[0], "ModelName": name("none")}]
    assert refused("ValidationException", sm.create_endpoint_config, EndpointConfigName=name("epc"), ProductionVariants=other).startswith("Could not find model")

    listed = sm.list_endpoint_configs(NameContains=config.split("-")[0], MaxResults=1)  # default: newest first
    assert names(listed["EndpointConfigs"], "EndpointConfigName") == [captured] and listed["NextToken"]
    inventory = emulator.inventory()
    assert config in inventory["sagemaker:endpoint_config"] and model in inventory["sagemaker:model"]
