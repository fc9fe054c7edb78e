"""CloudFormation stacks progress in the background; custom resources call their Lambda (cfn_custom.py)."""

import json

import pytest

from conftest import create_local_function, read_events, wait_for

TEMPLATE = {
    "Parameters": {
        "Token": {"Type": "String"},
        "Name": {"Type": "String"},
        "Count": {"Type": "Number", "Default": 3},
        "Fail": {"Type": "String", "Default": "false"},
    },
    "Resources": {
        "Thing": {
            "Type": "Custom::Thing",
            "Properties": {
                "ServiceToken": {"Ref": "Token"},
                "Name": {"Ref": "Name"},
                "Count": {"Ref": "Count"},
                "Enabled": True,
                "Nested": {"Ratio": 1.5, "List": [1, False]},
                "Fail": {"Ref": "Fail"},
            },
        }
    },
    "Outputs": {
        "Echo": {"Value": {"Fn::GetAtt": ["Thing", "Echo"]}, "Description": "from Data"},
        "Id": {"Value": {"Ref": "Thing"}},
    },
}


@pytest.fixture
def setup(emulator, region, name, tmp_path):
    log = tmp_path / "events.jsonl"
    arn = create_local_function(emulator, region, name("cr"), env={"EVENT_LOG": str(log)})
    return emulator.client("cloudformation", region), arn, log


def params(**values):
    return [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in values.items()]


def stack_of(cfn, stack_id):
    return cfn.describe_stacks(StackName=stack_id)["Stacks"][0]


def wait_stack(cfn, stack_id, timeout=10.0):
    def settled():
        stack = stack_of(cfn, stack_id)
        return stack if not stack["StackStatus"].endswith("_IN_PROGRESS") else None

    return wait_for(settled, timeout, "the stack to settle")


def test_create_sends_create_and_outputs_come_from_data(setup, name):
    cfn, arn, log = setup
    stack_id = cfn.create_stack(StackName=name("st"), TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="a"))["StackId"]
    assert stack_of(cfn, stack_id)["StackStatus"] == "CREATE_IN_PROGRESS"
    stack = wait_stack(cfn, stack_id)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o for o in stack["Outputs"]}
    assert outputs["Echo"]["OutputValue"] == "a" and outputs["Echo"]["Description"] == "from Data"
    assert outputs["Id"]["OutputValue"] == "phys-a"
    [event] = read_events(log)
    assert event["RequestType"] == "Create"
    assert event["ServiceToken"] == arn and event["StackId"] == stack_id
    assert event["LogicalResourceId"] == "Thing" and event["ResourceType"] == "Custom::Thing"
    assert event["ResponseURL"].startswith("http://127.0.0.1:")
    assert "PhysicalResourceId" not in event and "OldResourceProperties" not in event
    # CloudFormation sends numbers and booleans as strings.
    assert event["ResourceProperties"] == {
        "ServiceToken": arn, "Name": "a", "Count": "3", "Enabled": "true",
        "Nested": {"Ratio": "1.5", "List": ["1", "false"]}, "Fail": "false",
    }
    resources = cfn.describe_stack_resources(StackName=stack_id)["StackResources"]
    assert [r["PhysicalResourceId"] for r in resources] == ["phys-a"]


def test_failed_create_rolls_back_with_a_delete(setup, name):
    cfn, arn, log = setup
    stack_id = cfn.create_stack(
        StackName=name("st"), TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="b", Fail="true")
    )["StackId"]
    stack = wait_stack(cfn, stack_id)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Thing" in stack["StackStatusReason"]
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed and "asked to fail" in failed[0]["ResourceStatusReason"]
    assert [(e["RequestType"], e.get("PhysicalResourceId")) for e in read_events(log)] == [("Create", None), ("Delete", "phys-failed")]


def test_failed_create_without_rollback(setup, name):
    cfn, arn, log = setup
    stack_id = cfn.create_stack(
        StackName=name("st"), TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="c", Fail="true"), DisableRollback=True
    )["StackId"]
    stack = wait_stack(cfn, stack_id)
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert "asked to fail" in stack["StackStatusReason"]
    assert [e["RequestType"] for e in read_events(log)] == ["Create"]


def test_update_with_new_physical_id_deletes_the_old_one(setup, name):
    cfn, arn, log = setup
    stack_id = cfn.create_stack(StackName=name("st"), TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="old"))["StackId"]
    wait_stack(cfn, stack_id)
    cfn.update_stack(StackName=stack_id, TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="new"))
    stack = wait_stack(cfn, stack_id)
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]} == {"Echo": "new", "Id": "phys-new"}
    create, update, cleanup = read_events(log)
    assert update["RequestType"] == "Update" and update["PhysicalResourceId"] == "phys-old"
    assert update["OldResourceProperties"]["Name"] == "old" and update["ResourceProperties"]["Name"] == "new"
    assert cleanup["RequestType"] == "Delete" and cleanup["PhysicalResourceId"] == "phys-old"
    assert cleanup["ResourceProperties"]["Name"] == "old"


def test_failed_update_rolls_back(setup, name):
    cfn, arn, log = setup
    stack_id = cfn.create_stack(StackName=name("st"), TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="x"))["StackId"]
    wait_stack(cfn, stack_id)
    cfn.update_stack(StackName=stack_id, TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="y", Fail="true"))
    stack = wait_stack(cfn, stack_id)
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert [o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "Id"] == ["phys-x"]
    kinds = [(e["RequestType"], e["ResourceProperties"]["Name"]) for e in read_events(log)]
    assert kinds == [("Create", "x"), ("Update", "y"), ("Update", "x")]


def test_delete_stack_sends_delete_and_waits(setup, name):
    cfn, arn, log = setup
    stack_id = cfn.create_stack(StackName=name("st"), TemplateBody=json.dumps(TEMPLATE), Parameters=params(Token=arn, Name="d"))["StackId"]
    wait_stack(cfn, stack_id)
    cfn.delete_stack(StackName=stack_id)
    assert stack_of(cfn, stack_id)["StackStatus"] in ("DELETE_IN_PROGRESS", "DELETE_COMPLETE")
    assert wait_stack(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    last = read_events(log)[-1]
    assert last["RequestType"] == "Delete" and last["PhysicalResourceId"] == "phys-d"
    assert "OldResourceProperties" not in last


def test_no_answer_fails_after_service_timeout(setup, name, emulator, region):
    cfn, _, _ = setup
    # A function that never answers the ResponseURL (plain echo of a CloudFormation event is not possible:
    # FAKE_BOOTSTRAP always answers), so point the ServiceToken at a function that times out instead.
    slow = create_local_function(emulator, region, name("slow"), timeout=1, env={"EVENT_LOG": "/nonexistent/dir/x"})
    template = json.loads(json.dumps(TEMPLATE))
    template["Resources"]["Thing"]["Properties"]["ServiceTimeout"] = 2
    stack_id = cfn.create_stack(StackName=name("st"), TemplateBody=json.dumps(template), Parameters=params(Token=slow, Name="t"), DisableRollback=True)["StackId"]
    stack = wait_stack(cfn, stack_id, 8)
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert "did not receive a response" in stack["StackStatusReason"]
