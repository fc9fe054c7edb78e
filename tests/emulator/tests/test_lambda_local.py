"""provided.al2023 functions run their `bootstrap` as a local process (lambda_local.py)."""

import base64
import json
import time

import pytest

from conftest import create_local_function, wait_for


@pytest.fixture
def fn(emulator, region, name):
    fname = name("local")
    create_local_function(emulator, region, fname, timeout=2)
    return fname


def invoke(emulator, region, fname, event, **kw):
    out = emulator.client("lambda", region).invoke(FunctionName=fname, Payload=json.dumps(event), **kw)
    return out, out["Payload"].read()


def test_sync_invoke_serves_the_event_with_runtime_headers(emulator, region, fn):
    before = time.time() * 1000
    out, payload = invoke(emulator, region, fn, {"action": "echo", "x": 1})
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    doc = json.loads(payload)
    assert doc["event"] == {"action": "echo", "x": 1}
    headers = doc["headers"]
    assert headers["Lambda-Runtime-Invoked-Function-Arn"].endswith(f":function:{fn}")
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    assert len(headers["Lambda-Runtime-Aws-Request-Id"]) == 36
    # deadline = now + Timeout (2 s)
    assert before + 1500 < int(headers["Lambda-Runtime-Deadline-Ms"]) < time.time() * 1000 + 2500


def test_process_environment(emulator, region, name):
    fname = name("envfn")
    create_local_function(emulator, region, fname, env={"MY_SETTING": "42"})
    _, payload = invoke(emulator, region, fname, {"action": "env"})
    env = json.loads(payload)
    assert env["MY_SETTING"] == "42"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == fname
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{fname}"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == region
    assert env["AWS_ACCESS_KEY_ID"] == "testing" and env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_ENDPOINT_URL"] == emulator.url
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env["_HANDLER"] == "bootstrap"
    assert env["LAMBDA_TASK_ROOT"].endswith(env["LAMBDA_TASK_ROOT"].split("/")[-1]) and env["PATH"]


def test_json_log_format_is_passed_as_lambda_does(emulator, region, name):
    fname = name("jsonlogs")
    create_local_function(
        emulator, region, fname, LoggingConfig={"LogFormat": "JSON", "LogGroup": "/custom/group"}
    )
    _, payload = invoke(emulator, region, fname, {"action": "env"})
    env = json.loads(payload)
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/custom/group"
    client = emulator.client("lambda", region)
    client.update_function_configuration(FunctionName=fname, LoggingConfig={"LogFormat": "Text"})
    _, payload = invoke(emulator, region, fname, {"action": "env"})
    assert "AWS_LAMBDA_LOG_FORMAT" not in json.loads(payload)


def test_function_error_and_crash(emulator, region, fn):
    out, payload = invoke(emulator, region, fn, {"action": "error"})
    assert out["FunctionError"] == "Unhandled"
    assert json.loads(payload) == {"errorMessage": "it broke", "errorType": "Custom.Broken"}

    out, payload = invoke(emulator, region, fn, {"action": "crash"}, LogType="Tail")
    assert out["FunctionError"] == "Unhandled"
    assert json.loads(payload)["errorType"] == "Runtime.ExitError"
    assert "crashing" in base64.b64decode(out["LogResult"]).decode()


def test_timeout_kills_the_process(emulator, region, fn):
    started = time.monotonic()
    out, payload = invoke(emulator, region, fn, {"action": "sleep", "seconds": 30})
    assert time.monotonic() - started < 5
    assert out["FunctionError"] == "Unhandled"
    doc = json.loads(payload)
    assert doc["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in doc["errorMessage"]


def test_async_invoke_returns_at_once_and_runs(emulator, region, fn, tmp_path):
    target = tmp_path / "written.json"
    started = time.monotonic()
    out, _ = invoke(emulator, region, fn, {"action": "write", "path": str(target), "delay": 0.5}, InvocationType="Event")
    assert out["StatusCode"] == 202
    assert time.monotonic() - started < 0.5
    wait_for(target.exists, 5, "the async invocation's file")
    assert json.loads(target.read_text())["action"] == "write"


def test_logs_go_to_the_run_dir_and_cloudwatch(emulator, region, fn):
    invoke(emulator, region, fn, {"action": "echo", "marker": "find-me"})
    log = emulator.run_dir / str(emulator.port) / "lambda" / f"{fn}.log"
    assert "find-me" in log.read_text()
    logs = emulator.client("logs", region)
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{fn}")["logStreams"]
    messages = [
        e["message"]
        for s in streams
        for e in logs.get_log_events(logGroupName=f"/aws/lambda/{fn}", logStreamName=s["logStreamName"])["events"]
    ]
    assert any("find-me" in m for m in messages)
    # Integer milliseconds, as AWS answers (the SDKs refuse a fraction).
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
    assert events and all(isinstance(e["timestamp"], int) for e in events)
