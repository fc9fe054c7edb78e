"""SageMaker projects through Service Catalog (sagemaker_projects.py) and the MLOps template's
CloudFormation types (cfn_mlops.py): the repository's cfn/mlops/model-build-train.yaml with real
ids written into its engine-marked lines, published as a product, made into a project."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, studio_network, wait_for

ACCOUNT = "123456789012"
TEMPLATE = Path(__file__).resolve().parents[3] / "cfn" / "mlops" / "model-build-train.yaml"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": ["codebuild.amazonaws.com", "codepipeline.amazonaws.com"]},
        "Action": "sts:AssumeRole",
    }],
}


def rendered(values: dict[str, str]) -> str:
    """The template with each `# engine: <Name>` line's value replaced, as the engine does."""
    out = []
    for line in TEMPLATE.read_text().splitlines():
        match = re.match(r"^(\s*)([A-Za-z]+): .*# engine: (\w+)\s*$", line)
        if match and not line.lstrip().startswith("#"):
            indent, key, name = match.groups()
            line = f"{indent}{key}: {json.dumps(values[name])}"
        out.append(line)
    return "\n".join(out) + "\n"


class Mlops:
    """An environment's parts, the template published as a product Studio shows."""

    def __init__(self, emulator: Emulator, region: str, name: Any, subnet_vpc: str | None = None):
        self.region, self.name = region, name
        for service in ("servicecatalog", "sagemaker", "s3", "ec2", "iam", "codebuild", "codepipeline", "kms"):
            setattr(self, service, emulator.client(service, region))
        self.vpc, self.subnets = studio_network(self.ec2)
        self.group = self.ec2.create_security_group(GroupName=name("sg"), Description="sm", VpcId=self.vpc)["GroupId"]
        self.key = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.build_role = self.iam.create_role(RoleName=name("build"), AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        self.bucket = name("mlops")
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": region})
        self.values = {
            "EnvironmentId": "team-dev", "SubnetIds": ",".join(self.subnets), "SecurityGroupId": self.group,
            "VpcId": self.vpc, "DataKmsKeyArn": self.key, "EbsKmsKeyArn": self.key, "MlopsBucket": self.bucket,
            "ModelsBucket": self.bucket, "BuildRoleArn": self.build_role,
            "PipelineRoleArn": f"arn:aws:iam::{ACCOUNT}:role/team-dev-execution", "SourceType": "s3",
            "ConnectionArn": "", "Repository": "", "Branch": "main", "PackageDomain": "", "PackageRepository": "",
            "SeedObjectKey": "seed-code/model-build-train.zip",
        }

    def product(self, **changes: str) -> tuple[str, str]:
        key = f"{self.name('t')}.yaml"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=rendered({**self.values, **changes}).encode())
        sc = self.servicecatalog
        detail = sc.create_product(
            Name=self.name("model-build-train"), Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
            Tags=[{"Key": "sagemaker:studio-visibility", "Value": "true"}],
            ProvisioningArtifactParameters={
                "Name": "v1", "Type": "CLOUD_FORMATION_TEMPLATE",
                "Info": {"LoadTemplateFromURL": f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{key}"},
            },
        )
        product_id = detail["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        artifact = detail["ProvisioningArtifactDetail"]["Id"]
        portfolio = sc.create_portfolio(DisplayName=self.name("mlops"), ProviderName="platform")["PortfolioDetail"]["Id"]
        sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
        sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH",
                             Parameters=json.dumps({"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{self.name('launch')}"}))
        return product_id, artifact

    def create(self, name: str, product_id: str, artifact: str, **kw: Any) -> dict[str, Any]:
        return self.sagemaker.create_project(
            ProjectName=name,
            ServiceCatalogProvisioningDetails={"ProductId": product_id, "ProvisioningArtifactId": artifact},
            **kw,
        )

    def settled(self, name: str) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            d = self.sagemaker.describe_project(ProjectName=name)
            return None if d["ProjectStatus"].endswith("InProgress") or d["ProjectStatus"] == "Pending" else d

        return wait_for(done, timeout=10, what=f"project {name}")


@pytest.fixture
def mlops(emulator: Emulator, region: str, name: Any) -> Mlops:
    return Mlops(emulator, region, name)


def test_a_project_builds_inside_the_environment_and_its_deletion_takes_everything(mlops, name, emulator):
    product_id, artifact = mlops.product()
    project = name("churn")[:32]
    created = mlops.create(project, product_id, artifact, ProjectDescription="churn model")
    pid = created["ProjectId"]
    assert re.fullmatch(r"p-[a-z0-9]{12}", pid)
    assert created["ProjectArn"].endswith(f":project/{project}")
    described = mlops.settled(project)
    assert described["ProjectStatus"] == "CreateCompleted", described
    assert described["ServiceCatalogProvisioningDetails"]["ProductId"] == product_id
    # The build runs in the environment's subnets and group, with its key and the build role.
    build = mlops.codebuild.batch_get_projects(names=[f"sagemaker-{pid}-build"])["projects"][0]
    assert sorted(build["vpcConfig"]["subnets"]) == sorted(mlops.subnets)
    assert build["vpcConfig"]["securityGroupIds"] == [mlops.group]
    assert build["encryptionKey"] == mlops.key
    assert build["serviceRole"] == mlops.build_role
    variables = {v["name"]: v["value"] for v in build["environment"]["environmentVariables"]}
    assert variables["SAGEMAKER_PROJECT_ID"] == pid
    assert variables["MODEL_PACKAGE_GROUP_NAME"] == f"{project}-{pid}"
    # The pipeline's artifacts are encrypted with the key; its source is the seed zip.
    pipeline = mlops.codepipeline.get_pipeline(name=f"sagemaker-{pid}-build-train")["pipeline"]
    assert pipeline["artifactStore"]["encryptionKey"] == {"id": mlops.key, "type": "KMS"}
    source = pipeline["stages"][0]["actions"][0]
    assert source["actionTypeId"]["provider"] == "S3"
    assert source["configuration"]["S3ObjectKey"] == "seed-code/model-build-train.zip"
    assert source["configuration"]["PollForSourceChanges"] == "true"
    groups = mlops.sagemaker.list_model_package_groups(NameContains=pid)["ModelPackageGroupSummaryList"]
    assert [g["ModelPackageGroupName"] for g in groups] == [f"{project}-{pid}"]
    listed = mlops.sagemaker.list_projects(NameContains=project)["ProjectSummaryList"]
    assert [p["ProjectId"] for p in listed] == [pid]

    mlops.sagemaker.delete_project(ProjectName=project)

    def gone() -> bool:
        try:
            mlops.sagemaker.describe_project(ProjectName=project)
            return False
        except ClientError:
            return True

    wait_for(gone, timeout=10, what="the project to go")
    assert mlops.codebuild.batch_get_projects(names=[f"sagemaker-{pid}-build"])["projects"] == []
    with pytest.raises(ClientError):
        mlops.codepipeline.get_pipeline(name=f"sagemaker-{pid}-build-train")
    inventory = emulator.http("GET", "/_emulator/inventory")[1]
    for kind in ("sagemaker:project", "codebuild:project", "codepipeline:pipeline"):
        assert not [i for i in inventory[kind] if pid in i or project in i], kind


def test_a_connection_source_is_the_pipelines_source(mlops, name):
    connection = f"arn:aws:codeconnections:{mlops.region}:{ACCOUNT}:connection/abc"
    product_id, artifact = mlops.product(SourceType="codeconnections", ConnectionArn=connection, Repository="org/repo")
    project = name("conn")[:32]
    pid = mlops.create(project, product_id, artifact)["ProjectId"]
    assert mlops.settled(project)["ProjectStatus"] == "CreateCompleted"
    source = mlops.codepipeline.get_pipeline(name=f"sagemaker-{pid}-build-train")["pipeline"]["stages"][0]["actions"][0]
    assert source["actionTypeId"]["provider"] == "CodeStarSourceConnection"
    assert source["configuration"]["ConnectionArn"] == connection
    assert source["configuration"]["FullRepositoryId"] == "org/repo"


def test_a_build_in_another_vpcs_subnet_fails_the_project(mlops, name):
    _other_vpc, other_subnets = studio_network(mlops.ec2, 1)
    product_id, artifact = mlops.product(SubnetIds=other_subnets[0])
    project = name("bad")[:32]
    mlops.create(project, product_id, artifact)
    described = mlops.settled(project)
    assert described["ProjectStatus"] == "CreateFailed"
    message = described["ServiceCatalogProvisionedProductDetails"].get("ProvisionedProductStatusMessage", "")
    assert "vpc config" in message.lower() or "subnet" in message.lower(), described


def test_bad_names_duplicates_and_unknown_products_are_refused(mlops, name):
    product_id, artifact = mlops.product()
    with pytest.raises(ClientError) as bad:
        mlops.create("-starts-with-a-dash", product_id, artifact)
    assert error_code(bad) == "ValidationException"
    project = name("dup")[:32]
    mlops.create(project, product_id, artifact)
    with pytest.raises(ClientError) as twice:
        mlops.create(project, product_id, artifact)
    assert error_code(twice) == "ValidationException"
    with pytest.raises(ClientError) as unknown:
        mlops.create(name("nope")[:32], "prod-doesnotexist", artifact)
    assert error_code(unknown) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as missing:
        mlops.sagemaker.describe_project(ProjectName=name("never")[:32])
    assert error_code(missing) == "ValidationException"
    mlops.settled(project)
    mlops.sagemaker.delete_project(ProjectName=project)
