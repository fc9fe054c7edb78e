"""Team products launched through Service Catalog: a notebook instance with its lifecycle
configuration, and a Studio user profile (cfn_sagemaker.py), their ProvisioningParameters
checked against the template (sc_provisioning.py), their updates and their terminate."""

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, studio_network, wait_for, wait_status

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-dev-execution"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-dev-team-admin"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
SUBNET, GROUP = "subnet-0123456789abcdef0", "sg-0123456789abcdef0"
SCRIPT = "#!/bin/bash\nset -euo pipefail\necho 'export AWS_STS_REGIONAL_ENDPOINTS=regional' > /etc/profile.d/env.sh\n"

# Template A: the notebook instance product (as the brief's, with the environment's values in Mappings).
NOTEBOOK_TEMPLATE = f"""
Parameters:
  NotebookInstanceName: {{Type: String, AllowedPattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}$'}}
  InstanceType:
    Type: String
    Default: ml.t3.medium
    AllowedPattern: '^(ml\\.t3\\..*|ml\\.m5\\.large)$'
    ConstraintDescription: 'an instance type the environment allows: ml.t3.* or ml.m5.large'
  VolumeSizeInGB: {{Type: Number, Default: 20, MinValue: 5, MaxValue: 500}}
Mappings:
  Environment:
    Values: {{SubnetId: {SUBNET}, SecurityGroupId: {GROUP}, RoleArn: '{ROLE}', KmsKeyId: '{KEY}', EnvironmentId: team-dev}}
Resources:
  LifecycleConfig:
    Type: AWS::SageMaker::NotebookInstanceLifecycleConfig
    Properties:
      NotebookInstanceLifecycleConfigName: !Sub '${{NotebookInstanceName}}-lc'
      OnStart: [{{Content: !Base64 {json.dumps(SCRIPT)}}}]
  Notebook:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      NotebookInstanceName: !Ref NotebookInstanceName
      InstanceType: !Ref InstanceType
      RoleArn: !FindInMap [Environment, Values, RoleArn]
      SubnetId: !FindInMap [Environment, Values, SubnetId]
      SecurityGroupIds: [!FindInMap [Environment, Values, SecurityGroupId]]
      KmsKeyId: !FindInMap [Environment, Values, KmsKeyId]
      RootAccess: Disabled
      DirectInternetAccess: Disabled
      VolumeSizeInGB: !Ref VolumeSizeInGB
      LifecycleConfigName: !GetAtt LifecycleConfig.NotebookInstanceLifecycleConfigName
      Tags: [{{Key: 'secure-mlops:environment', Value: !FindInMap [Environment, Values, EnvironmentId]}}]
Outputs:
  NotebookInstanceArn: {{Value: !Ref Notebook, Description: the notebook instance}}
  NotebookInstanceName: {{Value: !GetAtt Notebook.NotebookInstanceName}}
  LifecycleConfigArn: {{Value: !Ref LifecycleConfig}}
"""


def profile_template(domain_id: str, persona_tag: bool = True) -> str:
    """Template B: the Studio user profile product. With `persona_tag`, the Persona is also a tag
    (as in the brief); a tag is create-only, so changing the Persona then means replacement."""
    tag = "\n        - {Key: 'secure-mlops:persona', Value: !Ref Persona}" if persona_tag else ""
    return f"""
Parameters:
  UserProfileName: {{Type: String, AllowedPattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}$'}}
  Persona: {{Type: String, AllowedValues: [data-scientist, team-admin], Default: data-scientist}}
  SsoUserName: {{Type: String, Default: ''}}
Conditions:
  UsesSso: !Not [!Equals [!Ref SsoUserName, '']]
Mappings:
  Environment:
    Values: {{DomainId: {domain_id}, SecurityGroupId: {GROUP}, EnvironmentId: team-dev}}
  Roles:
    data-scientist: {{Arn: '{ROLE}'}}
    team-admin: {{Arn: '{ADMIN_ROLE}'}}
Resources:
  UserProfile:
    Type: AWS::SageMaker::UserProfile
    Properties:
      DomainId: !FindInMap [Environment, Values, DomainId]
      UserProfileName: !Ref UserProfileName
      SingleSignOnUserIdentifier: !If [UsesSso, UserName, !Ref 'AWS::NoValue']
      SingleSignOnUserValue: !If [UsesSso, !Ref SsoUserName, !Ref 'AWS::NoValue']
      UserSettings:
        ExecutionRole: !FindInMap [Roles, !Ref Persona, Arn]
        SecurityGroups: [!FindInMap [Environment, Values, SecurityGroupId]]
      Tags:
        - {{Key: 'secure-mlops:environment', Value: !FindInMap [Environment, Values, EnvironmentId]}}{tag}
Outputs:
  UserProfileArn: {{Value: !GetAtt UserProfile.UserProfileArn}}
  UserProfileId: {{Value: !Ref UserProfile}}
"""


class Team:
    """One region's clients, and products made from template texts."""

    def __init__(self, emulator: Emulator, region: str, name: Any):
        self.emulator, self.region, self.name = emulator, region, name
        for service in ("servicecatalog", "sagemaker", "cloudformation", "s3", "ec2"):
            setattr(self, service, emulator.client(service, region))
        self.bucket = name("team-templates")
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": region})
        self.launch_role = f"arn:aws:iam::{ACCOUNT}:role/{name('launch')}"

    def product(self, template: str) -> str:
        key = f"{self.name('t')}.yaml"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=template.encode())
        sc = self.servicecatalog
        product_id = sc.create_product(
            Name=self.name("prod"), Owner="team", ProductType="CLOUD_FORMATION_TEMPLATE",
            ProvisioningArtifactParameters={
                "Name": "1.0.0", "Type": "CLOUD_FORMATION_TEMPLATE",
                "Info": {"LoadTemplateFromURL": f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{key}"},
            },
        )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        portfolio = sc.create_portfolio(DisplayName=self.name("team"), ProviderName="platform")["PortfolioDetail"]["Id"]
        sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
        sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH",
                             Parameters=json.dumps({"RoleArn": self.launch_role}))
        return product_id

    def launch(self, product_id: str, **params: str) -> dict[str, Any]:
        return self.servicecatalog.provision_product(
            ProductId=product_id, ProvisionedProductName=self.name("pp"),
            ProvisioningParameters=[{"Key": k, "Value": v} for k, v in params.items()],
        )["RecordDetail"]

    def record(self, record_id: str) -> dict[str, Any]:
        return self.servicecatalog.describe_record(Id=record_id)

    def finished(self, record_id: str, timeout: float = 10.0) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            doc = self.record(record_id)
            return doc if doc["RecordDetail"]["Status"] in ("SUCCEEDED", "FAILED") else None

        return wait_for(done, timeout, "the record to finish")

    def outputs(self, doc: dict[str, Any]) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in doc["RecordOutputs"]}

    def stack(self, pp_id: str) -> str:
        return f"SC-{ACCOUNT}-{pp_id}"

    def events(self, pp_id: str) -> list[tuple[str, str]]:
        """(logical id, status) of the product's stack's resource events, oldest first."""
        stack = self.stack(pp_id)
        events = self.cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
        return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events) if e["LogicalResourceId"] != stack]

    def refused(self, call: Any, code: str = "InvalidParametersException", **kw: Any) -> str:
        with pytest.raises(ClientError) as exc:
            call(**kw)
        assert error_code(exc) == code, exc.value.response["Error"]
        return exc.value.response["Error"]["Message"]


@pytest.fixture
def team(emulator: Emulator, region: str, name: Any) -> Team:
    return Team(emulator, region, name)


@pytest.fixture
def studio_delay(emulator: Emulator):
    """Set studio_delay_seconds for one test; the session's value comes back after it."""
    before = emulator.http("GET", "/_emulator/config")[1]["studio_delay_seconds"]
    yield lambda seconds: emulator.set_config(studio_delay_seconds=seconds)
    emulator.set_config(studio_delay_seconds=before)


def notebook_status(team: Team, name: str) -> str:
    try:
        return team.sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
    except ClientError as err:
        assert err.response["Error"]["Message"] == "RecordNotFound"
        return "gone"


def lifecycle_configs(team: Team, name: str) -> list[str]:
    page = team.sagemaker.list_notebook_instance_lifecycle_configs(NameContains=name)["NotebookInstanceLifecycleConfigs"]
    return [c["NotebookInstanceLifecycleConfigName"] for c in page]


# --- the notebook instance product --------------------------------------------------------


def test_notebook_product_launches_reads_back_and_terminates(team, studio_delay, region):
    studio_delay(0.3)  # long enough to see Pending, Stopping and Deleting
    product = team.product(NOTEBOOK_TEMPLATE)
    notebook = team.name("nb")
    record = team.launch(product, NotebookInstanceName=notebook, InstanceType="ml.t3.large")
    pp_id = record["ProvisionedProductId"]

    # The stack waits for the instance, which is Pending as after CreateNotebookInstance.
    seen = []

    def launched() -> dict[str, Any] | None:
        doc = team.record(record["RecordId"])
        seen.append((doc["RecordDetail"]["Status"], notebook_status(team, notebook)))
        return doc if doc["RecordDetail"]["Status"] != "IN_PROGRESS" else None

    done = wait_for(launched, 10, "the launch")
    assert ("IN_PROGRESS", "Pending") in seen and seen[-1] == ("SUCCEEDED", "InService"), seen
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance/{notebook}"
    lifecycle = f"{notebook}-lc"
    assert team.outputs(done) == {
        "NotebookInstanceArn": arn,  # Ref: the ARN
        "NotebookInstanceName": notebook,  # GetAtt NotebookInstanceName
        "LifecycleConfigArn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance-lifecycle-config/{lifecycle}",
    }
    assert done["RecordOutputs"][0]["Description"] == "the notebook instance"
    outputs = team.servicecatalog.get_provisioned_product_outputs(ProvisionedProductId=pp_id)["Outputs"]
    assert {o["OutputKey"]: o["OutputValue"] for o in outputs} == team.outputs(done)

    d = team.sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)
    assert d["NotebookInstanceArn"] == arn and d["NotebookInstanceStatus"] == "InService"
    assert d["InstanceType"] == "ml.t3.large" and d["RoleArn"] == ROLE
    assert d["SubnetId"] == SUBNET and d["SecurityGroups"] == [GROUP] and d["KmsKeyId"] == KEY
    assert d["RootAccess"] == "Disabled" and d["DirectInternetAccess"] == "Disabled"
    assert d["VolumeSizeInGB"] == 20  # the parameter's Default, a Number
    assert d["NotebookInstanceLifecycleConfigName"] == lifecycle
    assert team.sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "secure-mlops:environment", "Value": "team-dev"}]
    listed = team.sagemaker.list_notebook_instances(NameContains=notebook)["NotebookInstances"]
    assert [(n["NotebookInstanceName"], n["NotebookInstanceStatus"]) for n in listed] == [(notebook, "InService")]
    config = team.sagemaker.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lifecycle)
    assert base64.b64decode(config["OnStart"][0]["Content"]).decode() == SCRIPT and "OnCreate" not in config

    resources = team.cloudformation.describe_stack_resources(StackName=team.stack(pp_id))["StackResources"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources} == {
        "LifecycleConfig": config["NotebookInstanceLifecycleConfigArn"], "Notebook": arn,
    }
    assert team.events(pp_id) == [
        ("LifecycleConfig", "CREATE_IN_PROGRESS"), ("LifecycleConfig", "CREATE_COMPLETE"),
        ("Notebook", "CREATE_IN_PROGRESS"), ("Notebook", "CREATE_COMPLETE"),
    ]
    inventory = team.emulator.inventory()
    assert notebook in inventory["sagemaker:notebook_instance"]
    assert lifecycle in inventory["sagemaker:notebook_instance_lifecycle_config"]
    assert pp_id in inventory["servicecatalog:provisioned_product"]
    stack_id = team.cloudformation.describe_stacks(StackName=team.stack(pp_id))["Stacks"][0]["StackId"]
    assert stack_id in inventory["cloudformation:stack"]

    # Terminate: stopped, deleted, gone, then the lifecycle configuration; only then SUCCEEDED.
    term = team.servicecatalog.terminate_provisioned_product(ProvisionedProductId=pp_id)["RecordDetail"]
    seen = []

    def terminated() -> dict[str, Any] | None:
        doc = team.record(term["RecordId"])
        seen.append((doc["RecordDetail"]["Status"], notebook_status(team, notebook), bool(lifecycle_configs(team, lifecycle))))
        return doc if doc["RecordDetail"]["Status"] != "IN_PROGRESS" else None

    assert wait_for(terminated, 10, "the terminate")["RecordDetail"]["Status"] == "SUCCEEDED"
    assert ("IN_PROGRESS", "Stopping", True) in seen and ("IN_PROGRESS", "Deleting", True) in seen, seen
    assert seen[-1] == ("SUCCEEDED", "gone", False), seen
    assert all(status == "IN_PROGRESS" for status, instance, config in seen if instance != "gone" or config), seen
    inventory = team.emulator.inventory()
    assert notebook not in inventory["sagemaker:notebook_instance"]
    assert lifecycle not in inventory["sagemaker:notebook_instance_lifecycle_config"]
    assert pp_id not in inventory["servicecatalog:provisioned_product"]
    assert stack_id not in inventory["cloudformation:stack"]
    events = team.cloudformation.describe_stack_events(StackName=stack_id)["StackEvents"]
    deletes = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events) if e["ResourceStatus"].startswith("DELETE")]
    assert deletes[1:-1] == [  # the notebook instance goes first: it names the configuration
        ("Notebook", "DELETE_IN_PROGRESS"), ("Notebook", "DELETE_COMPLETE"),
        ("LifecycleConfig", "DELETE_IN_PROGRESS"), ("LifecycleConfig", "DELETE_COMPLETE"),
    ]


def test_a_notebook_sagemaker_refuses_fails_the_launch(team, region):
    product = team.product(NOTEBOOK_TEMPLATE)
    notebook = team.name("nb")
    # ml.t3.bogus passes the template's pattern; CreateNotebookInstance's model refuses it.
    record = team.launch(product, NotebookInstanceName=notebook, InstanceType="ml.t3.bogus")
    done = team.finished(record["RecordId"])["RecordDetail"]
    assert done["Status"] == "FAILED" and done["RecordErrors"][0]["Code"] == "CREATE_FAILED"
    reason = done["RecordErrors"][0]["Description"]
    assert reason.startswith(
        'Resource handler returned message: "Invalid request provided: 1 validation error detected: '
        "Value 'ml.t3.bogus' at 'instanceType' failed to satisfy constraint: Member must satisfy enum value set: ["
    ), reason
    assert reason.endswith("HandlerErrorCode: InvalidRequest)")
    detail = team.servicecatalog.describe_provisioned_product(Id=record["ProvisionedProductId"])["ProvisionedProductDetail"]
    assert detail["Status"] == "ERROR" and detail["StatusMessage"] == reason
    stack = team.cloudformation.describe_stacks(StackName=team.stack(record["ProvisionedProductId"]))["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == "The following resource(s) failed to create: [Notebook]."
    # The rollback deleted the lifecycle configuration made before the failure.
    assert team.events(record["ProvisionedProductId"]) == [
        ("LifecycleConfig", "CREATE_IN_PROGRESS"), ("LifecycleConfig", "CREATE_COMPLETE"),
        ("Notebook", "CREATE_IN_PROGRESS"), ("Notebook", "CREATE_FAILED"),
        ("LifecycleConfig", "DELETE_IN_PROGRESS"), ("LifecycleConfig", "DELETE_COMPLETE"),
    ]
    assert notebook_status(team, notebook) == "gone" and lifecycle_configs(team, notebook) == []

    # A name in use: CreateNotebookInstance's own refusal.
    team.sagemaker.create_notebook_instance(NotebookInstanceName=notebook, InstanceType="ml.t3.medium", RoleArn=ROLE)
    again = team.finished(team.launch(product, NotebookInstanceName=notebook)["RecordId"])["RecordDetail"]
    assert again["Status"] == "FAILED"
    assert "Invalid request provided: Cannot create a duplicate Notebook Instance" in again["RecordErrors"][0]["Description"]


def test_notebook_product_update_in_place_and_refusals(team, region):
    product = team.product(NOTEBOOK_TEMPLATE)
    notebook = team.name("nb")
    record = team.launch(product, NotebookInstanceName=notebook)
    assert team.finished(record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    pp_id = record["ProvisionedProductId"]
    created = team.sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)["CreationTime"]

    # InstanceType and VolumeSizeInGB update in place: stopped, updated, started again.
    update = team.servicecatalog.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningParameters=[{"Key": "InstanceType", "Value": "ml.t3.xlarge"}, {"Key": "VolumeSizeInGB", "Value": "50"},
                                {"Key": "NotebookInstanceName", "UsePreviousValue": True}],
    )["RecordDetail"]
    done = team.finished(update["RecordId"])["RecordDetail"]
    assert done["Status"] == "SUCCEEDED", done["RecordErrors"]
    d = team.sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)
    assert d["InstanceType"] == "ml.t3.xlarge" and d["VolumeSizeInGB"] == 50 and d["NotebookInstanceStatus"] == "InService"
    assert d["CreationTime"] == created and d["SubnetId"] == SUBNET  # the same instance
    assert [e for e in team.events(pp_id) if e[0] == "Notebook"][-2:] == [("Notebook", "UPDATE_IN_PROGRESS"), ("Notebook", "UPDATE_COMPLETE")]

    # The volume cannot shrink: the update fails and the product is TAINTED.
    shrink = team.servicecatalog.update_provisioned_product(
        ProvisionedProductId=pp_id, ProvisioningParameters=[{"Key": "VolumeSizeInGB", "Value": "10"}]
    )["RecordDetail"]
    failed = team.finished(shrink["RecordId"])["RecordDetail"]
    assert failed["Status"] == "FAILED" and "VolumeSizeInGB cannot be decreased" in failed["RecordErrors"][0]["Description"]
    assert team.servicecatalog.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"] == "TAINTED"
    assert team.sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)["VolumeSizeInGB"] == 50

    # A replacement that fails: the new lifecycle configuration made on the way is deleted
    # again, the old instance and configuration stay.
    broken = team.name("nb")
    bad = team.servicecatalog.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningParameters=[{"Key": "NotebookInstanceName", "Value": broken}, {"Key": "InstanceType", "Value": "ml.t3.bogus"},
                                {"Key": "VolumeSizeInGB", "Value": "50"}],
    )["RecordDetail"]
    failed = team.finished(bad["RecordId"])["RecordDetail"]
    assert failed["Status"] == "FAILED" and "'ml.t3.bogus' at 'instanceType'" in failed["RecordErrors"][0]["Description"]
    assert lifecycle_configs(team, broken) == [] and notebook_status(team, broken) == "gone"
    assert lifecycle_configs(team, notebook) == [f"{notebook}-lc"] and notebook_status(team, notebook) == "InService"

    # Another name means a new instance (and configuration); the old ones go in the cleanup phase.
    renamed = team.name("nb")
    rename = team.servicecatalog.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningParameters=[{"Key": "NotebookInstanceName", "Value": renamed}, {"Key": "VolumeSizeInGB", "Value": "50"}],
    )["RecordDetail"]
    done = team.finished(rename["RecordId"])["RecordDetail"]
    assert done["Status"] == "SUCCEEDED", (done["RecordErrors"], team.events(pp_id))
    assert notebook_status(team, renamed) == "InService" and notebook_status(team, notebook) == "gone"
    assert lifecycle_configs(team, renamed) == [f"{renamed}-lc"] and lifecycle_configs(team, notebook) == []
    events = team.cloudformation.describe_stack_events(StackName=team.stack(pp_id))["StackEvents"][::-1]
    last_update = max(i for i, e in enumerate(events) if e["ResourceStatus"] == "UPDATE_IN_PROGRESS" and e["LogicalResourceId"] == team.stack(pp_id))
    steps = [(e["LogicalResourceId"], e["ResourceStatus"], e["PhysicalResourceId"].rsplit("/", 1)[-1]) for e in events[last_update + 1:]]
    stack_name = team.stack(pp_id)
    cleanup = next(i for i, step in enumerate(steps) if step[1] == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    assert ("Notebook", "UPDATE_COMPLETE", renamed) in steps[:cleanup]
    assert steps[cleanup + 1:] == [  # the old instance first: it names the old configuration
        ("Notebook", "DELETE_IN_PROGRESS", notebook), ("Notebook", "DELETE_COMPLETE", notebook),
        ("LifecycleConfig", "DELETE_IN_PROGRESS", f"{notebook}-lc"), ("LifecycleConfig", "DELETE_COMPLETE", f"{notebook}-lc"),
        (stack_name, "UPDATE_COMPLETE", steps[-1][2]),
    ], steps

    term = team.servicecatalog.terminate_provisioned_product(ProvisionedProductId=pp_id)["RecordDetail"]
    assert team.finished(term["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert notebook_status(team, renamed) == "gone" and lifecycle_configs(team, renamed) == []


# --- the provisioning parameters -------------------------------------------------------------

CONSTRAINTS_TEMPLATE = """
Parameters:
  Code: {Type: String, AllowedPattern: '[a-z]+', MinLength: 2, MaxLength: 6}
  Principals:
    Type: CommaDelimitedList
    AllowedPattern: '^arn:aws:iam::[0-9]{12}:role/[a-z-]+$'
    Default: 'arn:aws:iam::123456789012:role/admin'
  Count: {Type: Number, Default: 2, AllowedValues: [1, 2, 3]}
  Enabled: {Type: String, Default: 'true', AllowedValues: [true, false]}
Resources:
  Nothing: {Type: AWS::CloudFormation::WaitConditionHandle}
"""


def test_provisioning_parameters_are_checked_before_anything_is_made(team):
    product, other = team.product(NOTEBOOK_TEMPLATE), team.product(CONSTRAINTS_TEMPLATE)
    sc = team.servicecatalog
    before = team.emulator.inventory()
    stacks_before = len(team.cloudformation.list_stacks()["StackSummaries"])
    # The region may hold other tests' provisioned products: only new ones count.
    provisioned_before = sc.scan_provisioned_products()["ProvisionedProducts"]
    notebook = team.name("nb")
    cases = [
        ({"NotebookInstanceName": notebook, "Owner": "me", "Cost": "1"}, "Parameters: [Owner, Cost] do not exist in the template"),
        ({"InstanceType": "ml.t3.medium"}, "Parameters: [NotebookInstanceName] must have values"),
        ({"NotebookInstanceName": notebook, "InstanceType": "ml.p3.2xlarge"},
         "Parameter InstanceType failed to satisfy constraint: an instance type the environment allows: ml.t3.* or ml.m5.large"),
        ({"NotebookInstanceName": notebook, "InstanceType": "ml.m5.large2"},  # the whole value must match
         "Parameter InstanceType failed to satisfy constraint: an instance type the environment allows: ml.t3.* or ml.m5.large"),
        ({"NotebookInstanceName": f"-{notebook}"},
         "Parameter NotebookInstanceName failed to satisfy constraint: Malformed input-Parameter NotebookInstanceName "
         "must match pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"),
        ({"NotebookInstanceName": notebook, "VolumeSizeInGB": "big"},
         "Parameter VolumeSizeInGB failed to satisfy constraint: Malformed input-Parameter VolumeSizeInGB must be a number"),
        ({"NotebookInstanceName": notebook, "VolumeSizeInGB": "4"},
         "Parameter VolumeSizeInGB failed to satisfy constraint: Malformed input-Parameter VolumeSizeInGB must be a number not less than 5"),
        ({"NotebookInstanceName": notebook, "VolumeSizeInGB": "501"},
         "Parameter VolumeSizeInGB failed to satisfy constraint: Malformed input-Parameter VolumeSizeInGB must be a number not greater than 500"),
    ]
    for params, message in cases:
        assert team.refused(lambda **kw: team.launch(product, **kw), **params) == message, params

    role = f"arn:aws:iam::{ACCOUNT}:role/alice"
    cases = [
        ({"Code": "abc1"}, "Parameter Code failed to satisfy constraint: Malformed input-Parameter Code must match pattern [a-z]+"),
        ({"Code": "a"}, "Parameter Code failed to satisfy constraint: Malformed input-Parameter Code must contain at least 2 characters"),
        ({"Code": "abcdefg"}, "Parameter Code failed to satisfy constraint: Malformed input-Parameter Code must contain at most 6 characters"),
        ({"Code": "abc", "Count": "4"}, "Parameter Count failed to satisfy constraint: Malformed input-Parameter Count must be one of AllowedValues"),
        ({"Code": "abc", "Enabled": "yes"}, "Parameter Enabled failed to satisfy constraint: Malformed input-Parameter Enabled must be one of AllowedValues"),
        ({"Code": "abc", "Principals": f"{role},arn:aws:iam::{ACCOUNT}:user/bob"},  # each item of a list
         "Parameter Principals failed to satisfy constraint: Malformed input-Parameter Principals must match pattern "
         "^arn:aws:iam::[0-9]{12}:role/[a-z-]+$"),
    ]
    for params, message in cases:
        assert team.refused(lambda **kw: team.launch(other, **kw), **params) == message, params
    # Nothing was made: no stack, no record, no provisioned product.
    assert team.emulator.inventory() == before
    assert len(team.cloudformation.list_stacks()["StackSummaries"]) == stacks_before
    assert sc.scan_provisioned_products()["ProvisionedProducts"] == provisioned_before

    fine = team.launch(other, Code="abc", Principals=f"{role},arn:aws:iam::{ACCOUNT}:role/bob", Enabled="false", Count="3")
    assert team.finished(fine["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    pp_id = fine["ProvisionedProductId"]
    last = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["LastRecordId"]
    # UpdateProvisionedProduct checks the merged parameters the same way; nothing changes.
    for params, message in [
        ([{"Key": "Code", "Value": "ABC"}], "Parameter Code failed to satisfy constraint: Malformed input-Parameter Code must match pattern [a-z]+"),
        ([{"Key": "Size", "Value": "1"}], "Parameters: [Size] do not exist in the template"),
        ([{"Key": "Count", "Value": "2.5"}], "Parameter Count failed to satisfy constraint: Malformed input-Parameter Count must be one of AllowedValues"),
    ]:
        assert team.refused(sc.update_provisioned_product, ProvisionedProductId=pp_id, ProvisioningParameters=params) == message
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "AVAILABLE" and detail["LastRecordId"] == last
    ok = sc.update_provisioned_product(ProvisionedProductId=pp_id, ProvisioningParameters=[{"Key": "Code", "Value": "xyz"}])
    assert team.finished(ok["RecordDetail"]["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"


# --- the user profile product ------------------------------------------------------------------


def studio_domain(team: Team, auth_mode: str = "IAM") -> str:
    vpc, subnets = studio_network(team.ec2, 1)
    domain_id = team.sagemaker.create_domain(
        DomainName=team.name("dom"), AuthMode=auth_mode, DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=subnets, VpcId=vpc, HomeEfsFileSystemCreation="Disabled",
    )["DomainId"]
    wait_status(lambda: team.sagemaker.describe_domain(DomainId=domain_id), "InService")
    return domain_id


@pytest.mark.usefixtures("fast_studio")
def test_user_profile_product_launches_updates_and_terminates(team, region):
    domain_id = studio_domain(team)
    product = team.product(profile_template(domain_id, persona_tag=False))
    user = team.name("alice")
    record = team.launch(product, UserProfileName=user)
    done = team.finished(record["RecordId"])
    assert done["RecordDetail"]["Status"] == "SUCCEEDED", done["RecordDetail"]["RecordErrors"]
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:user-profile/{domain_id}/{user}"
    assert team.outputs(done) == {"UserProfileArn": arn, "UserProfileId": f"{user}|{domain_id}"}
    profile = team.sagemaker.describe_user_profile(DomainId=domain_id, UserProfileName=user)
    assert profile["Status"] == "InService" and profile["UserProfileArn"] == arn
    assert profile["UserSettings"] == {"ExecutionRole": ROLE, "SecurityGroups": [GROUP]}
    assert "SingleSignOnUserIdentifier" not in profile  # AWS::NoValue: not sent
    assert team.sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "secure-mlops:environment", "Value": "team-dev"}]
    pp_id = record["ProvisionedProductId"]
    assert f"{domain_id}/{user}" in team.emulator.inventory()["sagemaker:user_profile"]

    # UserSettings change in place (UpdateUserProfile): the same profile.
    update = team.servicecatalog.update_provisioned_product(
        ProvisionedProductId=pp_id, ProvisioningParameters=[{"Key": "Persona", "Value": "team-admin"}]
    )["RecordDetail"]
    assert team.finished(update["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    after = team.sagemaker.describe_user_profile(DomainId=domain_id, UserProfileName=user)
    assert after["UserSettings"]["ExecutionRole"] == ADMIN_ROLE and after["CreationTime"] == profile["CreationTime"]

    # A profile with an app cannot be deleted: the terminate fails, as on AWS.
    team.sagemaker.create_app(DomainId=domain_id, UserProfileName=user, AppType="JupyterServer", AppName="default")
    term = team.servicecatalog.terminate_provisioned_product(ProvisionedProductId=pp_id)["RecordDetail"]
    failed = team.finished(term["RecordId"])["RecordDetail"]
    assert failed["Status"] == "FAILED" and failed["RecordErrors"][0]["Code"] == "DELETE_FAILED"
    reason = failed["RecordErrors"][0]["Description"]
    assert reason.startswith(
        f"Resource handler returned message: \"Resource of type 'AWS::SageMaker::UserProfile' with identifier "
        f"'{domain_id}|{user}' has a conflict. Reason: User profile {arn} cannot be deleted while it has apps"
    ) and reason.endswith("HandlerErrorCode: ResourceConflict)"), reason
    assert team.servicecatalog.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"] == "TAINTED"
    assert team.sagemaker.describe_user_profile(DomainId=domain_id, UserProfileName=user)["Status"] == "InService"

    wait_status(lambda: team.sagemaker.describe_app(DomainId=domain_id, UserProfileName=user, AppType="JupyterServer",
                                                    AppName="default"), "InService")
    team.sagemaker.delete_app(DomainId=domain_id, UserProfileName=user, AppType="JupyterServer", AppName="default")
    wait_status(lambda: team.sagemaker.describe_app(DomainId=domain_id, UserProfileName=user, AppType="JupyterServer",
                                                    AppName="default"), "Deleted")
    term = team.servicecatalog.terminate_provisioned_product(ProvisionedProductId=pp_id)["RecordDetail"]
    assert team.finished(term["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as exc:
        team.sagemaker.describe_user_profile(DomainId=domain_id, UserProfileName=user)
    assert error_code(exc) == "ResourceNotFound"
    assert f"{domain_id}/{user}" not in team.emulator.inventory()["sagemaker:user_profile"]


@pytest.mark.usefixtures("fast_studio")
def test_user_profile_product_follows_the_domains_sign_in_rule(team):
    iam_domain, sso_domain = studio_domain(team), studio_domain(team, "SSO")

    # IAM domain: no SSO members.
    product = team.product(profile_template(iam_domain))
    done = team.finished(team.launch(product, UserProfileName=team.name("u"), SsoUserName="alice")["RecordId"])["RecordDetail"]
    assert done["Status"] == "FAILED"
    assert (
        "Invalid request provided: SingleSignOnUserIdentifier and SingleSignOnUserValue cannot be specified for a user "
        f"profile in domain {iam_domain}, whose AuthMode is IAM." in done["RecordErrors"][0]["Description"]
    )

    # SSO domain: both required.
    product = team.product(profile_template(sso_domain))
    done = team.finished(team.launch(product, UserProfileName=team.name("u"))["RecordId"])["RecordDetail"]
    assert done["Status"] == "FAILED"
    assert "are required for a user profile in domain" in done["RecordErrors"][0]["Description"]
    user = team.name("bob")
    record = team.launch(product, UserProfileName=user, SsoUserName="bob@example.com", Persona="team-admin")
    assert team.finished(record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    profile = team.sagemaker.describe_user_profile(DomainId=sso_domain, UserProfileName=user)
    assert profile["SingleSignOnUserIdentifier"] == "UserName" and profile["SingleSignOnUserValue"] == "bob@example.com"
    assert {"Key": "secure-mlops:persona", "Value": "team-admin"} in team.sagemaker.list_tags(ResourceArn=profile["UserProfileArn"])["Tags"]

    # Tags are create-only (registry schema): a Persona that changes a tag means replacing a
    # custom-named profile, which CloudFormation refuses.
    update = team.servicecatalog.update_provisioned_product(
        ProvisionedProductId=record["ProvisionedProductId"], ProvisioningParameters=[{"Key": "Persona", "Value": "data-scientist"}]
    )["RecordDetail"]
    failed = team.finished(update["RecordId"])["RecordDetail"]
    assert failed["Status"] == "FAILED"
    assert failed["RecordErrors"][0]["Description"] == (
        f"CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename {user} and update the stack again."
    )
    assert team.sagemaker.describe_user_profile(DomainId=sso_domain, UserProfileName=user)["UserSettings"]["ExecutionRole"] == ADMIN_ROLE


# --- the resource types on their own (CloudFormation, no Service Catalog) ----------------------


def stack_failure(cfn: Any, stack_name: str, logical_id: str) -> str:
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    return next(e["ResourceStatusReason"] for e in events if e["LogicalResourceId"] == logical_id and e["ResourceStatus"].endswith("_FAILED"))


def wait_stack(cfn: Any, stack_name: str) -> dict[str, Any]:
    def settled() -> dict[str, Any] | None:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        return stack if not stack["StackStatus"].endswith("_IN_PROGRESS") else None

    return wait_for(settled, 10, "the stack")


def test_resource_properties_are_checked_as_cloudformation_does(team):
    cfn = team.cloudformation
    cases = [
        ({"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "Colour": "blue"}, "Encountered unsupported property Colour"),
        ({"InstanceType": "ml.t3.medium"}, "Properties validation failed for resource Notebook with message: [#: required key [RoleArn] not found]"),
        ({"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "VolumeSizeInGB": "lots"},
         "Properties validation failed for resource Notebook with message: [#/VolumeSizeInGB: expected type: Integer, found: String]"),
    ]
    for props, message in cases:
        stack = team.name("props")
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps(
            {"Resources": {"Notebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": props}}}))
        assert wait_stack(cfn, stack)["StackStatus"] == "ROLLBACK_COMPLETE"
        assert stack_failure(cfn, stack, "Notebook") == message

    # Without a name: a generated one; values converted to the members' types ("30" -> 30).
    stack = team.name("gen")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps({
        "Resources": {"Notebook": {"Type": "AWS::SageMaker::NotebookInstance",
                                   "Properties": {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "VolumeSizeInGB": "30"}}},
        "Outputs": {"Name": {"Value": {"Fn::GetAtt": ["Notebook", "NotebookInstanceName"]}}},
    }))
    done = wait_stack(cfn, stack)
    assert done["StackStatus"] == "CREATE_COMPLETE"
    generated = done["Outputs"][0]["OutputValue"]
    assert generated.startswith("Notebook-") and len(generated) == len("Notebook-") + 12
    assert team.sagemaker.describe_notebook_instance(NotebookInstanceName=generated)["VolumeSizeInGB"] == 30
    cfn.delete_stack(StackName=stack)
    wait_for(lambda: notebook_status(team, generated) == "gone", 10, "the notebook instance to go")

    # An attribute the type does not have.
    stack = team.name("att")
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps({
            "Resources": {"Profile": {"Type": "AWS::SageMaker::UserProfile", "Properties": {"DomainId": "d-x", "UserProfileName": "x"}}},
            "Outputs": {"Bad": {"Value": {"Fn::GetAtt": ["Profile", "DomainArn"]}}},
        }))
    assert "DomainArn" in exc.value.response["Error"]["Message"]


@pytest.mark.usefixtures("fast_studio")
def test_user_profile_in_a_domain_that_is_missing_or_not_in_service(team):
    cfn = team.cloudformation
    stack = team.name("nodom")
    template = {"Resources": {"Profile": {"Type": "AWS::SageMaker::UserProfile",
                                          "Properties": {"DomainId": "d-000000000000", "UserProfileName": "x"}}}}
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    assert wait_stack(cfn, stack)["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = stack_failure(cfn, stack, "Profile")
    assert reason.startswith(
        "Resource handler returned message: \"Resource of type 'AWS::SageMaker::UserProfile' with identifier "
        "'x' was not found.\" (RequestToken: "
    ) and reason.endswith(", HandlerErrorCode: NotFound)"), reason

    # A domain still Pending: CreateUserProfile's ResourceInUse, as the handler words it.
    team.emulator.set_config(studio_delay_seconds=1.0)
    vpc, subnets = studio_network(team.ec2, 1)
    domain_id = team.sagemaker.create_domain(
        DomainName=team.name("dom"), AuthMode="IAM", DefaultUserSettings={}, SubnetIds=subnets, VpcId=vpc,
        HomeEfsFileSystemCreation="Disabled",
    )["DomainId"]
    stack = team.name("pending")
    template["Resources"]["Profile"]["Properties"]["DomainId"] = domain_id
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    assert wait_stack(cfn, stack)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "with identifier 'x' already exists." in stack_failure(cfn, stack, "Profile")


def test_stack_update_removes_a_lifecycle_config_after_the_instance_lets_go_of_it(team):
    cfn = team.cloudformation
    stack, notebook = team.name("rm"), team.name("nb")
    cfn.create_stack(StackName=stack, TemplateBody=NOTEBOOK_TEMPLATE, Parameters=[{"ParameterKey": "NotebookInstanceName", "ParameterValue": notebook}])
    assert wait_stack(cfn, stack)["StackStatus"] == "CREATE_COMPLETE"
    # The same template without the lifecycle configuration (and the instance without it).
    lines = NOTEBOOK_TEMPLATE.splitlines()
    start = lines.index("  LifecycleConfig:")
    without = lines[:start] + lines[start + 5:]  # the resource's five lines
    without = [line for line in without if "LifecycleConfigName: !GetAtt" not in line and "LifecycleConfigArn" not in line]
    assert "LifecycleConfig" not in "\n".join(without)
    cfn.update_stack(StackName=stack, TemplateBody="\n".join(without), Parameters=[{"ParameterKey": "NotebookInstanceName", "UsePreviousValue": True}])
    assert wait_stack(cfn, stack)["StackStatus"] == "UPDATE_COMPLETE"
    assert "NotebookInstanceLifecycleConfigName" not in team.sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)
    assert notebook_status(team, notebook) == "InService" and lifecycle_configs(team, notebook) == []
    events = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in cfn.describe_stack_events(StackName=stack)["StackEvents"][::-1]]
    tail = events[events.index((stack, "UPDATE_IN_PROGRESS")):]
    assert tail == [
        (stack, "UPDATE_IN_PROGRESS"), ("Notebook", "UPDATE_IN_PROGRESS"), ("Notebook", "UPDATE_COMPLETE"),
        (stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("LifecycleConfig", "DELETE_IN_PROGRESS"), ("LifecycleConfig", "DELETE_COMPLETE"), (stack, "UPDATE_COMPLETE"),
    ], tail
    cfn.delete_stack(StackName=stack)
    wait_for(lambda: notebook_status(team, notebook) == "gone", 10, "the notebook instance to go")
