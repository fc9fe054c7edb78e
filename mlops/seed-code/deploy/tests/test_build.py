"""deploy.build against botocore's Stubber: the calls it makes and the files it writes."""

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from deploy import build

GROUP = "churn-p-abc123def456"
ARN = f"arn:aws:sagemaker:eu-west-1:111122223333:model-package/{GROUP}/7"
ENV = {
    "SAGEMAKER_PROJECT_NAME": "churn-deploy",
    "SAGEMAKER_PROJECT_ID": "p-abc123def456",
    "SOURCE_MODEL_PACKAGE_GROUP_NAME": GROUP,
    "MODEL_EXECUTION_ROLE_ARN": "arn:aws:iam::111122223333:role/secure-mlops/team-a-dev-execution",
    "SUBNET_IDS": "subnet-1,subnet-2",
    "SECURITY_GROUP_IDS": "sg-1",
    "EBS_KMS_KEY_ARN": "arn:aws:kms:eu-west-1:111122223333:key/ebs",
    "DATA_KMS_KEY_ARN": "arn:aws:kms:eu-west-1:111122223333:key/data",
    "DATA_CAPTURE_URI": "s3://models/mlops/churn-deploy-p-abc123def456/data-capture",
    "SECURE_MLOPS_ENVIRONMENT": "team-a-dev",
}
STAGES = json.loads((Path(build.HERE) / "stages.json").read_text())


def client(packages):
    sagemaker = boto3.client("sagemaker", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(sagemaker)
    stub.add_response(
        "list_model_packages",
        {"ModelPackageSummaryList": packages},
        {
            "ModelPackageGroupName": GROUP,
            "ModelApprovalStatus": "Approved",
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": 1,
        },
    )
    stub.activate()
    return sagemaker, stub


def summary(arn):
    return {
        "ModelPackageArn": arn,
        "ModelPackageName": GROUP,
        "CreationTime": "2026-12-01T00:00:00Z",
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": "Approved",
    }


def test_each_stage_deploys_the_newest_approved_version_with_the_environments_network_and_keys(tmp_path):
    sagemaker, stub = client([summary(ARN)])
    assert build.write_configurations(sagemaker, ENV, STAGES, tmp_path) == ARN
    stub.assert_no_pending_responses()
    for stage in build.STAGES:
        config = json.loads((tmp_path / f"{stage}-config.json").read_text())
        params = config["Parameters"]
        assert params["ModelPackageArn"] == ARN
        assert params["ModelVersion"] == "7"
        assert params["StageName"] == stage
        assert params["SubnetIds"] == "subnet-1,subnet-2"
        assert params["SecurityGroupIds"] == "sg-1"
        assert params["EbsKmsKeyArn"].endswith("key/ebs")
        assert params["DataKmsKeyArn"].endswith("key/data")
        assert params["DataCaptureUri"] == f"{ENV['DATA_CAPTURE_URI']}/{stage}"
        # CloudFormation's template configuration takes strings only.
        assert all(isinstance(v, str) for v in params.values())
        assert config["Tags"]["secure-mlops:environment"] == "team-a-dev"
        assert config["Tags"]["secure-mlops:stage"] == stage


def test_production_captures_less_and_runs_more_instances_than_staging(tmp_path):
    sagemaker, _ = client([summary(ARN)])
    build.write_configurations(sagemaker, ENV, STAGES, tmp_path)
    staging = json.loads((tmp_path / "staging-config.json").read_text())["Parameters"]
    prod = json.loads((tmp_path / "prod-config.json").read_text())["Parameters"]
    assert int(prod["InstanceCount"]) >= 2 > int(staging["InstanceCount"])
    assert int(prod["SamplingPercentage"]) < int(staging["SamplingPercentage"])


def test_a_group_without_an_approved_version_deploys_nothing(tmp_path):
    sagemaker, _ = client([])
    with pytest.raises(build.NoApprovedModel, match=GROUP):
        build.write_configurations(sagemaker, ENV, STAGES, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_stage_missing_from_the_settings_is_refused(tmp_path):
    sagemaker, _ = client([summary(ARN)])
    with pytest.raises(ValueError, match="prod"):
        build.write_configurations(sagemaker, ENV, {"staging": STAGES["staging"]}, tmp_path)


def test_the_version_is_read_from_the_arn():
    assert build.version_of(ARN) == "7"
    with pytest.raises(ValueError):
        build.version_of(f"arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/{GROUP}")
