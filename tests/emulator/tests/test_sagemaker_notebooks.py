"""SageMaker notebook instances and their lifecycle configurations (extensions/sagemaker_notebooks.py):
settings read back, AWS's statuses and transitions, lists that page."""

import base64
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, wait_for

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-execution"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"


def refused(code: str, call: Callable[..., Any], **kw: Any) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value.response["Error"]["Message"]


def names(page: list[dict[str, Any]], key: str) -> list[str]:
    return [item[key] for item in page]

pytestmark = pytest.mark.usefixtures("fast_studio")  # every transition takes 0.05 s
SCRIPT = base64.b64encode(b"#!/bin/bash\nset -e\npip install --quiet pandas\n").decode()


@pytest.fixture
def sm(emulator: Emulator, region: str) -> Any:
    return emulator.client("sagemaker", region)


def notebook_status(sm: Any, name: str) -> str:
    return sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]


def wait_notebook(sm: Any, name: str, status: str) -> None:
    wait_for(lambda: notebook_status(sm, name) == status, what=status)


def test_notebook_instance_settings_and_statuses(sm, name, region):
    lifecycle = name("nblc")
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lifecycle, OnStart=[{"Content": SCRIPT}])
    notebook = name("nb")
    arn = sm.create_notebook_instance(
        NotebookInstanceName=notebook, InstanceType="ml.t3.medium", RoleArn=ROLE,
        SubnetId="subnet-0123456789abcdef0", SecurityGroupIds=["sg-0123456789abcdef0"], KmsKeyId=KEY,
        RootAccess="Disabled", DirectInternetAccess="Disabled", LifecycleConfigName=lifecycle,
        Tags=[{"Key": "team", "Value": "fraud"}],
    )["NotebookInstanceArn"]
    assert arn == f"arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance/{notebook}"
    d = sm.describe_notebook_instance(NotebookInstanceName=notebook)
    assert d["SubnetId"] == "subnet-0123456789abcdef0" and d["SecurityGroups"] == ["sg-0123456789abcdef0"]
    assert d["KmsKeyId"] == KEY and d["RootAccess"] == "Disabled" and d["DirectInternetAccess"] == "Disabled"
    assert d["NotebookInstanceLifecycleConfigName"] == lifecycle and d["RoleArn"] == ROLE
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "fraud"}]

    # Pending, then InService (moto: InService at once); only an InService instance stops.
    assert d["NotebookInstanceStatus"] == "Pending"
    message = refused("ValidationException", sm.stop_notebook_instance, NotebookInstanceName=notebook)
    assert message == f"Status (Pending) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance ({arn})"
    wait_notebook(sm, notebook, "InService")
    message = refused("ValidationException", sm.start_notebook_instance, NotebookInstanceName=notebook)
    assert message == f"Status (InService) not in ([Stopped, Failed]). Unable to transition to (Pending) for Notebook Instance ({arn})"
    message = refused("ValidationException", sm.delete_notebook_instance, NotebookInstanceName=notebook)
    assert message == f"Status (InService) not in ([Stopped, Failed]). Unable to transition to (Deleting) for Notebook Instance ({arn})"

    # Stopping, then Stopped; Pending, then InService again.
    sm.stop_notebook_instance(NotebookInstanceName=notebook)
    assert notebook_status(sm, notebook) == "Stopping"
    assert "Stopping" in refused("ValidationException", sm.start_notebook_instance, NotebookInstanceName=notebook)
    wait_notebook(sm, notebook, "Stopped")
    sm.start_notebook_instance(NotebookInstanceName=notebook)
    assert notebook_status(sm, notebook) == "Pending"
    wait_notebook(sm, notebook, "InService")

    # Deleting, then gone (AWS's answer for an unknown instance: ValidationException RecordNotFound).
    sm.stop_notebook_instance(NotebookInstanceName=notebook)
    wait_notebook(sm, notebook, "Stopped")
    sm.delete_notebook_instance(NotebookInstanceName=notebook)
    assert notebook_status(sm, notebook) == "Deleting"
    assert names(sm.list_notebook_instances(NameContains=notebook)["NotebookInstances"], "NotebookInstanceStatus") == ["Deleting"]
    wait_for(lambda: sm.list_notebook_instances(NameContains=notebook)["NotebookInstances"] == [], what="gone")
    assert refused("ValidationException", sm.describe_notebook_instance, NotebookInstanceName=notebook) == "RecordNotFound"


def test_notebook_instance_defaults_and_checks(emulator, sm, name, region):
    notebook = name("nb")
    sm.create_notebook_instance(NotebookInstanceName=notebook, InstanceType="ml.g5.xlarge", RoleArn=ROLE)  # moto's list lacked it
    d = sm.describe_notebook_instance(NotebookInstanceName=notebook)
    assert d["RootAccess"] == "Enabled" and d["DirectInternetAccess"] == "Enabled" and d["VolumeSizeInGB"] == 5
    assert "SubnetId" not in d and "KmsKeyId" not in d
    assert refused("ValidationException", sm.create_notebook_instance, NotebookInstanceName=notebook,
                   InstanceType="ml.t3.medium", RoleArn=ROLE).startswith("Cannot create a duplicate Notebook Instance")
    missing = name("nolc")
    message = refused("ValidationException", sm.create_notebook_instance, NotebookInstanceName=name("nb"),
                      InstanceType="ml.t3.medium", RoleArn=ROLE, LifecycleConfigName=missing)
    assert message == f"Notebook Instance Lifecycle Config arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance-lifecycle-config/{missing} does not exist."
    raw = boto3.client("sagemaker", endpoint_url=emulator.url, region_name=region, aws_access_key_id="testing",
                       aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    message = refused("ValidationException", raw.create_notebook_instance, NotebookInstanceName=name("nb"),
                      InstanceType="ml.huge", RoleArn=ROLE, RootAccess="Sometimes")
    assert message.startswith("2 validation errors detected: Value 'ml.huge' at 'instanceType' failed to satisfy constraint: Member must satisfy enum value set: [")
    assert "Value 'Sometimes' at 'rootAccess' failed to satisfy constraint: Member must satisfy enum value set: [Enabled, Disabled]" in message
    assert notebook in emulator.inventory()["sagemaker:notebook_instance"]


def test_list_notebook_instances_filters_sorts_and_pages(sm, name):
    prefix = name("nbl")
    lifecycle = name("nblc")
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lifecycle, OnCreate=[{"Content": SCRIPT}])
    notebooks = [f"{prefix}-{i}" for i in range(4)]
    for i, notebook in enumerate(notebooks):
        extra = {"LifecycleConfigName": lifecycle} if i % 2 else {}
        sm.create_notebook_instance(NotebookInstanceName=notebook, InstanceType="ml.t3.medium", RoleArn=ROLE, **extra)
    for notebook in notebooks:
        wait_notebook(sm, notebook, "InService")
    sm.stop_notebook_instance(NotebookInstanceName=notebooks[2])

    first = sm.list_notebook_instances(NameContains=prefix, MaxResults=3)  # default: Name, Ascending
    assert names(first["NotebookInstances"], "NotebookInstanceName") == notebooks[:3]
    rest = sm.list_notebook_instances(NameContains=prefix, MaxResults=3, NextToken=first["NextToken"])
    assert names(rest["NotebookInstances"], "NotebookInstanceName") == notebooks[3:] and "NextToken" not in rest
    summary = first["NotebookInstances"][1]
    assert summary["NotebookInstanceLifecycleConfigName"] == lifecycle and summary["InstanceType"] == "ml.t3.medium"
    assert "RoleArn" not in summary  # a summary, not the description

    stopping = sm.list_notebook_instances(NameContains=prefix, StatusEquals="Stopping")["NotebookInstances"]
    assert names(stopping, "NotebookInstanceName") == [notebooks[2]]
    with_lifecycle = sm.list_notebook_instances(NameContains=prefix, NotebookInstanceLifecycleConfigNameContains=lifecycle)
    assert names(with_lifecycle["NotebookInstances"], "NotebookInstanceName") == [notebooks[1], notebooks[3]]
    desc = sm.list_notebook_instances(NameContains=prefix, SortBy="CreationTime", SortOrder="Descending")
    assert names(desc["NotebookInstances"], "NotebookInstanceName") == notebooks[::-1]


def test_notebook_lifecycle_configs(sm, name, region):
    prefix = name("nblcl")
    configs = [f"{prefix}-{i}" for i in range(3)]
    arns = [
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=c, OnCreate=[{"Content": SCRIPT}], Tags=[{"Key": "n", "Value": str(i)}]
        )["NotebookInstanceLifecycleConfigArn"]
        for i, c in enumerate(configs)
    ]
    assert arns[0] == f"arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance-lifecycle-config/{configs[0]}"
    d = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=configs[0])
    assert d["OnCreate"] == [{"Content": SCRIPT}] and "OnStart" not in d

    # moto lacked the list (500) and tags on these ARNs (500).
    first = sm.list_notebook_instance_lifecycle_configs(NameContains=prefix, MaxResults=2)
    assert names(first["NotebookInstanceLifecycleConfigs"], "NotebookInstanceLifecycleConfigName") == configs[:2]
    rest = sm.list_notebook_instance_lifecycle_configs(NameContains=prefix, MaxResults=2, NextToken=first["NextToken"])
    assert names(rest["NotebookInstanceLifecycleConfigs"], "NotebookInstanceLifecycleConfigArn") == arns[2:]
    assert sm.list_tags(ResourceArn=arns[1])["Tags"] == [{"Key": "n", "Value": "1"}]
    sm.add_tags(ResourceArn=arns[1], Tags=[{"Key": "team", "Value": "ml"}])
    assert len(sm.list_tags(ResourceArn=arns[1])["Tags"]) == 2

    message = refused("ValidationException", sm.create_notebook_instance_lifecycle_config,
                      NotebookInstanceLifecycleConfigName=name("nblc"), OnStart=[{"Content": SCRIPT}, {"Content": SCRIPT}])
    assert message.startswith("1 validation error detected: Value '[") and "at 'onStart' failed to satisfy constraint: Member must have length less than or equal to 1" in message
    assert refused("ValidationException", sm.create_notebook_instance_lifecycle_config,
                   NotebookInstanceLifecycleConfigName=configs[0]).startswith("Unable to create Notebook Instance Lifecycle Config")

    sm.delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=configs[0])
    left = sm.list_notebook_instance_lifecycle_configs(NameContains=prefix)["NotebookInstanceLifecycleConfigs"]
    assert names(left, "NotebookInstanceLifecycleConfigName") == configs[1:]


def test_update_notebook_instance(sm, name, region):
    lifecycle, other = name("nblc"), name("nblc")
    for config in (lifecycle, other):
        sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=config, OnStart=[{"Content": SCRIPT}])
    notebook = name("nb")
    arn = sm.create_notebook_instance(
        NotebookInstanceName=notebook, InstanceType="ml.t3.medium", RoleArn=ROLE, VolumeSizeInGB=20,
        LifecycleConfigName=lifecycle, RootAccess="Disabled",
    )["NotebookInstanceArn"]
    message = refused("ValidationException", sm.update_notebook_instance, NotebookInstanceName=notebook, InstanceType="ml.t3.large")
    assert message == f"Status (Pending) not in ([Stopped, Failed]). Unable to transition to (Updating) for Notebook Instance ({arn})"
    wait_notebook(sm, notebook, "InService")
    assert "Status (InService) not in" in refused("ValidationException", sm.update_notebook_instance, NotebookInstanceName=notebook)
    sm.stop_notebook_instance(NotebookInstanceName=notebook)
    wait_notebook(sm, notebook, "Stopped")

    sm.update_notebook_instance(NotebookInstanceName=notebook, InstanceType="ml.t3.large", VolumeSizeInGB=40,
                                LifecycleConfigName=other, RoleArn=f"{ROLE}-2", RootAccess="Enabled")
    d = sm.describe_notebook_instance(NotebookInstanceName=notebook)
    assert (d["InstanceType"], d["VolumeSizeInGB"], d["NotebookInstanceLifecycleConfigName"], d["RoleArn"], d["RootAccess"]) == (
        "ml.t3.large", 40, other, f"{ROLE}-2", "Enabled")
    assert d["NotebookInstanceStatus"] == "Stopped"  # applied at once; AWS: Updating, then Stopped
    sm.update_notebook_instance(NotebookInstanceName=notebook, DisassociateLifecycleConfig=True)
    assert "NotebookInstanceLifecycleConfigName" not in sm.describe_notebook_instance(NotebookInstanceName=notebook)

    message = refused("ValidationException", sm.update_notebook_instance, NotebookInstanceName=notebook, VolumeSizeInGB=10)
    assert message == f"VolumeSizeInGB cannot be decreased: Notebook Instance ({arn}) has 40 GB, 10 GB was requested."
    missing = name("nolc")
    assert refused("ValidationException", sm.update_notebook_instance, NotebookInstanceName=notebook, LifecycleConfigName=missing) == (
        f"Notebook Instance Lifecycle Config arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance-lifecycle-config/{missing} does not exist."
    )
    assert refused("ValidationException", sm.update_notebook_instance, NotebookInstanceName=notebook, VolumeSizeInGB=20000).startswith(
        "1 validation error detected: Value '20000' at 'volumeSizeInGB' failed to satisfy constraint: Member must have value less than or equal to 16384"
    )
    assert refused("ValidationException", sm.update_notebook_instance, NotebookInstanceName=name("nb")) == "RecordNotFound"


def test_update_notebook_instance_lifecycle_config(sm, name, region):
    config = name("nblc")
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=config, OnCreate=[{"Content": SCRIPT}])
    other = base64.b64encode(b"#!/bin/bash\necho start\n").decode()
    sm.update_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=config, OnStart=[{"Content": other}])
    d = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=config)
    assert d["OnCreate"] == [{"Content": SCRIPT}] and d["OnStart"] == [{"Content": other}]  # what was not given stays
    missing = name("nolc")
    assert refused("ValidationException", sm.update_notebook_instance_lifecycle_config, NotebookInstanceLifecycleConfigName=missing) == (
        f"Unable to update Notebook Instance Lifecycle Config arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance-lifecycle-config/"
        f"{missing}. (Details: Notebook Instance Lifecycle Config does not exist.)"
    )
    assert "at 'onStart' failed to satisfy constraint" in refused(
        "ValidationException", sm.update_notebook_instance_lifecycle_config, NotebookInstanceLifecycleConfigName=config,
        OnStart=[{"Content": other}, {"Content": other}])
