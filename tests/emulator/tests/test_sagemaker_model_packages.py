"""DeleteModelPackage (sagemaker_model_packages.py), and what a project's template says it leaves
behind: the model-build-train template's outputs, read through Service Catalog, name the group
whose versions block the project's deletion until they are deleted."""

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import error_code, wait_for
from test_sagemaker_projects import Mlops, mlops  # noqa: F401  (the fixture)


def version(mlops: Mlops, group: str) -> str:
    return mlops.sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]


def outputs(mlops: Mlops, project: str) -> dict[str, str]:
    pp = mlops.sagemaker.describe_project(ProjectName=project)["ServiceCatalogProvisionedProductDetails"]
    got = mlops.servicecatalog.get_provisioned_product_outputs(ProvisionedProductId=pp["ProvisionedProductId"])
    return {o["OutputKey"]: o["OutputValue"] for o in got["Outputs"]}


def test_the_template_names_what_a_project_leaves_and_its_versions_block_deletion(mlops, name):  # noqa: F811
    product_id, artifact = mlops.product()
    project = name("churn")[:32]
    pid = mlops.create(project, product_id, artifact)["ProjectId"]
    assert mlops.settled(project)["ProjectStatus"] == "CreateCompleted"
    out = outputs(mlops, project)
    assert out["ModelPackageGroupName"] == f"{project}-{pid}"
    assert out["SageMakerPipelineName"] == f"{project}-{pid}"
    assert out["ArtifactLocation"] == f"s3://{mlops.bucket}/mlops/{project}-{pid}/"
    assert out["SourceLocation"] == f"s3://{mlops.bucket}/projects/{project}/"

    arn = version(mlops, out["ModelPackageGroupName"])
    mlops.sagemaker.delete_project(ProjectName=project)
    assert mlops.settled(project)["ProjectStatus"] == "DeleteFailed"

    mlops.sagemaker.delete_model_package(ModelPackageName=arn)
    listed = mlops.sagemaker.list_model_packages(ModelPackageGroupName=out["ModelPackageGroupName"])
    assert listed["ModelPackageSummaryList"] == []
    mlops.sagemaker.delete_project(ProjectName=project)

    def gone() -> bool:
        try:
            mlops.sagemaker.describe_project(ProjectName=project)
            return False
        except ClientError:
            return True

    wait_for(gone, timeout=10, what="the project to go")


def test_a_repository_source_has_no_source_location(mlops, name):  # noqa: F811
    product_id, artifact = mlops.product(
        SourceType="codecommit", Repository="churn", Branch="main",
    )
    project = name("repo")[:32]
    mlops.create(project, product_id, artifact)
    assert mlops.settled(project)["ProjectStatus"] == "CreateCompleted"
    assert "SourceLocation" not in outputs(mlops, project)


def test_a_package_that_is_not_there_or_named_by_its_group_is_refused(mlops, name):  # noqa: F811
    group = name("group")
    mlops.sagemaker.create_model_package_group(ModelPackageGroupName=group)
    arn = version(mlops, group)
    for bad in (group, f"{arn}-missing"):
        with pytest.raises(ClientError) as refused:
            mlops.sagemaker.delete_model_package(ModelPackageName=bad)
        assert error_code(refused) == "ValidationException"
    mlops.sagemaker.delete_model_package(ModelPackageName=arn)
    with pytest.raises(ClientError):
        mlops.sagemaker.describe_model_package(ModelPackageName=arn)


def test_an_unversioned_package_is_deleted_by_its_name(mlops, name):  # noqa: F811
    package = name("pkg")
    arn: Any = mlops.sagemaker.create_model_package(
        ModelPackageName=package,
        InferenceSpecification={
            "Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    mlops.sagemaker.delete_model_package(ModelPackageName=package)
    with pytest.raises(ClientError):
        mlops.sagemaker.describe_model_package(ModelPackageName=arn)


def test_a_projects_tags_are_read_and_changed_by_its_arn(mlops, name):  # noqa: F811
    product_id, artifact = mlops.product()
    project = name("tagged")[:32]
    arn = mlops.create(project, product_id, artifact, Tags=[{"Key": "team", "Value": "a"}])["ProjectArn"]
    mlops.sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}, {"Key": "cost", "Value": "1"}])
    mlops.sagemaker.delete_tags(ResourceArn=arn, TagKeys=["cost"])
    tags = {t["Key"]: t["Value"] for t in mlops.sagemaker.list_tags(ResourceArn=arn)["Tags"]}
    assert tags["team"] == "b" and "cost" not in tags
    assert tags["sagemaker:project-name"] == project


def test_a_missing_pipeline_is_not_found(mlops):  # noqa: F811
    for call in (
        lambda: mlops.sagemaker.describe_pipeline(PipelineName="never-built"),
        lambda: mlops.sagemaker.delete_pipeline(
            PipelineName="never-built", ClientRequestToken="secure-mlops-delete-pipeline-p-0123456789ab"),
    ):
        with pytest.raises(ClientError) as missing:
            call()
        assert error_code(missing) == "ResourceNotFound"
        assert "never-built does not exist" in str(missing.value)
    # A token shorter than AWS's 32 characters is refused, as AWS refuses it (botocore checks
    # it client-side; the Rust SDK does not, so the emulator must).
    unchecked = boto3.client(
        "sagemaker", endpoint_url=mlops.sagemaker.meta.endpoint_url, region_name=mlops.region,
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as short:
        unchecked.delete_pipeline(PipelineName="never-built", ClientRequestToken="delete-p-0123456789ab")
    assert error_code(short) == "ValidationException"
    assert "'clientRequestToken' failed to satisfy constraint" in str(short.value)
