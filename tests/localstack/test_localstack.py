"""LocalStack on this host through scripts/localstack: start, health, a small cycle, stop.

    scripts/localstack test          (installs the venv if needed; ~15 s warm)

One LocalStack on a free port for the module. The cycle makes what an environment is made of
(VPC, subnet, security group, S3 gateway endpoint, KMS key, encrypted bucket with an object,
role with an inline policy) and deletes it again, checking each is gone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "localstack")
SERVICES = ("ec2", "iam", "kms", "logs", "s3", "ssm", "sts")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def script(command: str, port: int, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, LOCALSTACK_PORT=str(port))
    return subprocess.run([SCRIPT, command], env=env, capture_output=True, text=True, check=check, timeout=timeout)


def run_dir(port: int) -> str:
    return os.path.join(os.environ.get("LOCALSTACK_RUN_DIR", os.path.join(ROOT, "build", "localstack")), str(port))


def pid_of(port: int) -> int:
    with open(os.path.join(run_dir(port), "server.pid")) as f:
        return int(f.read())


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def localstack():
    port = free_port()
    started = time.monotonic()
    out = script("start", port)
    elapsed = time.monotonic() - started
    url = out.stdout.strip()
    assert url == f"http://127.0.0.1:{port}", out.stdout  # the only stdout line
    print(f"LocalStack started in {elapsed:.1f}s on {url}")
    yield port, url
    script("stop", port, check=False)


def client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(s3={"addressing_style": "path"}))


def test_health_lists_the_services_the_engine_uses(localstack):
    _, url = localstack
    with urllib.request.urlopen(url + "/_localstack/health", timeout=5) as resp:
        health = json.load(resp)
    assert health["version"] == "2026.3.0"
    for service in SERVICES:
        assert health["services"].get(service) in ("available", "running"), (service, health["services"])


def test_start_again_answers_the_same_url(localstack):
    port, url = localstack
    pid = pid_of(port)
    assert script("start", port).stdout.strip() == url
    assert pid_of(port) == pid
    status = script("status", port)
    assert status.stdout.strip() == f"running {url}"


def test_start_on_a_port_held_by_another_program_fails_and_leaves_nothing():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        out = script("start", port, check=False)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "taken by another program" in out.stderr
    assert not os.path.exists(os.path.join(run_dir(port), "server.pid"))


def test_vpc_bucket_role_key_cycle(localstack):
    _, url = localstack
    ec2, s3, iam, kms, sts = (client(url, s) for s in ("ec2", "s3", "iam", "kms", "sts"))
    account = sts.get_caller_identity()["Account"]
    tag = {"Key": "secure-mlops:environment", "Value": "ls-test"}

    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [tag]}])
    vpc_id = vpc["Vpc"]["VpcId"]
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:secure-mlops:environment", "Values": ["ls-test"]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc_id]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="ls-test", Description="ls-test", VpcId=vpc_id)["GroupId"]
    rtb = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    assoc = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)["AssociationId"]
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3",
                                       VpcEndpointType="Gateway", RouteTableIds=[rtb])["VpcEndpoint"]["VpcEndpointId"]

    key_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*",
                                                          "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}]}
    key = kms.create_key(Policy=json.dumps(key_policy), Description="ls-test")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]

    bucket = "ls-test-bucket"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    assert s3.head_object(Bucket=bucket, Key="a.txt")["SSEKMSKeyId"] == key["Arn"]
    assert s3.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"hello"

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    iam.create_role(RoleName="ls-test-role", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="ls-test-role", PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                 "Resource": f"arn:aws:s3:::{bucket}/*"}]}))

    # Teardown, in the engine's order, and everything is gone.
    iam.delete_role_policy(RoleName="ls-test-role", PolicyName="inline")
    iam.delete_role(RoleName="ls-test-role")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName="ls-test-role")
    versions = s3.list_object_versions(Bucket=bucket)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": v["Key"], "VersionId": v["VersionId"]}
        for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])]})
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=bucket)
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
    ec2.disassociate_route_table(AssociationId=assoc)
    ec2.delete_route_table(RouteTableId=rtb)
    ec2.delete_security_group(GroupId=sg)
    with pytest.raises(ClientError, match="DependencyViolation"):
        ec2.delete_vpc(VpcId=vpc_id)  # the subnet is still there
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:secure-mlops:environment", "Values": ["ls-test"]}])["Vpcs"] == []


def test_stop_leaves_nothing_running(localstack):
    port, url = localstack
    pid = pid_of(port)
    started = time.monotonic()
    out = script("stop", port)
    print(f"LocalStack stopped in {time.monotonic() - started:.1f}s")
    assert f"stopped pid {pid}" in out.stderr
    assert not alive(pid)
    assert script("status", port, check=False).returncode == 3
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    # A second stop is fine, and stop never touches a process that is not ours.
    assert script("stop", port).returncode == 0


def test_stop_does_not_kill_a_process_that_is_not_ours(tmp_path):
    port = free_port()
    os.makedirs(run_dir(port), exist_ok=True)
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        with open(os.path.join(run_dir(port), "server.pid"), "w") as f:
            f.write(str(stranger.pid))
        script("stop", port)
        assert stranger.poll() is None
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()
