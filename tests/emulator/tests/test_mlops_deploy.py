"""The model-deploy template (cfn/mlops/model-deploy.yaml) and its endpoint template
(mlops/seed-code/deploy/endpoint.yaml) as stacks (cfn_mlops.py): an approval in the source group
starts the deploy pipeline through the template's rule; the endpoint stack names its model,
configuration and endpoint as the template says; both stacks delete cleanly."""

import json
import re
from pathlib import Path
from typing import Any

from conftest import Emulator, studio_network, wait_for

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "cfn" / "mlops" / "model-deploy.yaml"
ENDPOINT = ROOT / "mlops" / "seed-code" / "deploy" / "endpoint.yaml"
CONTAINER = {
    "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"}],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


def trust(*services: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": list(services)}, "Action": "sts:AssumeRole"}]})


def rendered(values: dict[str, str]) -> str:
    out = []
    for line in TEMPLATE.read_text().splitlines():
        match = re.match(r"^(\s*)([A-Za-z]+): .*# engine: (\w+)\s*$", line)
        if match and not line.lstrip().startswith("#"):
            indent, key, value_name = match.groups()
            line = f"{indent}{key}: {json.dumps(values[value_name])}"
        out.append(line)
    return "\n".join(out) + "\n"


def settled(cfn: Any, stack: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        s = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        return None if s["StackStatus"].endswith("_IN_PROGRESS") else s

    return wait_for(done, timeout=10, what=f"stack {stack}")


def test_an_approval_starts_the_deploy_pipeline_and_the_endpoint_stack_is_named_as_the_template_says(
    emulator: Emulator, region: str, name: Any
) -> None:
    c = {s: emulator.client(s, region) for s in ("cloudformation", "sagemaker", "ec2", "iam", "kms", "s3", "codepipeline", "events")}
    vpc, subnets = studio_network(c["ec2"])
    group = c["ec2"].create_security_group(GroupName=name("sg"), Description="sm", VpcId=vpc)["GroupId"]
    key = c["kms"].create_key()["KeyMetadata"]["Arn"]
    role = lambda n, *s: c["iam"].create_role(RoleName=name(n), AssumeRolePolicyDocument=trust(*s))["Role"]["Arn"]  # noqa: E731
    build = role("build", "codebuild.amazonaws.com", "codepipeline.amazonaws.com")
    events = role("events", "events.amazonaws.com")
    deploy = role("deploy", "cloudformation.amazonaws.com")
    execution = role("execution", "sagemaker.amazonaws.com")
    bucket = name("mlops")
    c["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    source_group = name("churn")
    c["sagemaker"].create_model_package_group(ModelPackageGroupName=source_group)
    values = {
        "EnvironmentId": "team-dev", "SubnetIds": ",".join(subnets), "SecurityGroupId": group, "VpcId": vpc,
        "DataKmsKeyArn": key, "EbsKmsKeyArn": key, "MlopsBucket": bucket, "ModelsBucket": bucket,
        "BuildRoleArn": build, "PipelineRoleArn": execution, "EventsRoleArn": events, "DeployRoleArn": deploy,
        "SourceType": "s3", "ConnectionArn": "", "Repository": "", "Branch": "main", "PackageDomain": "",
        "PackageRepository": "", "SeedObjectKey": "seed-code/model-deploy.zip",
    }
    pid = "p-" + name("x")[-8:] + "abcd"
    stack = name("SC-deploy")
    c["cloudformation"].create_stack(StackName=stack, TemplateBody=rendered(values), Parameters=[
        {"ParameterKey": "SageMakerProjectName", "ParameterValue": "churndeploy"},
        {"ParameterKey": "SageMakerProjectId", "ParameterValue": pid},
        {"ParameterKey": "SourceModelPackageGroupName", "ParameterValue": source_group},
    ])
    made = settled(c["cloudformation"], stack)
    assert made["StackStatus"] == "CREATE_COMPLETE", made
    outputs = {o["OutputKey"]: o["OutputValue"] for o in made["Outputs"]}
    pipeline = outputs["DeployPipelineName"]
    assert pipeline == f"sagemaker-{pid}-deploy"
    targets = c["events"].list_targets_by_rule(Rule=outputs["RuleName"])["Targets"]
    assert [(t["Arn"].rsplit(":", 1)[-1], t["RoleArn"]) for t in targets] == [(pipeline, events)]

    # A version pending approval starts nothing; its approval starts the pipeline.
    version = c["sagemaker"].create_model_package(
        ModelPackageGroupName=source_group, ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification=CONTAINER)["ModelPackageArn"]
    runs = lambda: c["codepipeline"].list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]  # noqa: E731
    assert runs() == []
    c["sagemaker"].update_model_package(ModelPackageArn=version, ModelApprovalStatus="Approved")
    started = wait_for(runs, what="the deploy pipeline to start")
    assert started[0]["trigger"]["triggerType"] == "CloudWatchEvent"

    # What the pipeline's staging action deploys, as the deploy role.
    endpoint_stack = outputs["StagingStackName"]
    c["cloudformation"].create_stack(StackName=endpoint_stack, TemplateBody=ENDPOINT.read_text(), RoleARN=deploy, Parameters=[
        {"ParameterKey": k, "ParameterValue": v} for k, v in {
            "SageMakerProjectId": pid, "StageName": "staging", "ModelPackageArn": version, "ModelVersion": "1",
            "ModelExecutionRoleArn": execution, "SubnetIds": ",".join(subnets), "SecurityGroupIds": group,
            "EbsKmsKeyArn": key, "DataKmsKeyArn": key, "DataCaptureUri": f"s3://{bucket}/mlops/churndeploy-{pid}/data-capture/staging",
        }.items()])
    assert settled(c["cloudformation"], endpoint_stack)["StackStatus"] == "CREATE_COMPLETE"
    endpoint = c["sagemaker"].describe_endpoint(EndpointName=outputs["StagingEndpointName"])
    config = c["sagemaker"].describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    assert config["EndpointConfigName"] == f"sagemaker-{pid}-staging-v1"
    assert config["KmsKeyId"] == key
    assert config["DataCaptureConfig"]["KmsKeyId"] == key
    model = c["sagemaker"].describe_model(ModelName=f"sagemaker-{pid}-staging-v1")
    assert sorted(model["VpcConfig"]["Subnets"]) == sorted(subnets)
    assert model["EnableNetworkIsolation"] is True
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 100

    for s in (endpoint_stack, stack):
        c["cloudformation"].delete_stack(StackName=s)

    def gone() -> bool:
        names = [r["Name"] for r in c["events"].list_rules(NamePrefix=f"sagemaker-{pid}")["Rules"]]
        endpoints = c["sagemaker"].list_endpoints(NameContains=pid)["Endpoints"]
        return not names and not endpoints

    wait_for(gone, what="the rule and the endpoint to go with their stacks")
