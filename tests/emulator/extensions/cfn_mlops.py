"""CloudFormation's MLOps resource types: SageMaker model package groups, CodeBuild projects
and CodePipeline pipelines, as the SageMaker project templates (cfn/mlops/) make them.

moto 5.2.5 has none of the three as a CloudFormation type (a template using them fails on
Ref/GetAtt of a skipped resource). Its CodeBuild backend keeps a project as given but checks
neither the VPC settings nor the role, and keeps no EncryptionKey; its CodePipeline backend
refuses a role whose trust policy names its services as a list (AWS accepts the list).

Here, as on AWS (the CloudFormation template reference of each type):
  - AWS::SageMaker::ModelPackageGroup: ModelPackageGroupName (required), its description,
    ModelPackageGroupPolicy, Tags. Ref the ARN; GetAtt ModelPackageGroupArn,
    ModelPackageGroupStatus (Completed), CreationTime. A name in use fails the resource.
    Delete is refused while the group holds model packages (SageMaker's ConflictException),
    which fails the stack's delete.
  - AWS::CodeBuild::Project: Name (else generated), Description, ServiceRole (must exist),
    Source, Artifacts, Environment (its variables kept), EncryptionKey, VpcConfig, LogsConfig,
    TimeoutInMinutes, Tags. A VpcConfig must name the VPC, at least one subnet and one security
    group, each of that VPC (CodeBuild's InvalidInputException otherwise). Ref the name; GetAtt
    Arn. BatchGetProjects reads back vpcConfig, encryptionKey, serviceRole and environment.
  - AWS::CodePipeline::Pipeline: Name (else generated), RoleArn (a role CodePipeline may
    assume: its trust policy names codepipeline.amazonaws.com, alone or in a list),
    ArtifactStore (with its EncryptionKey), Stages (at least two), PipelineType, Tags. Ref the
    name. GetPipeline reads it back as the API's shape (camelCase), action configurations'
    values as strings ("true" for a YAML true, as CloudFormation passes them).
  - update: a property change replaces the resource (a new one, then the old one goes), except
    that CodeBuild and CodePipeline change in place, as their update calls do.

And what the model-deploy template (cfn/mlops/model-deploy.yaml) and its endpoint template
(mlops/seed-code/deploy/endpoint.yaml) need of moto's own types:
  - AWS::Events::Rule: deleting the rule removes its targets first, as CloudFormation's handler
    does (moto's delete refuses a rule with targets, so a stack with a targeted rule could not
    be deleted).
  - AWS::SageMaker::Model, EndpointConfig, Endpoint: their ModelName, EndpointConfigName and
    EndpointName properties name them (moto generated names and ignored the properties), and
    DescribeModel/DescribeEndpointConfig answer the properties given, as for the API's creates
    (sagemaker_models.py), with CloudFormation's strings turned into the API's numbers and
    booleans.
"""

import json
import random
import string
from typing import Any

from moto.codebuild.models import codebuild_backends
from moto.events.models import Rule, events_backends
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, Model
from moto.codepipeline.models import CodePipeline, codepipeline_backends
from moto.ec2.models import ec2_backends
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from botocore.loaders import create_loader
from botocore.model import ServiceModel, Shape

from .cfn_sagemaker import TYPES, HandlerFailed, _handler_message, _SageMakerResource
from .sagemaker_reads import remember


def _generated(logical_id: str) -> str:
    suffix = "".join(random.choices(string.ascii_letters + string.digits, k=12))
    return f"{logical_id}-{suffix}"[:100]


def _text(value: Any) -> str:
    """A configuration value as the API's map of strings holds it (CloudFormation turns a YAML
    true into "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _camel(value: Any, keep: frozenset[str] = frozenset({"Configuration"})) -> Any:
    """PascalCase CloudFormation keys as the API's camelCase; maps under `keep` keep their keys
    and hold strings."""
    if isinstance(value, list):
        return [_camel(v, keep) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        new_key = key[:1].lower() + key[1:]
        if key in keep and isinstance(item, dict):
            out[new_key] = {k: _text(v) for k, v in item.items()}
        else:
            out[new_key] = _camel(item, keep)
    return out


def _refused(message: str, code: str, logical_id: str) -> HandlerFailed:
    return HandlerFailed(_handler_message(message, code), logical_id)


class _PlainResource(_SageMakerResource):
    """A resource whose properties are taken as given (only unknown and missing ones refused)."""

    @classmethod
    def _checked(cls, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        for key in props:
            if key not in cls.PROPERTIES:
                raise HandlerFailed(f"Encountered unsupported property {key}", logical_id)
        missing = [f"#: required key [{k}] not found" for k in cls.REQUIRED if props.get(k) is None]
        if missing:
            raise HandlerFailed(
                f"Properties validation failed for resource {logical_id} with message: [{', '.join(missing)}]", logical_id
            )
        return dict(props)

    @classmethod
    def _make(
        cls, account_id: str, region: str, logical_id: str, stack: Any, props: dict[str, Any], checked: bool = False
    ) -> "_SageMakerResource":
        props = props if checked else cls._checked(logical_id, props)
        name = props.get(cls.NAME_PROPERTY) or _generated(logical_id)
        resource = cls(account_id, region, logical_id, stack.stack_id, props, name)
        resource.create()
        return resource


class ModelPackageGroup(_PlainResource):
    TYPE = "AWS::SageMaker::ModelPackageGroup"
    PROPERTIES = ("ModelPackageGroupName", "ModelPackageGroupDescription", "ModelPackageGroupPolicy", "Tags")
    REQUIRED = ("ModelPackageGroupName",)
    ATTRIBUTES = ("ModelPackageGroupArn", "ModelPackageGroupStatus", "CreationTime")
    REPLACE = ("ModelPackageGroupName",)
    NAME_PROPERTY = "ModelPackageGroupName"

    @property
    def arn(self) -> str:
        return f"arn:{get_partition(self.region_name)}:sagemaker:{self.region_name}:{self.account_id}:model-package-group/{self.name}"

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def attribute(self, attribute_name: str) -> Any:
        if attribute_name == "ModelPackageGroupArn":
            return self.arn
        if attribute_name == "ModelPackageGroupStatus":
            return "Completed"
        group = self.sagemaker.model_package_groups.get(self.name)
        return str(getattr(group, "creation_time", "")) if group else ""

    def create(self) -> None:
        if self.name in self.sagemaker.model_package_groups:
            raise _refused(f"Resource of type '{self.TYPE}' with identifier '{self.name}' already exists.", "AlreadyExists", self.logical_id)
        self.sagemaker.create_model_package_group(
            model_package_group_name=self.name,
            model_package_group_description=self.properties.get("ModelPackageGroupDescription") or "",
            tags=list(self.properties.get("Tags") or []),
        )
        policy = self.properties.get("ModelPackageGroupPolicy")
        if policy is not None:
            group = self.sagemaker.model_package_groups[self.name]
            group.__dict__["emulator_policy"] = policy if isinstance(policy, str) else json.dumps(policy)

    def update_in_place(self, props: dict[str, Any], changed: set[str]) -> None:
        group = self.sagemaker.model_package_groups.get(self.name)
        if group is None:
            raise _refused(f"Resource of type '{self.TYPE}' with identifier '{self.name}' was not found.", "NotFound", self.logical_id)
        if "ModelPackageGroupDescription" in changed:
            group.model_package_group_description = props.get("ModelPackageGroupDescription") or ""

    def remove(self) -> None:
        if self.name not in self.sagemaker.model_package_groups:
            return
        packages = [
            p for p in self.sagemaker.model_packages.values()
            if getattr(p, "model_package_group_name", None) == self.name
        ]
        if packages:
            raise _refused(
                f"Model Package Group {self.name} contains model packages; delete them first.",
                "ResourceConflict",
                self.logical_id,
            )
        self.sagemaker.model_package_groups.pop(self.name, None)


class BuildProject(_PlainResource):
    TYPE = "AWS::CodeBuild::Project"
    PROPERTIES = (
        "Name", "Description", "ServiceRole", "Source", "Artifacts", "Environment", "EncryptionKey", "VpcConfig",
        "LogsConfig", "TimeoutInMinutes", "QueuedTimeoutInMinutes", "Tags", "SourceVersion", "Cache",
    )
    REQUIRED = ("ServiceRole", "Source", "Artifacts", "Environment")
    ATTRIBUTES = ("Arn",)
    REPLACE = ("Name",)
    NAME_PROPERTY = "Name"

    @property
    def backend(self) -> Any:
        return codebuild_backends[self.account_id][self.region_name]

    @property
    def physical_resource_id(self) -> str:
        return self.name

    def attribute(self, attribute_name: str) -> Any:
        return f"arn:{get_partition(self.region_name)}:codebuild:{self.region_name}:{self.account_id}:project/{self.name}"

    def _check(self, props: dict[str, Any]) -> None:
        role = props.get("ServiceRole") or ""
        try:
            iam_backends[self.account_id][get_partition(self.region_name)].get_role_by_arn(role)
        except Exception:
            raise _refused(f"CodeBuild is not authorized to perform: sts:AssumeRole on {role}", "InvalidRequest", self.logical_id)
        vpc = props.get("VpcConfig")
        if not vpc:
            return
        vpc_id, subnets, groups = vpc.get("VpcId"), vpc.get("Subnets") or [], vpc.get("SecurityGroupIds") or []
        if not vpc_id or not subnets or not groups:
            raise _refused(
                "Invalid vpc config: the VpcId, at least one subnet and at least one security group are required",
                "InvalidRequest",
                self.logical_id,
            )
        ec2 = ec2_backends[self.account_id][self.region_name]
        for subnet_id in subnets:
            subnet = next((s for zone in ec2.subnets.values() for s in zone.values() if s.id == subnet_id), None)
            if subnet is None or subnet.vpc_id != vpc_id:
                raise _refused(f"Invalid vpc config: subnet {subnet_id} is not in {vpc_id}", "InvalidRequest", self.logical_id)
        for group_id in groups:
            group = ec2.get_security_group_by_name_or_id(group_id, vpc_id)
            if group is None or group.vpc_id != vpc_id:
                raise _refused(f"Invalid vpc config: security group {group_id} is not in {vpc_id}", "InvalidRequest", self.logical_id)

    def create(self) -> None:
        if self.name in self.backend.codebuild_projects:
            raise _refused(f"Project already exists: arn:aws:codebuild:{self.region_name}:{self.account_id}:project/{self.name}", "AlreadyExists", self.logical_id)
        self._put(self.properties)

    def _put(self, props: dict[str, Any]) -> None:
        self._check(props)
        camel = _camel(props)
        self.backend.create_project(
            project_name=self.name,
            description=props.get("Description"),
            project_source=camel.get("source") or {},
            artifacts=camel.get("artifacts") or {},
            environment=camel.get("environment") or {},
            service_role=props["ServiceRole"],
            tags=[{"key": t.get("Key"), "value": t.get("Value")} for t in props.get("Tags") or []],
            cache=camel.get("cache"),
            timeout=int(props.get("TimeoutInMinutes") or 60),
            queued_timeout=int(props.get("QueuedTimeoutInMinutes") or 480),
            source_version=props.get("SourceVersion"),
            logs_config=camel.get("logsConfig"),
            vpc_config=camel.get("vpcConfig"),
        )
        if props.get("EncryptionKey"):
            self.backend.codebuild_projects[self.name].project_metadata["encryptionKey"] = props["EncryptionKey"]

    def update_in_place(self, props: dict[str, Any], changed: set[str]) -> None:
        self._put(props)

    def remove(self) -> None:
        if self.name in self.backend.codebuild_projects:
            self.backend.delete_project(self.name)


class Pipeline(_PlainResource):
    TYPE = "AWS::CodePipeline::Pipeline"
    PROPERTIES = (
        "Name", "RoleArn", "ArtifactStore", "ArtifactStores", "Stages", "PipelineType", "Tags", "Variables",
        "Triggers", "ExecutionMode", "RestartExecutionOnUpdate", "DisableInboundStageTransitions",
    )
    REQUIRED = ("RoleArn", "Stages")
    ATTRIBUTES = ("Version",)
    REPLACE = ("Name",)
    NAME_PROPERTY = "Name"

    @property
    def backend(self) -> Any:
        return codepipeline_backends[self.account_id][self.region_name]

    @property
    def physical_resource_id(self) -> str:
        return self.name

    def attribute(self, attribute_name: str) -> Any:
        pipeline = self.backend.pipelines.get(self.name)
        return str(pipeline.pipeline.get("version", 1)) if pipeline else "1"

    def _document(self, props: dict[str, Any]) -> dict[str, Any]:
        role = props.get("RoleArn") or ""
        try:
            found = iam_backends[self.account_id][get_partition(self.region_name)].get_role_by_arn(role)
            statements = json.loads(found.assume_role_policy_document).get("Statement") or []
        except Exception:
            statements = None
        services: list[str] = []
        for s in statements or []:
            named = (s.get("Principal") or {}).get("Service") or []
            services.extend([named] if isinstance(named, str) else named)
        if "codepipeline.amazonaws.com" not in services:
            raise _refused(f"CodePipeline is not authorized to perform AssumeRole on role {role}", "InvalidRequest", self.logical_id)
        stages = props.get("Stages") or []
        if len(stages) < 2:
            raise _refused(
                f"Pipeline has only {len(stages)} stage(s). There should be a minimum of 2 stages in a pipeline",
                "InvalidRequest",
                self.logical_id,
            )
        document = _camel({k: v for k, v in props.items() if k not in ("Tags", "RestartExecutionOnUpdate")})
        document["name"] = self.name
        return document

    def create(self) -> None:
        if self.name in self.backend.pipelines:
            raise _refused(f"A pipeline with the name '{self.name}' already exists in account '{self.account_id}'", "AlreadyExists", self.logical_id)
        pipeline = CodePipeline(self.account_id, self.region_name, self._document(self.properties))
        pipeline.tags.update({t.get("Key"): t.get("Value") for t in self.properties.get("Tags") or []})
        self.backend.pipelines[self.name] = pipeline

    def update_in_place(self, props: dict[str, Any], changed: set[str]) -> None:
        pipeline = self.backend.pipelines.get(self.name)
        document = self._document(props)
        if pipeline is None:
            self.backend.pipelines[self.name] = CodePipeline(self.account_id, self.region_name, document)
            return
        document["version"] = int(pipeline.pipeline.get("version", 1)) + 1
        pipeline.pipeline = pipeline.add_default_values(document)

    def remove(self) -> None:
        self.backend.pipelines.pop(self.name, None)


def _delete_rule_with_targets(
    resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
) -> None:
    backend = events_backends[account_id][region_name]
    bus = cloudformation_json.get("Properties", {}).get("EventBusName")
    name = resource_name.rsplit("/", 1)[-1]
    try:
        targets = [t["Id"] for t in backend.list_targets_by_rule(name, bus)]
    except Exception:  # the rule (or its bus) is gone already
        targets = []
    if targets:
        backend.remove_targets(name, bus, targets)
    backend.delete_rule(name, bus)


def _typed(value: Any, shape: Shape | None) -> Any:
    """A CloudFormation property value in the API's types: CloudFormation passes numbers and
    booleans of a template as strings."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _typed(v, shape.members.get(k)) for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_typed(v, shape.member) for v in value]
    if shape.type_name in ("integer", "long") and isinstance(value, str):
        return int(value)
    if shape.type_name in ("float", "double") and isinstance(value, str):
        return float(value)
    if shape.type_name == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    return value


_SAGEMAKER_MODEL: list[ServiceModel] = []


def _remembering(cls: Any, describe: str, name_member: str) -> None:
    """`cls`'s CloudFormation create keeps the properties given, as the API's create does."""
    create = cls.create_from_cloudformation_json

    def create_and_remember(resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kw: Any) -> Any:
        made = create(resource_name, cloudformation_json, account_id, region_name, **kw)
        if not _SAGEMAKER_MODEL:
            _SAGEMAKER_MODEL.append(ServiceModel(create_loader().load_service_model("sagemaker", "service-2"), "sagemaker"))
        output = _SAGEMAKER_MODEL[0].operation_model(describe).output_shape
        props = {**cloudformation_json.get("Properties", {}), name_member: resource_name}
        given = {k: _typed(v, output.members.get(k)) for k, v in props.items()}
        remember(made, given, describe)
        if hasattr(made, "enable_network_isolation"):  # read by sagemaker_models.describe_model
            made.enable_network_isolation = bool(given.get("EnableNetworkIsolation"))
        return made

    cls.create_from_cloudformation_json = staticmethod(create_and_remember)


def install() -> None:
    """Adds the types to cfn_sagemaker's table, which its resource_class_from_type reads, and
    fixes moto's rule deletion and SageMaker endpoint names."""
    for cls in (ModelPackageGroup, BuildProject, Pipeline):
        TYPES[cls.TYPE] = cls
    Rule.delete_from_cloudformation_json = staticmethod(_delete_rule_with_targets)  # type: ignore[method-assign,assignment]
    for cls, prop in ((Model, "ModelName"), (FakeEndpointConfig, "EndpointConfigName"), (FakeEndpoint, "EndpointName")):
        cls.cloudformation_name_type = staticmethod(lambda prop=prop: prop)  # type: ignore[method-assign]
    _remembering(Model, "DescribeModel", "ModelName")
    _remembering(FakeEndpointConfig, "DescribeEndpointConfig", "EndpointConfigName")
