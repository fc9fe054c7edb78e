"""SageMaker: the operations we add, and the domain fixes (Studio's side effects: test_studio.py)."""

import datetime

import pytest
from botocore.exceptions import ClientError
from conftest import error_code, studio_network, wait_status

ROLE = "arn:aws:iam::123456789012:role/sagemaker-exec"

# Studio resources pass through Pending/Deleting; keep that short here.
pytestmark = pytest.mark.usefixtures("fast_studio")


def make_domain(emulator, name: str, region: str = "us-east-1") -> str:
    """A domain in a fresh VPC of its own, once it is InService."""
    sm = emulator.client("sagemaker", region)
    vpc, subnets = studio_network(emulator.client("ec2", region))
    domain_id = sm.create_domain(
        DomainName=name,
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE, "SecurityGroups": ["sg-1"]},
        SubnetIds=subnets,
        VpcId=vpc,
    )["DomainId"]
    wait_status(lambda: sm.describe_domain(DomainId=domain_id), "InService")
    return domain_id


def delete_profile(sm, domain_id: str, name: str) -> None:
    sm.delete_user_profile(DomainId=domain_id, UserProfileName=name)
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=name), "gone")


def make_profile(sm, domain_id: str, name: str, **kw) -> str:
    arn = sm.create_user_profile(DomainId=domain_id, UserProfileName=name, **kw)["UserProfileArn"]
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=name), "InService")
    return arn


# --- Enable/Disable/GetSagemakerServicecatalogPortfolioStatus -----------------------


def test_portfolio_status_starts_disabled_and_follows_enable_disable(emulator, region):
    sm = emulator.client("sagemaker", region)
    assert sm.get_sagemaker_servicecatalog_portfolio_status()["Status"] == "Disabled"
    resp = sm.enable_sagemaker_servicecatalog_portfolio()
    assert set(resp) == {"ResponseMetadata"}
    assert sm.get_sagemaker_servicecatalog_portfolio_status()["Status"] == "Enabled"
    sm.enable_sagemaker_servicecatalog_portfolio()  # twice: still fine
    assert sm.get_sagemaker_servicecatalog_portfolio_status()["Status"] == "Enabled"
    resp = sm.disable_sagemaker_servicecatalog_portfolio()
    assert set(resp) == {"ResponseMetadata"}
    assert sm.get_sagemaker_servicecatalog_portfolio_status()["Status"] == "Disabled"
    sm.disable_sagemaker_servicecatalog_portfolio()  # disabling when disabled is fine
    assert sm.get_sagemaker_servicecatalog_portfolio_status()["Status"] == "Disabled"


def test_portfolio_status_is_per_region(emulator, region):
    other = "eu-west-1" if region != "eu-west-1" else "eu-west-2"
    emulator.client("sagemaker", region).enable_sagemaker_servicecatalog_portfolio()
    try:
        status = emulator.client("sagemaker", other).get_sagemaker_servicecatalog_portfolio_status()
        assert status["Status"] == "Disabled"
    finally:
        emulator.client("sagemaker", region).disable_sagemaker_servicecatalog_portfolio()


# --- domains --------------------------------------------------------------------


def test_update_domain_merges_settings(emulator, name):
    sm = emulator.client("sagemaker")
    domain_id = make_domain(emulator, name("upd"))
    before = sm.describe_domain(DomainId=domain_id)
    vpc, subnets = before["VpcId"], before["SubnetIds"]
    ec2 = emulator.client("ec2")
    zone = ec2.describe_subnets(SubnetIds=[subnets[0]])["Subnets"][0]["AvailabilityZone"]
    prefix = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"].rsplit(".", 2)[0]  # "10.n"
    third = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{prefix}.9.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
    resp = sm.update_domain(
        DomainId=domain_id,
        DefaultUserSettings={"SecurityGroups": ["sg-2", "sg-3"]},
        DomainSettingsForUpdate={
            "SecurityGroupIds": ["sg-9"],
            "RStudioServerProDomainSettingsForUpdate": {"DomainExecutionRoleArn": ROLE},
        },
        AppNetworkAccessType="VpcOnly",
        TagPropagation="ENABLED",
        SubnetIds=[*subnets, third],
    )
    assert resp["DomainArn"] == before["DomainArn"]
    after = sm.describe_domain(DomainId=domain_id)
    # Keys not sent stay; lists are replaced.
    assert after["DefaultUserSettings"] == {"ExecutionRole": ROLE, "SecurityGroups": ["sg-2", "sg-3"]}
    assert after["DomainSettings"]["SecurityGroupIds"] == ["sg-9"]
    assert after["DomainSettings"]["RStudioServerProDomainSettings"] == {"DomainExecutionRoleArn": ROLE}
    assert after["AppNetworkAccessType"] == "VpcOnly"
    assert after["TagPropagation"] == "ENABLED"
    assert after["SubnetIds"] == [*subnets, third]
    assert after["Status"] == "InService"
    assert after["LastModifiedTime"] >= before["LastModifiedTime"]


def test_update_domain_unknown_is_resource_not_found(emulator):
    with pytest.raises(ClientError) as exc:
        emulator.client("sagemaker").update_domain(DomainId="d-doesnotexist1", AppNetworkAccessType="VpcOnly")
    assert error_code(exc) == "ResourceNotFound"


def test_describe_and_delete_unknown_domain_are_resource_not_found(emulator):
    sm = emulator.client("sagemaker")
    for call in (lambda: sm.describe_domain(DomainId="d-nope"), lambda: sm.delete_domain(DomainId="d-nope")):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFound"


def test_create_domain_with_a_name_in_use_is_refused(emulator, name):
    sm = emulator.client("sagemaker")
    dom = name("dup")
    domain_id = make_domain(emulator, dom)
    with pytest.raises(ClientError) as exc:
        make_domain(emulator, dom)
    assert error_code(exc) == "ResourceInUse"
    sm.delete_domain(DomainId=domain_id)


# --- user profiles --------------------------------------------------------------


def test_user_profile_lifecycle(emulator, name):
    sm = emulator.client("sagemaker", "us-east-1")
    domain_id = make_domain(emulator, name("up"))
    created = sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName="alice",
        UserSettings={"ExecutionRole": ROLE, "SecurityGroups": ["sg-1"]},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:user-profile/{domain_id}/alice"
    assert created["UserProfileArn"] == arn
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice"), "InService")

    described = sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert described["DomainId"] == domain_id
    assert described["UserProfileArn"] == arn
    assert described["UserProfileName"] == "alice"
    assert described["Status"] == "InService"
    assert described["HomeEfsFileSystemUid"].isdigit()
    assert isinstance(described["CreationTime"], datetime.datetime)
    assert described["UserSettings"] == {"ExecutionRole": ROLE, "SecurityGroups": ["sg-1"]}

    updated = sm.update_user_profile(
        DomainId=domain_id, UserProfileName="alice", UserSettings={"SecurityGroups": ["sg-2"]}
    )
    assert updated["UserProfileArn"] == arn
    described = sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert described["UserSettings"] == {"ExecutionRole": ROLE, "SecurityGroups": ["sg-2"]}

    # The domain cannot go while it has profiles.
    with pytest.raises(ClientError) as exc:
        sm.delete_domain(DomainId=domain_id)
    assert error_code(exc) == "ResourceInUse"

    assert set(sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")) == {"ResponseMetadata"}
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice"), "gone")
    with pytest.raises(ClientError) as exc:
        sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert error_code(exc) == "ResourceNotFound"
    sm.delete_domain(DomainId=domain_id)


def test_user_profile_errors(emulator, name):
    sm = emulator.client("sagemaker")
    with pytest.raises(ClientError) as exc:
        sm.create_user_profile(DomainId="d-missing", UserProfileName="bob")
    assert error_code(exc) == "ResourceNotFound"

    domain_id = make_domain(emulator, name("err"))
    sm.create_user_profile(DomainId=domain_id, UserProfileName="bob")
    with pytest.raises(ClientError) as exc:
        sm.create_user_profile(DomainId=domain_id, UserProfileName="bob")
    assert error_code(exc) == "ResourceInUse"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    for call in (
        lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="carol"),
        lambda: sm.update_user_profile(DomainId=domain_id, UserProfileName="carol", UserSettings={}),
        lambda: sm.delete_user_profile(DomainId=domain_id, UserProfileName="carol"),
        lambda: sm.describe_user_profile(DomainId="d-missing", UserProfileName="bob"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFound"
    delete_profile(sm, domain_id, "bob")
    sm.delete_domain(DomainId=domain_id)


def test_list_user_profiles_filters_sorts_and_pages(emulator, name):
    sm = emulator.client("sagemaker", "ca-central-1")
    dom_a, dom_b = make_domain(emulator, name("la"), "ca-central-1"), make_domain(emulator, name("lb"), "ca-central-1")
    for i in range(12):
        sm.create_user_profile(DomainId=dom_a, UserProfileName=f"user-{i:02d}")
    other = name("other")
    sm.create_user_profile(DomainId=dom_b, UserProfileName=other)

    first = sm.list_user_profiles(DomainIdEquals=dom_a)
    assert len(first["UserProfiles"]) == 10  # default page size
    assert set(first["UserProfiles"][0]) == {"DomainId", "UserProfileName", "Status", "CreationTime", "LastModifiedTime"}
    second = sm.list_user_profiles(DomainIdEquals=dom_a, NextToken=first["NextToken"])
    assert "NextToken" not in second
    names = [p["UserProfileName"] for p in first["UserProfiles"] + second["UserProfiles"]]
    assert names == [f"user-{i:02d}" for i in range(12)]

    paged = [p["UserProfileName"] for page in sm.get_paginator("list_user_profiles").paginate(
        DomainIdEquals=dom_a, PaginationConfig={"PageSize": 5}) for p in page["UserProfiles"]]
    assert paged == names

    desc = sm.list_user_profiles(DomainIdEquals=dom_a, SortOrder="Descending", MaxResults=3)
    assert [p["UserProfileName"] for p in desc["UserProfiles"]] == ["user-11", "user-10", "user-09"]

    contains = sm.list_user_profiles(UserProfileNameContains=other[-6:])["UserProfiles"]
    assert [(p["DomainId"], p["UserProfileName"]) for p in contains] == [(dom_b, other)]

    with pytest.raises(ClientError) as exc:
        sm.list_user_profiles(NextToken="garbage")
    assert error_code(exc) == "ValidationException"


def test_user_profile_tags_via_moto_tag_calls(emulator, name):
    sm = emulator.client("sagemaker")
    domain_id = make_domain(emulator, name("tag"))
    arn = sm.create_user_profile(
        DomainId=domain_id, UserProfileName="tagged", Tags=[{"Key": "a", "Value": "1"}]
    )["UserProfileArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    sm.delete_tags(ResourceArn=arn, TagKeys=["a"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    # The domain's own tags still go through moto's lookup.
    domain_arn = sm.describe_domain(DomainId=domain_id)["DomainArn"]
    sm.add_tags(ResourceArn=domain_arn, Tags=[{"Key": "d", "Value": "x"}])
    assert {"Key": "d", "Value": "x"} in sm.list_tags(ResourceArn=domain_arn)["Tags"]
    with pytest.raises(ClientError) as exc:
        sm.list_tags(ResourceArn=arn.replace("tagged", "untagged"))
    assert error_code(exc) == "ValidationException"
