"""Products are seen and launched through the portfolios the caller reaches (sc_callers.py):
SearchProducts, ProvisionProduct and SageMaker's CreateProject, as an assumed-role session."""

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import Emulator, wait_for
from test_sagemaker_projects import Mlops, mlops  # noqa: F401  (the fixture)

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def session(emulator: Emulator, region: str, role_arn: str) -> Any:
    """A boto3 session with `role_arn`'s credentials, as a Studio user's app has."""
    creds = emulator.client("sts", region).assume_role(RoleArn=role_arn, RoleSessionName="studio")["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], region_name=region,
    )


def client(emulator: Emulator, region: str, role_arn: str, service: str) -> Any:
    return session(emulator, region, role_arn).client(
        service, endpoint_url=emulator.url, config=Config(retries={"max_attempts": 1}))


def test_people_see_and_launch_only_through_their_portfolios(mlops, emulator, region, name):  # noqa: F811
    product_id, artifact = mlops.product()
    [portfolio] = mlops.servicecatalog.list_portfolios_for_product(ProductId=product_id)["PortfolioDetails"]
    alice = mlops.iam.create_role(RoleName=name("alice"), AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    bob_name = name("bob")
    bob = mlops.iam.create_role(RoleName=bob_name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    mlops.servicecatalog.associate_principal_with_portfolio(
        PortfolioId=portfolio["Id"], PrincipalARN=alice, PrincipalType="IAM")

    def search(role: str) -> list[str]:
        found = client(emulator, region, role, "servicecatalog").search_products()["ProductViewSummaries"]
        return [p["ProductId"] for p in found]

    assert product_id in search(alice)
    assert product_id not in search(bob)

    as_bob = client(emulator, region, bob, "sagemaker")
    with pytest.raises(ClientError) as refused:
        as_bob.create_project(ProjectName=name("bobs")[:32], ServiceCatalogProvisioningDetails={
            "ProductId": product_id, "ProvisioningArtifactId": artifact})
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "not associated" in str(refused.value)
    as_bob_sc = client(emulator, region, bob, "servicecatalog")
    with pytest.raises(ClientError):
        as_bob_sc.provision_product(ProductId=product_id, ProvisioningArtifactId=artifact,
                                    ProvisionedProductName=name("pp"), ProvisionToken=name("t"))
    assert mlops.sagemaker.list_projects(NameContains="bobs")["ProjectSummaryList"] == []

    project = name("alices")[:32]
    client(emulator, region, alice, "sagemaker").create_project(ProjectName=project, ServiceCatalogProvisioningDetails={
        "ProductId": product_id, "ProvisioningArtifactId": artifact})
    assert mlops.settled(project)["ProjectStatus"] == "CreateCompleted"

    # A pattern without the account reaches every role it matches.
    mlops.servicecatalog.associate_principal_with_portfolio(
        PortfolioId=portfolio["Id"], PrincipalARN=f"arn:aws:iam:::role/{bob_name[:5]}*", PrincipalType="IAM_PATTERN")
    assert product_id in search(bob)

    # Regions are handed out again later: leave nothing behind.
    mlops.sagemaker.delete_project(ProjectName=project)
    wait_for(lambda: not mlops.sagemaker.list_projects(NameContains=project)["ProjectSummaryList"],
             timeout=10, what="the project to go")
