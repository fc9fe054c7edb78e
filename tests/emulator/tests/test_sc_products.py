"""Service Catalog product administration (sc_products.py): product searches, DescribeProductAsAdmin,
product versions (create, update, delete; Active and Guidance) and DescribeProvisioningParameters."""

import json

import pytest
from botocore.exceptions import ClientError
from conftest import error_code, wait_for

ACCOUNT = "123456789012"

# A YAML template (short-form intrinsics) whose stack moto makes at once: an SQS queue.
TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  QueueName:
    Type: String
    Description: the queue's name
    AllowedPattern: '^[a-z0-9-]+$'
    ConstraintDescription: lowercase letters, digits and hyphens
    MinLength: 3
    MaxLength: 60
  Retention:
    Type: Number
    Default: 345600
    MinValue: 60
    MaxValue: 1209600
  Tier:
    Type: String
    Default: standard
    AllowedValues: [standard, premium]
  Secret:
    Type: String
    Default: ''
    NoEcho: true
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref QueueName
      MessageRetentionPeriod: !Ref Retention
Outputs:
  QueueUrl:
    Value: !Ref Queue
    Description: the queue's URL
"""


def expect(code: str, call, *args, **kw) -> ClientError:
    with pytest.raises(ClientError) as exc:
        call(*args, **kw)
    assert error_code(exc) == code, exc.value
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return exc.value


class Catalog:
    """A bucket of templates and helpers to make products in one region."""

    def __init__(self, emulator, region, name):
        self.region, self.name = region, name
        self.s3 = emulator.client("s3", region)
        self.sc = emulator.client("servicecatalog", region)
        self.bucket = name("templates")
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": region})

    def url(self, key: str, body: str = TEMPLATE) -> str:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body.encode())
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{key}"

    def product(self, name: str, **kw) -> tuple[str, str]:
        """(product id, its first version's id)."""
        params = {"Owner": "platform", "ProductType": "CLOUD_FORMATION_TEMPLATE", **kw}
        created = self.sc.create_product(
            Name=name,
            ProvisioningArtifactParameters={"Name": "v1", "Type": "CLOUD_FORMATION_TEMPLATE", "Info": {"LoadTemplateFromURL": self.url(f"{name}/v1.yaml")}},
            **params,
        )
        return created["ProductViewDetail"]["ProductViewSummary"]["ProductId"], created["ProvisioningArtifactDetail"]["Id"]

    def portfolio(self, *products: str) -> str:
        pid = self.sc.create_portfolio(DisplayName=self.name("pf"), ProviderName="platform")["PortfolioDetail"]["Id"]
        for product in products:
            self.sc.associate_product_with_portfolio(ProductId=product, PortfolioId=pid)
        return pid

    def version(self, product: str, vname: str, **kw) -> str:
        return self.sc.create_provisioning_artifact(
            ProductId=product,
            Parameters={"Name": vname, "Type": "CLOUD_FORMATION_TEMPLATE", "Info": {"LoadTemplateFromURL": self.url(f"{product}/{vname}.yaml")}},
            IdempotencyToken=self.name("tok"),
            **kw,
        )["ProvisioningArtifactDetail"]["Id"]

    def launch(self, product: str, artifact: str, queue: str) -> str:
        record = self.sc.provision_product(
            ProductId=product, ProvisioningArtifactId=artifact, ProvisionedProductName=self.name("pp"),
            ProvisioningParameters=[{"Key": "QueueName", "Value": queue}],
        )["RecordDetail"]
        assert self.wait(record["RecordId"]) == "SUCCEEDED"
        return record["ProvisionedProductId"]

    def wait(self, record_id: str) -> str:
        def done():
            status = self.sc.describe_record(Id=record_id)["RecordDetail"]["Status"]
            return status if status in ("SUCCEEDED", "FAILED") else None

        return wait_for(done, 10, "the record to finish")


@pytest.fixture
def catalog(emulator, region, name):
    return Catalog(emulator, region, name)


# --- SearchProductsAsAdmin, DescribeProductAsAdmin, SearchProducts ----------------------


def test_search_products_as_admin(catalog, name):
    sc = catalog.sc
    tag = name("team")  # tests share the server: every product here carries this token
    a, _ = catalog.product(f"{tag}-alpha", Description="Notebook for DATA science", Distributor="ml-platform")
    b, _ = catalog.product(f"{tag}-beta", Owner="security", Description="audit bucket")
    c, _ = catalog.product(f"{tag}-gamma", Distributor="Data-Lake team")
    catalog.version(c, "v2")
    portfolio = catalog.portfolio(a, b)

    in_portfolio = sc.search_products_as_admin(PortfolioId=portfolio)["ProductViewDetails"]
    assert [d["ProductViewSummary"]["ProductId"] for d in in_portfolio] == [a, b]
    detail = in_portfolio[0]
    assert detail["Status"] == "CREATED" and detail["ProductARN"].endswith(f":product/{a}")
    assert detail["ProductViewSummary"]["Name"] == f"{tag}-alpha" and detail["CreatedTime"]
    assert sc.search_products_as_admin(PortfolioId=portfolio, ProductSource="ACCOUNT")["ProductViewDetails"] == in_portfolio
    expect("ResourceNotFoundException", sc.search_products_as_admin, PortfolioId="port-nosuchportfolio")

    def ids(**kw):
        return [d["ProductViewSummary"]["ProductId"] for d in sc.search_products_as_admin(**kw)["ProductViewDetails"]]

    # FullTextSearch: contained, ignoring case, in name, owner, description or distributor.
    assert ids(Filters={"FullTextSearch": [tag]}) == [a, b, c]
    assert ids(Filters={"FullTextSearch": [tag.upper()]}) == [a, b, c]
    assert set(ids(Filters={"FullTextSearch": ["data"]})) >= {a, c} and b not in ids(Filters={"FullTextSearch": ["data"]})
    assert ids(Filters={"FullTextSearch": [f"{tag}-gam", f"{tag}-alp"]}) == [a, c]  # any value
    assert ids(Filters={"FullTextSearch": [tag], "Owner": ["security"]}) == [b]  # every filter
    assert ids(Filters={"FullTextSearch": [tag], "Owner": ["secur"]}) == []  # Owner is exact
    assert ids(Filters={"FullTextSearch": [tag], "ProductType": ["CLOUD_FORMATION_TEMPLATE"]}) == [a, b, c]
    assert ids(Filters={"FullTextSearch": [tag], "SourceProductId": [a]}) == []
    assert ids(PortfolioId=portfolio, Filters={"FullTextSearch": ["AUDIT"]}) == [b]
    expect("InvalidParametersException", sc.search_products_as_admin, Filters={"Title": [f"{tag}-alpha"]})

    assert ids(Filters={"FullTextSearch": [tag]}, SortBy="Title", SortOrder="DESCENDING") == [c, b, a]
    assert ids(Filters={"FullTextSearch": [tag]}, SortBy="VersionCount", SortOrder="DESCENDING")[0] == c
    assert ids(Filters={"FullTextSearch": [tag]}, SortBy="CreationDate") == [a, b, c]

    first = sc.search_products_as_admin(Filters={"FullTextSearch": [tag]}, PageSize=2)
    assert len(first["ProductViewDetails"]) == 2 and first["NextPageToken"]
    rest = sc.search_products_as_admin(Filters={"FullTextSearch": [tag]}, PageSize=2, PageToken=first["NextPageToken"])
    assert [d["ProductViewSummary"]["ProductId"] for d in rest["ProductViewDetails"]] == [c] and "NextPageToken" not in rest
    expect("InvalidParametersException", sc.search_products_as_admin, PageSize=21)
    expect("InvalidParametersException", sc.search_products_as_admin, PageToken="not-a-token")


def test_describe_product_as_admin(catalog, name):
    sc = catalog.sc
    pname = name("prod")
    product, v1 = catalog.product(pname, Tags=[{"Key": "team", "Value": "dev"}], SupportEmail="help@example.com")
    v2 = catalog.version(product, "v2")
    sc.update_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v1, Active=False)

    doc = sc.describe_product_as_admin(Id=product)
    assert doc["ProductViewDetail"]["ProductViewSummary"]["Name"] == pname
    assert doc["ProductViewDetail"]["ProductViewSummary"]["SupportEmail"] == "help@example.com"
    assert doc["ProductViewDetail"]["Status"] == "CREATED"
    assert doc["ProductViewDetail"]["ProductARN"] == f"arn:aws:catalog:{catalog.region}:{ACCOUNT}:product/{product}"
    assert [(s["Id"], s["Name"]) for s in doc["ProvisioningArtifactSummaries"]] == [(v1, "v1"), (v2, "v2")]  # inactive too
    assert doc["ProvisioningArtifactSummaries"][0]["CreatedTime"]
    assert doc["Tags"] == [{"Key": "team", "Value": "dev"}]
    assert doc["TagOptions"] == [] and doc["Budgets"] == []
    assert sc.describe_product_as_admin(Name=pname)["ProductViewDetail"]["ProductViewSummary"]["ProductId"] == product

    expect("ResourceNotFoundException", sc.describe_product_as_admin, Id="prod-nosuchproduct")
    expect("ResourceNotFoundException", sc.describe_product_as_admin, Name=name("missing"))
    expect("InvalidParametersException", sc.describe_product_as_admin)


def test_update_portfolio_and_product_change_their_tags(catalog, name):
    sc = catalog.sc
    product, _ = catalog.product(name("prod"), Tags=[{"Key": "team", "Value": "dev"}, {"Key": "gone", "Value": "x"}])
    portfolio = catalog.portfolio(product)
    sc.update_portfolio(Id=portfolio, AddTags=[{"Key": "cost-center", "Value": "42"}])
    got = sc.update_portfolio(Id=portfolio, RemoveTags=["cost-center"], AddTags=[{"Key": "cost-center", "Value": "43"}])
    assert got["Tags"] == [{"Key": "cost-center", "Value": "43"}]
    assert sc.describe_portfolio(Id=portfolio)["Tags"] == [{"Key": "cost-center", "Value": "43"}]

    sc.update_product(Id=product, RemoveTags=["gone"], AddTags=[{"Key": "team", "Value": "prod"}])
    assert sc.describe_product_as_admin(Id=product)["Tags"] == [{"Key": "team", "Value": "prod"}]

    expect("ResourceNotFoundException", sc.update_portfolio, Id="port-nosuchportfolio")
    expect("ResourceNotFoundException", sc.update_product, Id="prod-nosuchproduct")
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    expect("InvalidParametersException", sc.update_product, Id=product, AddTags=too_many)


def test_search_products_lists_what_principals_may_launch(catalog, name):
    sc = catalog.sc
    tag = name("enduser")
    shared, _ = catalog.product(f"{tag}-shared", Description="Team notebooks")
    hidden, _ = catalog.product(f"{tag}-hidden")
    loose, _ = catalog.product(f"{tag}-loose")  # in no portfolio
    with_principal = catalog.portfolio(shared)
    catalog.portfolio(hidden)  # no principal: end users see nothing of it
    sc.associate_principal_with_portfolio(PortfolioId=with_principal, PrincipalARN=f"arn:aws:iam::{ACCOUNT}:role/team-dev", PrincipalType="IAM")

    def ids(**kw):
        return [s["ProductId"] for s in sc.search_products(**kw)["ProductViewSummaries"]]

    assert ids(Filters={"FullTextSearch": [tag]}) == [shared]
    assert ids(Filters={"FullTextSearch": ["TEAM NOTEBOOKS"]}) == [shared]
    assert shared in ids(PageSize=100) and hidden not in ids(PageSize=100) and loose not in ids(PageSize=100)

    second = catalog.portfolio(loose)  # a second product for that principal
    sc.associate_principal_with_portfolio(PortfolioId=second, PrincipalARN=f"arn:aws:iam::{ACCOUNT}:role/team-dev", PrincipalType="IAM")
    page = sc.search_products(Filters={"FullTextSearch": [tag]}, PageSize=1)
    assert [s["ProductId"] for s in page["ProductViewSummaries"]] == [shared]
    rest = sc.search_products(Filters={"FullTextSearch": [tag]}, PageSize=1, PageToken=page["NextPageToken"])
    assert [s["ProductId"] for s in rest["ProductViewSummaries"]] == [loose] and "NextPageToken" not in rest
    expect("InvalidParametersException", sc.search_products, PageSize=101)

    sc.disassociate_principal_from_portfolio(PortfolioId=with_principal, PrincipalARN=f"arn:aws:iam::{ACCOUNT}:role/team-dev")
    assert ids(Filters={"FullTextSearch": [tag]}) == [loose]


# --- versions ------------------------------------------------------------------------


def test_create_provisioning_artifact(catalog, name):
    sc = catalog.sc
    product, v1 = catalog.product(name("prod"))
    url = catalog.url("v2.yaml")
    token = name("tok")
    params = {"Name": "v2", "Description": "queue retention", "Type": "CLOUD_FORMATION_TEMPLATE", "Info": {"LoadTemplateFromURL": url}}
    created = sc.create_provisioning_artifact(ProductId=product, Parameters=params, IdempotencyToken=token)
    detail = created["ProvisioningArtifactDetail"]
    assert created["Status"] == "CREATING" and created["Info"] == {"LoadTemplateFromURL": url}
    assert detail["Name"] == "v2" and detail["Description"] == "queue retention" and detail["Type"] == "CLOUD_FORMATION_TEMPLATE"
    assert detail["Active"] is True and detail["Guidance"] == "DEFAULT" and detail["CreatedTime"] and detail["Id"].startswith("pa-")
    v2 = detail["Id"]

    again = sc.create_provisioning_artifact(ProductId=product, Parameters=params, IdempotencyToken=token)
    assert again["ProvisioningArtifactDetail"]["Id"] == v2
    listed = sc.list_provisioning_artifacts(ProductId=product)["ProvisioningArtifactDetails"]
    assert [a["Id"] for a in listed] == [v1, v2]
    described = sc.describe_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v2, Verbose=True)
    assert described["Status"] == "AVAILABLE" and "AWS::SQS::Queue" in described["Info"]["TemplateBody"]
    assert [a["Id"] for a in sc.describe_product(Id=product)["ProvisioningArtifacts"]] == [v1, v2]

    # The template is copied at the call: a later change of the S3 object changes nothing.
    catalog.s3.put_object(Bucket=catalog.bucket, Key="v2.yaml", Body=b"changed")
    assert "AWS::SQS::Queue" in sc.describe_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v2, Verbose=True)["Info"]["TemplateBody"]

    def create(**info):
        return sc.create_provisioning_artifact(ProductId=product, IdempotencyToken=name("tok"), Parameters={"Name": name("v"), "Info": info})

    expect("InvalidParametersException", create, LoadTemplateFromURL=f"https://{catalog.bucket}.s3.{catalog.region}.amazonaws.com/missing.yaml")
    expect("InvalidParametersException", create, LoadTemplateFromURL="https://example.com/t.yaml")
    expect("InvalidParametersException", create, LoadTemplateFromURL=catalog.url("empty.yaml", "Parameters: {}\n"))
    expect("InvalidParametersException", create)
    unchecked = sc.create_provisioning_artifact(
        ProductId=product, IdempotencyToken=name("tok"),
        Parameters={"Name": "raw", "Info": {"LoadTemplateFromURL": catalog.url("raw.yaml", "Parameters: {}\n")}, "DisableTemplateValidation": True},
    )
    assert unchecked["ProvisioningArtifactDetail"]["Name"] == "raw"
    expect(
        "ResourceNotFoundException", sc.create_provisioning_artifact,
        ProductId="prod-nosuchproduct", IdempotencyToken=name("tok"), Parameters=params,
    )
    assert len(sc.list_provisioning_artifacts(ProductId=product)["ProvisioningArtifactDetails"]) == 3


def test_a_version_name_may_repeat_but_then_names_are_ambiguous(catalog, name):
    sc = catalog.sc
    product, v1 = catalog.product(name("prod"))
    catalog.portfolio(product)
    twin = catalog.version(product, "v1")  # AWS keeps both
    assert [a["Name"] for a in sc.list_provisioning_artifacts(ProductId=product)["ProvisioningArtifactDetails"]] == ["v1", "v1"]
    err = expect(
        "InvalidParametersException", sc.provision_product,
        ProductId=product, ProvisioningArtifactName="v1", ProvisionedProductName=name("pp"),
        ProvisioningParameters=[{"Key": "QueueName", "Value": name("q")}],
    )
    assert "Multiple Provisioning Artifact with name v1 found" in str(err)
    expect("InvalidParametersException", sc.describe_provisioning_artifact, ProductId=product, ProvisioningArtifactName="v1")
    expect("InvalidParametersException", sc.describe_provisioning_parameters, ProductId=product, ProvisioningArtifactName="v1")
    sc.update_provisioning_artifact(ProductId=product, ProvisioningArtifactId=twin, Name="v2")
    assert sc.describe_provisioning_artifact(ProductId=product, ProvisioningArtifactName="v1")["ProvisioningArtifactDetail"]["Id"] == v1


def test_update_provisioning_artifact_active_and_guidance(catalog, name):
    sc = catalog.sc
    product, v1 = catalog.product(name("prod"))
    catalog.portfolio(product)
    v2 = catalog.version(product, "v2")
    pp = catalog.launch(product, v1, name("q"))

    updated = sc.update_provisioning_artifact(
        ProductId=product, ProvisioningArtifactId=v1, Name="v1-old", Description="superseded by v2", Active=False
    )
    assert updated["Status"] == "AVAILABLE" and updated["Info"]["LoadTemplateFromURL"].endswith("/v1.yaml")
    assert {k: updated["ProvisioningArtifactDetail"][k] for k in ("Id", "Name", "Description", "Active", "Guidance")} == {
        "Id": v1, "Name": "v1-old", "Description": "superseded by v2", "Active": False, "Guidance": "DEFAULT",
    }
    sc.update_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v2, Guidance="DEPRECATED")

    listed = {a["Id"]: (a["Name"], a["Active"], a["Guidance"]) for a in sc.list_provisioning_artifacts(ProductId=product)["ProvisioningArtifactDetails"]}
    assert listed == {v1: ("v1-old", False, "DEFAULT"), v2: ("v2", True, "DEPRECATED")}
    assert sc.describe_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v1)["ProvisioningArtifactDetail"]["Active"] is False
    assert sc.describe_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v2)["ProvisioningArtifactDetail"]["Guidance"] == "DEPRECATED"
    # End users do not see the inactive version; they see the guidance of the others.
    assert [(a["Id"], a["Guidance"]) for a in sc.describe_product(Id=product)["ProvisioningArtifacts"]] == [(v2, "DEPRECATED")]

    def launch(artifact):
        return sc.provision_product(
            ProductId=product, ProvisioningArtifactId=artifact, ProvisionedProductName=name("pp"),
            ProvisioningParameters=[{"Key": "QueueName", "Value": name("q")}],
        )

    assert "not active" in str(expect("InvalidParametersException", launch, v1))
    assert "deprecated" in str(expect("InvalidParametersException", launch, v2))
    expect("InvalidParametersException", sc.describe_provisioning_parameters, ProductId=product, ProvisioningArtifactId=v1)

    # The provisioned product launched from v1 keeps working on v1 ...
    update = sc.update_provisioned_product(ProvisionedProductId=pp, ProvisioningArtifactId=v1, ProvisioningParameters=[{"Key": "Tier", "Value": "premium"}])
    assert catalog.wait(update["RecordDetail"]["RecordId"]) == "SUCCEEDED"
    # ... but cannot move to the deprecated v2, until v2 is back to DEFAULT.
    expect("InvalidParametersException", sc.update_provisioned_product, ProvisionedProductId=pp, ProvisioningArtifactId=v2)
    sc.update_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v2, Guidance="DEFAULT")
    moved = sc.update_provisioned_product(ProvisionedProductId=pp, ProvisioningArtifactId=v2)["RecordDetail"]
    assert catalog.wait(moved["RecordId"]) == "SUCCEEDED"
    assert sc.describe_provisioned_product(Id=pp)["ProvisionedProductDetail"]["ProvisioningArtifactId"] == v2
    # Active again: launchable again.
    sc.update_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v1, Active=True)
    assert catalog.wait(launch(v1)["RecordDetail"]["RecordId"]) == "SUCCEEDED"

    expect("InvalidParametersException", sc.update_provisioning_artifact, ProductId=product, ProvisioningArtifactId=v1, Guidance="OBSOLETE")
    expect("ResourceNotFoundException", sc.update_provisioning_artifact, ProductId=product, ProvisioningArtifactId="pa-nosuchartifact", Name="x")
    expect("ResourceNotFoundException", sc.update_provisioning_artifact, ProductId="prod-nosuchproduct", ProvisioningArtifactId=v1, Name="x")


def test_delete_provisioning_artifact(catalog, name):
    sc = catalog.sc
    product, v1 = catalog.product(name("prod"))
    catalog.portfolio(product)
    v2 = catalog.version(product, "v2")
    pp = catalog.launch(product, v2, name("q"))

    expect("ResourceInUseException", sc.delete_provisioning_artifact, ProductId=product, ProvisioningArtifactId=v2)
    sc.delete_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v1)
    assert [a["Id"] for a in sc.list_provisioning_artifacts(ProductId=product)["ProvisioningArtifactDetails"]] == [v2]
    expect("ResourceNotFoundException", sc.describe_provisioning_artifact, ProductId=product, ProvisioningArtifactId=v1)
    expect("ResourceNotFoundException", sc.delete_provisioning_artifact, ProductId=product, ProvisioningArtifactId=v1)
    # The last version cannot go: a product has at least one.
    term = sc.terminate_provisioned_product(ProvisionedProductId=pp)["RecordDetail"]
    assert catalog.wait(term["RecordId"]) == "SUCCEEDED"
    expect("InvalidParametersException", sc.delete_provisioning_artifact, ProductId=product, ProvisioningArtifactId=v2)

    v3 = catalog.version(product, "v3")
    sc.delete_provisioning_artifact(ProductId=product, ProvisioningArtifactId=v2)  # no longer in use
    assert [a["Id"] for a in sc.describe_product_as_admin(Id=product)["ProvisioningArtifactSummaries"]] == [v3]
    expect("ResourceNotFoundException", sc.delete_provisioning_artifact, ProductId="prod-nosuchproduct", ProvisioningArtifactId=v3)


# --- DescribeProvisioningParameters ------------------------------------------------------


def test_describe_provisioning_parameters(catalog, name):
    sc = catalog.sc
    pname = name("prod")
    product, v1 = catalog.product(pname)
    portfolio = catalog.portfolio(product)
    role = f"arn:aws:iam::{ACCOUNT}:role/{name('launch')}"
    sc.create_constraint(PortfolioId=portfolio, ProductId=product, Type="LAUNCH", Description="launch as the team role",
                         Parameters=json.dumps({"RoleArn": role}))
    sc.create_constraint(PortfolioId=portfolio, ProductId=product, Type="NOTIFICATION",
                         Parameters=json.dumps({"NotificationArns": [f"arn:aws:sns:{catalog.region}:{ACCOUNT}:topic"]}))

    doc = sc.describe_provisioning_parameters(ProductId=product, ProvisioningArtifactId=v1, PathId=portfolio)
    params = {p["ParameterKey"]: p for p in doc["ProvisioningArtifactParameters"]}
    assert list(params) == ["QueueName", "Retention", "Tier", "Secret"]
    assert params["QueueName"] == {
        "ParameterKey": "QueueName",
        "ParameterType": "String",
        "IsNoEcho": False,
        "Description": "the queue's name",
        "ParameterConstraints": {
            "AllowedValues": [],
            "AllowedPattern": "^[a-z0-9-]+$",
            "ConstraintDescription": "lowercase letters, digits and hyphens",
            "MinLength": "3",
            "MaxLength": "60",
        },
    }
    assert params["Retention"]["ParameterType"] == "Number" and params["Retention"]["DefaultValue"] == "345600"
    assert params["Retention"]["ParameterConstraints"] == {"AllowedValues": [], "MinValue": "60", "MaxValue": "1209600"}
    assert params["Tier"]["ParameterConstraints"]["AllowedValues"] == ["standard", "premium"]
    assert params["Secret"]["IsNoEcho"] is True and params["Secret"]["DefaultValue"] == ""
    assert doc["ConstraintSummaries"] == [
        {"Type": "LAUNCH", "Description": "launch as the team role"},
        {"Type": "NOTIFICATION", "Description": ""},
    ]
    assert {"Type": "launchAsRole", "Value": role} in doc["UsageInstructions"]
    assert {"Type": "version", "Value": "2010-09-09"} in doc["UsageInstructions"]
    assert doc["TagOptions"] == [] and doc["ProvisioningArtifactPreferences"] == {}
    assert doc["ProvisioningArtifactOutputKeys"] == [{"Key": "QueueUrl", "Description": "the queue's URL"}]

    portfolio_name = sc.describe_portfolio(Id=portfolio)["PortfolioDetail"]["DisplayName"]
    by_name = sc.describe_provisioning_parameters(ProductName=pname, ProvisioningArtifactName="v1", PathName=portfolio_name)
    assert by_name["ProvisioningArtifactParameters"] == doc["ProvisioningArtifactParameters"]
    assert sc.describe_provisioning_parameters(ProductId=product)["ConstraintSummaries"] == doc["ConstraintSummaries"]  # the only version and path

    expect("ResourceNotFoundException", sc.describe_provisioning_parameters, ProductId="prod-nosuchproduct", ProvisioningArtifactId=v1)
    expect("ResourceNotFoundException", sc.describe_provisioning_parameters, ProductId=product, ProvisioningArtifactId="pa-nosuchartifact")
    expect("ResourceNotFoundException", sc.describe_provisioning_parameters, ProductId=product, ProvisioningArtifactId=v1, PathId="port-nosuchpath")
    expect("InvalidParametersException", sc.describe_provisioning_parameters, ProvisioningArtifactId=v1)
    lonely, lv1 = catalog.product(name("lonely"))  # in no portfolio: no launch path
    expect("ResourceNotFoundException", sc.describe_provisioning_parameters, ProductId=lonely, ProvisioningArtifactId=lv1)
