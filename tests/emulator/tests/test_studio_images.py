"""Custom images, image versions and app image configs (extensions/studio_images.py), and the
CustomImages entries of Studio settings that name them (extensions/studio_settings.py)."""

import json

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, studio_network, wait_for, wait_status

REGION = "eu-central-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-exec"
KERNELS = {"KernelSpecs": [{"Name": "python3", "DisplayName": "Python 3"}],
           "FileSystemConfig": {"MountPath": "/home/sagemaker-user", "DefaultUid": 1000, "DefaultGid": 100}}
LAB = {"ContainerConfig": {"ContainerArguments": ["--debug"], "ContainerEnvironmentVariables": {"A": "1"}}}

pytestmark = pytest.mark.usefixtures("fast_studio")


@pytest.fixture
def sm(emulator: Emulator):
    client = emulator.client("sagemaker", REGION)
    # A fresh emulator spends up to a second on its first calls (moto builds the account's IAM),
    # which would eat the CREATING time a test looks at.
    client.list_images()
    client.list_app_image_configs()
    return client


def refused(code: str, call, **kw) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value.response["Error"]["Message"]


def image_status(sm, image: str) -> str:
    try:
        return sm.describe_image(ImageName=image)["ImageStatus"]
    except ClientError as err:
        if error_code_of(err) == "ResourceNotFound":
            return "gone"
        raise


def version_status(sm, image: str, version: int) -> str:
    try:
        return sm.describe_image_version(ImageName=image, Version=version)["ImageVersionStatus"]
    except ClientError as err:
        if error_code_of(err) == "ResourceNotFound":
            return "gone"
        raise


def error_code_of(err: ClientError) -> str:
    return err.response["Error"]["Code"]


def make_image(sm, image: str, **kw) -> str:
    arn = sm.create_image(ImageName=image, RoleArn=ROLE, **kw)["ImageArn"]
    wait_for(lambda: image_status(sm, image) == "CREATED", what="image CREATED")
    return arn


def push(emulator: Emulator, repository: str, tag: str) -> tuple[str, str]:
    """An image in moto's ECR: (URI with tag, digest)."""
    ecr = emulator.client("ecr", REGION)
    try:
        ecr.create_repository(repositoryName=repository)
    except ClientError:
        pass
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 100, "digest": "sha256:" + "a" * 64},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 200, "digest": "sha256:" + tag.encode().hex().ljust(64, "0")[:64]}],
    }
    digest = ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)["image"]["imageId"]["imageDigest"]
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}", digest


def make_domain(emulator: Emulator, sm, name: str, **kw) -> str:
    vpc, subnets = studio_network(emulator.client("ec2", REGION), 1)
    domain_id = sm.create_domain(
        **{"DomainName": name, "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE},
           "SubnetIds": subnets, "VpcId": vpc, "HomeEfsFileSystemCreation": "Disabled", **kw}
    )["DomainId"]
    wait_status(lambda: sm.describe_domain(DomainId=domain_id), "InService")
    return domain_id


# --- images ---------------------------------------------------------------------------------


def test_image_lifecycle_update_tags_and_list(emulator, sm, name):
    emulator.set_config(studio_delay_seconds=0.5)  # fast_studio restores it
    image = name("Img")
    arn = sm.create_image(ImageName=image, RoleArn=ROLE, DisplayName="My image", Description="first",
                          Tags=[{"Key": "team", "Value": "ml"}])["ImageArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:image/{image.lower()}"
    described = sm.describe_image(ImageName=image)
    assert described["ImageStatus"] == "CREATING"
    assert (described["ImageName"], described["ImageArn"], described["RoleArn"]) == (image, arn, ROLE)
    assert (described["DisplayName"], described["Description"]) == ("My image", "first")
    refused("ResourceInUse", sm.create_image, ImageName=image, RoleArn=ROLE)
    # A version needs the image CREATED.
    refused("ResourceInUse", sm.create_image_version, ImageName=image, BaseImage=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/x:1")
    wait_for(lambda: image_status(sm, image) == "CREATED", what="CREATED")
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "cost", "Value": "1"}])
    assert len(sm.list_tags(ResourceArn=arn)["Tags"]) == 2

    assert sm.update_image(ImageName=image, DeleteProperties=["Description"], DisplayName="Renamed")["ImageArn"] == arn
    updated = sm.describe_image(ImageName=image)
    assert updated["ImageStatus"] == "UPDATING" and updated["DisplayName"] == "Renamed" and "Description" not in updated
    refused("ResourceInUse", sm.update_image, ImageName=image, Description="again")
    wait_for(lambda: image_status(sm, image) == "CREATED", what="CREATED after the update")
    refused("ValidationException", sm.update_image, ImageName=image, DeleteProperties=["DisplayName"], DisplayName="x")

    listed = sm.list_images(NameContains=image.split("-")[1])["Images"]
    assert [(i["ImageName"], i["ImageStatus"], i["ImageArn"]) for i in listed] == [(image, "CREATED", arn)]
    assert "RoleArn" not in listed[0]

    sm.delete_image(ImageName=image)
    assert image_status(sm, image) == "DELETING"
    sm.delete_image(ImageName=image)  # again while DELETING: accepted
    assert image in emulator.inventory()["sagemaker:image"]
    wait_for(lambda: image_status(sm, image) == "gone", what="image gone")
    refused("ResourceNotFound", sm.delete_image, ImageName=image)
    refused("ResourceNotFound", sm.update_image, ImageName=image, DisplayName="x")
    assert image not in emulator.inventory()["sagemaker:image"]


def test_image_errors_and_list_paging(sm, name):
    refused("ValidationException", sm.create_image, ImageName="under_score", RoleArn=ROLE)
    refused("ValidationException", sm.create_image, ImageName=name("img"), RoleArn="arn:aws:iam::123:role/short")
    refused("ResourceNotFound", sm.describe_image, ImageName=name("missing"))
    refused("ResourceNotFound", sm.create_image_version, ImageName=name("missing"), BaseImage="x")
    refused("ResourceNotFound", sm.list_image_versions, ImageName=name("missing"))

    tag = name("p").split("-")[1]
    images = [f"p{tag}-{i}" for i in range(4)]
    for image in images:
        sm.create_image(ImageName=image, RoleArn=ROLE)
    listed = lambda **kw: [i["ImageName"] for i in sm.list_images(NameContains=tag, **kw)["Images"]]  # noqa: E731
    assert listed() == images[::-1]  # CREATION_TIME, DESCENDING
    assert listed(SortBy="IMAGE_NAME", SortOrder="ASCENDING") == images
    paged = [i["ImageName"] for page in sm.get_paginator("list_images").paginate(
        NameContains=tag, SortOrder="ASCENDING", PaginationConfig={"PageSize": 3}) for i in page["Images"]]
    assert paged == images


# --- image versions ------------------------------------------------------------------------------


def test_versions_pull_from_ecr_or_fail(emulator, sm, name):
    image = name("ver")
    image_arn = make_image(sm, image)
    repository = name("repo")
    uri, digest = push(emulator, repository, "v1")

    emulator.set_config(studio_delay_seconds=0.5)  # long enough to see CREATING (fast_studio restores it)
    arn = sm.create_image_version(ImageName=image, BaseImage=uri, ClientToken="token-1", Aliases=["stable"],
                                  JobType="NOTEBOOK_KERNEL", Processor="CPU")["ImageVersionArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:image-version/{image}/1"
    # The same client token is the same version.
    assert sm.create_image_version(ImageName=image, BaseImage=uri, ClientToken="token-1")["ImageVersionArn"] == arn
    refused("ResourceInUse", sm.create_image_version, ImageName=image, BaseImage=uri + "x", ClientToken="token-1")
    assert sm.describe_image_version(ImageName=image, Version=1)["ImageVersionStatus"] == "CREATING"
    emulator.set_config(studio_delay_seconds=0.05)
    wait_for(lambda: version_status(sm, image, 1) == "CREATED", what="version CREATED")
    described = sm.describe_image_version(ImageName=image, Alias="stable")
    assert described["ImageVersionArn"] == arn and described["ImageArn"] == image_arn and described["Version"] == 1
    assert described["BaseImage"] == uri and described["ContainerImage"] == uri.rsplit(":", 1)[0] + "@" + digest
    assert (described["JobType"], described["Processor"]) == ("NOTEBOOK_KERNEL", "CPU")
    assert "FailureReason" not in described

    # No such repository, no such tag: CREATE_FAILED with the reason; a digest that exists: CREATED.
    missing_repo = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name('none')}:v1"
    sm.create_image_version(ImageName=image, BaseImage=missing_repo)
    sm.create_image_version(ImageName=image, BaseImage=uri.replace(":v1", ":v9"))
    sm.create_image_version(ImageName=image, BaseImage=uri.rsplit(":", 1)[0] + "@" + digest)
    sm.create_image_version(ImageName=image, BaseImage="docker.io/library/python:3.12")
    for version, status in ((2, "CREATE_FAILED"), (3, "CREATE_FAILED"), (4, "CREATED"), (5, "CREATE_FAILED")):
        wait_for(lambda: version_status(sm, image, version) == status, what=f"version {version} {status}")
    assert "does not exist" in sm.describe_image_version(ImageName=image, Version=2)["FailureReason"]
    assert "does not exist" in sm.describe_image_version(ImageName=image, Version=3)["FailureReason"]
    assert "not an Amazon ECR image URI" in sm.describe_image_version(ImageName=image, Version=5)["FailureReason"]
    # Without Version or Alias: the latest.
    assert sm.describe_image_version(ImageName=image)["Version"] == 5

    # Pushed later, found when the version's CREATING ends.
    late_uri = uri.replace(":v1", ":late")
    emulator.set_config(studio_delay_seconds=1.0)  # time to push (fast_studio restores it)
    sm.create_image_version(ImageName=image, BaseImage=late_uri)
    push(emulator, repository, "late")
    wait_for(lambda: version_status(sm, image, 6) == "CREATED", what="late version CREATED")
    emulator.set_config(studio_delay_seconds=0.05)

    versions = sm.list_image_versions(ImageName=image)["ImageVersions"]
    assert [v["Version"] for v in versions] == [6, 5, 4, 3, 2, 1]
    assert set(versions[0]) == {"CreationTime", "ImageArn", "ImageVersionArn", "ImageVersionStatus", "LastModifiedTime", "Version"}
    assert [v["Version"] for v in sm.list_image_versions(ImageName=image, SortBy="VERSION", SortOrder="ASCENDING", MaxResults=2)["ImageVersions"]] == [1, 2]
    inventory = emulator.inventory()["sagemaker:image_version"]
    assert {f"{image}/{n}" for n in range(1, 7)} <= set(inventory)

    emulator.set_config(studio_delay_seconds=0.5)  # DELETING long enough to be seen
    sm.delete_image_version(ImageName=image, Version=2)
    assert version_status(sm, image, 2) == "DELETING"
    sm.delete_image_version(ImageName=image, Alias="stable")
    wait_for(lambda: version_status(sm, image, 2) == version_status(sm, image, 1) == "gone", what="versions gone")
    refused("ResourceNotFound", sm.delete_image_version, ImageName=image, Version=2)
    refused("ValidationException", sm.delete_image_version, ImageName=image)
    # Numbers are not reused.
    assert sm.create_image_version(ImageName=image, BaseImage=uri)["ImageVersionArn"].endswith("/7")

    # DeleteImage takes the versions with it.
    sm.delete_image(ImageName=image)
    assert version_status(sm, image, 4) == "DELETING"
    wait_for(lambda: image_status(sm, image) == "gone", what="image gone")
    assert not [v for v in emulator.inventory()["sagemaker:image_version"] if v.startswith(f"{image}/")]


# --- app image configs -----------------------------------------------------------------------------


def test_app_image_config_crud(emulator, sm, name):
    config = name("aic")
    arn = sm.create_app_image_config(AppImageConfigName=config, KernelGatewayImageConfig=KERNELS,
                                     Tags=[{"Key": "k", "Value": "v"}])["AppImageConfigArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app-image-config/{config}"
    described = sm.describe_app_image_config(AppImageConfigName=config)
    assert described["KernelGatewayImageConfig"] == KERNELS and "JupyterLabAppImageConfig" not in described
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    refused("ResourceInUse", sm.create_app_image_config, AppImageConfigName=config)
    refused("ValidationException", sm.create_app_image_config, AppImageConfigName=name("bad"),
            KernelGatewayImageConfig={"KernelSpecs": [{"Name": f"k{i}"} for i in range(6)]})
    refused("ValidationException", sm.create_app_image_config, AppImageConfigName=name("bad"),
            JupyterLabAppImageConfig={"FileSystemConfig": {"MountPath": "relative"}})
    assert config in emulator.inventory()["sagemaker:app_image_config"]

    assert sm.update_app_image_config(AppImageConfigName=config, JupyterLabAppImageConfig=LAB)["AppImageConfigArn"] == arn
    updated = sm.describe_app_image_config(AppImageConfigName=config)
    assert updated["KernelGatewayImageConfig"] == KERNELS and updated["JupyterLabAppImageConfig"] == LAB
    assert updated["LastModifiedTime"] >= described["LastModifiedTime"]

    other = name("aic")
    sm.create_app_image_config(AppImageConfigName=other, CodeEditorAppImageConfig=LAB)
    listed = sm.list_app_image_configs(SortBy="Name", SortOrder="Ascending", NameContains="aic", MaxResults=100)
    assert [c["AppImageConfigName"] for c in listed["AppImageConfigs"] if c["AppImageConfigName"] in (config, other)] == sorted([config, other])
    only = sm.list_app_image_configs(NameContains=config.split("-")[1])["AppImageConfigs"]
    assert [c["AppImageConfigName"] for c in only] == [config]
    assert only[0]["JupyterLabAppImageConfig"] == LAB and only[0]["AppImageConfigArn"] == arn

    sm.delete_app_image_config(AppImageConfigName=config)
    refused("ResourceNotFound", sm.describe_app_image_config, AppImageConfigName=config)
    refused("ResourceNotFound", sm.update_app_image_config, AppImageConfigName=config)
    refused("ResourceNotFound", sm.delete_app_image_config, AppImageConfigName=config)
    assert config not in emulator.inventory()["sagemaker:app_image_config"]


# --- CustomImages in settings ------------------------------------------------------------------------


def test_custom_images_must_exist_and_block_deletion(emulator, sm, name):
    image = name("ci")
    make_image(sm, image)
    uri, _ = push(emulator, name("repo"), "v1")
    sm.create_image_version(ImageName=image, BaseImage=uri)
    kernel_config, lab_config = name("kg"), name("lab")
    sm.create_app_image_config(AppImageConfigName=kernel_config, KernelGatewayImageConfig=KERNELS)
    sm.create_app_image_config(AppImageConfigName=lab_config, JupyterLabAppImageConfig=LAB)
    ec2 = emulator.client("ec2", REGION)
    vpc, subnets = studio_network(ec2, 1)
    base = {"AuthMode": "IAM", "SubnetIds": subnets, "VpcId": vpc, "HomeEfsFileSystemCreation": "Disabled"}
    entry = {"ImageName": image, "AppImageConfigName": kernel_config}

    for bad in (
        {"KernelGatewayAppSettings": {"CustomImages": [{**entry, "ImageName": name("nope")}]}},
        {"KernelGatewayAppSettings": {"CustomImages": [{**entry, "ImageVersionNumber": 9}]}},
        {"KernelGatewayAppSettings": {"CustomImages": [{**entry, "AppImageConfigName": name("nope")}]}},
        {"JupyterLabAppSettings": {"CustomImages": [entry]}},  # a KernelGateway app image config
    ):
        refused("ValidationException", sm.create_domain, DomainName=name("bad"), DefaultUserSettings=bad, **base)

    settings = {"KernelGatewayAppSettings": {"CustomImages": [{**entry, "ImageVersionNumber": 1}]},
                "JupyterLabAppSettings": {"CustomImages": [{"ImageName": image, "AppImageConfigName": lab_config}]}}
    domain_id = make_domain(emulator, sm, name("ci"), DefaultUserSettings=settings)
    assert sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"] == settings

    refused("ResourceInUse", sm.delete_image, ImageName=image)
    refused("ResourceInUse", sm.delete_image_version, ImageName=image, Version=1)
    message = refused("ResourceInUse", sm.delete_app_image_config, AppImageConfigName=kernel_config)
    assert domain_id in message and "KernelGatewayAppSettings.CustomImages" in message

    # A profile's settings count too.
    sm.create_user_profile(DomainId=domain_id, UserProfileName="u")
    refused("ValidationException", sm.update_user_profile, DomainId=domain_id, UserProfileName="u",
            UserSettings={"CodeEditorAppSettings": {"CustomImages": [{"ImageName": image, "AppImageConfigName": lab_config}]}})
    sm.update_user_profile(DomainId=domain_id, UserProfileName="u",
                           UserSettings={"JupyterLabAppSettings": {"CustomImages": [{"ImageName": image, "AppImageConfigName": lab_config}]}})
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={"KernelGatewayAppSettings": {"CustomImages": []},
                                                             "JupyterLabAppSettings": {"CustomImages": []}})
    sm.delete_image_version(ImageName=image, Version=1)  # no one names version 1 any more
    sm.delete_app_image_config(AppImageConfigName=kernel_config)
    refused("ResourceInUse", sm.delete_image, ImageName=image)  # the profile
    refused("ResourceInUse", sm.delete_app_image_config, AppImageConfigName=lab_config)
    sm.update_user_profile(DomainId=domain_id, UserProfileName="u", UserSettings={"JupyterLabAppSettings": {"CustomImages": []}})
    sm.delete_image(ImageName=image)
    sm.delete_app_image_config(AppImageConfigName=lab_config)
    # A DELETING image cannot be named any more.
    refused("ValidationException", sm.update_domain, DomainId=domain_id,
            DefaultUserSettings={"KernelGatewayAppSettings": {"CustomImages": [entry]}})
