"""The pipeline definition: every job inside the environment, the model registered pending
approval. Built offline (the scripts are S3 URIs; conftest refuses any AWS call)."""

import json

import boto3
import pytest

from pipelines import run_pipeline
from pipelines.pipeline import Settings, get_pipeline

SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
GROUPS = ["sg-0aaaaaaaaaaaaaaa1"]
DATA = "arn:aws:kms:eu-west-1:111122223333:key/data"
EBS = "arn:aws:kms:eu-west-1:111122223333:key/ebs"
ENVIRONMENT = {
    "SAGEMAKER_PROJECT_NAME": "churn",
    "SAGEMAKER_PROJECT_ID": "p-abcdefghijkl",
    "SAGEMAKER_PIPELINE_NAME": "churn-p-abcdefghijkl",
    "SAGEMAKER_PIPELINE_ROLE_ARN": "arn:aws:iam::111122223333:role/secure-mlops/team-dev-execution",
    "MODEL_PACKAGE_GROUP_NAME": "churn-p-abcdefghijkl",
    "ARTIFACT_BUCKET": "team-dev-eu-west-1-111122223333-models",
    "ARTIFACT_PREFIX": "mlops/churn-p-abcdefghijkl",
    "SUBNET_IDS": ",".join(SUBNETS),
    "SECURITY_GROUP_IDS": ",".join(GROUPS),
    "DATA_KMS_KEY_ARN": DATA,
    "EBS_KMS_KEY_ARN": EBS,
    "SECURE_MLOPS_ENVIRONMENT": "team-dev",
    "CODEARTIFACT_DOMAIN": "",
    "CODEARTIFACT_REPOSITORY": "",
}


@pytest.fixture
def definition():
    from sagemaker.workflow.pipeline_context import PipelineSession

    settings = run_pipeline.settings_from(run_pipeline.read_environment(ENVIRONMENT))
    session = PipelineSession(boto_session=boto3.Session(region_name="eu-west-1"), default_bucket=settings.bucket)
    return json.loads(get_pipeline(settings, session).definition())


def steps(definition, kind):
    found = []
    for step in definition["Steps"]:
        found.append(step)
        for branch in ("IfSteps", "ElseSteps"):
            found.extend(step.get("Arguments", {}).get(branch, []))
    return [s for s in found if s["Type"] == kind]


def test_every_processing_job_runs_inside_the_environment(definition):
    jobs = steps(definition, "Processing")
    assert [j["Name"] for j in jobs] == ["Preprocess", "Evaluate"]
    for job in jobs:
        args = job["Arguments"]
        net = args["NetworkConfig"]
        assert net["VpcConfig"] == {"Subnets": SUBNETS, "SecurityGroupIds": GROUPS}, job["Name"]
        assert net["EnableNetworkIsolation"] is True
        assert net["EnableInterContainerTrafficEncryption"] is True
        assert args["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == EBS
        assert args["ProcessingOutputConfig"]["KmsKeyId"] == DATA
        assert {"Key": "secure-mlops:environment", "Value": "team-dev"} in args["Tags"]
        for output in args["ProcessingOutputConfig"]["Outputs"]:
            assert output["S3Output"]["S3Uri"].startswith(f"s3://{ENVIRONMENT['ARTIFACT_BUCKET']}/mlops/")


def test_the_training_job_runs_inside_the_environment(definition):
    [job] = steps(definition, "Training")
    args = job["Arguments"]
    assert args["VpcConfig"] == {"Subnets": SUBNETS, "SecurityGroupIds": GROUPS}
    assert args["EnableNetworkIsolation"] is True
    assert args["EnableInterContainerTrafficEncryption"] is True
    assert args["ResourceConfig"]["VolumeKmsKeyId"] == EBS
    assert args["OutputDataConfig"]["KmsKeyId"] == DATA
    assert {"Key": "secure-mlops:environment", "Value": "team-dev"} in args["Tags"]


def test_a_good_enough_model_is_registered_pending_manual_approval(definition):
    parameters = {p["Name"]: p for p in definition["Parameters"]}
    assert parameters["ModelApprovalStatus"]["DefaultValue"] == "PendingManualApproval"
    [condition] = steps(definition, "Condition")
    [register] = [s for s in condition["Arguments"]["IfSteps"] if s["Type"] == "RegisterModel"]
    args = register["Arguments"]
    assert args["ModelPackageGroupName"] == ENVIRONMENT["MODEL_PACKAGE_GROUP_NAME"]
    assert args["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    assert [s["Type"] for s in condition["Arguments"]["ElseSteps"]] == ["Fail"]


def test_missing_variables_are_all_named():
    partial = {k: v for k, v in ENVIRONMENT.items() if k not in ("SUBNET_IDS", "DATA_KMS_KEY_ARN")}
    with pytest.raises(run_pipeline.MissingSettings) as missing:
        run_pipeline.read_environment(partial)
    assert "SUBNET_IDS" in str(missing.value) and "DATA_KMS_KEY_ARN" in str(missing.value)
    assert run_pipeline.main([], environ=partial) == 2
