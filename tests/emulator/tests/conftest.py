"""Fixtures: one emulator per test session, started and stopped through scripts/emulator.

Tests share that server, so they do not reset it between tests (a reset and the
re-creation of EC2's default VPC cost about two seconds); instead each test uses
its own names, and tests that touch per-region singletons (the SageMaker
portfolio) take a region of their own from `region`.
"""

import itertools
import json
import os
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "emulator"

# Regions handed out one per test by the `region` fixture.
REGIONS = itertools.cycle(
    [
        "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1", "eu-north-1",
        "ca-central-1", "sa-east-1", "ap-south-1", "eu-west-2", "eu-west-3", "us-east-2",
        "us-west-1", "ap-northeast-2", "ap-southeast-1", "ap-northeast-3", "eu-south-1",
    ]
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_script(*args: str, port: int, run_dir: Path, check: bool = False, **kw: Any) -> subprocess.CompletedProcess:
    env = dict(os.environ, EMULATOR_PORT=str(port), EMULATOR_RUN_DIR=str(run_dir))
    env.update(kw.pop("env", {}))
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, check=check, timeout=180, **kw
    )


class Emulator:
    def __init__(self, url: str, port: int, run_dir: Path):
        self.url, self.port, self.run_dir = url, port, run_dir

    def client(self, service: str, region: str = "us-east-1", validate: bool = True) -> Any:
        """A boto3 client; `validate=False` sends what boto3 would refuse to (as the AWS SDK
        for Rust does, which checks nothing client-side)."""
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, parameter_validation=validate),
        )

    def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def inventory(self) -> dict[str, list[str]]:
        status, doc = self.http("GET", "/_emulator/inventory")
        assert status == 200
        return doc

    def set_config(self, **values: Any) -> dict[str, Any]:
        status, doc = self.http("POST", "/_emulator/config", values)
        assert status == 200, doc
        return doc


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    port = free_port()
    run_dir = tmp_path_factory.mktemp("emulator-run")
    started = run_script("start", port=port, run_dir=run_dir)
    assert started.returncode == 0, started.stderr
    emu = Emulator(started.stdout.strip(), port, run_dir)
    try:
        yield emu
    finally:
        stopped = run_script("stop", port=port, run_dir=run_dir)
        assert stopped.returncode == 0, stopped.stderr


@pytest.fixture
def region() -> str:
    return next(REGIONS)


@pytest.fixture
def name() -> Callable[[str], str]:
    """Unique resource names: name("dom") -> "dom-1a2b3c4d"."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def share_delay(emulator: Emulator) -> Iterator[Callable[[float], None]]:
    """Set sc_share_delay_seconds for one test; the session's value comes back after it."""
    before = emulator.http("GET", "/_emulator/config")[1]["sc_share_delay_seconds"]
    yield lambda seconds: emulator.set_config(sc_share_delay_seconds=seconds)
    emulator.set_config(sc_share_delay_seconds=before)


@pytest.fixture
def fast_studio(emulator: Emulator) -> Iterator[float]:
    """studio_delay_seconds = 0.05 for one test (tests poll with wait_for); the session's value comes back after it."""
    before = emulator.http("GET", "/_emulator/config")[1]["studio_delay_seconds"]
    emulator.set_config(studio_delay_seconds=0.05)
    yield 0.05
    emulator.set_config(studio_delay_seconds=before)


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def wait_for(check: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


_studio_cidrs = itertools.count(1)


def studio_network(ec2: Any, subnets: int = 2) -> tuple[str, list[str]]:
    """A VPC with `subnets` subnets, each in an Availability Zone of its own."""
    n = next(_studio_cidrs) % 250
    vpc = ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    ids = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.{i}.0/24", AvailabilityZone=zones[i % len(zones)])["Subnet"]["SubnetId"]
        for i in range(subnets)
    ]
    return vpc, ids


def status_of(describe: Callable[[], dict[str, Any]]) -> str:
    """The Status a Describe* call reports, or "gone" once it answers ResourceNotFound."""
    from botocore.exceptions import ClientError

    try:
        return describe()["Status"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "ResourceNotFound":
            return "gone"
        raise


def wait_status(describe: Callable[[], dict[str, Any]], status: str, timeout: float = 5.0) -> None:
    wait_for(lambda: status_of(describe) == status, timeout, f"status {status}")


# --- Lambda functions that run locally (provided.al2023) -------------------------

# A stand-in for a `bootstrap` executable: it speaks the Lambda Runtime API with the
# standard library only. Plain events: {"action": "echo" | "env" | "sleep" | "error" |
# "crash" | "write", ...}. CloudFormation events: appended as JSON lines to the file
# named by the function's EVENT_LOG variable, then answered on the ResponseURL:
# FAILED when ResourceProperties.Fail is "true", else SUCCESS with PhysicalResourceId
# "phys-<Name>" and Data {"Echo": <Name>, "Count": <Count>}.
FAKE_BOOTSTRAP = r'''#!/usr/bin/env python3
import json, os, sys, time, urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"


def post(path, doc):
    req = urllib.request.Request(API + path, data=json.dumps(doc).encode(), method="POST")
    urllib.request.urlopen(req, timeout=10).read()


def cfn(event):
    if os.environ.get("EVENT_LOG"):
        with open(os.environ["EVENT_LOG"], "a") as fh:
            fh.write(json.dumps(event) + "\n")
    props = event["ResourceProperties"]
    answer = {
        "StackId": event["StackId"], "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "PhysicalResourceId": event.get("PhysicalResourceId") or "phys-" + str(props.get("Name")),
        "Status": "SUCCESS",
    }
    if props.get("Fail") == "true" and event["RequestType"] != "Delete":
        answer.update(Status="FAILED", Reason="asked to fail")
        if event["RequestType"] == "Create":
            answer["PhysicalResourceId"] = "phys-failed"
    elif event["RequestType"] != "Delete":
        answer["PhysicalResourceId"] = "phys-" + str(props.get("Name"))
        answer["Data"] = {"Echo": props.get("Name"), "Count": props.get("Count")}
    req = urllib.request.Request(event["ResponseURL"], data=json.dumps(answer).encode(), method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(req, timeout=10).read()
    return {"done": True}


while True:
    with urllib.request.urlopen(API + "next") as resp:
        rid = resp.headers["Lambda-Runtime-Aws-Request-Id"]
        headers = {k: v for k, v in resp.headers.items() if k.startswith("Lambda-Runtime")}
        event = json.loads(resp.read())
    print("event", json.dumps(event), flush=True)
    action = event.get("action")
    if "RequestType" in event:
        post(rid + "/response", cfn(event))
    elif action == "echo":
        post(rid + "/response", {"event": event, "headers": headers, "cwd": os.getcwd()})
    elif action == "env":
        post(rid + "/response", dict(os.environ))
    elif action == "sleep":
        time.sleep(event["seconds"])
        post(rid + "/response", {"slept": event["seconds"]})
    elif action == "error":
        post(rid + "/error", {"errorMessage": "it broke", "errorType": "Custom.Broken"})
    elif action == "crash":
        print("crashing", file=sys.stderr, flush=True)
        sys.exit(3)
    elif action == "write":
        time.sleep(event.get("delay", 0))
        with open(event["path"], "w") as fh:
            json.dump(event, fh)
        post(rid + "/response", {})
'''


def bootstrap_zip(source: str = FAKE_BOOTSTRAP) -> bytes:
    """A code zip with one executable entry, `bootstrap`, as `make lambda` packages ours."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = (0o100755 << 16)
        zf.writestr(info, source)
    return buf.getvalue()


def create_local_function(
    emulator: Emulator,
    region: str,
    name: str,
    timeout: int = 10,
    env: dict[str, str] | None = None,
    **extra: Any,
) -> str:
    """A provided.al2023 function running FAKE_BOOTSTRAP; returns its ARN."""
    iam = emulator.client("iam", region)
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        ),
    )["Role"]["Arn"]
    fn = emulator.client("lambda", region).create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Handler="bootstrap",
        Role=role,
        Code={"ZipFile": bootstrap_zip()},
        Timeout=timeout,
        MemorySize=256,
        Environment={"Variables": env or {}},
        **extra,
    )
    return fn["FunctionArn"]


def read_events(path: Path) -> list[dict[str, Any]]:
    """The CloudFormation events FAKE_BOOTSTRAP logged (JSON lines)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
