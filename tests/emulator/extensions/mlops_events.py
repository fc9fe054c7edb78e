"""Model approvals on EventBridge, rules that start CodePipeline, and model package group
policies: what a deploy pipeline triggered by an approval relies on. moto 5.2.5 emits no
SageMaker event, cannot deliver to a CodePipeline target (events_lambda.py skips it), and has
no model package group policy.

Model package state changes
  - CreateModelPackage of a version (in a group) and an UpdateModelPackage that changes
    ModelApprovalStatus put "SageMaker Model Package State Change" (source aws.sagemaker) on the
    account's default bus, as AWS does: detail ModelPackageGroupName, ModelPackageVersion,
    ModelPackageArn, ModelPackageName, ModelApprovalStatus, ModelPackageStatus "Completed",
    CreationTime and LastModifiedTime (epoch milliseconds); resources [the package's ARN]. An
    update that leaves the status as it was emits nothing.

EventBridge -> CodePipeline (the StartPipelineExecution EventBridge makes for a rule's target)
  - the target is arn:aws:codepipeline:<region>:<account>:<pipeline>, of the rule's account and
    region (EventBridge targets a pipeline of its own account); its RoleArn is required, and the
    role must exist and trust events.amazonaws.com (sts:AssumeRole). The role's own policies
    are not evaluated here.
  - on success an execution starts with trigger {triggerType "CloudWatchEvent", triggerDetail
    the rule's ARN} (GetPipelineExecution, ListPipelineExecutions); moto's executions end
    "Succeeded" at once, since nothing runs.
  - each delivery is recorded (deliveries(), GET /_emulator/pipeline-deliveries): rule, target,
    pipeline, outcome "started" with the execution id, or the failure (NO_ROLE,
    ROLE_NOT_TRUSTED, RESOURCE_NOT_FOUND, CROSS_ACCOUNT), which on AWS only shows in the
    rule's FailedInvocations metric.

Model package group policies
  - PutModelPackageGroupPolicy(ModelPackageGroupName, ResourcePolicy): the group must exist
    (ValidationException "Model Package Group <name> does not exist."), the policy must be a
    JSON object with a Statement (ValidationException otherwise), at most 20,480 characters;
    answers ModelPackageGroupArn. GetModelPackageGroupPolicy answers ResourcePolicy, or
    ValidationException "Cannot find resource policy for Model Package Group <name>."
    DeleteModelPackageGroupPolicy removes it (the same error when there is none). The group's
    deletion takes its policy with it.
"""

import json
import re
import sys
import threading
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from . import events_lambda
from .common import LOCK
from .sagemaker_reads import install_operations

PIPELINE_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:codepipeline:([a-z0-9-]+):(\d{12}):([A-Za-z0-9.@_-]+)$")
STATE_CHANGE = "SageMaker Model Package State Change"
MAX_POLICY = 20480

_deliveries: list[dict[str, Any]] = []
_deliveries_lock = threading.Lock()


def deliveries() -> list[dict[str, Any]]:
    with _deliveries_lock:
        return [dict(d) for d in _deliveries]


def reset() -> None:
    with _deliveries_lock:
        _deliveries.clear()


def _millis(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    try:
        return int(datetime.fromisoformat(str(value)).timestamp() * 1000)
    except ValueError:
        return int(datetime.now(timezone.utc).timestamp() * 1000)


# --- model package state changes -----------------------------------------------------------------


def state_change_event(package: Any, account: str, region: str) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": STATE_CHANGE,
        "source": "aws.sagemaker",
        "account": account,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [package.arn],
        "detail": {
            "ModelPackageGroupName": package.model_package_group_name,
            "ModelPackageVersion": package.model_package_version,
            "ModelPackageArn": package.arn,
            "ModelPackageName": package.model_package_name,
            "ModelApprovalStatus": package.model_approval_status,
            "ModelPackageStatus": "Completed",
            "CreationTime": _millis(getattr(package, "creation_time", now)),
            "LastModifiedTime": _millis(now),
        },
    }


def _emit(backend: SageMakerModelBackend, package: Any) -> None:
    if not getattr(package, "model_package_group_name", None):
        return  # an unversioned package belongs to no group: nothing listens for it
    event = state_change_event(package, backend.account_id, backend.region_name)
    events_lambda.put_on_bus(backend.account_id, backend.region_name, event)


def _install_state_changes() -> None:
    moto_update = SageMakerModelBackend.update_model_package
    moto_create = SageMakerModelBackend.create_model_package

    def update_model_package(self: SageMakerModelBackend, model_package_arn: str,
                             model_approval_status: str | None, *args: Any, **kwargs: Any) -> str:
        name = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
        before = getattr(self.model_packages.get(name), "model_approval_status", None)
        arn = moto_update(self, model_package_arn, model_approval_status, *args, **kwargs)
        package = self.model_packages.get(self.model_package_name_mapping.get(arn, arn))
        if package is not None and package.model_approval_status != before:
            _emit(self, package)
        return arn

    def create_model_package(self: SageMakerModelBackend, *args: Any, **kwargs: Any) -> str:
        arn = moto_create(self, *args, **kwargs)
        package = self.model_packages.get(self.model_package_name_mapping.get(arn, arn))
        if package is not None:
            _emit(self, package)
        return arn

    SageMakerModelBackend.update_model_package = update_model_package  # type: ignore[method-assign]
    SageMakerModelBackend.create_model_package = create_model_package  # type: ignore[method-assign]


# --- EventBridge -> CodePipeline ------------------------------------------------------------------


def _trusts_events(role: Any) -> bool:
    try:
        doc = json.loads(role.assume_role_policy_document)
    except (TypeError, ValueError):
        return False
    statements = doc.get("Statement", [])
    for s in statements if isinstance(statements, list) else [statements]:
        if s.get("Effect") != "Allow":
            continue
        actions = s.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        services = (s.get("Principal") or {}).get("Service", []) if isinstance(s.get("Principal"), dict) else []
        services = services if isinstance(services, list) else [services]
        if "events.amazonaws.com" in services and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            return True
    return False


def _role(account: str, arn: str) -> Any:
    from moto.iam.models import iam_backends

    for role in iam_backends[account]["global"].roles.values():
        if role.arn == arn:
            return role
    return None


def deliver_to_pipeline(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> bool:
    """events_lambda's hook: True when `target` is a pipeline (delivered or refused here)."""
    match = PIPELINE_ARN.match(str(target.get("Arn", "")))
    if not match:
        return False
    region, account, name = match.groups()
    rec: dict[str, Any] = {
        "rule_arn": rule.arn,
        "target_arn": target["Arn"],
        "pipeline": name,
        "event_id": event.get("id"),
        "detail_type": event.get("detail-type"),
    }
    rule_account, rule_region = rule.account_id, rule.region_name
    role_arn = target.get("RoleArn")
    role = _role(rule_account, role_arn) if role_arn else None
    if (account, region) != (rule_account, rule_region):
        rec["outcome"] = "CROSS_ACCOUNT"
    elif not role_arn:
        rec["outcome"] = "NO_ROLE"
    elif role is None or not _trusts_events(role):
        rec["outcome"] = "ROLE_NOT_TRUSTED"
    else:
        from moto.codepipeline.models import codepipeline_backends

        backend = codepipeline_backends[account][region]
        with LOCK:
            if name not in backend.pipelines:
                rec["outcome"] = "RESOURCE_NOT_FOUND"
            else:
                execution_id = backend.start_pipeline_execution(name, None)
                execution = backend.pipelines[name].executions[execution_id]
                execution.trigger = {"triggerType": "CloudWatchEvent", "triggerDetail": rule.arn}
                rec["outcome"] = "started"
                rec["execution_id"] = execution_id
    if rec["outcome"] != "started":
        print(f"events: {rule.arn} could not start {target['Arn']}: {rec['outcome']}", file=sys.stderr)
    with _deliveries_lock:
        _deliveries.append(rec)
    return True


def _install_triggers() -> None:
    from moto.codepipeline.models import PipelineExecution

    moto_dict = PipelineExecution.to_dict
    moto_summary = PipelineExecution.to_summary_dict

    def with_trigger(original: Any) -> Any:
        def render(self: PipelineExecution) -> dict[str, Any]:
            out = original(self)
            trigger = getattr(self, "trigger", None)
            if trigger:
                out["trigger"] = dict(trigger)
            return out

        return render

    PipelineExecution.to_dict = with_trigger(moto_dict)  # type: ignore[method-assign]
    PipelineExecution.to_summary_dict = with_trigger(moto_summary)  # type: ignore[method-assign]
    events_lambda.TARGET_HOOKS.append(deliver_to_pipeline)


# --- model package group policies -----------------------------------------------------------------


def _group(self: SageMakerResponse) -> tuple[str, Any]:
    name = self._get_param("ModelPackageGroupName") or ""
    group = self.sagemaker_backend.model_package_groups.get(name.rsplit("/", 1)[-1])
    if group is None:
        raise ValidationError(message=f"Model Package Group {name} does not exist.")
    return name, group


def put_model_package_group_policy(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        name, group = _group(self)
        text = self._get_param("ResourcePolicy") or ""
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or "Statement" not in doc:
            raise ValidationError(message="ResourcePolicy is not a valid policy document: a JSON object with a Statement.")
        if len(text) > MAX_POLICY:
            raise ValidationError(message=f"ResourcePolicy is longer than {MAX_POLICY} characters.")
        group.resource_policy = text
        return ActionResult({"ModelPackageGroupArn": group.arn})


def get_model_package_group_policy(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        name, group = _group(self)
        policy = getattr(group, "resource_policy", None)
        if not policy:
            raise ValidationError(message=f"Cannot find resource policy for Model Package Group {name}.")
        return ActionResult({"ResourcePolicy": policy})


def delete_model_package_group_policy(self: SageMakerResponse) -> EmptyResult:
    with LOCK:
        name, group = _group(self)
        if not getattr(group, "resource_policy", None):
            raise ValidationError(message=f"Cannot find resource policy for Model Package Group {name}.")
        group.resource_policy = None
        return EmptyResult()


def install() -> None:
    _install_state_changes()
    _install_triggers()
    install_operations(
        [put_model_package_group_policy, get_model_package_group_policy, delete_model_package_group_policy], []
    )
