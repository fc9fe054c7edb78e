"""Service Catalog: the SageMaker portfolio share, associations, constraints, deletion rules."""

import json
import re
import time

import pytest
from botocore.exceptions import ClientError
from conftest import error_code

ROLE = "arn:aws:iam::123456789012:role/launch"


def make_portfolio(sc, name: str) -> str:
    return sc.create_portfolio(DisplayName=name, ProviderName="test")["PortfolioDetail"]["Id"]


def make_product(sc, name: str) -> str:
    resp = sc.create_product(
        Name=name,
        Owner="test",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={"Info": {"LoadTemplateFromURL": "https://example.com/t.yaml"}},
        IdempotencyToken=name,
    )
    return resp["ProductViewDetail"]["ProductViewSummary"]["ProductId"]


def accepted(sc, **kw) -> list[dict]:
    return sc.list_accepted_portfolio_shares(**kw)["PortfolioDetails"]


def enable_now(emulator, region: str, share_delay) -> str:
    """Enable the SageMaker portfolio with no share delay; its id."""
    share_delay(0)
    emulator.client("sagemaker", region).enable_sagemaker_servicecatalog_portfolio()
    (portfolio,) = accepted(emulator.client("servicecatalog", region), PortfolioShareType="AWS_SERVICECATALOG")
    return portfolio["Id"]


def expect(code: str, call, *args, **kw) -> ClientError:
    with pytest.raises(ClientError) as exc:
        call(*args, **kw)
    assert error_code(exc) == code, exc.value
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return exc.value


# --- the SageMaker portfolio share ------------------------------------------------


def test_sagemaker_share_is_accepted_only_after_the_delay(emulator, region, share_delay):
    share_delay(0.8)
    sm, sc = emulator.client("sagemaker", region), emulator.client("servicecatalog", region)
    enabled_at = time.monotonic()
    sm.enable_sagemaker_servicecatalog_portfolio()
    assert accepted(sc, PortfolioShareType="AWS_SERVICECATALOG") == []
    assert sm.get_sagemaker_servicecatalog_portfolio_status()["Status"] == "Enabled"

    time.sleep(max(0.0, enabled_at + 0.9 - time.monotonic()))
    (portfolio,) = accepted(sc, PortfolioShareType="AWS_SERVICECATALOG")
    assert re.fullmatch(r"port-[a-z0-9]{13}", portfolio["Id"])
    assert portfolio["DisplayName"] == "Amazon SageMaker Solutions and ML Ops products"
    assert portfolio["ProviderName"] == "Amazon SageMaker"
    assert portfolio["ARN"].endswith(f":portfolio/{portfolio['Id']}")
    assert portfolio["ARN"].startswith(f"arn:aws:catalog:{region}:")
    assert "CreatedTime" in portfolio
    # Not an IMPORTED share (the default type), nor an organisation share.
    assert accepted(sc) == []
    assert accepted(sc, PortfolioShareType="IMPORTED") == []
    assert accepted(sc, PortfolioShareType="AWS_ORGANIZATIONS") == []
    # Not one of the account's own portfolios either.
    assert portfolio["Id"] not in [p["Id"] for p in sc.list_portfolios()["PortfolioDetails"]]

    detail = sc.describe_portfolio(Id=portfolio["Id"])
    assert detail["PortfolioDetail"] == portfolio
    sm.disable_sagemaker_servicecatalog_portfolio()


def test_sagemaker_portfolio_is_unknown_until_the_share_is_accepted(emulator, region, share_delay):
    sm, sc = emulator.client("sagemaker", region), emulator.client("servicecatalog", region)
    pid = enable_now(emulator, region, share_delay)  # learn the (stable) id
    sm.disable_sagemaker_servicecatalog_portfolio()
    share_delay(30)
    sm.enable_sagemaker_servicecatalog_portfolio()
    assert accepted(sc, PortfolioShareType="AWS_SERVICECATALOG") == []
    expect("ResourceNotFoundException", sc.describe_portfolio, Id=pid)
    expect(
        "ResourceNotFoundException",
        sc.associate_principal_with_portfolio,
        PortfolioId=pid,
        PrincipalARN=ROLE,
        PrincipalType="IAM",
    )
    expect("ResourceNotFoundException", sc.list_principals_for_portfolio, PortfolioId=pid)
    sm.disable_sagemaker_servicecatalog_portfolio()


def test_enable_twice_keeps_the_portfolio_and_disable_removes_share_and_principals(emulator, region, share_delay):
    sm, sc = emulator.client("sagemaker", region), emulator.client("servicecatalog", region)
    pid = enable_now(emulator, region, share_delay)
    sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=ROLE, PrincipalType="IAM")

    sm.enable_sagemaker_servicecatalog_portfolio()
    assert [p["Id"] for p in accepted(sc, PortfolioShareType="AWS_SERVICECATALOG")] == [pid]
    assert len(sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"]) == 1

    sm.disable_sagemaker_servicecatalog_portfolio()
    assert accepted(sc, PortfolioShareType="AWS_SERVICECATALOG") == []
    expect("ResourceNotFoundException", sc.describe_portfolio, Id=pid)
    assert not [a for a in emulator.inventory()["servicecatalog:principal_association"] if a.startswith(pid)]

    # Enabling again brings the same portfolio back, without the old principals.
    assert enable_now(emulator, region, share_delay) == pid
    assert sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"] == []
    sm.disable_sagemaker_servicecatalog_portfolio()


def test_list_accepted_portfolio_shares_paging(emulator, region, share_delay):
    sc = emulator.client("servicecatalog", region)
    enable_now(emulator, region, share_delay)
    page = sc.list_accepted_portfolio_shares(PortfolioShareType="AWS_SERVICECATALOG", PageSize=1)
    assert len(page["PortfolioDetails"]) == 1 and "NextPageToken" not in page
    pages = list(sc.get_paginator("list_accepted_portfolio_shares").paginate(PortfolioShareType="AWS_SERVICECATALOG"))
    assert sum(len(p["PortfolioDetails"]) for p in pages) == 1
    expect("InvalidParametersException", sc.list_accepted_portfolio_shares, PageToken="nonsense")
    emulator.client("sagemaker", region).disable_sagemaker_servicecatalog_portfolio()


# --- principals -------------------------------------------------------------------


def test_principal_association_on_a_moto_portfolio(emulator, name):
    sc = emulator.client("servicecatalog")
    pid = make_portfolio(sc, name("pp"))
    assert set(sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=ROLE, PrincipalType="IAM")) == {
        "ResponseMetadata"
    }
    # Repeating it succeeds and changes nothing.
    sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=ROLE, PrincipalType="IAM")
    pattern = "arn:aws:iam:::role/ml-*"
    sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=pattern, PrincipalType="IAM_PATTERN")
    assert sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"] == [
        {"PrincipalARN": ROLE, "PrincipalType": "IAM"},
        {"PrincipalARN": pattern, "PrincipalType": "IAM_PATTERN"},
    ]
    assert f"{pid}|{ROLE}" in emulator.inventory()["servicecatalog:principal_association"]

    # PrincipalType defaults to IAM on disassociation, so the pattern needs its type.
    expect("ResourceNotFoundException", sc.disassociate_principal_from_portfolio, PortfolioId=pid, PrincipalARN=pattern)
    sc.disassociate_principal_from_portfolio(PortfolioId=pid, PrincipalARN=pattern, PrincipalType="IAM_PATTERN")
    sc.disassociate_principal_from_portfolio(PortfolioId=pid, PrincipalARN=ROLE)
    assert sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"] == []
    expect("ResourceNotFoundException", sc.disassociate_principal_from_portfolio, PortfolioId=pid, PrincipalARN=ROLE)
    assert f"{pid}|{ROLE}" not in emulator.inventory()["servicecatalog:principal_association"]
    sc.delete_portfolio(Id=pid)


def test_principal_association_on_the_sagemaker_portfolio(emulator, region, share_delay):
    sc = emulator.client("servicecatalog", region)
    pid = enable_now(emulator, region, share_delay)
    sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=ROLE, PrincipalType="IAM")
    assert sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"] == [
        {"PrincipalARN": ROLE, "PrincipalType": "IAM"}
    ]
    sc.disassociate_principal_from_portfolio(PortfolioId=pid, PrincipalARN=ROLE, PrincipalType="IAM")
    emulator.client("sagemaker", region).disable_sagemaker_servicecatalog_portfolio()


@pytest.mark.parametrize(
    "arn,ptype",
    [
        ("not-an-arn", "IAM"),
        ("arn:aws:iam:::role/no-account", "IAM"),
        ("arn:aws:iam::123456789012:role/with-account-*", "IAM_PATTERN"),
        ("arn:aws:s3:::bucket", "IAM"),
        ("arn:aws:iam::12345:role/short-account", "IAM"),
        ("arn:aws:iam::123456789012:policy/not-a-principal", "IAM"),
        (ROLE, "USER"),
    ],
)
def test_malformed_principal_is_invalid_parameters(emulator, name, arn, ptype):
    sc = emulator.client("servicecatalog")
    pid = make_portfolio(sc, name("bad"))
    # botocore does not check enums, so PrincipalType="USER" reaches the server too.
    expect("InvalidParametersException", sc.associate_principal_with_portfolio,
           PortfolioId=pid, PrincipalARN=arn, PrincipalType=ptype)
    sc.delete_portfolio(Id=pid)


def test_principal_calls_on_unknown_portfolio(emulator):
    sc = emulator.client("servicecatalog")
    for call in (sc.associate_principal_with_portfolio, sc.disassociate_principal_from_portfolio):
        expect("ResourceNotFoundException", call, PortfolioId="port-doesnotexist", PrincipalARN=ROLE, PrincipalType="IAM")
    expect("ResourceNotFoundException", sc.list_principals_for_portfolio, PortfolioId="port-doesnotexist")


def test_list_principals_pages(emulator, name):
    sc = emulator.client("servicecatalog")
    pid = make_portfolio(sc, name("pages"))
    arns = [f"arn:aws:iam::123456789012:role/r{i:02d}" for i in range(25)]
    for arn in arns:
        sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=arn, PrincipalType="IAM")

    default = sc.list_principals_for_portfolio(PortfolioId=pid)
    assert len(default["Principals"]) == 20 and default["NextPageToken"]

    seen, token, sizes = [], None, []
    while True:
        kw = {"PageToken": token} if token else {}
        page = sc.list_principals_for_portfolio(PortfolioId=pid, PageSize=10, **kw)
        sizes.append(len(page["Principals"]))
        seen += [p["PrincipalARN"] for p in page["Principals"]]
        token = page.get("NextPageToken")
        if not token:
            break
    assert sizes == [10, 10, 5] and seen == arns

    via_paginator = [
        p["PrincipalARN"]
        for page in sc.get_paginator("list_principals_for_portfolio").paginate(PortfolioId=pid)
        for p in page["Principals"]
    ]
    assert via_paginator == arns
    expect("InvalidParametersException", sc.list_principals_for_portfolio, PortfolioId=pid, PageToken="bogus!")
    for arn in arns:
        sc.disassociate_principal_from_portfolio(PortfolioId=pid, PrincipalARN=arn)
    sc.delete_portfolio(Id=pid)


# --- products -------------------------------------------------------------------------


def test_product_association(emulator, name):
    sc = emulator.client("servicecatalog")
    pid, other = make_portfolio(sc, name("prodp")), make_portfolio(sc, name("prodq"))
    prod = make_product(sc, name("prod"))
    assert set(sc.associate_product_with_portfolio(ProductId=prod, PortfolioId=pid)) == {"ResponseMetadata"}
    sc.associate_product_with_portfolio(ProductId=prod, PortfolioId=pid)  # repeat: no change
    sc.associate_product_with_portfolio(ProductId=prod, PortfolioId=other)
    listed = sc.list_portfolios_for_product(ProductId=prod)["PortfolioDetails"]
    assert sorted(p["Id"] for p in listed) == sorted([pid, other])
    assert f"{pid}|{prod}" in emulator.inventory()["servicecatalog:product_association"]

    expect("ResourceNotFoundException", sc.associate_product_with_portfolio, ProductId="prod-nope", PortfolioId=pid)
    expect("ResourceNotFoundException", sc.associate_product_with_portfolio, ProductId=prod, PortfolioId="port-nope")
    expect("ResourceNotFoundException", sc.list_portfolios_for_product, ProductId="prod-nope")

    sc.disassociate_product_from_portfolio(ProductId=prod, PortfolioId=pid)
    expect("ResourceNotFoundException", sc.disassociate_product_from_portfolio, ProductId=prod, PortfolioId=pid)
    assert [p["Id"] for p in sc.list_portfolios_for_product(ProductId=prod)["PortfolioDetails"]] == [other]
    sc.disassociate_product_from_portfolio(ProductId=prod, PortfolioId=other)
    assert f"{pid}|{prod}" not in emulator.inventory()["servicecatalog:product_association"]
    sc.delete_product(Id=prod)
    sc.delete_portfolio(Id=pid)
    sc.delete_portfolio(Id=other)


# --- constraints ----------------------------------------------------------------------


def test_launch_constraint_lifecycle(emulator, name):
    sc = emulator.client("servicecatalog")
    pid, prod = make_portfolio(sc, name("cp")), make_product(sc, name("cprod"))
    params = json.dumps({"RoleArn": ROLE})
    expect(  # the product must be in the portfolio first
        "ResourceNotFoundException", sc.create_constraint,
        PortfolioId=pid, ProductId=prod, Type="LAUNCH", Parameters=params, IdempotencyToken=name("t"),
    )
    sc.associate_product_with_portfolio(ProductId=prod, PortfolioId=pid)

    token = name("tok")
    created = sc.create_constraint(
        PortfolioId=pid, ProductId=prod, Type="LAUNCH", Parameters=params, Description="launch as role",
        IdempotencyToken=token,
    )
    detail = created["ConstraintDetail"]
    assert re.fullmatch(r"cons-[a-z0-9]{13}", detail["ConstraintId"])
    assert detail == {
        "ConstraintId": detail["ConstraintId"],
        "Type": "LAUNCH",
        "Description": "launch as role",
        "Owner": "123456789012",
        "ProductId": prod,
        "PortfolioId": pid,
    }
    assert created["ConstraintParameters"] == params
    assert created["Status"] == "AVAILABLE"
    cid = detail["ConstraintId"]

    # Same token: the same constraint again. Another token: a duplicate.
    again = sc.create_constraint(PortfolioId=pid, ProductId=prod, Type="LAUNCH", Parameters=params, IdempotencyToken=token)
    assert again["ConstraintDetail"]["ConstraintId"] == cid
    expect(
        "DuplicateResourceException", sc.create_constraint,
        PortfolioId=pid, ProductId=prod, Type="LAUNCH", Parameters=params, IdempotencyToken=name("t2"),
    )

    described = sc.describe_constraint(Id=cid)
    assert described["ConstraintDetail"] == detail and described["ConstraintParameters"] == params
    updated = sc.update_constraint(Id=cid, Description="changed")
    assert updated["ConstraintDetail"]["Description"] == "changed"

    listed = sc.list_constraints_for_portfolio(PortfolioId=pid)["ConstraintDetails"]
    assert [c["ConstraintId"] for c in listed] == [cid]
    assert sc.list_constraints_for_portfolio(PortfolioId=pid, ProductId="prod-other")["ConstraintDetails"] == []
    assert cid in emulator.inventory()["servicecatalog:constraint"]

    assert set(sc.delete_constraint(Id=cid)) == {"ResponseMetadata"}
    expect("ResourceNotFoundException", sc.delete_constraint, Id=cid)
    expect("ResourceNotFoundException", sc.describe_constraint, Id=cid)
    assert cid not in emulator.inventory()["servicecatalog:constraint"]
    sc.disassociate_product_from_portfolio(ProductId=prod, PortfolioId=pid)
    sc.delete_product(Id=prod)
    sc.delete_portfolio(Id=pid)


@pytest.mark.parametrize(
    "ctype,params",
    [
        ("LAUNCH", "not json"),
        ("LAUNCH", json.dumps(["RoleArn"])),
        ("LAUNCH", json.dumps({})),
        ("LAUNCH", json.dumps({"RoleArn": "launch-role"})),
        ("LAUNCH", json.dumps({"RoleArn": ROLE, "LocalRoleName": "x"})),
        ("BOGUS", json.dumps({})),
    ],
)
def test_constraint_invalid_parameters(emulator, name, ctype, params):
    sc = emulator.client("servicecatalog")
    pid, prod = make_portfolio(sc, name("ip")), make_product(sc, name("iprod"))
    sc.associate_product_with_portfolio(ProductId=prod, PortfolioId=pid)
    expect(
        "InvalidParametersException", sc.create_constraint,
        PortfolioId=pid, ProductId=prod, Type=ctype, Parameters=params, IdempotencyToken=name("t"),
    )
    sc.disassociate_product_from_portfolio(ProductId=prod, PortfolioId=pid)


def test_list_constraints_pages(emulator, name):
    sc = emulator.client("servicecatalog")
    pid = make_portfolio(sc, name("lc"))
    ids = []
    for i in range(3):
        prod = make_product(sc, name(f"lcp{i}"))
        sc.associate_product_with_portfolio(ProductId=prod, PortfolioId=pid)
        for ctype, params in (("LAUNCH", {"LocalRoleName": "launch"}), ("NOTIFICATION", {"NotificationArns": []})):
            resp = sc.create_constraint(
                PortfolioId=pid, ProductId=prod, Type=ctype, Parameters=json.dumps(params), IdempotencyToken=name("t")
            )
            ids.append(resp["ConstraintDetail"]["ConstraintId"])
    first = sc.list_constraints_for_portfolio(PortfolioId=pid, PageSize=4)
    assert len(first["ConstraintDetails"]) == 4
    rest = sc.list_constraints_for_portfolio(PortfolioId=pid, PageSize=4, PageToken=first["NextPageToken"])
    assert "NextPageToken" not in rest
    assert [c["ConstraintId"] for c in first["ConstraintDetails"] + rest["ConstraintDetails"]] == ids
    expect("ResourceNotFoundException", sc.list_constraints_for_portfolio, PortfolioId="port-nope")


# --- deletion rules and moto's own operations --------------------------------------------


def test_portfolio_and_product_deletion_rules(emulator, name):
    sc = emulator.client("servicecatalog")
    pid, prod = make_portfolio(sc, name("del")), make_product(sc, name("delprod"))
    sc.associate_product_with_portfolio(ProductId=prod, PortfolioId=pid)
    cid = sc.create_constraint(
        PortfolioId=pid, ProductId=prod, Type="LAUNCH", Parameters=json.dumps({"RoleArn": ROLE}),
        IdempotencyToken=name("t"),
    )["ConstraintDetail"]["ConstraintId"]
    sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=ROLE, PrincipalType="IAM")

    expect("ResourceInUseException", sc.delete_portfolio, Id=pid)
    expect("ResourceInUseException", sc.delete_product, Id=prod)
    expect("ResourceInUseException", sc.disassociate_product_from_portfolio, ProductId=prod, PortfolioId=pid)

    sc.delete_constraint(Id=cid)
    sc.disassociate_product_from_portfolio(ProductId=prod, PortfolioId=pid)
    expect("ResourceInUseException", sc.delete_portfolio, Id=pid)  # the principal remains
    sc.disassociate_principal_from_portfolio(PortfolioId=pid, PrincipalARN=ROLE)
    sc.delete_portfolio(Id=pid)
    sc.delete_product(Id=prod)
    expect("ResourceNotFoundException", sc.delete_portfolio, Id=pid)
    expect("ResourceNotFoundException", sc.delete_product, Id=prod)
    expect("ResourceNotFoundException", sc.describe_portfolio, Id=pid)


def test_moto_portfolio_and_product_calls(emulator, name):
    """Operations moto already has; we rely on them as they are."""
    sc = emulator.client("servicecatalog")
    display = name("own")
    created = sc.create_portfolio(
        DisplayName=display, ProviderName="team", Description="d", Tags=[{"Key": "k", "Value": "v"}]
    )["PortfolioDetail"]
    assert {"Id", "ARN", "DisplayName", "CreatedTime", "ProviderName"} <= set(created)
    described = sc.describe_portfolio(Id=created["Id"])
    assert described["PortfolioDetail"]["DisplayName"] == display
    assert described["Tags"] == [{"Key": "k", "Value": "v"}]
    assert created["Id"] in [p["Id"] for p in sc.list_portfolios()["PortfolioDetails"]]
    assert created["Id"] in emulator.inventory()["servicecatalog:portfolio"]

    prod = make_product(sc, name("ownprod"))
    assert sc.describe_product(Id=prod)["ProductViewSummary"]["ProductId"] == prod
    assert prod in emulator.inventory()["servicecatalog:product"]
    sc.delete_product(Id=prod)
    sc.delete_portfolio(Id=created["Id"])
    inv = emulator.inventory()
    assert created["Id"] not in inv["servicecatalog:portfolio"] and prod not in inv["servicecatalog:product"]
