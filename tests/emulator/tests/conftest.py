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

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
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
