"""ProvisionProduct makes a CloudFormation stack from the product's S3 template (servicecatalog.py)."""

import json

import pytest

from conftest import create_local_function, read_events, wait_for

TEMPLATE = {
    "Parameters": {"Token": {"Type": "String"}, "Name": {"Type": "String"}, "Fail": {"Type": "String", "Default": "false"}},
    "Resources": {
        "Thing": {
            "Type": "Custom::Thing",
            "Properties": {"ServiceToken": {"Ref": "Token"}, "Name": {"Ref": "Name"}, "Fail": {"Ref": "Fail"}},
        }
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
    with pytest.raises(sc.exceptions.InvalidParametersException):  # the stack is ROLLBACK_COMPLETE
        sc.update_provisioned_product(ProvisionedProductId=record["ProvisionedProductId"], ProvisioningParameters=[{"Key": "Name", "Value": "y"}])


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


# --- UpdateProvisionedProduct ---------------------------------------------------


def provisioned(sc, product, pp_name, **params):
    """Provision `product` as `pp_name` with Token and `params`; wait until it is AVAILABLE."""
    _, product_id, artifact_id, token, _, _ = product
    parameters = [{"Key": "Token", "Value": token}] + [{"Key": k, "Value": v} for k, v in params.items()]
    record = sc.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact_id, ProvisionedProductName=pp_name, ProvisioningParameters=parameters
    )["RecordDetail"]
    assert wait_record(sc, record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    return record["ProvisionedProductId"]


def test_update_changes_a_parameter(emulator, region, name, product):
    sc, product_id, artifact_id, token, log, role = product
    pp_name = name("pp")
    record = sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact_id,
        ProvisionedProductName=pp_name,
        ProvisioningParameters=[{"Key": "Token", "Value": token}, {"Key": "Name", "Value": "hello"}],
    )["RecordDetail"]
    pp_id = record["ProvisionedProductId"]
    with pytest.raises(sc.exceptions.InvalidStateException):  # still UNDER_CHANGE
        sc.update_provisioned_product(ProvisionedProductId=pp_id, ProvisioningParameters=[{"Key": "Name", "Value": "x"}])
    wait_record(sc, record["RecordId"])

    update_token = name("upd")
    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id, ProductId=product_id, UpdateToken=update_token,
        ProvisioningParameters=[{"Key": "Name", "Value": "world"}],  # Token: not given, keeps its value
    )["RecordDetail"]
    assert update["RecordType"] == "UPDATE_PROVISIONED_PRODUCT" and update["Status"] == "IN_PROGRESS"
    assert update["ProvisioningArtifactId"] == artifact_id and update["LaunchRoleArn"] == role
    again = sc.update_provisioned_product(ProvisionedProductId=pp_id, UpdateToken=update_token)["RecordDetail"]
    assert again["RecordId"] == update["RecordId"]
    assert sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"] == "UNDER_CHANGE"

    done = wait_record(sc, update["RecordId"])
    assert done["RecordDetail"]["Status"] == "SUCCEEDED" and done["RecordDetail"]["RecordErrors"] == []
    assert done["RecordOutputs"] == [{"OutputKey": "Echo", "OutputValue": "world", "Description": "echoed"}]
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "AVAILABLE"
    assert detail["LastRecordId"] == detail["LastProvisioningRecordId"] == detail["LastSuccessfulProvisioningRecordId"] == update["RecordId"]
    assert sc.get_provisioned_product_outputs(ProvisionedProductId=pp_id)["Outputs"][0]["OutputValue"] == "world"

    events = read_events(log)
    assert [e["RequestType"] for e in events] == ["Create", "Update", "Delete"]  # new physical id: the old one is deleted
    assert events[1]["ResourceProperties"]["Name"] == "world" and events[1]["ResourceProperties"]["ServiceToken"] == token
    assert events[1]["OldResourceProperties"]["Name"] == "hello" and events[1]["PhysicalResourceId"] == "phys-hello"
    assert events[2]["PhysicalResourceId"] == "phys-hello"
    stack = emulator.client("cloudformation", region).describe_stacks(StackName=f"SC-123456789012-{pp_id}")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE" and stack["RoleARN"] == role
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {"Token": token, "Name": "world", "Fail": "false"}


def test_update_with_previous_values_only_succeeds(emulator, region, name, product):
    sc, product_id, artifact_id, token, log, _ = product
    pp_id = provisioned(sc, product, name("pp"), Name="hello")
    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningParameters=[{"Key": "Token", "UsePreviousValue": True}, {"Key": "Name", "UsePreviousValue": True}],
    )["RecordDetail"]
    assert update["Status"] == "IN_PROGRESS"
    done = wait_record(sc, update["RecordId"])  # CloudFormation: "No updates are to be performed"
    assert done["RecordDetail"]["Status"] == "SUCCEEDED" and done["RecordDetail"]["RecordErrors"] == []
    assert done["RecordOutputs"][0]["OutputValue"] == "hello"
    assert sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"] == "AVAILABLE"
    assert [e["RequestType"] for e in read_events(log)] == ["Create"]
    with pytest.raises(sc.exceptions.InvalidParametersException):
        sc.update_provisioned_product(ProvisionedProductId=pp_id, ProvisioningParameters=[{"Key": "Name", "Value": "x", "UsePreviousValue": True}])


def test_failed_update_taints_the_product(emulator, region, name, product):
    sc, product_id, artifact_id, token, log, _ = product
    pp_id = provisioned(sc, product, name("pp"), Name="hello")
    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id, ProvisioningParameters=[{"Key": "Fail", "Value": "true"}, {"Key": "Name", "Value": "bad"}]
    )["RecordDetail"]
    done = wait_record(sc, update["RecordId"])["RecordDetail"]
    assert done["Status"] == "FAILED"
    assert done["RecordErrors"][0]["Code"] == "UPDATE_FAILED" and "asked to fail" in done["RecordErrors"][0]["Description"]
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "TAINTED" and "asked to fail" in detail["StatusMessage"]
    assert detail["LastSuccessfulProvisioningRecordId"] != update["RecordId"]
    assert sc.get_provisioned_product_outputs(ProvisionedProductId=pp_id)["Outputs"][0]["OutputValue"] == "hello"
    stack = emulator.client("cloudformation", region).describe_stacks(StackName=f"SC-123456789012-{pp_id}")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    events = read_events(log)
    assert [e["RequestType"] for e in events] == ["Create", "Update", "Update"]  # the rollback's Update
    assert events[2]["ResourceProperties"]["Name"] == "hello" and events[2]["ResourceProperties"]["Fail"] == "false"

    # A TAINTED product can be updated again (Fail reverted to its previous value, "false").
    fixed = sc.update_provisioned_product(ProvisionedProductId=pp_id, ProvisioningParameters=[{"Key": "Name", "Value": "good"}])["RecordDetail"]
    assert wait_record(sc, fixed["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"] == "AVAILABLE"


def test_names_instead_of_ids(emulator, region, name, product):
    sc, product_id, artifact_id, token, log, _ = product
    product_name = sc.describe_product(Id=product_id)["ProductViewSummary"]["Name"]
    pp_name = name("pp")
    record = sc.provision_product(
        ProductName=product_name,
        ProvisioningArtifactName="v1",
        ProvisionedProductName=pp_name,
        ProvisioningParameters=[{"Key": "Token", "Value": token}, {"Key": "Name", "Value": "hello"}],
    )["RecordDetail"]
    assert record["ProductId"] == product_id and record["ProvisioningArtifactId"] == artifact_id
    assert wait_record(sc, record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert sc.describe_provisioned_product(Name=pp_name)["ProvisionedProductDetail"]["Id"] == record["ProvisionedProductId"]

    update = sc.update_provisioned_product(
        ProvisionedProductName=pp_name, ProductName=product_name, ProvisioningArtifactName="v1",
        ProvisioningParameters=[{"Key": "Name", "UsePreviousValue": True}],
    )["RecordDetail"]
    assert update["ProvisionedProductId"] == record["ProvisionedProductId"]
    assert wait_record(sc, update["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"

    with pytest.raises(sc.exceptions.ResourceNotFoundException):
        sc.update_provisioned_product(ProvisionedProductName=pp_name, ProductName=name("no-such-product"))
    with pytest.raises(sc.exceptions.ResourceNotFoundException):
        sc.update_provisioned_product(ProvisionedProductName=pp_name, ProvisioningArtifactName="v9")
    with pytest.raises(sc.exceptions.ResourceNotFoundException):
        sc.provision_product(ProductName=name("no-such-product"), ProvisionedProductName=name("pp"))

    term = sc.terminate_provisioned_product(ProvisionedProductName=pp_name)["RecordDetail"]
    assert wait_record(sc, term["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    with pytest.raises(sc.exceptions.ResourceNotFoundException):
        sc.describe_provisioned_product(Name=pp_name)
