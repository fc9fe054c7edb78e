"""scripts/emulator: start/stop/status/inventory/reset/config, and the /_emulator/ routes.

These tests start emulators of their own (on other free ports and run dirs) so
that stopping and resetting them cannot disturb the session's server.
"""

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Emulator, free_port, run_script, studio_network


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def own(tmp_path: Path):
    """A separate emulator on a free port, stopped after the test."""
    port, run_dir = free_port(), tmp_path / "run"
    started = run_script("start", port=port, run_dir=run_dir)
    assert started.returncode == 0, started.stderr
    yield Emulator(started.stdout.strip(), port, run_dir)
    run_script("stop", port=port, run_dir=run_dir)


def test_start_prints_only_the_url_and_is_idempotent(own: Emulator):
    assert own.url == f"http://127.0.0.1:{own.port}"
    pid_file = own.run_dir / str(own.port) / "server.pid"
    pid = int(pid_file.read_text())
    assert pid_alive(pid)
    again = run_script("start", port=own.port, run_dir=own.run_dir, cwd="/")  # any cwd works
    assert again.returncode == 0, again.stderr
    assert again.stdout == own.url + "\n"
    assert int(pid_file.read_text()) == pid  # the same server, not a second one
    assert (own.run_dir / str(own.port) / "server.log").exists()


def test_status_exit_codes_and_stop(own: Emulator):
    status = run_script("status", port=own.port, run_dir=own.run_dir)
    assert (status.returncode, status.stdout) == (0, f"running {own.url}\n")
    pid = int((own.run_dir / str(own.port) / "server.pid").read_text())

    stopped = run_script("stop", port=own.port, run_dir=own.run_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert not pid_alive(pid)
    assert not (own.run_dir / str(own.port) / "server.pid").exists()

    status = run_script("status", port=own.port, run_dir=own.run_dir)
    assert (status.returncode, status.stdout) == (3, f"stopped {own.url}\n")
    assert run_script("stop", port=own.port, run_dir=own.run_dir).returncode == 0  # idempotent
    assert run_script("inventory", port=own.port, run_dir=own.run_dir).returncode == 3


def test_status_of_a_port_never_used(tmp_path: Path):
    status = run_script("status", port=free_port(), run_dir=tmp_path)
    assert status.returncode == 3 and status.stdout.startswith("stopped http://127.0.0.1:")
    assert run_script("stop", port=free_port(), run_dir=tmp_path).returncode == 0


def test_stop_only_kills_its_own_pid(own: Emulator, emulator: Emulator, tmp_path: Path):
    # A pid file naming some other live process (say, after pid reuse): left alone.
    other_port = free_port()
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "fake" / str(other_port)).mkdir(parents=True)
        (tmp_path / "fake" / str(other_port) / "server.pid").write_text(f"{stranger.pid}\n")
        result = run_script("stop", port=other_port, run_dir=tmp_path / "fake")
        assert result.returncode == 0, result.stderr
        assert stranger.poll() is None
        assert not (tmp_path / "fake" / str(other_port) / "server.pid").exists()
    finally:
        stranger.kill()
        stranger.wait()

    # Stopping one emulator leaves another (the session's) running.
    run_script("stop", port=own.port, run_dir=own.run_dir, check=True)
    assert run_script("status", port=emulator.port, run_dir=emulator.run_dir).returncode == 0


def test_start_refuses_a_port_taken_by_something_else(tmp_path: Path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = run_script("start", port=port, run_dir=tmp_path)
        assert result.returncode == 1
        assert result.stdout == ""
        assert f"port {port} is taken by another program" in result.stderr


def test_start_refuses_a_port_held_by_an_emulator_from_another_run_dir(emulator: Emulator, tmp_path: Path):
    result = run_script("start", port=emulator.port, run_dir=tmp_path)
    assert result.returncode == 1
    assert "taken by another emulator" in result.stderr


def test_failed_start_reports_the_log_and_leaves_nothing_running(tmp_path: Path):
    port = free_port()
    result = run_script("start", port=port, run_dir=tmp_path, env={"EMULATOR_START_TIMEOUT": "0"})
    assert result.returncode == 1
    assert "start failed" in result.stderr and "server.log" in result.stderr
    assert not (tmp_path / str(port) / "server.pid").exists()
    assert run_script("status", port=port, run_dir=tmp_path).returncode == 3


def test_delays_come_from_the_environment(tmp_path: Path):
    port = free_port()
    env = {
        "EMULATOR_SC_SHARE_DELAY_SECONDS": "0.25", "EMULATOR_STUDIO_DELAY_SECONDS": "2",
        "EMULATOR_CLOUDTRAIL_DELAY_MS": "25", "EMULATOR_ASYNC_RETRY_SCALE": "0.5",
    }
    started = run_script("start", port=port, run_dir=tmp_path, env=env)
    assert started.returncode == 0, started.stderr
    try:
        config = json.loads(run_script("config", port=port, run_dir=tmp_path).stdout)
        assert config["sc_share_delay_seconds"] == 0.25 and config["studio_delay_seconds"] == 2.0
        assert config["cloudtrail_delay_ms"] == 25.0 and config["async_retry_scale"] == 0.5
    finally:
        run_script("stop", port=port, run_dir=tmp_path, check=True)


def test_inventory_config_and_reset_subcommands(own: Emulator):
    inventory = run_script("inventory", port=own.port, run_dir=own.run_dir)
    assert inventory.returncode == 0, inventory.stderr
    doc = json.loads(inventory.stdout)
    assert doc["sagemaker:domain"] == [] and "ec2:vpc" in doc

    changed = run_script("config", '{"sc_share_delay_seconds": 0}', port=own.port, run_dir=own.run_dir)
    assert changed.returncode == 0 and json.loads(changed.stdout)["sc_share_delay_seconds"] == 0
    bad = run_script("config", '{"nope": 1}', port=own.port, run_dir=own.run_dir)
    assert bad.returncode == 1 and "unknown config keys: nope" in bad.stdout

    own.client("s3").create_bucket(Bucket="inventory-reset")
    assert own.inventory()["s3:bucket"] == ["inventory-reset"]
    assert run_script("reset", port=own.port, run_dir=own.run_dir).returncode == 0
    assert own.inventory()["s3:bucket"] == []


def test_routes(own: Emulator):
    status, health = own.http("GET", "/_emulator/health")
    assert status == 200 and health["emulator"] == "aws-emulator" and health["moto"] == "5.2.5"
    assert health["pid"] == int((own.run_dir / str(own.port) / "server.pid").read_text())

    defaults = {
        "async_retry_scale": 0.001,
        "call_latency_scale": None,
        "cloudtrail_delay_ms": 300.0,
        "faults": "",
        "job_run_seconds": None,
        "latency_profile": "none",
        "latency_scale": 0.01,
        "latency_seed": None,
        "request_delay_seconds": 0.0,
        "sc_share_delay_seconds": 1.0,
        "studio_delay_seconds": 0.3,
    }
    status, config = own.http("GET", "/_emulator/config")
    assert status == 200 and config.pop("effective")["profile"] == "none"
    assert config == defaults
    status, config = own.http("POST", "/_emulator/config", {"sc_share_delay_seconds": 0.5, "studio_delay_seconds": 0})
    assert status == 200 and config.pop("effective")["settle_seconds"]["sagemaker:domain:create"] == 0.0
    assert config == {**defaults, "sc_share_delay_seconds": 0.5, "studio_delay_seconds": 0.0}
    assert own.http("POST", "/_emulator/config", {"studio_delay_seconds": -0.1})[0] == 400
    assert own.http("POST", "/_emulator/config", {"sc_share_delay_seconds": -1})[0] == 400
    assert own.http("POST", "/_emulator/config", {"sc_share_delay_seconds": "1"})[0] == 400
    assert own.http("POST", "/_emulator/config", [1])[0] == 400
    assert own.http("POST", "/_emulator/config", {"latency_profile": "fast"})[0] == 400
    assert own.http("POST", "/_emulator/config", {"latency_seed": 1.5})[0] == 400
    assert own.http("POST", "/_emulator/config", {"job_run_seconds": -1})[0] == 400
    assert own.http("POST", "/_emulator/config", {"cloudtrail_delay_ms": -1})[0] == 400
    assert own.http("POST", "/_emulator/config", {"async_retry_scale": "fast"})[0] == 400
    assert own.http("POST", "/_emulator/config", {"faults": "throttle:2"})[0] == 400
    assert own.http("POST", "/_emulator/config", {"faults": "oops:0.1"})[0] == 400
    assert own.http("POST", "/_emulator/config", {"effective": {}})[0] == 400
    assert own.http("GET", "/_emulator/config")[1]["sc_share_delay_seconds"] == 0.5
    assert own.http("GET", "/_emulator/nothing")[0] == 404
    assert own.http("GET", "/_emulator/reset")[0] == 405
    assert own.http("GET", "/_emulator/deliveries") == (
        200, {"count": 0, "events": [], "functions": {}, "pending": 0, "pipelines": []}
    )
    assert own.http("GET", "/_emulator/deliveries/reset")[0] == 405

    # Every kind is listed, empty on a fresh emulator.
    inventory = own.inventory()
    assert all(ids == [] for ids in inventory.values())
    assert sorted(inventory) == [
        "cloudformation:stack", "cloudtrail:trail", "codeartifact:domain", "codeartifact:repository",
        "codebuild:project", "codepipeline:pipeline", "config:rule",
        "ec2:elastic_ip", "ec2:flow_log", "ec2:internet_gateway", "ec2:nat_gateway", "ec2:network_interface",
        "ec2:route_table", "ec2:security_group", "ec2:subnet", "ec2:vpc", "ec2:vpc_endpoint",
        "efs:file_system", "efs:mount_target", "events:rule", "iam:policy", "iam:role", "kms:alias", "kms:key",
        "lambda:event_invoke_config", "lambda:function", "logs:log_group", "s3:bucket", "sagemaker:app", "sagemaker:app_image_config", "sagemaker:automl_job",
        "sagemaker:domain", "sagemaker:endpoint", "sagemaker:endpoint_config", "sagemaker:hyper_parameter_tuning_job",
        "sagemaker:image", "sagemaker:image_version", "sagemaker:model", "sagemaker:model_package",
        "sagemaker:model_package_group", "sagemaker:notebook_instance",
        "sagemaker:notebook_instance_lifecycle_config", "sagemaker:pipeline", "sagemaker:processing_job",
        "sagemaker:project",
        "sagemaker:servicecatalog_portfolio",
        "sagemaker:space", "sagemaker:studio_lifecycle_config", "sagemaker:training_job", "sagemaker:transform_job",
        "sagemaker:user_profile",
        "servicecatalog:constraint", "servicecatalog:portfolio", "servicecatalog:principal_association",
        "servicecatalog:product", "servicecatalog:product_association", "servicecatalog:provisioned_product",
        "sns:topic", "sqs:queue",
    ]


def test_request_delay_slows_aws_requests_but_not_the_emulator_routes(own: Emulator):
    sts = own.client("sts")
    own.set_config(request_delay_seconds=0.3)
    try:
        started = time.monotonic()
        sts.get_caller_identity()
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        own.inventory()
        assert time.monotonic() - started < 0.3
    finally:
        own.set_config(request_delay_seconds=0)
    timings = []
    for _ in range(3):
        started = time.monotonic()
        sts.get_caller_identity()
        timings.append(time.monotonic() - started)
    assert min(timings) < 0.3, timings


@pytest.mark.parametrize("reset_path", ["/_emulator/reset", "/moto-api/reset"])
def test_reset_clears_moto_and_extension_state(own: Emulator, reset_path: str):
    own.set_config(sc_share_delay_seconds=0, studio_delay_seconds=0)
    sm, sc = own.client("sagemaker"), own.client("servicecatalog")
    sm.enable_sagemaker_servicecatalog_portfolio()
    vpc, subnets = studio_network(own.client("ec2"))
    domain_id = sm.create_domain(DomainName="r", AuthMode="IAM", DefaultUserSettings={}, SubnetIds=subnets, VpcId=vpc)["DomainId"]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="u")
    sm.create_studio_lifecycle_config(StudioLifecycleConfigName="l", StudioLifecycleConfigContent="ZWNobw==",
                                      StudioLifecycleConfigAppType="JupyterLab")
    sm.create_image(ImageName="i", RoleArn="arn:aws:iam::123456789012:role/r")
    sm.create_image_version(ImageName="i", BaseImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/r:1")
    sm.create_app_image_config(AppImageConfigName="c")
    pid = sc.create_portfolio(DisplayName="p", ProviderName="x")["PortfolioDetail"]["Id"]
    sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN="arn:aws:iam::123456789012:role/a", PrincipalType="IAM")
    before = own.inventory()
    assert before["sagemaker:user_profile"] == [f"{domain_id}/u"] and before["servicecatalog:principal_association"]
    assert before["efs:file_system"] and before["ec2:security_group"]
    assert before["sagemaker:studio_lifecycle_config"] == ["l"] and before["sagemaker:image_version"] == ["i/1"]
    assert before["sagemaker:image"] == ["i"] and before["sagemaker:app_image_config"] == ["c"]

    status, _ = own.http("POST", reset_path, {})
    assert status == 200
    assert all(ids == [] for ids in own.inventory().values())
    assert sm.get_sagemaker_servicecatalog_portfolio_status()["Status"] == "Disabled"
    assert own.http("GET", "/_emulator/config")[1]["sc_share_delay_seconds"] == 0.0  # config is kept


def test_server_exits_on_sigterm_and_sigint(tmp_path: Path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        port = free_port()
        run_script("start", port=port, run_dir=tmp_path, check=True)
        pid = int((tmp_path / str(port) / "server.pid").read_text())
        os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(pid)
        status = run_script("status", port=port, run_dir=tmp_path)
        assert status.returncode == 3
        run_script("stop", port=port, run_dir=tmp_path, check=True)
