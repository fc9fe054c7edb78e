"""Studio lifecycle configurations (extensions/studio_lifecycle.py) and the settings that name
them (extensions/studio_settings.py)."""

import base64
import datetime

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, studio_network, wait_status

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-exec"
SCRIPT = base64.b64encode(b"#!/bin/bash\nset -eu\npip install --quiet black\n").decode()

pytestmark = pytest.mark.usefixtures("fast_studio")


@pytest.fixture
def sm(emulator: Emulator):
    return emulator.client("sagemaker", REGION)


@pytest.fixture
def raw(emulator: Emulator):
    """A client that sends what it is given: boto3 refuses some bad values itself (AWS SDK for
    Rust does not), and the emulator must answer them as AWS does."""
    import boto3

    return boto3.client(
        "sagemaker", endpoint_url=emulator.url, region_name=REGION, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


def refused(code: str, call, **kw) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value.response["Error"]["Message"]


def make_lcc(sm, name: str, app_type: str = "JupyterLab", **kw) -> str:
    return sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName=name, StudioLifecycleConfigContent=SCRIPT, StudioLifecycleConfigAppType=app_type, **kw
    )["StudioLifecycleConfigArn"]


def make_domain(emulator: Emulator, sm, name: str, **kw) -> str:
    vpc, subnets = studio_network(emulator.client("ec2", REGION), 1)
    domain_id = sm.create_domain(
        **{"DomainName": name, "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE},
           "SubnetIds": subnets, "VpcId": vpc, "HomeEfsFileSystemCreation": "Disabled", **kw}
    )["DomainId"]
    wait_status(lambda: sm.describe_domain(DomainId=domain_id), "InService")
    return domain_id


def test_create_describe_list_tag_and_delete(sm, name):
    lcc = name("lcc")
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    arn = make_lcc(sm, lcc, "CodeEditor", Tags=[{"Key": "team", "Value": "ml"}])
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config/{lcc}"

    described = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName=lcc)
    assert described["StudioLifecycleConfigArn"] == arn and described["StudioLifecycleConfigName"] == lcc
    assert described["StudioLifecycleConfigContent"] == SCRIPT
    assert described["StudioLifecycleConfigAppType"] == "CodeEditor"
    assert described["CreationTime"] >= before and described["LastModifiedTime"] == described["CreationTime"]

    listed = sm.list_studio_lifecycle_configs(NameContains=lcc.split("-")[1])["StudioLifecycleConfigs"]
    assert listed == [{k: v for k, v in described.items() if k not in ("StudioLifecycleConfigContent", "ResponseMetadata")}]

    # Tags given at creation, and the tag calls, work on its ARN.
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "cost", "Value": "42"}])
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "cost", "Value": "42"}]

    assert set(sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=lcc)) == {"ResponseMetadata"}
    refused("ResourceNotFound", sm.describe_studio_lifecycle_config, StudioLifecycleConfigName=lcc)
    refused("ResourceNotFound", sm.delete_studio_lifecycle_config, StudioLifecycleConfigName=lcc)
    refused("ValidationException", sm.list_tags, ResourceArn=arn)
    # The name can be used again.
    make_lcc(sm, lcc)


def test_create_is_refused_as_aws_refuses_it(sm, raw, name):
    lcc = name("dup")
    make_lcc(sm, lcc)
    refused("ResourceInUse", make_lcc, sm=sm, name=lcc)
    base = {"StudioLifecycleConfigName": name("bad"), "StudioLifecycleConfigContent": SCRIPT,
            "StudioLifecycleConfigAppType": "JupyterLab"}
    for bad in (
        {"StudioLifecycleConfigContent": "echo not base64"},
        {"StudioLifecycleConfigContent": base64.b64encode(b"x" * 12289).decode()},  # 16388 characters
        {"StudioLifecycleConfigAppType": "Canvas"},
        {"StudioLifecycleConfigName": "under_score"},
        {"StudioLifecycleConfigName": "-leading"},
        {"StudioLifecycleConfigName": "a" * 64},
    ):
        refused("ValidationException", raw.create_studio_lifecycle_config, **{**base, **bad})
    # Exactly 16384 characters is fine.
    raw.create_studio_lifecycle_config(**{**base, "StudioLifecycleConfigContent": base64.b64encode(b"x" * 12288).decode()})

    message = refused("ValidationException", raw.create_studio_lifecycle_config, **{**base, "StudioLifecycleConfigAppType": "Canvas"})
    assert message == (
        "1 validation error detected: Value 'Canvas' at 'studioLifecycleConfigAppType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [JupyterServer, KernelGateway, CodeEditor, JupyterLab]"
    )


def test_list_filters_sorts_and_pages(sm, name):
    tag = name("x").split("-")[1]
    names = [f"a{tag}-{i}" for i in range(5)]
    for i, lcc in enumerate(names):
        make_lcc(sm, lcc, "JupyterLab" if i % 2 == 0 else "KernelGateway")
    listed = lambda **kw: [c["StudioLifecycleConfigName"] for c in sm.list_studio_lifecycle_configs(NameContains=tag, **kw)["StudioLifecycleConfigs"]]  # noqa: E731

    assert listed() == names[::-1]  # newest first (default: CreationTime, Descending)
    assert listed(SortOrder="Ascending") == names
    assert listed(SortBy="Name", SortOrder="Ascending") == sorted(names)
    assert listed(AppTypeEquals="KernelGateway", SortOrder="Ascending") == [names[1], names[3]]
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    assert listed(CreationTimeAfter=future) == [] and listed(ModifiedTimeBefore=future) == names[::-1]

    first = sm.list_studio_lifecycle_configs(NameContains=tag, MaxResults=2, SortOrder="Ascending")
    assert [c["StudioLifecycleConfigName"] for c in first["StudioLifecycleConfigs"]] == names[:2] and first["NextToken"]
    paged = [c["StudioLifecycleConfigName"] for page in sm.get_paginator("list_studio_lifecycle_configs").paginate(
        NameContains=tag, SortOrder="Ascending", PaginationConfig={"PageSize": 2}) for c in page["StudioLifecycleConfigs"]]
    assert paged == names
    refused("ValidationException", sm.list_studio_lifecycle_configs, NextToken="garbage")


def test_settings_must_name_existing_configs_of_their_app_type(emulator, sm, name):
    lab = make_lcc(sm, name("lab"), "JupyterLab")
    editor = make_lcc(sm, name("ed"), "CodeEditor")
    missing = lab.rsplit("/", 1)[0] + "/" + name("missing")
    other_region = lab.replace(REGION, "us-east-2")
    ec2 = emulator.client("ec2", REGION)
    vpc, subnets = studio_network(ec2, 1)
    base = {"AuthMode": "IAM", "SubnetIds": subnets, "VpcId": vpc, "HomeEfsFileSystemCreation": "Disabled"}

    for settings in (
        {"JupyterLabAppSettings": {"LifecycleConfigArns": [missing]}},
        {"JupyterLabAppSettings": {"LifecycleConfigArns": [other_region]}},
        {"CodeEditorAppSettings": {"LifecycleConfigArns": [lab]}},  # a JupyterLab config
        {"JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": editor}}},
        {"KernelGatewayAppSettings": {"LifecycleConfigArns": [lab]}},
    ):
        message = refused("ValidationException", sm.create_domain, DomainName=name("bad"), DefaultUserSettings=settings, **base)
        assert "Studio Lifecycle Config" in message
    refused("ValidationException", sm.create_domain, DomainName=name("bad"), DefaultUserSettings={},
            DefaultSpaceSettings={"JupyterLabAppSettings": {"LifecycleConfigArns": [editor]}}, **base)
    assert not [d for d in sm.list_domains()["Domains"] if d["DomainName"].startswith("bad-")]

    good = {"JupyterLabAppSettings": {"LifecycleConfigArns": [lab], "DefaultResourceSpec": {"LifecycleConfigArn": lab}},
            "CodeEditorAppSettings": {"LifecycleConfigArns": [editor]}}
    domain_id = make_domain(emulator, sm, name("good"), DefaultUserSettings=good)
    assert sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"] == good
    refused("ValidationException", sm.update_domain, DomainId=domain_id,
            DefaultUserSettings={"CodeEditorAppSettings": {"LifecycleConfigArns": [lab]}})
    refused("ValidationException", sm.create_user_profile, DomainId=domain_id, UserProfileName="u",
            UserSettings={"JupyterLabAppSettings": {"LifecycleConfigArns": [missing]}})
    sm.create_user_profile(DomainId=domain_id, UserProfileName="u")
    refused("ValidationException", sm.update_user_profile, DomainId=domain_id, UserProfileName="u",
            UserSettings={"CodeEditorAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": lab}}})
    sm.update_user_profile(DomainId=domain_id, UserProfileName="u",
                           UserSettings={"CodeEditorAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": editor}}})


def test_delete_is_refused_while_a_domain_profile_space_or_app_names_it(emulator, sm, name):
    lab = make_lcc(sm, name("lab"), "JupyterLab")
    lab_name = lab.rsplit("/", 1)[1]
    delete = lambda: sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=lab_name)  # noqa: E731

    # The domain's defaults for users...
    domain_id = make_domain(emulator, sm, name("use"), DefaultUserSettings={
        "ExecutionRole": ROLE, "JupyterLabAppSettings": {"LifecycleConfigArns": [lab]}})
    message = refused("ResourceInUse", lambda: delete())
    assert domain_id in message and "DefaultUserSettings.JupyterLabAppSettings.LifecycleConfigArns" in message
    # ...an empty list detaches it (lists are replaced, not merged).
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={"JupyterLabAppSettings": {"LifecycleConfigArns": []}})
    assert sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"]["JupyterLabAppSettings"]["LifecycleConfigArns"] == []

    # ...and for spaces, as the default resource spec.
    sm.update_domain(DomainId=domain_id, DefaultSpaceSettings={
        "ExecutionRole": ROLE, "JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": lab}}})
    assert "DefaultSpaceSettings" in refused("ResourceInUse", lambda: delete())
    sm.update_domain(DomainId=domain_id, DefaultSpaceSettings={"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}})
    # (nested settings merge: the config stays until it is replaced)
    refused("ResourceInUse", lambda: delete())
    sm.update_domain(DomainId=domain_id, DefaultSpaceSettings={"JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": "None"}}})

    # A user profile.
    sm.create_user_profile(DomainId=domain_id, UserProfileName="alice",
                           UserSettings={"JupyterLabAppSettings": {"LifecycleConfigArns": [lab]}})
    assert "user profile" in refused("ResourceInUse", lambda: delete())
    sm.update_user_profile(DomainId=domain_id, UserProfileName="alice",
                           UserSettings={"JupyterLabAppSettings": {"LifecycleConfigArns": []}})

    # A space, and an app started with it.
    sm.create_space(DomainId=domain_id, SpaceName="team", SpaceSettings={
        "AppType": "JupyterLab", "JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": lab}}})
    assert "space" in refused("ResourceInUse", lambda: delete())
    sm.update_space(DomainId=domain_id, SpaceName="team",
                    SpaceSettings={"JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": "None"}}})
    wait_status(lambda: sm.describe_space(DomainId=domain_id, SpaceName="team"), "InService")
    app = {"DomainId": domain_id, "SpaceName": "team", "AppType": "JupyterLab", "AppName": "default"}
    sm.create_app(**app, ResourceSpec={"InstanceType": "ml.t3.medium", "LifecycleConfigArn": lab})
    assert "app" in refused("ResourceInUse", lambda: delete())
    sm.delete_app(**app)
    wait_status(lambda: sm.describe_app(**app), "Deleted")

    delete()
    refused("ResourceNotFound", sm.describe_studio_lifecycle_config, StudioLifecycleConfigName=lab_name)
