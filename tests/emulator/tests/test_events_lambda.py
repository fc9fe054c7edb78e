"""SageMaker calls recorded by CloudTrail reach an EventBridge rule's Lambda target
(extensions/cloudtrail_events.py, events_lambda.py): the event's shape, the trail and
permission checks, retries, dead-letter queues, and what GET /_emulator/deliveries says."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import Emulator, bootstrap_zip, wait_for

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-execution"
CLOUDTRAIL = "AWS API Call via CloudTrail"

# A `bootstrap` as a Rust function built for provided.al2023 behaves: it takes events from the
# Runtime API one at a time, appends each (with its request id) to $EVENT_LOG, waits $SLEEP
# seconds, then answers, or posts a function error when $FAIL is 1.
RESPONDER = r'''#!/usr/bin/env python3
import json, os, time, urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"


def post(path, doc):
    req = urllib.request.Request(API + path, data=json.dumps(doc).encode(), method="POST")
    urllib.request.urlopen(req, timeout=10).read()


while True:
    with urllib.request.urlopen(API + "next") as resp:
        rid = resp.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(resp.read())
    with open(os.environ["EVENT_LOG"], "a") as fh:
        fh.write(json.dumps({"request_id": rid, "at": time.time(), "event": event}) + "\n")
    time.sleep(float(os.environ.get("SLEEP", "0")))
    if os.environ.get("FAIL") == "1":
        post(rid + "/error", {"errorMessage": "could not respond", "errorType": "Response.Failed"})
    else:
        detail = event.get("detail") if isinstance(event, dict) else None
        post(rid + "/response", {"handled": (detail or {}).get("eventName")})
'''


@pytest.fixture
def fast_cloudtrail(emulator: Emulator) -> Iterator[None]:
    """Events 50 ms after the call (default 300 ms); the default comes back after the test."""
    emulator.set_config(cloudtrail_delay_ms=50)
    yield
    emulator.set_config(cloudtrail_delay_ms=300)


pytestmark = pytest.mark.usefixtures("fast_cloudtrail")


class Setup:
    """A region with a trail, a rule on SageMaker calls, a responder function; torn down after."""

    def __init__(self, emulator: Emulator, region: str, name: Any, tmp_path: Path):
        self.emu, self.region, self.name, self.tmp = emulator, region, name, tmp_path
        self.c = {s: emulator.client(s, region) for s in ("cloudtrail", "events", "lambda", "iam", "s3", "sqs", "sns", "sagemaker", "sts")}
        self.trails: list[str] = []

    def __getattr__(self, service: str) -> Any:
        return self.c[service]

    def trail(self, start: bool = True, **kw: Any) -> str:
        bucket = self.name("trail-logs")
        self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
        arn = self.cloudtrail.create_trail(Name=self.name("trail"), S3BucketName=bucket, **kw)["TrailARN"]
        self.trails.append(arn)
        if start:
            self.cloudtrail.start_logging(Name=arn)
        return arn

    def function(self, **env: str) -> tuple[str, str, Path]:
        """(name, ARN, event log) of a provided.al2023 function running RESPONDER."""
        fname = self.name("responder")
        log = self.tmp / f"{fname}.jsonl"
        role = self.iam.create_role(RoleName=f"{fname}-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }))["Role"]["Arn"]
        arn = self.c["lambda"].create_function(
            FunctionName=fname, Runtime="provided.al2023", Handler="bootstrap", Role=role,
            Code={"ZipFile": bootstrap_zip(RESPONDER)}, Timeout=5,
            Environment={"Variables": {"EVENT_LOG": str(log), **env}},
        )["FunctionArn"]
        return fname, arn, log

    def rule(self, function_arn: str, names: list[str], permit: bool = True, **target: Any) -> str:
        rule = self.name("sagemaker-calls")
        pattern = {
            "source": ["aws.sagemaker"],
            "detail-type": [CLOUDTRAIL],
            "detail": {"eventSource": ["sagemaker.amazonaws.com"], "eventName": names},
        }
        arn = self.events.put_rule(Name=rule, EventPattern=json.dumps(pattern))["RuleArn"]
        self.events.put_targets(Rule=rule, Targets=[{"Id": "respond", "Arn": function_arn, **target}])
        if permit:
            self.c["lambda"].add_permission(
                FunctionName=function_arn, StatementId=f"events-{rule}", Action="lambda:InvokeFunction",
                Principal="events.amazonaws.com", SourceArn=arn,
            )
        return arn

    def queue(self, **attributes: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=self.name("dlq"), Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def deliveries(self, fname: str) -> list[dict[str, Any]]:
        status, doc = self.emu.http("GET", f"/_emulator/deliveries?function={fname}")
        assert status == 200
        return [r for records in doc["functions"].values() for r in records]

    def settled(self, fname: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        def done() -> list[dict[str, Any]] | None:
            records = self.deliveries(fname)
            if len(records) >= count and all(r["outcome"] != "pending" for r in records):
                return records
            return None

        return wait_for(done, timeout, f"{count} deliveries to {fname}")

    def close(self) -> None:
        for arn in self.trails:
            self.cloudtrail.delete_trail(Name=arn)


@pytest.fixture
def setup(emulator: Emulator, region: str, name: Any, tmp_path: Path) -> Iterator[Setup]:
    s = Setup(emulator, region, name, tmp_path)
    yield s
    s.close()


def logged(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def model(sm: Any, name: str) -> dict[str, Any]:
    return sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})


def training_job(sm: Any, name: str) -> dict[str, Any]:
    return sm.create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/train:1", "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://team-out/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters={"Epochs": "3"},
        VpcConfig={"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]},
        Tags=[{"Key": "team", "Value": "a"}],
    )


def test_a_recorded_call_reaches_the_function_as_eventbridge_sends_it(setup: Setup, name: Any):
    trail = setup.trail()
    fname, farn, log = setup.function()
    rule = setup.rule(farn, ["CreateTrainingJob"])
    # The caller is an assumed role, as a team's user is.
    role = setup.iam.create_role(RoleName=name("scientist"), Path="/team/", AssumeRolePolicyDocument="{}")["Role"]
    creds = setup.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="alice")["Credentials"]
    sm = boto3.client(
        "sagemaker", endpoint_url=setup.emu.url, region_name=setup.region, aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
        config=Config(retries={"max_attempts": 1}),
    )
    job = name("job")
    started = time.monotonic()
    answer = training_job(sm, job)
    assert time.monotonic() - started < 1.0  # the call does not wait for the delivery

    [record] = setup.settled(fname)
    assert record["outcome"] == "ok" and record["attempts"] == 1 and record["failure"] is None
    assert record["rule_arn"] == rule and record["event_name"] == "CreateTrainingJob"
    assert [i["result"] for i in record["invocations"]] == ["ok"]
    assert record["result"] == {"handled": "CreateTrainingJob"}
    [seen] = logged(log)
    event = seen["event"]
    assert record["input"] == event and record["event_id"] == event["id"]

    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["version"] == "0" and event["detail-type"] == CLOUDTRAIL and event["source"] == "aws.sagemaker"
    assert event["account"] == ACCOUNT and event["region"] == setup.region and event["resources"] == []
    assert event["time"].endswith("Z") and len(event["time"]) == 20
    detail = event["detail"]
    assert set(detail) == {
        "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
        "userAgent", "requestParameters", "responseElements", "requestID", "eventID", "readOnly", "eventType",
        "managementEvent", "recipientAccountId", "eventCategory",
    }
    assert detail["eventVersion"] == "1.09" and detail["eventTime"] == event["time"]
    assert detail["eventSource"] == "sagemaker.amazonaws.com" and detail["eventName"] == "CreateTrainingJob"
    assert detail["awsRegion"] == setup.region and detail["sourceIPAddress"] == "127.0.0.1"
    assert detail["userAgent"].startswith("Boto3/")
    assert detail["requestID"] == answer["ResponseMetadata"]["RequestId"] and len(detail["requestID"]) == 36
    assert len(detail["eventID"]) == 36 and detail["readOnly"] is False and detail["eventType"] == "AwsApiCall"
    assert detail["managementEvent"] is True and detail["recipientAccountId"] == ACCOUNT
    assert detail["eventCategory"] == "Management"
    params = detail["requestParameters"]
    assert params["trainingJobName"] == job and params["roleArn"] == ROLE
    assert params["vpcConfig"] == {"securityGroupIds": ["sg-0123456789abcdef0"], "subnets": ["subnet-0123456789abcdef0"]}
    assert params["hyperParameters"] == {"Epochs": "3"}  # a map's keys stay as given
    assert params["tags"] == [{"key": "team", "value": "a"}]
    assert params["resourceConfig"]["instanceType"] == "ml.m5.large"
    assert detail["responseElements"] == {"trainingJobArn": answer["TrainingJobArn"]}
    identity = detail["userIdentity"]
    role_name = role["RoleName"]
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/alice"
    assert identity["principalId"] == f"{role['RoleId']}:alice" and identity["accountId"] == ACCOUNT
    assert identity["accessKeyId"] == creds["AccessKeyId"]
    assert identity["sessionContext"]["sessionIssuer"] == {
        "type": "Role", "principalId": role["RoleId"], "arn": f"arn:aws:iam::{ACCOUNT}:role/team/{role_name}",
        "accountId": ACCOUNT, "userName": role_name,
    }

    status, doc = setup.emu.http("GET", f"/_emulator/deliveries?event_id={event['id']}")
    assert status == 200 and [e["trails"] for e in doc["events"]] == [[trail]]
    assert doc["events"][0]["rules"] == [rule] and doc["events"][0]["event"] == event


def test_default_credentials_are_the_root_identity_and_responses_may_be_empty(setup: Setup, name: Any):
    setup.trail()
    fname, farn, log = setup.function()
    setup.rule(farn, ["CreateModel", "DeleteModel"])
    model(setup.sagemaker, name("m"))
    setup.settled(fname)
    setup.sagemaker.delete_model(ModelName=logged(log)[0]["event"]["detail"]["requestParameters"]["modelName"])
    setup.settled(fname, 2)
    created, deleted = (line["event"]["detail"] for line in logged(log))
    assert created["userIdentity"] == {
        "type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT,
        "accessKeyId": "testing",
    }
    assert created["responseElements"]["modelArn"].endswith(":model/" + created["requestParameters"]["modelName"])
    assert deleted["eventName"] == "DeleteModel" and deleted["responseElements"] is None

    # An IAM user's access key: IAMUser.
    user = setup.iam.create_user(UserName=name("bob"))["User"]
    key = setup.iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    as_user = boto3.client(
        "sagemaker", endpoint_url=setup.emu.url, region_name=setup.region, aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"], config=Config(retries={"max_attempts": 1}),
    )
    model(as_user, name("m"))
    setup.settled(fname, 3)
    assert logged(log)[2]["event"]["detail"]["userIdentity"] == {
        "type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"], "accountId": ACCOUNT,
        "accessKeyId": key["AccessKeyId"], "userName": user["UserName"],
    }


def test_no_event_without_a_trail_that_logs_the_call(setup: Setup, name: Any):
    fname, farn, log = setup.function()
    setup.rule(farn, ["CreateModel"])

    def nothing_after(call: Any) -> None:
        call()
        time.sleep(0.4)
        assert setup.deliveries(fname) == [] and logged(log) == []

    nothing_after(lambda: model(setup.sagemaker, name("m")))  # no trail at all
    trail = setup.trail(start=False)
    nothing_after(lambda: model(setup.sagemaker, name("m")))  # a trail that is not logging
    setup.cloudtrail.start_logging(Name=trail)
    setup.cloudtrail.put_event_selectors(TrailName=trail, EventSelectors=[{"ReadWriteType": "ReadOnly"}])
    nothing_after(lambda: model(setup.sagemaker, name("m")))  # reads only
    setup.cloudtrail.put_event_selectors(TrailName=trail, EventSelectors=[{"IncludeManagementEvents": False}])
    nothing_after(lambda: model(setup.sagemaker, name("m")))  # no management events
    setup.cloudtrail.put_event_selectors(TrailName=trail, AdvancedEventSelectors=[{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "readOnly", "Equals": ["true"]}]}])
    nothing_after(lambda: model(setup.sagemaker, name("m")))  # advanced: reads only
    other = setup.emu.client("cloudtrail", "eu-north-1" if setup.region != "eu-north-1" else "eu-west-3")
    bucket = name("elsewhere")
    setup.emu.client("s3", "us-east-1").create_bucket(Bucket=bucket)
    elsewhere = other.create_trail(Name=name("elsewhere"), S3BucketName=bucket)["TrailARN"]
    try:
        other.start_logging(Name=elsewhere)
        nothing_after(lambda: model(setup.sagemaker, name("m")))  # another region's single-region trail
    finally:
        other.delete_trail(Name=elsewhere)

    setup.cloudtrail.put_event_selectors(TrailName=trail, AdvancedEventSelectors=[{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "readOnly", "Equals": ["false"]}]}])
    model(setup.sagemaker, name("m"))  # now it is logged
    [record] = setup.settled(fname)
    assert record["outcome"] == "ok" and len(logged(log)) == 1


def test_a_multi_region_trail_records_calls_in_every_region(setup: Setup, emulator: Emulator, name: Any):
    home = "ap-south-2" if setup.region != "ap-south-2" else "ap-southeast-3"
    ct = emulator.client("cloudtrail", home)
    bucket = name("multi")
    emulator.client("s3", "us-east-1").create_bucket(Bucket=bucket)
    arn = ct.create_trail(Name=name("multi"), S3BucketName=bucket, IsMultiRegionTrail=True)["TrailARN"]
    try:
        ct.start_logging(Name=arn)
        fname, farn, log = setup.function()
        setup.rule(farn, ["CreateModel"])
        model(setup.sagemaker, name("m"))
        [record] = setup.settled(fname)
        assert record["outcome"] == "ok" and logged(log)[0]["event"]["region"] == setup.region
    finally:
        ct.delete_trail(Name=arn)


def test_the_pattern_filters_by_event_name(setup: Setup, name: Any):
    setup.trail()
    fname, farn, log = setup.function()
    setup.rule(farn, ["CreateTrainingJob", "CreateNotebookInstance"])
    model(setup.sagemaker, name("m"))
    job = name("job")
    training_job(setup.sagemaker, job)
    setup.sagemaker.describe_training_job(TrainingJobName=job)
    setup.sagemaker.list_models()
    [record] = setup.settled(fname)
    time.sleep(0.2)
    assert [r["event_name"] for r in setup.deliveries(fname)] == ["CreateTrainingJob"]
    status, doc = setup.emu.http("GET", "/_emulator/deliveries")
    mine = [e for e in doc["events"] if e["region"] == setup.region]
    # Both calls were recorded and put on the bus; only one matched the rule. Reads are not events.
    assert sorted(e["event_name"] for e in mine) == ["CreateModel", "CreateTrainingJob"]
    assert [e["rules"] for e in mine if e["event_name"] == "CreateModel"] == [[]]


def test_without_the_events_permission_the_event_goes_to_the_target_dlq(setup: Setup, name: Any):
    setup.trail()
    fname, farn, log = setup.function()
    kms = setup.emu.client("kms", setup.region).create_key()["KeyMetadata"]["KeyId"]
    url, dlq = setup.queue(KmsMasterKeyId=kms)
    rule = setup.rule(farn, ["CreateModel"], permit=False, DeadLetterConfig={"Arn": dlq},
                      RetryPolicy={"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600})
    # A permission for some other rule does not count.
    setup.c["lambda"].add_permission(FunctionName=fname, StatementId="other-rule", Action="lambda:InvokeFunction",
                                     Principal="events.amazonaws.com", SourceArn=rule + "-other")
    model(setup.sagemaker, name("m"))
    [record] = setup.settled(fname)
    assert record["outcome"] == "dlq" and record["failure"] == "no_permission"
    assert record["attempts"] == 1 and record["invocations"] == []  # not retried, as AWS documents
    assert record["attempt_errors"][0]["code"] == "NO_PERMISSIONS"
    assert record["dlq"]["kind"] == "target" and record["dlq"]["arn"] == dlq and record["dlq"]["error_code"] == "NO_PERMISSIONS"
    assert logged(log) == []  # the function never ran

    messages = setup.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert body["id"] == record["event_id"] and body["detail"]["eventName"] == "CreateModel"
    attributes = {k: v["StringValue"] for k, v in messages[0]["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS" and attributes["RULE_ARN"] == rule
    assert attributes["TARGET_ARN"] == farn and attributes["RETRY_ATTEMPTS"] == "0"
    assert fname in attributes["ERROR_MESSAGE"] and "EXHAUSTED_RETRY_CONDITION" not in attributes

    # Without a DLQ the event is dropped; the record says why.
    setup.events.put_targets(Rule=rule.split("/")[-1], Targets=[{"Id": "respond", "Arn": farn}])
    model(setup.sagemaker, name("m"))
    records = setup.settled(fname, 2)
    assert records[1]["outcome"] == "no_permission" and records[1]["dlq"] is None


def test_a_function_error_is_retried_then_sent_to_the_function_dlq(setup: Setup, name: Any):
    setup.trail()
    fname, farn, log = setup.function(FAIL="1")
    url, dlq = setup.queue()
    setup.c["lambda"].update_function_configuration(FunctionName=fname, DeadLetterConfig={"TargetArn": dlq})
    assert setup.c["lambda"].get_function_configuration(FunctionName=fname)["DeadLetterConfig"] == {"TargetArn": dlq}
    setup.rule(farn, ["CreateEndpointConfig"])
    m = name("m")
    model(setup.sagemaker, m)
    variants = [{"VariantName": "v", "ModelName": m, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]
    setup.sagemaker.create_endpoint_config(EndpointConfigName=name("config"), ProductionVariants=variants)
    [record] = setup.settled(fname)
    # Default: two retries, so three runs, with the same request id.
    assert record["outcome"] == "dlq" and record["failure"] == "function_error" and record["attempts"] == 1
    runs = record["invocations"]
    assert [r["attempt"] for r in runs] == [1, 2, 3] and {r["result"] for r in runs} == {"function_error"}
    assert runs[0]["error_type"] == "Response.Failed" and len({r["request_id"] for r in runs}) == 1
    lines = logged(log)
    assert len(lines) == 3 and {line["request_id"] for line in lines} == {runs[0]["request_id"]}
    assert record["dlq"]["kind"] == "function" and record["dlq"]["arn"] == dlq

    [message] = setup.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == lines[0]["event"]  # the event as the function got it
    attributes = message["MessageAttributes"]
    assert attributes["RequestID"]["StringValue"] == runs[0]["request_id"]
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == "could not respond"

    # PutFunctionEventInvokeConfig: no retries; an SNS topic as the dead-letter target.
    topic = setup.sns.create_topic(Name=name("dlq-topic"), Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
    setup.c["lambda"].update_function_configuration(FunctionName=fname, DeadLetterConfig={"TargetArn": topic})
    setup.c["lambda"].put_function_event_invoke_config(FunctionName=fname, MaximumRetryAttempts=0)
    setup.sagemaker.create_endpoint_config(EndpointConfigName=name("config"), ProductionVariants=variants)
    second = setup.settled(fname, 2)[1]
    assert len(second["invocations"]) == 1 and second["outcome"] == "dlq" and second["dlq"]["arn"] == topic
    assert "message_id" in second["dlq"]


def test_concurrent_events_run_concurrently(setup: Setup, name: Any):
    setup.trail()
    fname, farn, log = setup.function(SLEEP="1")
    setup.rule(farn, ["CreateModel"])
    started = time.monotonic()
    for _ in range(3):
        model(setup.sagemaker, name("m"))
    assert time.monotonic() - started < 1.0
    records = setup.settled(fname, 3)
    assert all(r["outcome"] == "ok" for r in records)
    # Three one-second runs overlapped: all finished well within three seconds of the calls.
    assert time.monotonic() - started < 2.8
    starts = sorted(line["at"] for line in logged(log))
    assert starts[-1] - starts[0] < 0.9


def test_input_and_input_transformer(setup: Setup, name: Any):
    setup.trail()
    fname, farn, log = setup.function()
    rule = setup.rule(farn, ["CreateModel"], InputTransformer={
        "InputPathsMap": {"who": "$.detail.userIdentity.arn", "model": "$.detail.requestParameters.modelName",
                          "params": "$.detail.requestParameters"},
        "InputTemplate": '{"summary": "<who> created <model>", "params": <params>, "rule": "<aws.events.rule-arn>"}',
    })
    m = name("m")
    model(setup.sagemaker, m)
    setup.settled(fname)
    doc = logged(log)[0]["event"]
    assert doc["summary"] == f"arn:aws:iam::{ACCOUNT}:root created {m}"
    assert doc["params"]["modelName"] == m and doc["rule"] == rule

    setup.events.put_targets(Rule=rule.split("/")[-1], Targets=[{"Id": "respond", "Arn": farn, "Input": '{"fixed": true}'}])
    model(setup.sagemaker, name("m"))
    setup.settled(fname, 2)
    assert logged(log)[1]["event"] == {"fixed": True}


def test_put_events_reach_lambda_and_disabled_rules_deliver_nothing(setup: Setup, name: Any):
    fname, farn, log = setup.function()
    rule = name("custom")
    arn = setup.events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["team.app"]}))["RuleArn"]
    setup.events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": farn}])
    setup.c["lambda"].add_permission(FunctionName=fname, StatementId="ev", Action="lambda:InvokeFunction",
                                     Principal="events.amazonaws.com", SourceArn=arn)
    entry = {"Source": "team.app", "DetailType": "thing", "Detail": json.dumps({"a": 1})}
    setup.events.put_events(Entries=[entry])
    [record] = setup.settled(fname)
    event = logged(log)[0]["event"]
    assert record["outcome"] == "ok" and event["detail"] == {"a": 1} and event["account"] == ACCOUNT
    assert event["time"].endswith("Z") and "ingestion-time" not in event

    setup.events.disable_rule(Name=rule)
    setup.events.put_events(Entries=[entry])
    time.sleep(0.3)
    assert len(setup.deliveries(fname)) == 1


def test_throttled_deliveries_follow_the_target_retry_policy(setup: Setup, emulator: Emulator, name: Any):
    setup.trail()
    fname, farn, log = setup.function()
    url, dlq = setup.queue()
    setup.rule(farn, ["CreateModel"], DeadLetterConfig={"Arn": dlq}, RetryPolicy={"MaximumRetryAttempts": 2})
    emulator.set_config(cloudtrail_delay_ms=600)
    model(setup.sagemaker, name("m"))
    emulator.set_config(faults="throttle:1.0")  # every call the emulator makes is throttled from now on
    try:
        [record] = setup.settled(fname)
    finally:
        emulator.set_config(faults="")
    assert record["outcome"] == "dlq" and record["failure"] == "throttled" and record["attempts"] == 3
    assert [e["code"] for e in record["attempt_errors"]] == ["THROTTLING"] * 3
    [message] = setup.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "THROTTLING" and attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert logged(log) == []


def test_lambda_dead_letter_config_and_event_invoke_config(setup: Setup, name: Any):
    fname, farn, _ = setup.function()
    lam = setup.c["lambda"]
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName=fname)
    _, dlq = setup.queue()
    lam.update_function_configuration(FunctionName=fname, DeadLetterConfig={"TargetArn": dlq})
    assert lam.get_function(FunctionName=fname)["Configuration"]["DeadLetterConfig"] == {"TargetArn": dlq}
    lam.update_function_configuration(FunctionName=fname, DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName=fname)

    lam.put_function_event_invoke_config(FunctionName=fname, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120)
    lam.put_function_event_invoke_config(FunctionName=fname, MaximumRetryAttempts=0)  # replaces
    got = lam.get_function_event_invoke_config(FunctionName=fname)
    assert got["MaximumRetryAttempts"] == 0 and "MaximumEventAgeInSeconds" not in got
    lam.update_function_event_invoke_config(FunctionName=fname, MaximumEventAgeInSeconds=300)  # merges
    got = lam.get_function_event_invoke_config(FunctionName=fname)
    assert got["MaximumRetryAttempts"] == 0 and got["MaximumEventAgeInSeconds"] == 300
    assert farn in setup.emu.inventory()["lambda:event_invoke_config"]
    lam.delete_function_event_invoke_config(FunctionName=fname)
    assert farn not in setup.emu.inventory()["lambda:event_invoke_config"]


def test_inventory_kinds_of_a_security_response(setup: Setup, name: Any):
    fname, farn, _ = setup.function()
    rule = setup.rule(farn, ["CreateModel"])
    _, queue = setup.queue()
    topic = setup.sns.create_topic(Name=name("alerts"))["TopicArn"]
    trail = setup.trail()
    inventory = setup.emu.inventory()
    assert farn in inventory["lambda:function"] and rule in inventory["events:rule"]
    assert queue in inventory["sqs:queue"] and topic in inventory["sns:topic"]
    assert trail in inventory["cloudtrail:trail"]

    setup.events.remove_targets(Rule=rule.split("/")[-1], Ids=["respond"])
    setup.events.delete_rule(Name=rule.split("/")[-1])
    setup.c["lambda"].delete_function(FunctionName=fname)
    setup.sqs.delete_queue(QueueUrl=setup.sqs.get_queue_url(QueueName=queue.split(":")[-1])["QueueUrl"])
    setup.sns.delete_topic(TopicArn=topic)
    inventory = setup.emu.inventory()
    assert farn not in inventory["lambda:function"] and rule not in inventory["events:rule"]
    assert queue not in inventory["sqs:queue"] and topic not in inventory["sns:topic"]


def test_deliveries_route_and_reset(setup: Setup, name: Any):
    setup.trail()
    fname, farn, _ = setup.function()
    setup.rule(farn, ["CreateModel"])
    model(setup.sagemaker, name("m"))
    setup.settled(fname)
    status, doc = setup.emu.http("GET", f"/_emulator/deliveries?function={farn}")
    assert status == 200 and list(doc["functions"]) == [farn] and doc["count"] == 1 and doc["pending"] == 0
    assert setup.emu.http("GET", "/_emulator/deliveries/reset")[0] == 405
    status, doc = setup.emu.http("POST", "/_emulator/deliveries/reset")
    assert status == 200 and doc["functions"] == {} and doc["events"] == []
    assert setup.deliveries(fname) == []
