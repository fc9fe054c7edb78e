"""SageMaker Studio's side effects and lifecycle (extensions/studio.py): what a teardown must clean up.

Every test runs with studio_delay_seconds = 0.05 (fast_studio) and polls; tests
that look at a Pending or Deleting status set a longer delay (slow_studio) so
that the status is still there when they look.
"""

import re
import time
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, status_of, studio_network, wait_for, wait_status

REGION = "us-west-2"
ROLE = "arn:aws:iam::123456789012:role/sagemaker-exec"
TAG = "ManagedByAmazonSageMakerResource"

pytestmark = pytest.mark.usefixtures("fast_studio")


@pytest.fixture
def aws(emulator: Emulator) -> SimpleNamespace:
    return SimpleNamespace(**{s: emulator.client(s, REGION) for s in ("sagemaker", "ec2", "efs", "kms")}, emu=emulator)


def create_domain(aws, name: str, wait: bool = True, subnets: int = 2, **kw) -> tuple[str, str, list[str]]:
    vpc, subnet_ids = studio_network(aws.ec2, subnets)
    domain_id = aws.sagemaker.create_domain(
        **{"DomainName": name, "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE}, "SubnetIds": subnet_ids, "VpcId": vpc, **kw}
    )["DomainId"]
    if wait:
        wait_status(lambda: describe_domain(aws, domain_id), "InService")
    return domain_id, vpc, subnet_ids


def slow_studio(aws, seconds: float = 0.3) -> None:
    """Long enough for a test's next few requests to see Pending/Deleting (fast_studio restores it)."""
    aws.emu.set_config(studio_delay_seconds=seconds)


def describe_domain(aws, domain_id: str) -> dict:
    return aws.sagemaker.describe_domain(DomainId=domain_id)


def nfs_groups(aws, domain_id: str) -> tuple[dict, dict]:
    """The inbound and outbound NFS groups SageMaker made for the domain."""
    found = {
        g["GroupName"]: g
        for g in aws.ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": [f"security-group-for-*-nfs-{domain_id}"]}]
        )["SecurityGroups"]
    }
    assert len(found) == 2, found.keys()
    return found[f"security-group-for-inbound-nfs-{domain_id}"], found[f"security-group-for-outbound-nfs-{domain_id}"]


def mount_targets(aws, fs_id: str) -> list[dict]:
    return aws.efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]


def file_system_exists(aws, fs_id: str) -> bool:
    return any(f["FileSystemId"] == fs_id for f in aws.efs.describe_file_systems()["FileSystems"])


def refused(code: str, call, **kw) -> ClientError:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value


def delete_domain_and_wait(aws, domain_id: str, **kw) -> None:
    aws.sagemaker.delete_domain(DomainId=domain_id, **kw)
    wait_status(lambda: describe_domain(aws, domain_id), "gone")


def nfs_rule(group_id: str) -> list[dict]:
    return [{"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": group_id}]}]


def delete_groups(aws, inbound: str, outbound: str) -> None:
    """The cleanup AWS needs: revoke the mutual NFS rules, then delete both groups."""
    aws.ec2.revoke_security_group_ingress(GroupId=inbound, IpPermissions=nfs_rule(outbound))
    aws.ec2.revoke_security_group_egress(GroupId=outbound, IpPermissions=nfs_rule(inbound))
    aws.ec2.delete_security_group(GroupId=inbound)
    aws.ec2.delete_security_group(GroupId=outbound)


# --- CreateDomain's side effects -------------------------------------------------------


def test_create_domain_makes_the_home_efs_its_mount_targets_and_the_nfs_groups(aws, name):
    key = aws.kms.create_key()["KeyMetadata"]
    domain_id, vpc, subnets = create_domain(aws, name("side"), KmsKeyId=key["KeyId"])
    assert re.fullmatch(r"d-[a-z0-9]{12}", domain_id)
    d = describe_domain(aws, domain_id)
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:domain/{domain_id}"
    assert d["DomainArn"] == arn and d["DomainId"] == domain_id and d["Status"] == "InService"
    assert d["Url"] == f"https://{domain_id}.studio.{REGION}.sagemaker.aws"
    assert (d["VpcId"], d["SubnetIds"], d["KmsKeyId"]) == (vpc, subnets, key["KeyId"])
    assert (d["AuthMode"], d["AppNetworkAccessType"]) == ("IAM", "PublicInternetOnly")
    assert d["DefaultUserSettings"] == {"ExecutionRole": ROLE}
    assert "SecurityGroupIdForDomainBoundary" not in d and "SingleSignOnManagedApplicationInstanceId" not in d

    # The home EFS: encrypted with the domain's key, tagged with the domain.
    fs_id = d["HomeEfsFileSystemId"]
    fs = aws.efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    assert fs["Encrypted"] and fs["KmsKeyId"] == key["Arn"]
    assert {"Key": TAG, "Value": arn} in fs["Tags"]

    # The NFS groups reference each other on TCP 2049, and have no other rules.
    inbound, outbound = nfs_groups(aws, domain_id)
    for group in (inbound, outbound):
        assert group["VpcId"] == vpc and group["Tags"] == [{"Key": TAG, "Value": arn}]
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]])
            for p in inbound["IpPermissions"]] == [("tcp", 2049, 2049, [outbound["GroupId"]])]
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]])
            for p in outbound["IpPermissionsEgress"]] == [("tcp", 2049, 2049, [inbound["GroupId"]])]
    assert inbound["IpPermissionsEgress"] == [] and outbound["IpPermissions"] == []

    # One mount target per subnet, in the inbound group, each with an interface in its subnet.
    targets = mount_targets(aws, fs_id)
    assert sorted(t["SubnetId"] for t in targets) == sorted(subnets)
    for t in targets:
        assert aws.efs.describe_mount_target_security_groups(MountTargetId=t["MountTargetId"])["SecurityGroups"] == [
            inbound["GroupId"]
        ]
        eni = aws.ec2.describe_network_interfaces(NetworkInterfaceIds=[t["NetworkInterfaceId"]])["NetworkInterfaces"][0]
        assert eni["SubnetId"] == t["SubnetId"] and [g["GroupId"] for g in eni["Groups"]] == [inbound["GroupId"]]

    inv = aws.emu.inventory()
    assert fs_id in inv["efs:file_system"]
    assert {t["MountTargetId"] for t in targets} <= set(inv["efs:mount_target"])
    assert {t["NetworkInterfaceId"] for t in targets} <= set(inv["ec2:network_interface"])
    assert {inbound["GroupId"], outbound["GroupId"]} <= set(inv["ec2:security_group"])
    assert domain_id in inv["sagemaker:domain"]


def test_without_a_key_the_home_efs_uses_the_aws_managed_key(aws, name):
    domain_id, _, _ = create_domain(aws, name("awskey"), subnets=1)
    fs = aws.efs.describe_file_systems(FileSystemId=describe_domain(aws, domain_id)["HomeEfsFileSystemId"])["FileSystems"][0]
    assert fs["Encrypted"]
    assert fs["KmsKeyId"] == aws.kms.describe_key(KeyId="alias/aws/elasticfilesystem")["KeyMetadata"]["Arn"]
    assert "KmsKeyId" not in describe_domain(aws, domain_id)
    # The AWS-managed key is not the account's: not in the inventory.
    assert fs["KmsKeyId"].split("/")[-1] not in aws.emu.inventory()["kms:key"]


def test_subnets_in_one_zone_share_one_mount_target(aws, name):
    vpc, (first,) = studio_network(aws.ec2, 1)
    zone = aws.ec2.describe_subnets(SubnetIds=[first])["Subnets"][0]["AvailabilityZone"]
    prefix = aws.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"].rsplit(".", 2)[0]
    second = aws.ec2.create_subnet(VpcId=vpc, CidrBlock=f"{prefix}.50.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
    domain_id = aws.sagemaker.create_domain(
        DomainName=name("onezone"), AuthMode="IAM", DefaultUserSettings={}, SubnetIds=[first, second], VpcId=vpc
    )["DomainId"]
    targets = mount_targets(aws, describe_domain(aws, domain_id)["HomeEfsFileSystemId"])
    assert [t["SubnetId"] for t in targets] == [first]  # EFS allows one per Availability Zone


def test_create_domain_checks_the_network_and_the_key(aws, name):
    vpc, subnets = studio_network(aws.ec2, 1)
    other_vpc, other_subnets = studio_network(aws.ec2, 1)
    before = aws.emu.inventory()
    base = {"AuthMode": "IAM", "DefaultUserSettings": {}}
    for kw in (
        {"VpcId": "vpc-0123456789abcdef0", "SubnetIds": subnets},
        {"VpcId": vpc, "SubnetIds": ["subnet-0123456789abcdef0"]},
        {"VpcId": vpc, "SubnetIds": other_subnets},
        {"VpcId": vpc, "SubnetIds": subnets, "KmsKeyId": "0b7e5a3c-0000-4000-8000-000000000000"},
        {"SubnetIds": subnets},
    ):
        refused("ValidationException", aws.sagemaker.create_domain, DomainName=name("bad"), **base, **kw)
    after = aws.emu.inventory()
    for kind in ("sagemaker:domain", "efs:file_system", "ec2:security_group", "ec2:network_interface"):
        assert after[kind] == before[kind], kind


def test_home_efs_creation_disabled_makes_nothing_until_enabled(aws, name):
    domain_id, vpc, subnets = create_domain(aws, name("noefs"), HomeEfsFileSystemCreation="Disabled")
    d = describe_domain(aws, domain_id)
    assert "HomeEfsFileSystemId" not in d and d["HomeEfsFileSystemCreation"] == "Disabled"
    assert aws.ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"security-group-for-*-nfs-{domain_id}"]}]
    )["SecurityGroups"] == []

    aws.sagemaker.update_domain(DomainId=domain_id, HomeEfsFileSystemCreation="Enabled")
    fs_id = describe_domain(aws, domain_id)["HomeEfsFileSystemId"]
    assert sorted(t["SubnetId"] for t in mount_targets(aws, fs_id)) == sorted(subnets)
    nfs_groups(aws, domain_id)


# --- timeline -------------------------------------------------------------------------


def test_domain_is_pending_then_in_service_and_deleting_then_gone(aws, name):
    slow_studio(aws, 0.4)
    started = time.monotonic()
    domain_id, _, _ = create_domain(aws, name("time"), wait=False, subnets=1)
    assert describe_domain(aws, domain_id)["Status"] == "Pending"
    listed = [d for d in aws.sagemaker.list_domains()["Domains"] if d["DomainId"] == domain_id]
    assert [d["Status"] for d in listed] == ["Pending"]
    # Nothing can be created in a domain that is not InService yet.
    refused("ResourceInUse", aws.sagemaker.create_user_profile, DomainId=domain_id, UserProfileName="early")
    refused("ResourceInUse", aws.sagemaker.create_space, DomainId=domain_id, SpaceName="early")
    wait_status(lambda: describe_domain(aws, domain_id), "InService")
    assert time.monotonic() - started >= 0.4

    started = time.monotonic()
    aws.sagemaker.delete_domain(DomainId=domain_id)
    assert describe_domain(aws, domain_id)["Status"] == "Deleting"
    aws.sagemaker.delete_domain(DomainId=domain_id)  # again while Deleting: accepted, changes nothing
    refused("ResourceInUse", aws.sagemaker.update_domain, DomainId=domain_id, DefaultUserSettings={})
    assert domain_id in aws.emu.inventory()["sagemaker:domain"]
    wait_status(lambda: describe_domain(aws, domain_id), "gone")
    assert time.monotonic() - started >= 0.4
    refused("ResourceNotFound", describe_domain, aws=aws, domain_id=domain_id)
    refused("ResourceNotFound", aws.sagemaker.delete_domain, DomainId=domain_id)
    assert domain_id not in [d["DomainId"] for d in aws.sagemaker.list_domains()["Domains"]]
    assert domain_id not in aws.emu.inventory()["sagemaker:domain"]


# --- teardown -------------------------------------------------------------------------


def test_retain_leaves_efs_and_groups_and_the_vpc_needs_them_cleaned_up_first(aws, name):
    domain_id, vpc, subnets = create_domain(aws, name("retain"))
    fs_id = describe_domain(aws, domain_id)["HomeEfsFileSystemId"]
    inbound, outbound = (g["GroupId"] for g in nfs_groups(aws, domain_id))
    delete_domain_and_wait(aws, domain_id)  # RetentionPolicy defaults to Retain

    # Everything SageMaker made is still there...
    targets = mount_targets(aws, fs_id)
    assert len(targets) == 2 and file_system_exists(aws, fs_id)
    nfs_groups(aws, domain_id)
    # ...and blocks the network's teardown as on AWS.
    for subnet in subnets:
        refused("DependencyViolation", aws.ec2.delete_subnet, SubnetId=subnet)
    for group in (inbound, outbound):
        refused("DependencyViolation", aws.ec2.delete_security_group, GroupId=group)
    refused("DependencyViolation", aws.ec2.delete_vpc, VpcId=vpc)
    refused("FileSystemInUse", aws.efs.delete_file_system, FileSystemId=fs_id)

    for t in targets:
        aws.efs.delete_mount_target(MountTargetId=t["MountTargetId"])
    wait_for(lambda: not mount_targets(aws, fs_id), what="mount targets gone")
    aws.efs.delete_file_system(FileSystemId=fs_id)
    for subnet in subnets:
        aws.ec2.delete_subnet(SubnetId=subnet)
    # No interface uses the groups any more, but each one's rule references the other.
    for group in (inbound, outbound):
        refused("DependencyViolation", aws.ec2.delete_security_group, GroupId=group)
    refused("DependencyViolation", aws.ec2.delete_vpc, VpcId=vpc)
    delete_groups(aws, inbound, outbound)
    aws.ec2.delete_vpc(VpcId=vpc)

    inv = aws.emu.inventory()
    assert fs_id not in inv["efs:file_system"] and vpc not in inv["ec2:vpc"]
    assert not {t["MountTargetId"] for t in targets} & set(inv["efs:mount_target"])
    assert not {t["NetworkInterfaceId"] for t in targets} & set(inv["ec2:network_interface"])
    assert not {inbound, outbound} & set(inv["ec2:security_group"])


def test_retention_delete_removes_the_efs_when_the_domain_goes_but_leaves_the_groups(aws, name):
    slow_studio(aws)
    domain_id, vpc, subnets = create_domain(aws, name("delete"))
    fs_id = describe_domain(aws, domain_id)["HomeEfsFileSystemId"]
    targets = mount_targets(aws, fs_id)
    inbound, outbound = (g["GroupId"] for g in nfs_groups(aws, domain_id))

    aws.sagemaker.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    # While the domain is Deleting its EFS is still there: a teardown must wait for the domain.
    assert describe_domain(aws, domain_id)["Status"] == "Deleting"
    assert len(mount_targets(aws, fs_id)) == 2
    refused("DependencyViolation", aws.ec2.delete_subnet, SubnetId=subnets[0])
    wait_status(lambda: describe_domain(aws, domain_id), "gone")

    assert not file_system_exists(aws, fs_id)
    inv = aws.emu.inventory()
    assert not {t["MountTargetId"] for t in targets} & set(inv["efs:mount_target"])
    assert not {t["NetworkInterfaceId"] for t in targets} & set(inv["ec2:network_interface"])
    assert {inbound, outbound} <= set(inv["ec2:security_group"])  # as on AWS, the groups stay
    for subnet in subnets:
        aws.ec2.delete_subnet(SubnetId=subnet)
    refused("DependencyViolation", aws.ec2.delete_vpc, VpcId=vpc)
    delete_groups(aws, inbound, outbound)
    aws.ec2.delete_vpc(VpcId=vpc)


def test_delete_domain_refused_while_profiles_or_spaces_exist(aws, name):
    sm = aws.sagemaker
    slow_studio(aws)
    domain_id, _, _ = create_domain(aws, name("inuse"), subnets=1)
    refused("ValidationException", sm.delete_domain, DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Keep"})
    sm.create_user_profile(DomainId=domain_id, UserProfileName="u")
    refused("ResourceInUse", sm.delete_domain, DomainId=domain_id)
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="u")
    refused("ResourceInUse", sm.delete_domain, DomainId=domain_id)  # the profile is still Deleting
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="u"), "gone")
    sm.create_space(DomainId=domain_id, SpaceName="s")
    refused("ResourceInUse", sm.delete_domain, DomainId=domain_id)
    sm.delete_space(DomainId=domain_id, SpaceName="s")
    wait_status(lambda: sm.describe_space(DomainId=domain_id, SpaceName="s"), "gone")
    delete_domain_and_wait(aws, domain_id)


# --- user profiles --------------------------------------------------------------------


def test_user_profile_statuses_and_what_blocks_its_deletion(aws, name):
    sm = aws.sagemaker
    slow_studio(aws)
    domain_id, _, _ = create_domain(aws, name("prof"), subnets=1)
    arn = sm.create_user_profile(
        DomainId=domain_id, UserProfileName="alice", Tags=[{"Key": "team", "Value": "ml"}]
    )["UserProfileArn"]
    profile = lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")  # noqa: E731
    assert status_of(profile) == "Pending"
    refused("ResourceInUse", sm.create_app, DomainId=domain_id, UserProfileName="alice", AppType="JupyterServer", AppName="default")
    wait_status(profile, "InService")
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "cost", "Value": "1"}])
    assert len(sm.list_tags(ResourceArn=arn)["Tags"]) == 2

    app = {"DomainId": domain_id, "UserProfileName": "alice", "AppType": "JupyterServer", "AppName": "default"}
    sm.create_app(**app)
    refused("ResourceInUse", sm.delete_user_profile, DomainId=domain_id, UserProfileName="alice")  # app Pending
    wait_status(lambda: sm.describe_app(**app), "InService")
    refused("ResourceInUse", sm.delete_user_profile, DomainId=domain_id, UserProfileName="alice")
    sm.delete_app(**app)
    refused("ResourceInUse", sm.delete_user_profile, DomainId=domain_id, UserProfileName="alice")  # app Deleting
    wait_status(lambda: sm.describe_app(**app), "Deleted")

    # A space the profile owns blocks it too.
    sm.create_space(DomainId=domain_id, SpaceName="mine", OwnershipSettings={"OwnerUserProfileName": "alice"},
                    SpaceSharingSettings={"SharingType": "Private"})
    refused("ResourceInUse", sm.delete_user_profile, DomainId=domain_id, UserProfileName="alice")
    sm.delete_space(DomainId=domain_id, SpaceName="mine")
    wait_status(lambda: sm.describe_space(DomainId=domain_id, SpaceName="mine"), "gone")

    sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert status_of(profile) == "Deleting"
    listed = sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]
    assert [(p["UserProfileName"], p["Status"]) for p in listed] == [("alice", "Deleting")]
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")  # again while Deleting: fine
    wait_status(profile, "gone")
    assert sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"] == []
    # Its deleted apps went with it.
    assert sm.list_apps(DomainIdEquals=domain_id)["Apps"] == []
    assert f"{domain_id}/alice" not in aws.emu.inventory()["sagemaker:user_profile"]


# --- apps -----------------------------------------------------------------------------


def test_app_lifecycle(aws, name):
    sm = aws.sagemaker
    slow_studio(aws)
    domain_id, _, _ = create_domain(aws, name("app"), subnets=1)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="bob")
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="bob"), "InService")
    app = {"DomainId": domain_id, "UserProfileName": "bob", "AppType": "KernelGateway", "AppName": "datascience"}

    arn = sm.create_app(**app, ResourceSpec={"InstanceType": "ml.t3.medium"}, Tags=[{"Key": "k", "Value": "v"}])["AppArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:123456789012:app/{domain_id}/bob/kernelgateway/datascience"
    refused("ResourceInUse", sm.create_app, **app)  # exists
    described = sm.describe_app(**app)
    assert described["AppArn"] == arn and described["Status"] == "Pending"
    assert described["ResourceSpec"] == {"InstanceType": "ml.t3.medium"} and "SpaceName" not in described
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    assert f"{domain_id}/bob/KernelGateway/datascience" in aws.emu.inventory()["sagemaker:app"]
    wait_status(lambda: sm.describe_app(**app), "InService")

    sm.delete_app(**app)
    assert sm.describe_app(**app)["Status"] == "Deleting"
    sm.delete_app(**app)  # again while Deleting: fine
    wait_status(lambda: sm.describe_app(**app), "Deleted")
    # Still listed, as on AWS; deleting it again is the ValidationException clients match on.
    assert [a["Status"] for a in sm.list_apps(DomainIdEquals=domain_id)["Apps"]] == ["Deleted"]
    err = refused("ValidationException", sm.delete_app, **app)
    assert "has already been deleted" in err.response["Error"]["Message"]
    assert f"{domain_id}/bob/KernelGateway/datascience" not in aws.emu.inventory()["sagemaker:app"]
    # The name can be used again.
    sm.create_app(**app)
    assert [a["Status"] for a in sm.list_apps(DomainIdEquals=domain_id)["Apps"]] == ["Pending"]


def test_app_errors(aws, name):
    sm = aws.sagemaker
    domain_id, _, _ = create_domain(aws, name("apperr"), subnets=1)
    base = {"DomainId": domain_id, "AppType": "JupyterServer", "AppName": "default"}
    refused("ValidationException", sm.create_app, **base)  # neither a profile nor a space
    refused("ValidationException", sm.create_app, **base, UserProfileName="u", SpaceName="s")
    refused("ValidationException", sm.create_app, **{**base, "AppType": "Notebook"}, UserProfileName="u")
    refused("ResourceNotFound", sm.create_app, **base, UserProfileName="nobody")
    refused("ResourceNotFound", sm.create_app, **base, SpaceName="nowhere")
    refused("ResourceNotFound", sm.create_app, **{**base, "DomainId": "d-000000000000"}, UserProfileName="u")
    refused("ResourceNotFound", sm.describe_app, **base, UserProfileName="nobody")
    refused("ResourceNotFound", sm.delete_app, **base, UserProfileName="nobody")
    refused("ValidationException", sm.list_apps, UserProfileNameEquals="u", SpaceNameEquals="s")


def test_list_apps_filters_sorts_and_pages(aws, name):
    sm = aws.sagemaker
    domain_id, _, _ = create_domain(aws, name("lapps"), subnets=1)
    other_id, _, _ = create_domain(aws, name("lapps2"), subnets=1)
    for d in (domain_id, other_id):
        sm.create_user_profile(DomainId=d, UserProfileName="u")
        sm.create_space(DomainId=d, SpaceName="s")
    for d in (domain_id, other_id):
        wait_status(lambda d=d: sm.describe_user_profile(DomainId=d, UserProfileName="u"), "InService")
        wait_status(lambda d=d: sm.describe_space(DomainId=d, SpaceName="s"), "InService")
    for i in range(3):
        sm.create_app(DomainId=domain_id, UserProfileName="u", AppType="KernelGateway", AppName=f"k{i}")
    sm.create_app(DomainId=domain_id, SpaceName="s", AppType="JupyterLab", AppName="default")
    sm.create_app(DomainId=other_id, UserProfileName="u", AppType="JupyterServer", AppName="default")

    names = lambda apps: [a["AppName"] for a in apps]  # noqa: E731
    assert names(sm.list_apps(DomainIdEquals=domain_id)["Apps"]) == ["k0", "k1", "k2", "default"]
    assert names(sm.list_apps(DomainIdEquals=domain_id, UserProfileNameEquals="u")["Apps"]) == ["k0", "k1", "k2"]
    spaced = sm.list_apps(DomainIdEquals=domain_id, SpaceNameEquals="s")["Apps"]
    assert [(a["SpaceName"], a["AppType"], a["AppName"]) for a in spaced] == [("s", "JupyterLab", "default")]
    assert "UserProfileName" not in spaced[0]
    assert names(sm.list_apps(DomainIdEquals=domain_id, SortOrder="Descending")["Apps"]) == ["default", "k2", "k1", "k0"]
    first = sm.list_apps(DomainIdEquals=domain_id, MaxResults=3)
    assert names(first["Apps"]) == ["k0", "k1", "k2"] and first["NextToken"]
    assert names(sm.list_apps(DomainIdEquals=domain_id, MaxResults=3, NextToken=first["NextToken"])["Apps"]) == ["default"]
    paged = [a["AppName"] for page in sm.get_paginator("list_apps").paginate(
        DomainIdEquals=domain_id, PaginationConfig={"PageSize": 2}) for a in page["Apps"]]
    assert paged == ["k0", "k1", "k2", "default"]
    assert set(sm.list_apps(DomainIdEquals=domain_id)["Apps"][0]) == {
        "DomainId", "UserProfileName", "AppType", "AppName", "Status", "CreationTime"
    }


# --- spaces ---------------------------------------------------------------------------


def test_space_lifecycle_and_refusals(aws, name):
    sm = aws.sagemaker
    slow_studio(aws)
    domain_id, _, _ = create_domain(aws, name("space"), subnets=1)
    refused("ResourceNotFound", sm.create_space, DomainId=domain_id, SpaceName="x",
            OwnershipSettings={"OwnerUserProfileName": "nobody"})
    arn = sm.create_space(DomainId=domain_id, SpaceName="team", SpaceDisplayName="Team",
                          SpaceSettings={"AppType": "JupyterLab"}, Tags=[{"Key": "a", "Value": "b"}])["SpaceArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:123456789012:space/{domain_id}/team"
    refused("ResourceInUse", sm.create_space, DomainId=domain_id, SpaceName="team")
    space = lambda: sm.describe_space(DomainId=domain_id, SpaceName="team")  # noqa: E731
    described = space()
    assert described["Status"] == "Pending" and described["SpaceArn"] == arn
    assert described["SpaceDisplayName"] == "Team" and described["HomeEfsFileSystemUid"].isdigit()
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "b"}]
    assert f"{domain_id}/team" in aws.emu.inventory()["sagemaker:space"]
    app = {"DomainId": domain_id, "SpaceName": "team", "AppType": "JupyterLab", "AppName": "default"}
    refused("ResourceInUse", sm.create_app, **app)  # the space is still Pending
    wait_status(space, "InService")

    sm.create_app(**app)
    refused("ResourceInUse", sm.delete_space, DomainId=domain_id, SpaceName="team")
    sm.delete_app(**app)
    refused("ResourceInUse", sm.delete_space, DomainId=domain_id, SpaceName="team")  # app Deleting
    wait_status(lambda: sm.describe_app(**app), "Deleted")
    sm.delete_space(DomainId=domain_id, SpaceName="team")
    listed = sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]
    assert [(s["SpaceName"], s["Status"], s["SpaceSettingsSummary"]) for s in listed] == [
        ("team", "Deleting", {"AppType": "JupyterLab"})
    ]
    wait_status(space, "gone")
    assert sm.list_spaces(DomainIdEquals=domain_id)["Spaces"] == []
    assert f"{domain_id}/team" not in aws.emu.inventory()["sagemaker:space"]
    refused("ResourceNotFound", sm.delete_space, DomainId=domain_id, SpaceName="team")


def test_list_spaces_filters_and_pages(aws, name):
    sm = aws.sagemaker
    domain_id, _, _ = create_domain(aws, name("lsp"), subnets=1)
    for i in range(12):
        sm.create_space(DomainId=domain_id, SpaceName=f"space-{i:02d}")
    first = sm.list_spaces(DomainIdEquals=domain_id)
    assert len(first["Spaces"]) == 10
    rest = sm.list_spaces(DomainIdEquals=domain_id, NextToken=first["NextToken"])
    assert [s["SpaceName"] for s in first["Spaces"] + rest["Spaces"]] == [f"space-{i:02d}" for i in range(12)]
    assert [s["SpaceName"] for s in sm.list_spaces(DomainIdEquals=domain_id, SpaceNameContains="e-1")["Spaces"]] == [
        "space-10", "space-11"
    ]
    desc = sm.list_spaces(DomainIdEquals=domain_id, SortOrder="Descending", MaxResults=2)["Spaces"]
    assert [s["SpaceName"] for s in desc] == ["space-11", "space-10"]


# --- UpdateDomain ---------------------------------------------------------------------


def test_update_domain_network_access_settings_and_subnets(aws, name):
    sm = aws.sagemaker
    slow_studio(aws)
    domain_id, vpc, subnets = create_domain(aws, name("upd"), subnets=1)
    fs_id = describe_domain(aws, domain_id)["HomeEfsFileSystemId"]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="u")
    wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="u"), "InService")
    app = {"DomainId": domain_id, "UserProfileName": "u", "AppType": "JupyterServer", "AppName": "default"}
    sm.create_app(**app)

    # While an app runs: the access type cannot change (sending the current one is fine)...
    refused("ResourceInUse", sm.update_domain, DomainId=domain_id, AppNetworkAccessType="VpcOnly")
    sm.update_domain(DomainId=domain_id, AppNetworkAccessType="PublicInternetOnly")
    # ...nor the execution role's source identity...
    audited = {"ExecutionRoleIdentityConfig": "USER_PROFILE_NAME"}
    refused("ValidationException", sm.update_domain, DomainId=domain_id, DomainSettingsForUpdate=audited)
    # ...nor can subnets be removed; settings can change, and subnets be added.
    zones = [z["ZoneName"] for z in aws.ec2.describe_availability_zones()["AvailabilityZones"]]
    used = aws.ec2.describe_subnets(SubnetIds=subnets)["Subnets"][0]["AvailabilityZone"]
    prefix = aws.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"].rsplit(".", 2)[0]
    added = aws.ec2.create_subnet(VpcId=vpc, CidrBlock=f"{prefix}.60.0/24",
                                  AvailabilityZone=next(z for z in zones if z != used))["Subnet"]["SubnetId"]
    refused("ResourceInUse", sm.update_domain, DomainId=domain_id, SubnetIds=[added])
    refused("ValidationException", sm.update_domain, DomainId=domain_id, SubnetIds=[*subnets, "subnet-0123456789abcdef0"])
    sm.update_domain(DomainId=domain_id, SubnetIds=[*subnets, added],
                     DefaultUserSettings={"SecurityGroups": ["sg-0123456789abcdef0"]})
    d = describe_domain(aws, domain_id)
    assert d["SubnetIds"] == [*subnets, added]
    assert d["DefaultUserSettings"] == {"ExecutionRole": ROLE, "SecurityGroups": ["sg-0123456789abcdef0"]}
    assert sorted(t["SubnetId"] for t in mount_targets(aws, fs_id)) == sorted([*subnets, added])

    sm.delete_app(**app)
    refused("ResourceInUse", sm.update_domain, DomainId=domain_id, AppNetworkAccessType="VpcOnly")  # Deleting
    wait_status(lambda: sm.describe_app(**app), "Deleted")
    sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly", DomainSettingsForUpdate=audited)
    d = describe_domain(aws, domain_id)
    assert d["AppNetworkAccessType"] == "VpcOnly"
    assert d["DomainSettings"]["ExecutionRoleIdentityConfig"] == "USER_PROFILE_NAME"


# --- IAM Identity Center (SSO) domains ---------------------------------------------------


def test_sso_domains_need_the_users_identity_and_iam_domains_refuse_it(aws, name):
    sso, _, _ = create_domain(aws, name("sso"), AuthMode="SSO", HomeEfsFileSystemCreation="Disabled")
    iam, _, _ = create_domain(aws, name("iam"), HomeEfsFileSystemCreation="Disabled")
    sm = aws.sagemaker

    for missing in ({}, {"SingleSignOnUserIdentifier": "UserName"}, {"SingleSignOnUserValue": "maria"}):
        err = refused("ValidationException", sm.create_user_profile, DomainId=sso, UserProfileName="maria", **missing)
        assert "SingleSignOnUserIdentifier and SingleSignOnUserValue are required" in err.response["Error"]["Message"]
    err = refused(
        "ValidationException", sm.create_user_profile, DomainId=sso, UserProfileName="maria",
        SingleSignOnUserIdentifier="Email", SingleSignOnUserValue="maria@example.com",
    )
    assert "singleSignOnUserIdentifier" in err.response["Error"]["Message"]
    assert sm.list_user_profiles(DomainIdEquals=sso)["UserProfiles"] == []

    sm.create_user_profile(DomainId=sso, UserProfileName="maria", SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue="maria")
    profile = sm.describe_user_profile(DomainId=sso, UserProfileName="maria")
    assert (profile["SingleSignOnUserIdentifier"], profile["SingleSignOnUserValue"]) == ("UserName", "maria")

    err = refused(
        "ValidationException", sm.create_user_profile, DomainId=iam, UserProfileName="lead",
        SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue="lead",
    )
    assert "cannot be specified" in err.response["Error"]["Message"]
    sm.create_user_profile(DomainId=iam, UserProfileName="lead")
