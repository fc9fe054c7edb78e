"""ProvisionProduct makes a CloudFormation stack from the product's S3 template (servicecatalog.py)."""

import json

import pytest

from conftest import create_local_function, read_events, wait_for

TEMPLATE = {
    "Parameters": {"Token": {"Type": "String"}, "Name": {"Type": "String"}},
    "Resources": {
        "Thing": {"Type": "Custom::Thing", "Properties": {"ServiceToken": {"Ref": "Token"}, "Name": {"Ref": "Name"}}}
    },
    "Outputs": {"Echo": {"Value": {"Fn::GetAtt": ["Thing", "Echo"]}, "Description": "echoed"}},
}


@pytest.fixture
def product(emulator, region, name, tmp_path):
    log = tmp_path / "events.jsonl"
    arn = create_local_function(emulator, region, name("sc-cr"), env={"EVENT_LOG": str(log)})
    s3 = emulator.client("s3", region)
    bucket = name("templates")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_object(Bucket=bucket, Key="t/product.json", Body=json.dumps(TEMPLATE).encode())
    sc = emulator.client("servicecatalog", region)
    created = sc.create_product(
        Name=name("prod"),
        Owner="me",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Type": "CLOUD_FORMATION_TEMPLATE",
            "Info": {"LoadTemplateFromURL": f"https://{bucket}.s3.{region}.amazonaws.com/t/product.json"},
        },
    )
    product_id = created["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    artifact_id = created["ProvisioningArtifactDetail"]["Id"]
    portfolio = sc.create_portfolio(DisplayName=name("pf"), ProviderName="me")["PortfolioDetail"]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    role = f"arn:aws:iam::123456789012:role/{name('launch')}"
    sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH", Parameters=json.dumps({"RoleArn": role}))
    return sc, product_id, artifact_id, arn, log, role


def wait_record(sc, record_id):
    def done():
        doc = sc.describe_record(Id=record_id)
        return doc if doc["RecordDetail"]["Status"] in ("SUCCEEDED", "FAILED") else None

    return wait_for(done, 10, "the record to finish")


def test_provision_and_terminate(emulator, region, name, product):
    sc, product_id, artifact_id, token, log, role = product
    assert sc.describe_product(Id=product_id)["ProvisioningArtifacts"][0]["Id"] == artifact_id
    pp_name = name("pp")
    record = sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact_id,
        ProvisionedProductName=pp_name,
        ProvisioningParameters=[{"Key": "Token", "Value": token}, {"Key": "Name", "Value": "hello"}],
    )["RecordDetail"]
    assert record["Status"] == "IN_PROGRESS" and record["RecordType"] == "PROVISION_PRODUCT"
    pp_id = record["ProvisionedProductId"]

    done = wait_record(sc, record["RecordId"])
    assert done["RecordDetail"]["Status"] == "SUCCEEDED"
    assert done["RecordDetail"]["LaunchRoleArn"] == role
    assert done["RecordOutputs"] == [{"OutputKey": "Echo", "OutputValue": "hello", "Description": "echoed"}]
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "AVAILABLE" and detail["Name"] == pp_name
    assert sc.get_provisioned_product_outputs(ProvisionedProductName=pp_name)["Outputs"][0]["OutputValue"] == "hello"
    assert [p["Id"] for p in sc.search_provisioned_products(Filters={"SearchQuery": [f"name:{pp_name}"]})["ProvisionedProducts"]] == [pp_id]
    assert pp_id in [p["Id"] for p in sc.scan_provisioned_products()["ProvisionedProducts"]]

    cfn = emulator.client("cloudformation", region)
    stack_name = f"SC-123456789012-{pp_id}"
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["RoleARN"] == role and stack["StackStatus"] == "CREATE_COMPLETE"

    term = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken=name("tok"))["RecordDetail"]
    assert term["RecordType"] == "TERMINATE_PROVISIONED_PRODUCT"
    assert wait_record(sc, term["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert [e["RequestType"] for e in read_events(log)] == ["Create", "Delete"]
    assert stack_name not in [s["StackName"] for s in cfn.describe_stacks()["Stacks"]]
    with pytest.raises(sc.exceptions.ResourceNotFoundException):
        sc.describe_provisioned_product(Id=pp_id)


def test_failed_provisioning(emulator, region, name, product):
    sc, product_id, artifact_id, token, log, _ = product
    record = sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact_id,
        ProvisionedProductName=name("pp"),
        ProvisioningParameters=[{"Key": "Token", "Value": "arn:aws:lambda:us-east-1:123456789012:function:nope"}, {"Key": "Name", "Value": "x"}],
    )["RecordDetail"]
    done = wait_record(sc, record["RecordId"])
    assert done["RecordDetail"]["Status"] == "FAILED"
    assert done["RecordDetail"]["RecordErrors"]
    assert sc.describe_provisioned_product(Id=record["ProvisionedProductId"])["ProvisionedProductDetail"]["Status"] == "ERROR"


def test_unreadable_template_fails_provisioning(emulator, region, name):
    # AWS refuses CreateProduct itself; the emulator accepts it (older tests use made-up URLs)
    # and refuses ProvisionProduct.
    sc = emulator.client("servicecatalog", region)
    product = sc.create_product(
        Name=name("prod"), Owner="me", ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={"Info": {"LoadTemplateFromURL": "https://s3.amazonaws.com/no-such-bucket/x.json"}, "Type": "CLOUD_FORMATION_TEMPLATE"},
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    portfolio = sc.create_portfolio(DisplayName=name("pf"), ProviderName="me")["PortfolioDetail"]["Id"]
    sc.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    with pytest.raises(sc.exceptions.InvalidParametersException):
        sc.provision_product(ProductId=product, ProvisionedProductName=name("pp"))
