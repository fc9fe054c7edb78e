"""Model approvals on EventBridge starting a deploy pipeline, and model package group policies
(mlops_events.py)."""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, wait_for

TRUST_EVENTS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
CONTAINER = {
    "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"}],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


@dataclass
class Deploy:
    emulator: Emulator
    sagemaker: Any
    events: Any
    codepipeline: Any
    iam: Any
    group: str
    pipeline: str
    rule_arn: str
    region: str

    def version(self) -> str:
        return self.sagemaker.create_model_package(
            ModelPackageGroupName=self.group,
            ModelApprovalStatus="PendingManualApproval",
            InferenceSpecification=CONTAINER,
        )["ModelPackageArn"]

    def executions(self) -> list[dict[str, Any]]:
        return self.codepipeline.list_pipeline_executions(pipelineName=self.pipeline)["pipelineExecutionSummaries"]


def pipeline_document(name: str, role_arn: str) -> dict[str, Any]:
    return {
        "name": name,
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [
            {"name": "Source", "actions": [{"name": "Source", "actionTypeId": {
                "category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": "artifacts", "S3ObjectKey": "deploy.zip"},
                "outputArtifacts": [{"name": "Source"}]}]},
            {"name": "Approve", "actions": [{"name": "Approve", "actionTypeId": {
                "category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]},
        ],
    }


@pytest.fixture
def deploy(emulator: Emulator, region: str, name: Any) -> Deploy:
    sagemaker = emulator.client("sagemaker", region)
    events = emulator.client("events", region)
    codepipeline = emulator.client("codepipeline", region)
    iam = emulator.client("iam", region)
    group = name("churn")
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    pipeline_role = iam.create_role(
        RoleName=name("pipeline"),
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    pipeline = name("deploy")
    codepipeline.create_pipeline(pipeline=pipeline_document(pipeline, pipeline_role))
    events_role = iam.create_role(RoleName=name("events"), AssumeRolePolicyDocument=json.dumps(TRUST_EVENTS))["Role"]["Arn"]
    rule = name("approved")
    rule_arn = events.put_rule(
        Name=rule,
        EventPattern=json.dumps({
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Package State Change"],
            "detail": {"ModelPackageGroupName": [group], "ModelApprovalStatus": ["Approved"]},
        }),
    )["RuleArn"]
    account = rule_arn.split(":")[4]
    events.put_targets(Rule=rule, Targets=[{
        "Id": "deploy", "Arn": f"arn:aws:codepipeline:{region}:{account}:{pipeline}", "RoleArn": events_role}])
    return Deploy(emulator, sagemaker, events, codepipeline, iam, group, pipeline, rule_arn, region)


def pipeline_deliveries(emulator: Emulator, rule_arn: str) -> list[dict[str, Any]]:
    status, doc = emulator.http("GET", "/_emulator/deliveries")
    assert status == 200
    return [d for d in doc["pipelines"] if d["rule_arn"] == rule_arn]


def test_an_approval_starts_the_deploy_pipeline_and_other_changes_do_not(deploy: Deploy):
    arn = deploy.version()
    # A new version pending approval, then a rejection: events the rule does not match.
    deploy.sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Rejected")
    assert deploy.executions() == []

    deploy.sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    [execution] = wait_for(deploy.executions, what="the deploy pipeline's execution")
    assert execution["trigger"] == {"triggerType": "CloudWatchEvent", "triggerDetail": deploy.rule_arn}
    got = deploy.codepipeline.get_pipeline_execution(
        pipelineName=deploy.pipeline, pipelineExecutionId=execution["pipelineExecutionId"])
    assert got["pipelineExecution"]["trigger"]["triggerType"] == "CloudWatchEvent"
    [delivery] = pipeline_deliveries(deploy.emulator, deploy.rule_arn)
    assert delivery["outcome"] == "started"
    assert delivery["execution_id"] == execution["pipelineExecutionId"]
    assert delivery["detail_type"] == "SageMaker Model Package State Change"

    # The same status again changes nothing, so nothing is emitted.
    deploy.sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    assert len(deploy.executions()) == 1
    # A second version approved: a second deployment.
    second = deploy.version()
    deploy.sagemaker.update_model_package(ModelPackageArn=second, ModelApprovalStatus="Approved")
    wait_for(lambda: len(deploy.executions()) == 2, what="the second execution")


def test_a_role_events_cannot_assume_starts_nothing(deploy: Deploy, name: Any):
    untrusted = deploy.iam.create_role(
        RoleName=name("not-events"),
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    rule = deploy.rule_arn.rsplit("/", 1)[-1]
    target = deploy.events.list_targets_by_rule(Rule=rule)["Targets"][0]
    deploy.events.put_targets(Rule=rule, Targets=[{**target, "RoleArn": untrusted}])
    arn = deploy.version()
    deploy.sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    [delivery] = wait_for(lambda: pipeline_deliveries(deploy.emulator, deploy.rule_arn), what="the delivery")
    assert delivery["outcome"] == "ROLE_NOT_TRUSTED"
    assert deploy.executions() == []


def test_group_policies_are_kept_read_and_deleted(deploy: Deploy):
    sm = deploy.sagemaker
    with pytest.raises(ClientError) as missing:
        sm.get_model_package_group_policy(ModelPackageGroupName=deploy.group)
    assert error_code(missing) == "ValidationException"
    assert "Cannot find resource policy" in str(missing.value)

    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "ProdReads", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
        "Resource": "*"}]})
    arn = sm.put_model_package_group_policy(ModelPackageGroupName=deploy.group, ResourcePolicy=policy)
    assert arn["ModelPackageGroupArn"].endswith(f"model-package-group/{deploy.group}")
    assert json.loads(sm.get_model_package_group_policy(ModelPackageGroupName=deploy.group)["ResourcePolicy"]) \
        == json.loads(policy)

    with pytest.raises(ClientError) as bad:
        sm.put_model_package_group_policy(ModelPackageGroupName=deploy.group, ResourcePolicy="{\"Version\": 1}")
    assert error_code(bad) == "ValidationException"
    with pytest.raises(ClientError) as no_group:
        sm.put_model_package_group_policy(ModelPackageGroupName=deploy.group + "-x", ResourcePolicy=policy)
    assert "does not exist" in str(no_group.value)

    sm.delete_model_package_group_policy(ModelPackageGroupName=deploy.group)
    with pytest.raises(ClientError):
        sm.delete_model_package_group_policy(ModelPackageGroupName=deploy.group)
