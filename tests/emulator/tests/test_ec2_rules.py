"""EC2 deletion rules: each refusal (DependencyViolation), and each path that works after cleanup."""

import itertools

import pytest
from botocore.exceptions import ClientError

REGION = "eu-central-1"
_cidrs = itertools.count(1)


@pytest.fixture
def ec2(emulator):
    return emulator.client("ec2", REGION)


@pytest.fixture
def vpc(ec2):
    """A fresh VPC with a /16 of its own; tests delete it themselves."""
    n = next(_cidrs)
    vpc_id = ec2.create_vpc(CidrBlock=f"10.{100 + n}.0.0/16")["Vpc"]["VpcId"]
    return vpc_id, f"10.{100 + n}"


def refused(call, *args, message: str | None = None, **kw) -> None:
    with pytest.raises(ClientError) as exc:
        call(*args, **kw)
    err = exc.value.response
    assert err["Error"]["Code"] == "DependencyViolation", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    if message is not None:
        assert err["Error"]["Message"] == message


def subnet_in(ec2, vpc) -> str:
    vpc_id, prefix = vpc
    n = next(_cidrs) % 250
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix}.{n}.0/24")["Subnet"]["SubnetId"]


# --- DeleteSubnet ------------------------------------------------------------------


def test_delete_subnet_refused_while_an_eni_is_in_it(ec2, vpc):
    subnet = subnet_in(ec2, vpc)
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    refused(
        ec2.delete_subnet, SubnetId=subnet, message=f"The subnet '{subnet}' has dependencies and cannot be deleted."
    )
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc[0])


def test_delete_subnet_refused_while_an_efs_mount_target_is_in_it(emulator, ec2, vpc):
    efs = emulator.client("efs", REGION)
    subnet = subnet_in(ec2, vpc)
    fs = efs.create_file_system(CreationToken=f"rules-{subnet}")["FileSystemId"]
    mt = efs.create_mount_target(FileSystemId=fs, SubnetId=subnet)["MountTargetId"]
    refused(ec2.delete_subnet, SubnetId=subnet)
    efs.delete_mount_target(MountTargetId=mt)  # takes its interface with it
    ec2.delete_subnet(SubnetId=subnet)
    efs.delete_file_system(FileSystemId=fs)
    ec2.delete_vpc(VpcId=vpc[0])


# --- DeleteSecurityGroup -------------------------------------------------------------


def test_delete_security_group_refused_while_an_eni_uses_it(ec2, vpc):
    subnet = subnet_in(ec2, vpc)
    sg = ec2.create_security_group(GroupName="eni-user", Description="d", VpcId=vpc[0])["GroupId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[sg])["NetworkInterface"]["NetworkInterfaceId"]
    refused(ec2.delete_security_group, GroupId=sg, message=f"resource {sg} has a dependent object")
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc[0])


def test_delete_security_group_refused_while_another_groups_rule_references_it(ec2, vpc):
    target = ec2.create_security_group(GroupName="target", Description="d", VpcId=vpc[0])["GroupId"]
    other = ec2.create_security_group(GroupName="other", Description="d", VpcId=vpc[0])["GroupId"]
    permission = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": target}]}
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[permission])
    refused(ec2.delete_security_group, GroupId=target)
    ec2.revoke_security_group_ingress(GroupId=other, IpPermissions=[permission])

    ec2.authorize_security_group_egress(GroupId=other, IpPermissions=[permission])
    refused(ec2.delete_security_group, GroupId=target)
    ec2.revoke_security_group_egress(GroupId=other, IpPermissions=[permission])

    ec2.delete_security_group(GroupId=target)
    ec2.delete_security_group(GroupId=other)
    ec2.delete_vpc(VpcId=vpc[0])


def test_a_self_referencing_group_can_be_deleted(ec2, vpc):
    sg = ec2.create_security_group(GroupName="self", Description="d", VpcId=vpc[0])["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}]
    )
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_vpc(VpcId=vpc[0])


def test_interface_endpoint_enis_carry_its_groups_and_go_with_it(ec2, vpc):
    subnet = subnet_in(ec2, vpc)
    sg = ec2.create_security_group(GroupName="vpce", Description="d", VpcId=vpc[0])["GroupId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc[0], VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{REGION}.sagemaker.api",
        SubnetIds=[subnet], SecurityGroupIds=[sg],
    )["VpcEndpoint"]
    (eni_id,) = endpoint["NetworkInterfaceIds"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in eni["Groups"]] == [sg]

    refused(ec2.delete_security_group, GroupId=sg)
    refused(ec2.delete_subnet, SubnetId=subnet)
    refused(ec2.delete_vpc, VpcId=vpc[0])
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    remaining = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])
    assert remaining["NetworkInterfaces"] == []
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc[0])


# --- DeleteVpc -------------------------------------------------------------------------


def test_delete_vpc_refused_while_a_subnet_remains(ec2, vpc):
    subnet = subnet_in(ec2, vpc)
    refused(ec2.delete_vpc, VpcId=vpc[0], message=f"The vpc '{vpc[0]}' has dependencies and cannot be deleted.")
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc[0])


def test_delete_vpc_refused_while_a_non_default_security_group_remains(ec2, vpc):
    sg = ec2.create_security_group(GroupName="left", Description="d", VpcId=vpc[0])["GroupId"]
    refused(ec2.delete_vpc, VpcId=vpc[0], message=f"The vpc '{vpc[0]}' has dependencies and cannot be deleted.")
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_vpc(VpcId=vpc[0])  # the default group goes with the VPC


def test_delete_vpc_refused_while_an_internet_gateway_is_attached(ec2, vpc):
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc[0])
    refused(ec2.delete_vpc, VpcId=vpc[0])
    refused(ec2.delete_internet_gateway, InternetGatewayId=igw)  # moto's own rule
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc[0])
    ec2.delete_vpc(VpcId=vpc[0])
    ec2.delete_internet_gateway(InternetGatewayId=igw)


def test_delete_vpc_refused_while_a_gateway_endpoint_remains(ec2, vpc):
    # No VpcEndpointType: a Gateway endpoint, as on AWS.
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc[0], ServiceName=f"com.amazonaws.{REGION}.s3")["VpcEndpoint"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    refused(ec2.delete_vpc, VpcId=vpc[0])
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    ec2.delete_vpc(VpcId=vpc[0])


def test_delete_vpc_refused_while_an_eni_remains(ec2, vpc):
    subnet = subnet_in(ec2, vpc)
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    refused(ec2.delete_vpc, VpcId=vpc[0])
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc[0])


def test_delete_vpc_of_unknown_id_is_still_not_found(ec2):
    with pytest.raises(ClientError) as exc:
        ec2.delete_vpc(VpcId="vpc-0123456789abcdef0")
    assert exc.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"


# --- NAT gateways and DetachInternetGateway ----------------------------------------------


def test_nat_gateway_blocks_subnet_vpc_and_igw_detach_until_deleted(ec2, vpc):
    vpc_id = vpc[0]
    subnet = subnet_in(ec2, vpc)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]

    refused(
        ec2.detach_internet_gateway, InternetGatewayId=igw, VpcId=vpc_id,
        message=f"Network {vpc_id} has some mapped public address(es). "
        "Please unmap those public address(es) before detaching the gateway.",
    )
    refused(ec2.delete_subnet, SubnetId=subnet)  # the NAT gateway's interface
    refused(ec2.delete_vpc, VpcId=vpc_id)

    ec2.delete_nat_gateway(NatGatewayId=nat)
    # Deleting frees the gateway's interface and Elastic IP, as on AWS.
    assert ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NetworkInterfaces"] == []
    address = ec2.describe_addresses(AllocationIds=[eip])["Addresses"][0]
    assert "AssociationId" not in address
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    ec2.release_address(AllocationId=eip)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc_id)


def test_detach_refused_while_an_eip_is_associated_with_an_eni(ec2, vpc):
    vpc_id = vpc[0]
    subnet = subnet_in(ec2, vpc)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    assoc = ec2.associate_address(AllocationId=eip, NetworkInterfaceId=eni)["AssociationId"]
    refused(ec2.detach_internet_gateway, InternetGatewayId=igw, VpcId=vpc_id)
    ec2.disassociate_address(AssociationId=assoc)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    ec2.release_address(AllocationId=eip)
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc_id)


def test_release_refused_while_the_address_is_associated(ec2, vpc):
    vpc_id = vpc[0]
    subnet = subnet_in(ec2, vpc)
    eip = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
    with pytest.raises(ClientError) as exc:
        ec2.release_address(AllocationId=eip["AllocationId"])
    err = exc.value.response
    assert err["Error"]["Code"] == "InvalidIPAddress.InUse", err
    assert err["Error"]["Message"] == f"Address {eip['PublicIp']} is in use."
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    # The NAT gateway keeps its address.
    address = ec2.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]
    assert "AssociationId" in address
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.release_address(AllocationId=eip["AllocationId"])
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc_id)


def test_unknown_nat_gateway_is_not_found(ec2):
    for call in (
        lambda: ec2.describe_nat_gateways(NatGatewayIds=["nat-0123456789abcdef0"]),
        lambda: ec2.delete_nat_gateway(NatGatewayId="nat-0123456789abcdef0"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        err = exc.value.response
        assert err["Error"]["Code"] == "NatGatewayNotFound", err
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_detach_not_attached_is_still_moto_error(ec2, vpc):
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    with pytest.raises(ClientError) as exc:
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc[0])
    assert exc.value.response["Error"]["Code"] == "Gateway.NotAttached"
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    ec2.delete_vpc(VpcId=vpc[0])


def test_dependency_violation_is_ec2_xml(emulator, ec2, vpc):
    """The raw answer: EC2's <Response><Errors><Error> document with HTTP 400."""
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    subnet = subnet_in(ec2, vpc)
    body = f"Action=DeleteVpc&Version=2016-11-15&VpcId={vpc[0]}"
    request = AWSRequest(method="POST", url=emulator.url + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("testing", "testing"), "ec2", REGION).add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, data=body.encode(), headers=dict(prepared.headers), method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=30)
    assert exc.value.code == 400
    xml = exc.value.read().decode()
    assert "<Errors><Error><Code>DependencyViolation</Code>" in xml.replace("\n", "").replace(" ", "")
    assert f"The vpc '{vpc[0]}' has dependencies and cannot be deleted." in xml
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc[0])
