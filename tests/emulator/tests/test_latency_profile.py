"""The "aws" latency profile: resources take AWS's (scaled) time to settle, calls take time,
new roles are not assumable at once; GET /_emulator/latency-profile says the numbers."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, free_port, run_script, studio_network, wait_for

# AWS seconds: the middle of each range in extensions/latency_profile.py.
MIDDLE = {
    "sagemaker:domain:create": 390.0,
    "sagemaker:domain:delete": 240.0,
    "sagemaker:user_profile:create": 60.0,
    "ec2:nat_gateway:create": 120.0,
    "ec2:nat_gateway:delete": 120.0,
    "ec2:vpc_endpoint:create": 180.0,
    "ec2:vpc_endpoint:delete": 90.0,
    "efs:mount_target:delete": 60.0,
    "iam:role:propagation": 8.0,
}
SCALE = 0.005  # NAT gateway 0.6 s, interface endpoint 0.9 s, mount target 0.3 s, role 0.04 s


@pytest.fixture
def aws_profile(emulator: Emulator) -> Iterator[dict]:
    """The "aws" profile at SCALE, no per-call latency, for one test; "none" again after it."""
    emulator.set_config(latency_profile="aws", latency_scale=SCALE, call_latency_scale=0, latency_seed=None)
    yield emulator.http("GET", "/_emulator/latency-profile")[1]
    emulator.set_config(latency_profile="none", latency_scale=0.01, call_latency_scale=None, latency_seed=None)


def nat_state(ec2, nat_id: str) -> str:
    return ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"]


def public_subnet(ec2, cidr: str) -> tuple[str, str, str]:
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.0.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return vpc, subnet, igw


def test_without_the_profile_everything_is_as_before(emulator: Emulator):
    status, doc = emulator.http("GET", "/_emulator/latency-profile")
    assert status == 200 and doc["profile"] == "none" and doc["call_latency_ms"] == [0.0, 0.0]
    studio = emulator.http("GET", "/_emulator/config")[1]["studio_delay_seconds"]
    for kind, seconds in doc["settle_seconds"].items():
        if kind.startswith("sagemaker:"):
            assert seconds == studio, kind
        elif not kind.startswith("servicecatalog:"):
            assert seconds == 0.0, kind
    ec2 = emulator.client("ec2")
    vpc, subnet, _ = public_subnet(ec2, "10.201")
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    assert nat_state(ec2, nat) == "available"


def test_the_route_says_the_numbers_the_emulator_uses(emulator: Emulator, aws_profile: dict):
    assert aws_profile["profile"] == "aws" and aws_profile["scale"] == SCALE
    assert aws_profile["call_latency_ms"] == [0.0, 0.0]  # call_latency_scale 0
    for kind, aws_seconds in MIDDLE.items():
        assert aws_profile["settle_seconds"][kind] == pytest.approx(aws_seconds * SCALE), kind
        assert aws_profile["aws"][kind]["chosen"] == aws_seconds
        assert aws_profile["aws"][kind]["source"]
    # GET /_emulator/config carries the same document.
    assert emulator.http("GET", "/_emulator/config")[1]["effective"] == aws_profile

    # A seed draws within each range, the same numbers for the same seed.
    seeded = emulator.set_config(latency_seed=42, call_latency_scale=None)["effective"]
    again = emulator.set_config(latency_seed=42)["effective"]
    other = emulator.set_config(latency_seed=43)["effective"]
    assert seeded["settle_seconds"] == again["settle_seconds"] != other["settle_seconds"]
    for kind, entry in seeded["aws"].items():
        if kind != "call_latency_seconds":
            low, high = entry["range"]
            assert low <= entry["chosen"] <= high, kind
    assert seeded["call_latency_ms"] == [pytest.approx(50 * SCALE), pytest.approx(200 * SCALE)]


def test_nat_gateway_is_pending_then_available_and_deleting_keeps_its_interface(emulator: Emulator, aws_profile: dict):
    ec2 = emulator.client("ec2")
    vpc, subnet, igw = public_subnet(ec2, "10.202")
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    started = time.monotonic()
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]
    assert nat["State"] == "pending" and nat_state(ec2, nat["NatGatewayId"]) == "pending"
    wait_for(lambda: nat_state(ec2, nat["NatGatewayId"]) == "available", 5, "available")
    assert time.monotonic() - started >= aws_profile["settle_seconds"]["ec2:nat_gateway:create"] - 0.05

    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert nat_state(ec2, nat["NatGatewayId"]) == "deleting"
    with pytest.raises(ClientError) as exc:  # its network interface is still there
        ec2.delete_subnet(SubnetId=subnet)
    assert error_code(exc) == "DependencyViolation"
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])  # again: accepted
    wait_for(lambda: nat_state(ec2, nat["NatGatewayId"]) == "deleted", 5, "deleted")
    ec2.delete_subnet(SubnetId=subnet)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.release_address(AllocationId=eip)


def test_interface_endpoint_is_pending_then_available_and_deleting_keeps_its_interfaces(emulator: Emulator, aws_profile: dict):
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.203.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.203.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]

    def state(endpoint_id: str) -> str:
        return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"]

    gateway = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", RouteTableIds=[rtb])
    assert gateway["VpcEndpoint"]["State"] == "available"  # AWS makes gateway endpoints in seconds
    interface = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sts", VpcEndpointType="Interface", SubnetIds=[subnet]
    )["VpcEndpoint"]["VpcEndpointId"]
    assert state(interface) == "pending"
    assert ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-endpoint-state", "Values": ["pending"]}])["VpcEndpoints"]
    wait_for(lambda: state(interface) == "available", 5, "available")

    ec2.delete_vpc_endpoints(VpcEndpointIds=[interface, gateway["VpcEndpoint"]["VpcEndpointId"]])
    assert state(interface) == "deleting"
    assert state(gateway["VpcEndpoint"]["VpcEndpointId"]) == "deleted"
    with pytest.raises(ClientError) as exc:
        ec2.delete_subnet(SubnetId=subnet)
    assert error_code(exc) == "DependencyViolation"
    wait_for(lambda: state(interface) == "deleted", 5, "deleted")
    ec2.delete_subnet(SubnetId=subnet)


def test_mount_target_is_deleting_for_a_while_and_blocks_its_file_system(emulator: Emulator, aws_profile: dict):
    ec2, efs = emulator.client("ec2"), emulator.client("efs")
    vpc = ec2.create_vpc(CidrBlock="10.204.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.204.0.0/24")["Subnet"]["SubnetId"]
    fs = efs.create_file_system(CreationToken=f"latency-{time.monotonic()}")["FileSystemId"]
    target = efs.create_mount_target(FileSystemId=fs, SubnetId=subnet)["MountTargetId"]
    efs.delete_mount_target(MountTargetId=target)
    listed = efs.describe_mount_targets(FileSystemId=fs)["MountTargets"]
    assert [(t["MountTargetId"], t["LifeCycleState"]) for t in listed] == [(target, "deleting")]
    with pytest.raises(ClientError) as exc:
        efs.delete_file_system(FileSystemId=fs)
    assert error_code(exc) == "FileSystemInUse"
    with pytest.raises(ClientError) as exc:  # its network interface is still there
        ec2.delete_subnet(SubnetId=subnet)
    assert error_code(exc) == "DependencyViolation"
    wait_for(lambda: not efs.describe_mount_targets(FileSystemId=fs)["MountTargets"], 5, "mount target gone")
    efs.delete_file_system(FileSystemId=fs)
    ec2.delete_subnet(SubnetId=subnet)


def test_a_new_role_cannot_be_assumed_by_sagemaker_until_it_propagated(emulator: Emulator, aws_profile: dict, name):
    emulator.set_config(latency_scale=0.1)  # 0.8 s of propagation
    iam, sm, ec2 = emulator.client("iam"), emulator.client("sagemaker"), emulator.client("ec2")
    vpc, subnets = studio_network(ec2)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName=name("exec"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    domain_args = dict(DomainName=name("dom"), AuthMode="IAM", SubnetIds=subnets, VpcId=vpc, HomeEfsFileSystemCreation="Disabled")
    with pytest.raises(ClientError) as exc:
        sm.create_domain(DefaultUserSettings={"ExecutionRole": role}, **domain_args)
    err = exc.value.response["Error"]
    assert err["Code"] == "ValidationException" and f"Role {role} could not be assumed" in err["Message"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert not [d for d in sm.list_domains()["Domains"] if d["DomainName"] == domain_args["DomainName"]]

    # Once propagated (0.04 s at SCALE) the role is fine; a new one is not, until it propagated.
    emulator.set_config(latency_scale=SCALE)
    time.sleep(0.05)
    domain = sm.create_domain(DefaultUserSettings={"ExecutionRole": role}, **domain_args)["DomainId"]
    wait_for(lambda: sm.describe_domain(DomainId=domain)["Status"] == "InService", 5, "InService")
    emulator.set_config(latency_scale=0.1)
    fresh = iam.create_role(RoleName=name("fresh"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    with pytest.raises(ClientError) as exc:
        sm.create_user_profile(DomainId=domain, UserProfileName="alice", UserSettings={"ExecutionRole": fresh})
    assert "could not be assumed" in exc.value.response["Error"]["Message"]
    time.sleep(0.8)
    sm.create_user_profile(DomainId=domain, UserProfileName="alice", UserSettings={"ExecutionRole": fresh})


def test_studio_takes_the_profiles_time(emulator: Emulator, aws_profile: dict, name):
    sm, ec2 = emulator.client("sagemaker"), emulator.client("ec2")
    vpc, subnets = studio_network(ec2)
    started = time.monotonic()
    domain = sm.create_domain(
        DomainName=name("dom"), AuthMode="IAM", DefaultUserSettings={}, SubnetIds=subnets, VpcId=vpc, HomeEfsFileSystemCreation="Disabled"
    )["DomainId"]
    assert sm.describe_domain(DomainId=domain)["Status"] == "Pending"
    wait_for(lambda: sm.describe_domain(DomainId=domain)["Status"] == "InService", 5, "InService")
    took = time.monotonic() - started
    assert took >= aws_profile["settle_seconds"]["sagemaker:domain:create"] - 0.05  # 1.95 s
    sm.delete_domain(DomainId=domain)


def test_each_call_takes_the_profiles_latency(emulator: Emulator, aws_profile: dict):
    sts = emulator.client("sts")
    emulator.set_config(call_latency_scale=0.2)  # 10-40 ms per call
    timings = []
    for _ in range(5):
        started = time.monotonic()
        sts.get_caller_identity()
        timings.append(time.monotonic() - started)
    assert min(timings) >= 0.01, timings
    started = time.monotonic()
    emulator.inventory()  # the emulator's own routes answer at once
    assert time.monotonic() - started < 0.01 + min(timings)


def test_a_stack_takes_as_long_as_its_nat_gateway(emulator: Emulator, aws_profile: dict, name):
    ec2, cfn = emulator.client("ec2"), emulator.client("cloudformation")
    vpc, subnet, _ = public_subnet(ec2, "10.205")
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    template = {
        "Resources": {"Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": subnet, "AllocationId": eip}}},
        "Outputs": {"Nat": {"Value": {"Ref": "Nat"}}},
    }
    stack = name("nat-stack")
    started = time.monotonic()
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))

    def status() -> str:
        return cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]

    assert status() == "CREATE_IN_PROGRESS"
    wait_for(lambda: status() == "CREATE_COMPLETE", 5, "CREATE_COMPLETE")
    assert time.monotonic() - started >= aws_profile["settle_seconds"]["ec2:nat_gateway:create"] - 0.05
    nat_id = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"][0]["OutputValue"]
    assert nat_state(ec2, nat_id) == "available"


def test_the_profile_comes_from_the_environment(tmp_path: Path):
    port = free_port()
    env = {
        "EMULATOR_LATENCY_PROFILE": "aws",
        "EMULATOR_LATENCY_SCALE": "0.02",
        "EMULATOR_CALL_LATENCY_SCALE": "0.001",
        "EMULATOR_LATENCY_SEED": "7",
        "EMULATOR_FAULTS": "throttle:0.1,5xx:0.05,seed=3",
    }
    started = run_script("start", port=port, run_dir=tmp_path, env=env)
    assert started.returncode == 0, started.stderr
    try:
        emu = Emulator(started.stdout.strip(), port, tmp_path)
        config = emu.http("GET", "/_emulator/config")[1]
        assert (config["latency_profile"], config["latency_scale"], config["call_latency_scale"], config["latency_seed"]) == ("aws", 0.02, 0.001, 7)
        assert config["faults"] == "throttle:0.1,5xx:0.05,seed=3"
        profile = emu.http("GET", "/_emulator/latency-profile")[1]
        assert profile["call_latency_ms"] == [pytest.approx(0.05), pytest.approx(0.2)]
        chosen = profile["aws"]["ec2:nat_gateway:create"]["chosen"]
        assert 60 <= chosen <= 180 and profile["settle_seconds"]["ec2:nat_gateway:create"] == pytest.approx(chosen * 0.02)
    finally:
        run_script("stop", port=port, run_dir=tmp_path, check=True)
    bad = run_script("start", port=free_port(), run_dir=tmp_path, env={"EMULATOR_LATENCY_PROFILE": "slow", "EMULATOR_START_TIMEOUT": "10"})
    assert bad.returncode == 1 and "latency_profile must be one of none, aws" in bad.stderr
