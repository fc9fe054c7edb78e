"""Studio settings as AWS validates and returns them (extensions/studio_settings.py, model_rules.py),
UpdateSpace, and tag propagation (extensions/studio_tag_propagation.py)."""

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.loaders import Loader
from conftest import Emulator, error_code, studio_network, wait_status

REGION = "ap-southeast-2"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-exec"
SHAPES = Loader().load_service_model("sagemaker", "service-2")["shapes"]
APP_TYPES = SHAPES["AppType"]["enum"]
ML_TOOLS = SHAPES["MlTools"]["enum"]

pytestmark = pytest.mark.usefixtures("fast_studio")


def idle(**kw) -> dict:
    return {"AppLifecycleManagement": {"IdleSettings": kw}}


# What the provider sends: idle shutdown after 2 hours, the web portal with some apps hidden,
# 20 GB spaces up to 100 GB; Docker for the account's own images; tags propagated.
USER_SETTINGS = {
    "ExecutionRole": ROLE,
    "SecurityGroups": ["sg-0123456789abcdef0"],
    "JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=120,
                                  MinIdleTimeoutInMinutes=60, MaxIdleTimeoutInMinutes=120),
    "CodeEditorAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=120,
                                  MinIdleTimeoutInMinutes=60, MaxIdleTimeoutInMinutes=120),
    "StudioWebPortal": "ENABLED",
    "StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterServer", "RStudioServerPro"], "HiddenMlTools": ["AutoMl"]},
    "SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 20, "MaximumEbsVolumeSizeInGb": 100}},
}
SPACE_SETTINGS = {
    "ExecutionRole": ROLE,
    "SecurityGroups": ["sg-0123456789abcdef0"],
    "JupyterLabAppSettings": idle(LifecycleManagement="DISABLED"),
    "SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 20, "MaximumEbsVolumeSizeInGb": 100}},
}
DOCKER = {"DockerSettings": {"EnableDockerAccess": "ENABLED", "VpcOnlyTrustedAccounts": [ACCOUNT]}}


@pytest.fixture
def sm(emulator: Emulator):
    return emulator.client("sagemaker", REGION)


@pytest.fixture
def raw(emulator: Emulator):
    """Sends what it is given (boto3 itself refuses numbers under a minimum; the AWS SDK for
    Rust does not)."""
    return boto3.client(
        "sagemaker", endpoint_url=emulator.url, region_name=REGION, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


@pytest.fixture
def network(emulator: Emulator) -> dict:
    vpc, subnets = studio_network(emulator.client("ec2", REGION), 1)
    return {"AuthMode": "IAM", "SubnetIds": subnets, "VpcId": vpc, "HomeEfsFileSystemCreation": "Disabled"}


def refused(code: str, call, **kw) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value.response["Error"]["Message"]


def make_domain(sm, network: dict, name: str, **kw) -> str:
    domain_id = sm.create_domain(**{"DomainName": name, "DefaultUserSettings": {"ExecutionRole": ROLE}, **network, **kw})["DomainId"]
    wait_status(lambda: sm.describe_domain(DomainId=domain_id), "InService")
    return domain_id


# --- validation -------------------------------------------------------------------------------


BAD_USER_SETTINGS = [
    # idle shutdown: minutes in range, ordered, not with DISABLED
    {"JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=30)},
    {"CodeEditorAppSettings": idle(LifecycleManagement="ENABLED", MaxIdleTimeoutInMinutes=525601)},
    {"JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", MinIdleTimeoutInMinutes=59)},
    {"JupyterLabAppSettings": idle(LifecycleManagement="SOMETIMES")},
    {"JupyterLabAppSettings": idle(LifecycleManagement="DISABLED", IdleTimeoutInMinutes=120)},
    {"CodeEditorAppSettings": idle(LifecycleManagement="DISABLED", MaxIdleTimeoutInMinutes=120)},
    {"JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=60, MinIdleTimeoutInMinutes=120)},
    {"CodeEditorAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=240, MaxIdleTimeoutInMinutes=120)},
    {"JupyterLabAppSettings": idle(MinIdleTimeoutInMinutes=240, MaxIdleTimeoutInMinutes=120)},
    # the web portal
    {"StudioWebPortal": "ON"},
    {"StudioWebPortalSettings": {"HiddenAppTypes": ["Notebook"]}},
    {"StudioWebPortalSettings": {"HiddenMlTools": ["Spreadsheets"]}},
    # space storage
    {"SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 4, "MaximumEbsVolumeSizeInGb": 100}}},
    {"SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 5, "MaximumEbsVolumeSizeInGb": 16385}}},
    {"SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 200, "MaximumEbsVolumeSizeInGb": 100}}},
    {"SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 20}}},
]
BAD_DOMAIN_SETTINGS = [
    {"DockerSettings": {"EnableDockerAccess": "YES"}},
    {"DockerSettings": {"EnableDockerAccess": "ENABLED", "VpcOnlyTrustedAccounts": ["12345678901"]}},
    {"DockerSettings": {"EnableDockerAccess": "ENABLED", "VpcOnlyTrustedAccounts": ["12345678901a"]}},
    {"DockerSettings": {"EnableDockerAccess": "ENABLED", "VpcOnlyTrustedAccounts": [f"{n:012d}" for n in range(21)]}},
]


def test_create_domain_refuses_bad_settings_and_creates_nothing(raw, sm, network, name):
    for settings in BAD_USER_SETTINGS:
        refused("ValidationException", raw.create_domain, DomainName=name("bad"), DefaultUserSettings=settings, **network)
    for settings in BAD_USER_SETTINGS:
        if set(settings) <= {"JupyterLabAppSettings", "SpaceStorageSettings"}:  # what DefaultSpaceSettings has too
            refused("ValidationException", raw.create_domain, DomainName=name("bad"), DefaultUserSettings={},
                    DefaultSpaceSettings=settings, **network)
    for settings in BAD_DOMAIN_SETTINGS:
        refused("ValidationException", raw.create_domain, DomainName=name("bad"), DefaultUserSettings={},
                DomainSettings=settings, **network)
    refused("ValidationException", raw.create_domain, DomainName=name("bad"), DefaultUserSettings={},
            TagPropagation="Enabled", **network)
    assert not [d for d in sm.list_domains()["Domains"] if d["DomainName"].startswith("bad-")]


def test_messages_say_what_and_where_as_aws_does(raw, network, name):
    message = refused("ValidationException", raw.create_domain, DomainName=name("bad"), **network,
                      DefaultUserSettings={"JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=30)})
    assert message == (
        "1 validation error detected: Value '30' at 'defaultUserSettings.jupyterLabAppSettings.appLifecycleManagement."
        "idleSettings.idleTimeoutInMinutes' failed to satisfy constraint: Member must have value greater than or equal to 60"
    )
    message = refused("ValidationException", raw.create_domain, DomainName=name("bad"), **network, DefaultUserSettings={
        "StudioWebPortal": "ON", "StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterLab", "Notebook"]}})
    assert message.startswith("2 validation errors detected: ")
    assert "Value 'ON' at 'defaultUserSettings.studioWebPortal' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]" in message
    assert (
        "Value '[JupyterLab, Notebook]' at 'defaultUserSettings.studioWebPortalSettings.hiddenAppTypes' failed to satisfy "
        f"constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{', '.join(APP_TYPES)}]]"
    ) in message
    message = refused("ValidationException", raw.create_domain, DomainName=name("bad"), **network, DefaultUserSettings={
        "CodeEditorAppSettings": idle(LifecycleManagement="DISABLED", IdleTimeoutInMinutes=120)})
    assert "codeEditorAppSettings.appLifecycleManagement.idleSettings" in message and "DISABLED" in message


def test_every_app_type_and_ml_tool_of_the_model_can_be_hidden(sm, network, name):
    settings = {"StudioWebPortal": "DISABLED", "StudioWebPortalSettings": {"HiddenAppTypes": APP_TYPES, "HiddenMlTools": ML_TOOLS}}
    domain_id = make_domain(sm, network, name("hide"), DefaultUserSettings=settings)
    assert sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"] == settings


def test_profiles_and_updates_are_checked_too(raw, sm, network, name):
    domain_id = make_domain(sm, network, name("upd"), DefaultUserSettings=USER_SETTINGS)
    for settings in BAD_USER_SETTINGS:
        refused("ValidationException", raw.update_domain, DomainId=domain_id, DefaultUserSettings=settings)
        refused("ValidationException", raw.create_user_profile, DomainId=domain_id, UserProfileName="p", UserSettings=settings)
    for settings in BAD_DOMAIN_SETTINGS:
        refused("ValidationException", raw.update_domain, DomainId=domain_id, DomainSettingsForUpdate=settings)
    refused("ValidationException", raw.update_domain, DomainId=domain_id, TagPropagation="yes")
    # Ordering holds for the settings as stored: the stored maximum (120) is below the new timeout.
    refused("ValidationException", raw.update_domain, DomainId=domain_id,
            DefaultUserSettings={"JupyterLabAppSettings": idle(IdleTimeoutInMinutes=180)})
    assert sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"] == USER_SETTINGS  # nothing changed

    sm.create_user_profile(DomainId=domain_id, UserProfileName="p")
    for settings in BAD_USER_SETTINGS:
        refused("ValidationException", raw.update_user_profile, DomainId=domain_id, UserProfileName="p", UserSettings=settings)
    assert "UserSettings" not in sm.describe_user_profile(DomainId=domain_id, UserProfileName="p")
    # Unknown targets are still ResourceNotFound once the settings are fine.
    refused("ResourceNotFound", sm.update_domain, DomainId="d-000000000000", DefaultUserSettings=USER_SETTINGS)
    refused("ResourceNotFound", sm.update_user_profile, DomainId=domain_id, UserProfileName="nobody", UserSettings=USER_SETTINGS)


# --- round trips ------------------------------------------------------------------------------


def test_domain_settings_round_trip_through_create_and_update(sm, network, name):
    domain_id = make_domain(sm, network, name("rt"), DefaultUserSettings=USER_SETTINGS,
                            DefaultSpaceSettings=SPACE_SETTINGS, DomainSettings=DOCKER, TagPropagation="ENABLED")
    d = sm.describe_domain(DomainId=domain_id)
    assert d["DefaultUserSettings"] == USER_SETTINGS
    assert d["DefaultSpaceSettings"] == SPACE_SETTINGS
    assert d["DomainSettings"] == DOCKER
    assert d["TagPropagation"] == "ENABLED"

    # Idle shutdown off, Docker off, fewer hidden tools: what is sent replaces, lists are
    # replaced whole, what is not sent stays.
    sm.update_domain(
        DomainId=domain_id,
        DefaultUserSettings={
            "JupyterLabAppSettings": idle(LifecycleManagement="DISABLED"),
            "StudioWebPortalSettings": {"HiddenMlTools": []},
        },
        DefaultSpaceSettings={"JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=90)},
        DomainSettingsForUpdate={"DockerSettings": {"EnableDockerAccess": "DISABLED", "VpcOnlyTrustedAccounts": []}},
        TagPropagation="DISABLED",
    )
    d = sm.describe_domain(DomainId=domain_id)
    user = d["DefaultUserSettings"]
    assert user["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"] == {
        "LifecycleManagement": "DISABLED", "IdleTimeoutInMinutes": 120, "MinIdleTimeoutInMinutes": 60, "MaxIdleTimeoutInMinutes": 120}
    assert user["CodeEditorAppSettings"] == USER_SETTINGS["CodeEditorAppSettings"]
    assert user["StudioWebPortalSettings"] == {"HiddenAppTypes": ["JupyterServer", "RStudioServerPro"], "HiddenMlTools": []}
    assert user["SpaceStorageSettings"] == USER_SETTINGS["SpaceStorageSettings"]
    assert d["DefaultSpaceSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"] == {
        "LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 90}
    assert d["DomainSettings"] == {"DockerSettings": {"EnableDockerAccess": "DISABLED", "VpcOnlyTrustedAccounts": []}}
    assert d["TagPropagation"] == "DISABLED"


def test_user_settings_round_trip_through_create_and_update(sm, network, name):
    domain_id = make_domain(sm, network, name("prt"))
    sm.create_user_profile(DomainId=domain_id, UserProfileName="alice", UserSettings=USER_SETTINGS)
    assert sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")["UserSettings"] == USER_SETTINGS
    four_hours = idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=240, MinIdleTimeoutInMinutes=60, MaxIdleTimeoutInMinutes=240)
    sm.update_user_profile(DomainId=domain_id, UserProfileName="alice", UserSettings={
        "JupyterLabAppSettings": four_hours, "CodeEditorAppSettings": four_hours,
        "StudioWebPortalSettings": {"HiddenAppTypes": ["Canvas"]}})
    settings = sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")["UserSettings"]
    assert settings == {**USER_SETTINGS, "JupyterLabAppSettings": four_hours, "CodeEditorAppSettings": four_hours,
                        "StudioWebPortalSettings": {"HiddenAppTypes": ["Canvas"], "HiddenMlTools": ["AutoMl"]}}


# --- spaces -----------------------------------------------------------------------------------


def test_space_settings_are_checked_and_update_space_merges(emulator, raw, sm, network, name):
    domain_id = make_domain(sm, network, name("sp"))
    space = {"DomainId": domain_id, "SpaceName": "team"}
    for bad in (
        {"JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 30}}}},
        {"SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 4}}},
        {"AppType": "Notebook"},
    ):
        refused("ValidationException", raw.create_space, **space, SpaceSettings=bad)
    settings = {"AppType": "JupyterLab", "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 30}},
                "JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 120}}}}
    arn = sm.create_space(**space, SpaceSettings=settings)["SpaceArn"]
    assert sm.describe_space(**space)["SpaceSettings"] == settings

    refused("ValidationException", raw.update_space, **space,
            SpaceSettings={"SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 16385}}})
    assert sm.update_space(**space, SpaceDisplayName="Team",
                           SpaceSettings={"SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 50}}})["SpaceArn"] == arn
    described = sm.describe_space(**space)
    assert described["SpaceDisplayName"] == "Team"
    assert described["SpaceSettings"] == {**settings, "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 50}}}

    refused("ResourceNotFound", sm.update_space, DomainId=domain_id, SpaceName="nowhere", SpaceDisplayName="x")
    refused("ResourceNotFound", sm.update_space, DomainId="d-000000000000", SpaceName="team", SpaceDisplayName="x")
    emulator.set_config(studio_delay_seconds=0.5)  # fast_studio restores it
    sm.delete_space(**space)
    assert sm.describe_space(**space)["Status"] == "Deleting"
    refused("ResourceInUse", sm.update_space, **space, SpaceDisplayName="late")


# --- tag propagation --------------------------------------------------------------------------


def test_tag_propagation_gives_spaces_and_apps_the_domains_tags(sm, network, name):
    domain_tags = [{"Key": "project", "Value": "p1"}, {"Key": "cost-center", "Value": "42"}]
    domain_id = make_domain(sm, network, name("tp"), TagPropagation="ENABLED", Tags=domain_tags)
    space_arn = sm.create_space(DomainId=domain_id, SpaceName="s", Tags=[{"Key": "cost-center", "Value": "7"}, {"Key": "own", "Value": "s"}])["SpaceArn"]
    assert sm.list_tags(ResourceArn=space_arn)["Tags"] == [
        {"Key": "project", "Value": "p1"}, {"Key": "cost-center", "Value": "7"}, {"Key": "own", "Value": "s"}]
    wait_status(lambda: sm.describe_space(DomainId=domain_id, SpaceName="s"), "InService")
    app_arn = sm.create_app(DomainId=domain_id, SpaceName="s", AppType="JupyterLab", AppName="default",
                            Tags=[{"Key": "app", "Value": "a"}])["AppArn"]
    assert sm.list_tags(ResourceArn=app_arn)["Tags"] == [
        {"Key": "project", "Value": "p1"}, {"Key": "cost-center", "Value": "7"}, {"Key": "own", "Value": "s"},
        {"Key": "app", "Value": "a"}]

    # A user profile keeps its own tags; its apps get the domain's and the profile's.
    profile_arn = sm.create_user_profile(DomainId=domain_id, UserProfileName="u", Tags=[{"Key": "user", "Value": "u"}])["UserProfileArn"]
    assert sm.list_tags(ResourceArn=profile_arn)["Tags"] == [{"Key": "user", "Value": "u"}]
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="u"), "InService")
    app_arn = sm.create_app(DomainId=domain_id, UserProfileName="u", AppType="JupyterServer", AppName="default")["AppArn"]
    assert sm.list_tags(ResourceArn=app_arn)["Tags"] == [*domain_tags, {"Key": "user", "Value": "u"}]

    # More than 50 in the end: refused, nothing made.
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(49)]
    refused("ValidationException", sm.create_space, DomainId=domain_id, SpaceName="crowded", Tags=many)
    refused("ResourceNotFound", sm.describe_space, DomainId=domain_id, SpaceName="crowded")

    # Turned off: new spaces keep their own tags only; existing ones keep what they got.
    sm.update_domain(DomainId=domain_id, TagPropagation="DISABLED")
    later = sm.create_space(DomainId=domain_id, SpaceName="later", Tags=[{"Key": "own", "Value": "l"}])["SpaceArn"]
    assert sm.list_tags(ResourceArn=later)["Tags"] == [{"Key": "own", "Value": "l"}]
    assert len(sm.list_tags(ResourceArn=space_arn)["Tags"]) == 3


def test_without_tag_propagation_spaces_keep_their_own_tags(sm, network, name):
    domain_id = make_domain(sm, network, name("ntp"), Tags=[{"Key": "project", "Value": "p1"}])
    space_arn = sm.create_space(DomainId=domain_id, SpaceName="s")["SpaceArn"]
    assert sm.list_tags(ResourceArn=space_arn)["Tags"] == []
