"""CloudFormation stacks that progress in the background, with custom resources as on AWS.

moto creates, updates and deletes a stack inside the API call and only ever sends a
custom resource's Create (to a ResponseURL on host.docker.internal). Here:

- CreateStack, UpdateStack and DeleteStack return at once; the work runs in a thread of
  its own and DescribeStacks shows CREATE_/UPDATE_/DELETE_IN_PROGRESS meanwhile. Outputs
  (and exports) are resolved when the stack completes.
- Custom::* resources (and AWS::CloudFormation::CustomResource) invoke the ServiceToken
  Lambda asynchronously with CloudFormation's event and wait for the answer PUT to the
  ResponseURL: Create, Update (PhysicalResourceId, OldResourceProperties; a new physical
  id means replacement and the old one gets a Delete in the cleanup phase) and Delete.
  Property values are sent as CloudFormation sends them: booleans and numbers as strings.
- A FAILED answer (or none within the timeout) fails the resource: CREATE_FAILED, then per
  OnFailure/DisableRollback a rollback (the failed resource also gets a Delete, with the
  PhysicalResourceId it answered) to ROLLBACK_COMPLETE; UPDATE_ROLLBACK_COMPLETE after a
  failed update (custom resources get the rollback Update with their old properties, and
  resources an update replaced go back to the old one: the new one is deleted);
  DELETE_FAILED after a failed delete.
- A stack's resources are deleted (DeleteStack, a rollback) in the reverse order of their
  creation, as CloudFormation deletes what depends on a resource (Ref, Fn::GetAtt, DependsOn)
  before it: a notebook instance before the lifecycle configuration it names. moto took them
  in the order of a set (and tried failed ones again while others went); here too a resource
  whose delete fails is tried again after the others, and the stack is DELETE_FAILED with the
  last failure when no more go.
"""

import json
import os
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from moto.awslambda.utils import get_backend as get_lambda_backend
from moto.cloudformation import parsing
from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack, cloudformation_backends
from moto.cloudformation.parsing import ResourceMap
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_stack_id

from .common import LOCK, _env_float

TIMEOUT_ENV = "EMULATOR_CFN_CUSTOM_RESOURCE_TIMEOUT_SECONDS"

_local = threading.local()
_waiters: dict[str, "_Waiter"] = {}

_moto_outputs = Stack.outputs
_moto_exports = Stack.exports
_moto_stack_resources = Stack.stack_resources
_moto_create_stack_response = CloudFormationResponse.create_stack


class CustomResourceFailed(Exception):
    def __init__(self, message: str, logical_id: str, physical_id: str | None):
        super().__init__(message)
        self.logical_id, self.physical_id = logical_id, physical_id


@dataclass
class _Waiter:
    done: threading.Event = field(default_factory=threading.Event)
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Op:
    """What one stack operation did to custom resources, for rollback and cleanup."""

    kind: str  # create, update, delete
    failure: Exception | None = None
    failed: list[tuple[CustomModel, str | None]] = field(default_factory=list)
    # (model, old properties, old physical id, old data, new properties)
    updated: list[tuple[CustomModel, dict, str, dict, dict]] = field(default_factory=list)
    created: list[CustomModel] = field(default_factory=list)
    cleanup: list[tuple[CustomModel, str, dict]] = field(default_factory=list)
    # (old, new) resources of other types an update replaced (cfn_sagemaker.py; new None: removed
    # from the template): the old one is deleted in the cleanup phase; a rollback deletes the
    # new one and keeps the old.
    replaced: list[tuple[Any, Any]] = field(default_factory=list)


# --- events and the answer route -------------------------------------------


def cfn_strings(value: Any) -> Any:
    """Property values as CloudFormation sends them to a custom resource."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {k: cfn_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cfn_strings(v) for v in value]
    return value


def _timeout(props: dict[str, Any]) -> float:
    # EMULATOR_CFN_CUSTOM_RESOURCE_TIMEOUT_SECONDS, read at each wait (not a runtime /_emulator/config key).
    limit = _env_float(TIMEOUT_ENV, 600.0)
    try:
        return min(limit, float(props.get("ServiceTimeout")))
    except (TypeError, ValueError):
        return limit


def _invoke_async(fn: Any, event: str) -> None:
    try:
        fn.invoke(event, {"X-Amz-Invocation-Type": "Event"}, {})
    except Exception:
        print("cfn_custom: invoking the custom resource failed\n" + traceback.format_exc(), flush=True)


def send(
    stack: Stack,
    model: CustomModel,
    request_type: str,
    props: dict[str, Any],
    old_props: dict[str, Any] | None = None,
    physical_id: str | None = None,
) -> dict[str, Any]:
    """Send one event to the custom resource's Lambda and wait for its answer."""
    request_id = str(uuid.uuid4())
    port = os.environ.get("MOTO_PORT", "4566")
    query = urlencode({"stack": stack.stack_id, "logical": model.logical_id, "request": request_id})
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": props.get("ServiceToken"),
        "ResponseURL": f"http://127.0.0.1:{port}/cloudformation_{stack.region_name}/cfnresponse?{query}",
        "StackId": stack.stack_id,
        "RequestId": request_id,
        "LogicalResourceId": model.logical_id,
        "ResourceType": model.cf_resource_type,
        "ResourceProperties": props,
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_props is not None:
        event["OldResourceProperties"] = old_props
    token = str(props.get("ServiceToken") or "")
    try:
        region = token.split(":")[3] if token.startswith("arn:") else stack.region_name
        fn = get_lambda_backend(stack.account_id, region).get_function(token)
    except Exception as exc:
        raise CustomResourceFailed(f"Invalid service token {token!r}: {exc}", model.logical_id, physical_id) from exc
    waiter = _Waiter()
    _waiters[request_id] = waiter
    sent = model.__dict__.setdefault("emulator_events", [])
    sent.append(event)
    try:
        threading.Thread(target=_invoke_async, args=(fn, json.dumps(event)), daemon=True).start()
        seconds = _timeout(props)
        if not waiter.done.wait(seconds):
            raise CustomResourceFailed(
                "CloudFormation did not receive a response from your Custom Resource within "
                f"{seconds:g} seconds. Please check your custom resource function logs. (RequestId: {request_id})",
                model.logical_id,
                physical_id,
            )
    finally:
        _waiters.pop(request_id, None)
    answer = waiter.response
    if answer.get("Status") != "SUCCESS":
        raise CustomResourceFailed(
            f"Received response status [{answer.get('Status')}] from custom resource. "
            f"Message returned: {answer.get('Reason') or 'See the details in CloudWatch Log Stream'} "
            f"(RequestId: {request_id})",
            model.logical_id,
            answer.get("PhysicalResourceId") or physical_id,
        )
    return answer


def process_cfn_response(self: CloudFormationResponse) -> tuple[int, dict[str, str], str]:
    """The PUT to a ResponseURL (moto routes /cloudformation_<region>/cfnresponse here)."""
    body = self.body.decode() if isinstance(self.body, bytes) else (self.body or "")
    try:
        answer = json.loads(body or "{}")
    except ValueError:
        return 400, {}, "The body is not JSON"
    request_id = (self.querystring.get("request") or [None])[0] or answer.get("RequestId")
    waiter = _waiters.get(request_id)
    if waiter is not None and not waiter.done.is_set() and isinstance(answer, dict):
        waiter.response = answer
        waiter.done.set()
    return 200, {}, ""


# --- the custom resource ------------------------------------------------------


def _resource_event(stack: Stack, logical_id: str, physical_id: str | None, rtype: str, status: str, reason: str | None = None) -> None:
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id or "",
            resource_type=rtype,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _op(stack: Stack) -> _Op | None:
    return stack.__dict__.get("emulator_op")


def _custom_create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any) -> CustomModel:
    stack = cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
    logical_id = kwargs["LogicalId"]
    model = CustomModel(region_name, "", logical_id, "")
    model.cf_resource_type = kwargs["ResourceType"]
    model.stack_id = stack.stack_id
    model.properties = cfn_strings(cloudformation_json.get("Properties") or {})
    stack.add_custom_resource(model)
    _resource_event(stack, logical_id, None, model.cf_resource_type, "CREATE_IN_PROGRESS")
    op = _op(stack)
    try:
        answer = send(stack, model, "Create", model.properties)
    except CustomResourceFailed as exc:
        _resource_event(stack, logical_id, exc.physical_id, model.cf_resource_type, "CREATE_FAILED", str(exc))
        if op is not None:
            op.failed.append((model, exc.physical_id or f"{stack.name}-{logical_id}-{uuid.uuid4().hex[:12].upper()}"))
        raise
    model.resource_name = answer.get("PhysicalResourceId") or f"{stack.name}-{logical_id}-{uuid.uuid4().hex[:12].upper()}"
    model.data = answer.get("Data") or {}
    model._finished = True
    if op is not None and op.kind == "update":
        op.created.append(model)
    _resource_event(stack, logical_id, model.resource_name, model.cf_resource_type, "CREATE_COMPLETE")
    return model


def _custom_update(cls: Any, original_resource: CustomModel, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> CustomModel:
    model = original_resource
    stack = cloudformation_backends[account_id][region_name].get_stack(model.stack_id)
    op = _op(stack)
    new_props = cfn_strings(cloudformation_json.get("Properties") or {})
    old_props = model.properties
    if (op is not None and op.failure is not None) or new_props == old_props:
        return model
    old_phys, old_data = model.resource_name, dict(model.data)
    entry = (model, old_props, old_phys, old_data, new_props)
    _resource_event(stack, model.logical_id, old_phys, model.cf_resource_type, "UPDATE_IN_PROGRESS")
    try:
        if new_props.get("ServiceToken") != old_props.get("ServiceToken"):
            raise CustomResourceFailed("Modifying service token is not allowed.", model.logical_id, old_phys)
        answer = send(stack, model, "Update", new_props, old_props=old_props, physical_id=old_phys)
    except CustomResourceFailed as exc:
        _resource_event(stack, model.logical_id, old_phys, model.cf_resource_type, "UPDATE_FAILED", str(exc))
        if op is None:
            raise
        op.failure = exc
        op.updated.append(entry)
        return model
    new_phys = answer.get("PhysicalResourceId") or old_phys
    model.resource_name, model.properties, model.data = new_phys, new_props, answer.get("Data") or {}
    if op is not None:
        op.updated.append(entry)
        if new_phys != old_phys:
            op.cleanup.append((model, old_phys, old_props))
    _resource_event(stack, model.logical_id, new_phys, model.cf_resource_type, "UPDATE_COMPLETE")
    return model


def _custom_get_att(self: CustomModel, attribute_name: str) -> Any:
    # AWS fails the stack when Fn::GetAtt names a key the custom resource's Data lacks.
    if attribute_name in self.data:
        return self.data[attribute_name]
    raise ValidationError(
        self.stack_id if hasattr(self, "stack_id") else "",
        message=f"CustomResource attribute error: Vendor response doesn't contain {attribute_name} key in object "
        f"{getattr(self, 'stack_id', '')}|{self.logical_id}",
    )


def _custom_delete(self: CustomModel, account_id: str, region_name: str) -> None:
    stack = cloudformation_backends[account_id][region_name].get_stack(self.stack_id)
    op = _op(stack)
    if op is not None and op.kind == "update":
        # Removed from the template: deleted in the cleanup phase, after the update.
        op.cleanup.append((self, self.resource_name, self.properties))
        return
    if self.__dict__.get("emulator_deleted"):
        return
    if self.__dict__.get("emulator_delete_error") is not None:
        raise self.emulator_delete_error  # already answered FAILED in this operation
    _resource_event(stack, self.logical_id, self.resource_name, self.cf_resource_type, "DELETE_IN_PROGRESS")
    try:
        send(stack, self, "Delete", self.properties, physical_id=self.resource_name)
    except CustomResourceFailed as exc:
        self.emulator_delete_error = exc
        _resource_event(stack, self.logical_id, self.resource_name, self.cf_resource_type, "DELETE_FAILED", str(exc))
        raise
    self.emulator_deleted = True
    _resource_event(stack, self.logical_id, self.resource_name, self.cf_resource_type, "DELETE_COMPLETE")


def _delete_quietly(stack: Stack, model: CustomModel, physical_id: str, props: dict[str, Any]) -> bool:
    _resource_event(stack, model.logical_id, physical_id, model.cf_resource_type, "DELETE_IN_PROGRESS")
    try:
        send(stack, model, "Delete", props, physical_id=physical_id)
    except CustomResourceFailed as exc:
        _resource_event(stack, model.logical_id, physical_id, model.cf_resource_type, "DELETE_FAILED", str(exc))
        return False
    _resource_event(stack, model.logical_id, physical_id, model.cf_resource_type, "DELETE_COMPLETE")
    return True


# --- stacks in the background -----------------------------------------------------


def _status(stack: Stack, status: str, reason: str | None = None) -> None:
    stack.status = status
    stack.stack_status_reason = reason
    stack._add_stack_event(status, resource_status_reason=reason)


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return message


def _outputs_property(self: Stack) -> Any:
    if "emulator_outputs" in self.__dict__:
        return self.__dict__["emulator_outputs"]
    return _moto_outputs.fget(self)


def _exports_property(self: Stack) -> Any:
    if "emulator_exports" in self.__dict__:
        return self.__dict__["emulator_exports"]
    return _moto_exports.fget(self)


def _stack_resources_property(self: Stack) -> Any:
    # moto's resource map creates resources lazily on lookup; a Describe* during a
    # background operation must not create (or re-create) any.
    if "emulator_outputs" not in self.__dict__:
        return _moto_stack_resources.fget(self)
    rm = self.resource_map
    return [rm._parsed_resources[k] for k in list(rm._resource_json_map) if k in rm._parsed_resources]


def _finish_outputs(backend: CloudFormationBackend, stack: Stack) -> None:
    stack.output_map = stack._create_output_map()
    exports = stack.output_map.exports
    for export in exports:
        other = backend.exports.get(export.name)
        if other is not None and other.exporting_stack_id != stack.stack_id:
            raise ValidationError(stack.stack_id, message=f"Export with name {export.name} is already exported by stack {other.exporting_stack_id}")
    by_value = {e.value: e.name for e in exports}
    outputs = [
        {"OutputKey": o.key, "OutputValue": o.value, "Description": o.description, "ExportName": by_value.get(o.value)}
        for o in stack.output_map.values()
        if o
    ]
    with LOCK:
        for old in stack.__dict__.get("emulator_exports") or []:
            backend.exports.pop(old.name, None)
        for export in exports:
            backend.exports[export.name] = export
    stack.emulator_exports = exports
    stack.emulator_outputs = outputs or None


def _start(target: Any, *args: Any) -> None:
    def run() -> None:
        try:
            target(*args)
        except Exception:
            print("cfn_custom: stack operation crashed\n" + traceback.format_exc(), flush=True)

    threading.Thread(target=run, daemon=True).start()


def _create_stack_response(self: CloudFormationResponse) -> Any:
    on_failure = self._get_param("OnFailure")
    if not on_failure:
        on_failure = "DO_NOTHING" if self._get_param("DisableRollback") in ("true", True) else "ROLLBACK"
    _local.on_failure = on_failure
    try:
        return _moto_create_stack_response(self)
    finally:
        _local.on_failure = None


def _create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
    on_failure: str | None = None,
) -> Stack:
    if name in [stack.name for stack in list(self.stacks.values())]:
        raise AlreadyExistsException(f"Stack [{name}] already exists")
    stack = Stack(
        stack_id=generate_stack_id(name, self.region_name, self.account_id),
        name=name,
        template=template,
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
        cross_stack_resources=self.exports,
        enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins,
        stack_policy_body=stack_policy_body,
    )
    on_failure = on_failure or getattr(_local, "on_failure", None) or "ROLLBACK"
    stack.disable_rollback = on_failure == "DO_NOTHING"
    stack.emulator_on_failure = on_failure
    stack.emulator_outputs = None
    stack.emulator_exports = []
    stack.emulator_op = _Op("create")
    with LOCK:
        self.stacks[stack.stack_id] = stack
    _status(stack, "CREATE_IN_PROGRESS", "User Initiated")
    _start(_run_create, self, stack)
    return stack


def _run_create(backend: CloudFormationBackend, stack: Stack) -> None:
    op: _Op = stack.emulator_op
    try:
        stack.resource_map.create(stack.template_dict)
        _finish_outputs(backend, stack)
        _status(stack, "CREATE_COMPLETE")
        return
    except Exception as exc:
        reason = _reason(exc)
        failed = getattr(exc, "logical_id", None)
    finally:
        stack.emulator_op = None
    if stack.disable_rollback:
        _status(stack, "CREATE_FAILED", reason)
        return
    what = f"The following resource(s) failed to create: [{failed}]. " if failed else f"{reason}. "
    _status(stack, "ROLLBACK_IN_PROGRESS", what + "Rollback requested by user.")
    stack.emulator_op = _Op("delete")
    ok = True
    try:
        for model, physical_id in op.failed:
            ok = _delete_quietly(stack, model, physical_id, model.properties) and ok
        stack.resource_map.delete()
    except Exception as exc:
        ok = False
        reason = _reason(exc)
    finally:
        stack.emulator_op = None
    if not ok:
        _status(stack, "ROLLBACK_FAILED", reason)
        return
    _status(stack, "ROLLBACK_COMPLETE", what.strip())
    if stack.emulator_on_failure == "DELETE":
        _status(stack, "DELETE_COMPLETE")
        _forget(backend, stack)


def _forget(backend: CloudFormationBackend, stack: Stack) -> None:
    with LOCK:
        backend.stacks.pop(stack.stack_id, None)
        backend.deleted_stacks[stack.stack_id] = stack
        for export in stack.__dict__.get("emulator_exports") or []:
            backend.exports.pop(export.name, None)
        stack.emulator_exports = []


def _update_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    role_arn: str | None,
    parameters: list[dict[str, Any]],
    tags: dict[str, str] | None,
) -> Stack:
    stack = self.get_stack(name)
    if "emulator_outputs" not in stack.__dict__:
        stack.update(template, role_arn, parameters=self._resolve_update_parameters(instance=stack, incoming_params=parameters), tags=tags)
        return stack
    if stack.status.endswith("_IN_PROGRESS") or stack.status in ("CREATE_FAILED", "ROLLBACK_FAILED", "DELETE_COMPLETE"):
        raise ValidationError(stack.stack_id, message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
    resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
    Stack.parse_template(template)  # a broken template is refused by the call
    stack.emulator_op = _Op("update")
    _status(stack, "UPDATE_IN_PROGRESS", "User Initiated")
    _start(_run_update, self, stack, template, role_arn, resolved, tags)
    return stack


def _run_update(backend: CloudFormationBackend, stack: Stack, template: str, role_arn: str | None, parameters: dict[str, Any], tags: dict[str, str] | None) -> None:
    op: _Op = stack.emulator_op
    rm = stack.resource_map
    saved = (stack.template, stack.template_dict, dict(stack.parameters), rm._template, rm._resource_json_map, dict(rm.input_parameters))
    try:
        stack.template = template
        stack._parse_template()
        rm.update(stack.template_dict, parameters)
        if op.failure is not None:
            raise op.failure
        stack.role_arn = role_arn
        if parameters:
            stack.parameters = parameters
        if tags is not None:
            stack.tags = tags
        _finish_outputs(backend, stack)
    except Exception as exc:
        _rollback_update(stack, op, saved, _reason(exc))
        stack.emulator_op = None
        return
    stack.emulator_op = None
    if op.cleanup or op.replaced:
        _status(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        for model, physical_id, props in op.cleanup:
            _delete_quietly(stack, model, physical_id, props)  # a failed cleanup does not fail the update
            if model.resource_name == physical_id:  # removed from the template
                model.emulator_deleted = True
                rm._parsed_resources.pop(model.logical_id, None)
        for old, new in reversed(op.replaced):  # what was made last (and names the others) first
            try:
                old.delete(stack.account_id, stack.region_name)
            except Exception:
                pass  # its DELETE_FAILED event says why; the update stands
            if new is None and rm._parsed_resources.get(old.logical_resource_id) is old:
                rm._parsed_resources.pop(old.logical_resource_id)  # removed from the template
    _status(stack, "UPDATE_COMPLETE")


def _rollback_update(stack: Stack, op: _Op, saved: tuple, reason: str) -> None:
    _status(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
    rm = stack.resource_map
    stack.emulator_op = _Op("rollback")
    ok = True
    for model, old_props, old_phys, old_data, new_props in reversed(op.updated):
        if model.resource_name != old_phys:
            # Replaced: the new resource goes, the old one is kept.
            ok = _delete_quietly(stack, model, model.resource_name, new_props) and ok
        else:
            try:
                send(stack, model, "Update", old_props, old_props=new_props, physical_id=old_phys)
                _resource_event(stack, model.logical_id, old_phys, model.cf_resource_type, "UPDATE_COMPLETE")
            except CustomResourceFailed as exc:
                ok = False
                _resource_event(stack, model.logical_id, old_phys, model.cf_resource_type, "UPDATE_FAILED", str(exc))
        model.resource_name, model.properties, model.data = old_phys, old_props, old_data
    for model in op.created:
        ok = _delete_quietly(stack, model, model.resource_name, model.properties) and ok
        rm._parsed_resources.pop(model.logical_id, None)
    for old, new in reversed(op.replaced):
        if new is not None:
            try:
                new.delete(stack.account_id, stack.region_name)
            except Exception:
                ok = False
        rm._parsed_resources[old.logical_resource_id] = old
    stack.template, stack.template_dict, stack.parameters, rm._template, rm._resource_json_map, rm.input_parameters = saved
    try:
        rm.load_parameters()
        rm.load_conditions()
    except Exception:
        pass
    _status(stack, "UPDATE_ROLLBACK_COMPLETE" if ok else "UPDATE_ROLLBACK_FAILED")


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = self.stacks.get(name_or_stack_id)
    if stack is None:
        stack = next((s for s in list(self.stacks.values()) if s.name == name_or_stack_id), None)
    if stack is None:
        return  # AWS: deleting a stack that does not exist succeeds
    if "emulator_outputs" not in stack.__dict__:
        with LOCK:
            self.stacks.pop(stack.stack_id)
            stack.delete()
            self.deleted_stacks[stack.stack_id] = stack
            for export in stack.exports:
                self.exports.pop(export.name, None)
        return
    if stack.status == "DELETE_IN_PROGRESS":
        return
    if stack.status.endswith("_IN_PROGRESS"):
        raise ValidationError(stack.stack_id, message=f"Stack [{stack.name}] is in {stack.status} state and can not be deleted now.")
    stack.emulator_op = _Op("delete")
    _status(stack, "DELETE_IN_PROGRESS", "User Initiated")
    _start(_run_delete, self, stack)


def _run_delete(backend: CloudFormationBackend, stack: Stack) -> None:
    for model in stack.custom_resources.values():
        model.__dict__.pop("emulator_delete_error", None)
    try:
        stack.resource_map.delete()
    except Exception as exc:
        stack.emulator_op = None
        _status(stack, "DELETE_FAILED", _reason(exc))
        return
    stack.emulator_op = None
    _status(stack, "DELETE_COMPLETE")
    _forget(backend, stack)


def _delete_resources(self: ResourceMap) -> None:
    """ResourceMap.delete: newest first. _parsed_resources keeps the order in which resources
    were made, and a resource is made after everything it refers to (moto's lazy map)."""
    made = [key for key in self._parsed_resources if key in self._resource_json_map]
    rest = [key for key in self._resource_json_map if key not in made]
    remaining = [
        key for key in list(reversed(made)) + rest if self._resource_json_map[key].get("DeletionPolicy") != "Retain"
    ]
    failure: Exception | None = None
    while remaining:
        progressed = False
        for key in list(remaining):
            resource = self._parsed_resources.get(key)
            try:
                if resource is not None and not isinstance(resource, str):
                    self._delete_resource(resource, self._resource_json_map[resource.logical_resource_id])
                    self._parsed_resources.pop(resource.logical_resource_id)
            except Exception as exc:
                failure = exc
            else:
                remaining.remove(key)
                progressed = True
        if not progressed and failure is not None:
            raise failure


def install() -> None:
    ResourceMap.delete = _delete_resources
    CustomModel.create_from_cloudformation_json = classmethod(_custom_create)
    CustomModel.update_from_cloudformation_json = classmethod(_custom_update)
    CustomModel.delete = _custom_delete
    CustomModel.get_cfn_attribute = _custom_get_att
    # AWS::CloudFormation::CustomResource is the other spelling of a custom resource.
    _moto_class_from_type = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type == "AWS::CloudFormation::CustomResource":
            return CustomModel
        return _moto_class_from_type(resource_type)

    parsing.resource_class_from_type = resource_class_from_type
    CloudFormationResponse.process_cfn_response = process_cfn_response
    CloudFormationResponse.create_stack = _create_stack_response
    CloudFormationBackend.create_stack = _create_stack
    CloudFormationBackend.update_stack = _update_stack
    CloudFormationBackend.delete_stack = _delete_stack
    Stack.outputs = property(_outputs_property)
    Stack.exports = property(_exports_property)
    Stack.stack_resources = property(_stack_resources_property)
