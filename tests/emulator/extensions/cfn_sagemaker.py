"""CloudFormation's SageMaker resource types as AWS runs them: notebook instances, their
lifecycle configurations and Studio user profiles, made by the emulator's own SageMaker calls.

moto 5.2.5:
  - AWS::SageMaker::NotebookInstance: creates the instance under a generated name (the
    NotebookInstanceName property is ignored) from InstanceType and RoleArn only (SubnetId,
    SecurityGroupIds, KmsKeyId, RootAccess, DirectInternetAccess, VolumeSizeInGB,
    LifecycleConfigName, Tags, ... are dropped), straight on the backend, so none of
    CreateNotebookInstance's checks (sagemaker_notebooks.py) apply and it is InService at once;
    an update deletes it and creates another; a delete stops and deletes it at once.
  - AWS::SageMaker::NotebookInstanceLifecycleConfig: the same generated name (the
    NotebookInstanceLifecycleConfigName property is ignored), OnCreate/OnStart unchecked; an
    update deletes and re-creates it.
  - AWS::SageMaker::UserProfile: no such type; the resource is skipped with a warning, so a
    template using it (Fn::GetAtt UserProfileArn) fails.
  (Ref of the first two, the ARN, and their GetAtt name attribute were already right.) And
  moto's stack update only updates a resource whose template text changed or that Refs a
  changed parameter.

Here, as on AWS (the CloudFormation template reference; for user profiles also the registry
schema and handlers of aws-cloudformation-resource-providers-sagemaker):
  - every property is the member of the same name of the SageMaker create call
    (CreateNotebookInstance, CreateNotebookInstanceLifecycleConfig, CreateUserProfile), its
    value converted to the member's type as CloudFormation does ("20" -> 20, 20 -> "20",
    "true" -> true). A property the type does not have fails the resource ("Encountered
    unsupported property X"), so does a missing required one or a value of the wrong type
    ("Properties validation failed for resource X with message: [...]").
  - the call is the emulator's own handler for it (the same function the HTTP call reaches,
    with every wrapper: the model's constraints, the lifecycle configuration that must exist,
    studio_settings.py's settings rules, the domain that must exist and be InService, the
    IAM Identity Center rule, iam_propagation.py), on a SageMakerResponse that carries the
    members, so what CloudFormation makes passes the same checks as the API call. A refusal
    fails the resource as a registry handler does: CREATE_FAILED with 'Resource handler
    returned message: "Invalid request provided: <SageMaker's message>" (RequestToken: <uuid>,
    HandlerErrorCode: InvalidRequest)' (ResourceInUse: AlreadyExists, or ResourceConflict on a
    delete; ResourceNotFound: NotFound; the resource named by its name, a user profile's
    conflict by "<domain id>|<name>", as the AWS handlers word them), which fails the stack.
  - the stack waits until the resource is stable, as CloudFormation does: a notebook instance
    until InService (DescribeNotebookInstance shows Pending meanwhile), a user profile until
    InService. Waits are bounded: the settle time of the kind (latency_profile.py:
    studio_delay_seconds, or AWS's scaled time) plus GRACE_SECONDS; beyond that the resource
    fails with "Resource of type '<type>' with identifier '<id>' did not stabilize.".
  - Ref and Fn::GetAtt: NotebookInstance: Ref the ARN, GetAtt NotebookInstanceName;
    NotebookInstanceLifecycleConfig: Ref the ARN, GetAtt NotebookInstanceLifecycleConfigName;
    UserProfile: GetAtt UserProfileArn, Ref the registry's primary identifier
    (UserProfileName, DomainId) joined with "|" as CloudFormation joins a compound one
    ("alice|d-xxxxxxxxxxxx"; AWS's page says Ref returns "the Domain ID and the user profile
    name" without their format). Other attributes: "Template error: resource X does not
    support attribute type Y in Fn::GetAtt". A name property left out gets a generated name,
    <logical id>-<12 random characters> (at most 63).
  - delete: a notebook instance that is Pending is waited for until InService, then stopped
    (StopNotebookInstance), waited for until Stopped, deleted (DeleteNotebookInstance) and
    waited for until gone, as the AWS handler does; a lifecycle configuration is deleted
    (cfn_custom.py deletes a stack's resources in the reverse order of their creation, so the
    notebook instance that names it goes first); a user profile is deleted
    (DeleteUserProfile: refused while it has apps or spaces, which fails the delete with
    HandlerErrorCode ResourceConflict and the stack with DELETE_FAILED) and waited for until
    gone. A resource already gone counts as deleted.
  - update: properties AWS updates in place are changed in place: a notebook instance's
    InstanceType, RoleArn, VolumeSizeInGB, LifecycleConfigName, code repositories,
    accelerators, RootAccess and metadata service settings through UpdateNotebookInstance (a
    running instance is stopped first and started again after, and waited for until
    InService), its Tags as AddTags/DeleteTags would; a lifecycle configuration's scripts
    through UpdateNotebookInstanceLifecycleConfig; a user profile's UserSettings through
    UpdateUserProfile. Other properties mean replacement: a new resource is made, and the old
    one deleted in the update's cleanup phase (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS; a failed
    update deletes the new one instead; a resource removed from the template is deleted in
    that phase too); with the same custom name CloudFormation refuses
    ("CloudFormation cannot update a stack when a custom-named resource requires replacing.
    Rename <name> and update the stack again."). A user profile's DomainId, UserProfileName, SSO members and Tags are
    create-only (registry schema), so they always mean replacement. What changes is found by
    comparing the resolved properties, as CloudFormation does (moto only updated a resource
    whose text changed or that Refs a changed parameter: a !Sub of a parameter, a changed
    mapping or a replaced resource went unnoticed), in the order the resources were made. A
    failed update fails the stack's update (the others are not tried, the stack rolls back;
    these resources are not changed back).
  - stack events: each resource's CREATE_/UPDATE_/DELETE_IN_PROGRESS, _COMPLETE and _FAILED
    (with the reason) with its physical id.
Not modelled: stack-level tags on the resources (the user profile handler applies only the
template's Tags), the notebook instance's Updating status, Failed resources.
"""

import json
import random
import string
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from botocore import xform_name
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.parsing import ResourceMap
from moto.core.utils import get_service_model
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.utils import get_partition

from . import latency_profile, pending
from .cfn_custom import _resource_event

# Seconds a wait may take beyond the settle time of the transition it waits for.
GRACE_SECONDS = 5.0
POLL_SECONDS = 0.02

_NAME_CHARS = string.ascii_letters + string.digits


class HandlerFailed(Exception):
    """A resource handler's failure; cfn_custom.py fails the stack with it (logical_id)."""

    def __init__(self, message: str, logical_id: str):
        super().__init__(message)
        self.message, self.logical_id = message, logical_id


def _handler_message(message: str, code: str) -> str:
    return f'Resource handler returned message: "{message}" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: {code})'


def _service_failure(exc: Exception, type_name: str, identifier: str, deleting: bool, conflicting: str) -> str:
    """CloudFormation's reason for a SageMaker error, as the registry handlers translate it
    (`conflicting`: how a delete's ResourceConflict names the resource)."""
    code = getattr(exc, "code", None)
    if not isinstance(code, str):  # moto's JsonRESTError: code is the HTTP status
        code = getattr(exc, "error_type", None) or ""
    message = getattr(exc, "message", None) or str(exc)
    if code == "ResourceInUse" and deleting:
        return _handler_message(
            f"Resource of type '{type_name}' with identifier '{conflicting}' has a conflict. Reason: {message}.",
            "ResourceConflict",
        )
    if code == "ResourceInUse":
        return _handler_message(f"Resource of type '{type_name}' with identifier '{identifier}' already exists.", "AlreadyExists")
    if code == "ResourceNotFound":
        return _handler_message(f"Resource of type '{type_name}' with identifier '{identifier}' was not found.", "NotFound")
    if code == "ResourceLimitExceeded":
        return _handler_message(f"Limit exceeded for resource of type '{type_name}'. Reason: {message}", "ServiceLimitExceeded")
    if code == "ThrottlingException":
        return _handler_message(f"Rate exceeded for operation '{type_name}'.", "Throttling")
    if code in ("ValidationException", "ValidationError", "InvalidParameterValue"):
        return _handler_message(f"Invalid request provided: {message}", "InvalidRequest")
    traceback.print_exc()  # not one of SageMaker's errors: the server log says what broke
    return _handler_message(f"{message}", "GeneralServiceException")


# --- the SageMaker call, through the emulator's own handler -------------------------------


def sagemaker_call(account_id: str, region: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run SageMaker `operation` with `params` (its input members) as the HTTP call would be
    run: the same handler on SageMakerResponse, with the wrappers the extensions installed."""
    response = SageMakerResponse()
    response.current_account, response.region, response.partition = account_id, region, get_partition(region)
    response.params, response.uri_match, response.querystring, response.headers = dict(params), {}, {}, {}
    response.body = json.dumps(params, default=str)
    result = getattr(response, xform_name(operation))()
    value = getattr(result, "result", None)
    return value if isinstance(value, dict) else {}


_TYPE_NAMES = {"string": "String", "integer": "Integer", "long": "Integer", "float": "Number", "double": "Number",
               "boolean": "Boolean", "structure": "Object", "list": "Array", "map": "Object"}


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "JSONArray"
    return "JSONObject"


def _convert(shape: Any, value: Any, path: str, errors: list[str]) -> Any:
    """A property value as CloudFormation passes it to the API member of `shape`."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(f"#{path}: expected type: JSONObject, found: {_found(value)}")
            return value
        return {k: _convert(shape.members[k], v, f"{path}/{k}", errors) if k in shape.members else v for k, v in value.items()}
    if kind == "list":
        if not isinstance(value, list):
            errors.append(f"#{path}: expected type: JSONArray, found: {_found(value)}")
            return value
        return [_convert(shape.member, v, f"{path}/{i}", errors) for i, v in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            errors.append(f"#{path}: expected type: JSONObject, found: {_found(value)}")
            return value
        return {k: _convert(shape.value, v, f"{path}/{k}", errors) for k, v in value.items()}
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
    elif kind in ("integer", "long"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value)
    elif kind in ("float", "double"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    else:
        return value
    if kind != "string":
        errors.append(f"#{path}: expected type: {_TYPE_NAMES.get(kind, kind)}, found: {_found(value)}")
    elif not isinstance(value, str):
        errors.append(f"#{path}: expected type: String, found: {_found(value)}")
    return value


def _generated_name(logical_id: str) -> str:
    suffix = "".join(random.choice(_NAME_CHARS) for _ in range(12))
    return f"{logical_id[: 63 - len(suffix) - 1]}-{suffix}"


def _settled(kind: str, check: Callable[[], bool]) -> bool:
    """Wait (in the stack's thread) until `check()` holds, at most the settle time of `kind`
    plus GRACE_SECONDS; the due transitions are applied before each look."""
    from .studio import settle

    deadline = time.monotonic() + latency_profile.settle_seconds(kind) + GRACE_SECONDS
    while True:
        pending.run_due()
        settle()
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_SECONDS)


# --- the resource types ---------------------------------------------------------------------


class _SageMakerResource:
    """One resource of a stack. Subclasses say which API calls make, change and delete it."""

    TYPE = ""
    PROPERTIES: tuple[str, ...] = ()
    REQUIRED: tuple[str, ...] = ()
    ATTRIBUTES: tuple[str, ...] = ()
    # Properties whose change means replacement (the others are updated in place).
    REPLACE: tuple[str, ...] = ()
    NAME_PROPERTY = ""
    CREATE = ""

    def __init__(self, account_id: str, region: str, logical_id: str, stack_id: str, properties: dict[str, Any], name: str):
        self.account_id, self.region_name = account_id, region
        self.logical_id = self.logical_resource_id = logical_id
        self.stack_id, self.properties, self.name = stack_id, properties, name
        self.cf_resource_type = self.TYPE
        self.deleted = False

    # moto's CloudFormation interface --------------------------------------------------------

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # names are chosen here (_make), not by moto

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def is_created(self) -> bool:
        return True

    @property
    def physical_resource_id(self) -> str:
        raise NotImplementedError

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.attribute(attribute_name)

    def attribute(self, attribute_name: str) -> Any:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "_SageMakerResource":
        logical_id = kwargs["LogicalId"]
        stack = cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
        _resource_event(stack, logical_id, None, cls.TYPE, "CREATE_IN_PROGRESS")
        try:
            resource = cls._make(account_id, region_name, logical_id, stack, cloudformation_json.get("Properties") or {})
        except HandlerFailed as exc:
            _resource_event(stack, logical_id, None, cls.TYPE, "CREATE_FAILED", exc.message)
            raise
        _resource_event(stack, logical_id, resource.physical_resource_id, cls.TYPE, "CREATE_COMPLETE")
        return resource

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource: "_SageMakerResource", new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> "_SageMakerResource":
        old = original_resource
        stack = cloudformation_backends[account_id][region_name].get_stack(old.stack_id)
        # cfn_custom.py's record of the update: after a failure the others are left alone and
        # the stack rolls back (moto would try a failed resource four more times).
        op = stack.__dict__.get("emulator_op")
        if op is not None and op.failure is not None:
            return old
        try:
            props = cls._checked(old.logical_id, cloudformation_json.get("Properties") or {})
        except HandlerFailed:
            props = None
        changed = {k for k in set(old.properties) | set(props or {}) if old.properties.get(k) != (props or {}).get(k)}
        if props is not None and not changed:
            return old  # as CloudFormation: an unchanged resource is not touched (and has no events)
        _resource_event(stack, old.logical_id, old.physical_resource_id, cls.TYPE, "UPDATE_IN_PROGRESS")
        try:
            if props is None:
                props = cls._checked(old.logical_id, cloudformation_json.get("Properties") or {})  # raises again
            if changed & set(cls.REPLACE):
                name = props.get(cls.NAME_PROPERTY) if cls.NAME_PROPERTY else None
                if cls.NAME_PROPERTY in props and old.same_name(props):
                    raise HandlerFailed(
                        "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
                        f"Rename {name} and update the stack again.",
                        old.logical_id,
                    )
                new = cls._make(account_id, region_name, old.logical_id, stack, props, checked=True)
                if op is not None:
                    op.replaced.append((old, new))  # the old one goes in the cleanup phase (cfn_custom.py)
                else:
                    old.delete(account_id, region_name)
            else:
                old.update_in_place(props, changed)
                old.properties = props
                new = old
        except HandlerFailed as exc:
            _resource_event(stack, old.logical_id, old.physical_resource_id, cls.TYPE, "UPDATE_FAILED", exc.message)
            if op is None:
                raise
            op.failure = exc
            return old
        _resource_event(stack, new.logical_id, new.physical_resource_id, cls.TYPE, "UPDATE_COMPLETE")
        return new

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        # Not reached: ResourceMap deletes through delete() (which never raises TypeError or
        # AttributeError, the errors moto answers by calling this).
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        if self.deleted:
            return
        try:
            stack = cloudformation_backends[account_id][region_name].get_stack(self.stack_id)
        except Exception:
            stack = None
        op = stack.__dict__.get("emulator_op") if stack is not None else None
        if op is not None and op.kind == "update":
            op.replaced.append((self, None))  # removed from the template: deleted in the cleanup phase
            return
        if stack is not None:
            _resource_event(stack, self.logical_id, self.physical_resource_id, self.TYPE, "DELETE_IN_PROGRESS")
        try:
            self.remove()
        except HandlerFailed as exc:
            if stack is not None:
                _resource_event(stack, self.logical_id, self.physical_resource_id, self.TYPE, "DELETE_FAILED", exc.message)
            raise
        except (TypeError, AttributeError) as exc:  # a bug; moto would take these for "no delete()"
            traceback.print_exc()
            raise HandlerFailed(_handler_message(str(exc), "InternalFailure"), self.logical_id) from exc
        self.deleted = True
        if stack is not None:
            _resource_event(stack, self.logical_id, self.physical_resource_id, self.TYPE, "DELETE_COMPLETE")

    # what subclasses provide ---------------------------------------------------------------

    @classmethod
    def _checked(cls, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """The properties as the create call's members: unknown and missing ones refused,
        values converted to the members' types."""
        for key in props:
            if key not in cls.PROPERTIES:
                raise HandlerFailed(f"Encountered unsupported property {key}", logical_id)
        errors = [f"#: required key [{key}] not found" for key in cls.REQUIRED if props.get(key) is None]
        shape = get_service_model("sagemaker").operation_model(cls.CREATE).input_shape
        converted = {k: _convert(shape.members[k], v, f"/{k}", errors) if k in shape.members else v for k, v in props.items()}
        if errors:
            raise HandlerFailed(
                f"Properties validation failed for resource {logical_id} with message: [{', '.join(errors)}]", logical_id
            )
        return converted

    @classmethod
    def _make(
        cls, account_id: str, region: str, logical_id: str, stack: Any, props: dict[str, Any], checked: bool = False
    ) -> "_SageMakerResource":
        props = props if checked else cls._checked(logical_id, props)
        name = props.get(cls.NAME_PROPERTY) if cls.NAME_PROPERTY else None
        resource = cls(account_id, region, logical_id, stack.stack_id, props, name or _generated_name(logical_id))
        resource.create()
        return resource

    def call(self, operation: str, params: dict[str, Any], deleting: bool = False) -> dict[str, Any]:
        try:
            return sagemaker_call(self.account_id, self.region_name, operation, params)
        except HandlerFailed:
            raise
        except Exception as exc:
            raise HandlerFailed(
                _service_failure(exc, self.TYPE, self.name, deleting, self.conflicting), self.logical_id
            ) from exc

    def not_stabilized(self) -> HandlerFailed:
        return HandlerFailed(
            _handler_message(f"Resource of type '{self.TYPE}' with identifier '{self.name}' did not stabilize.", "NotStabilized"),
            self.logical_id,
        )

    @property
    def conflicting(self) -> str:
        return self.name

    @property
    def sagemaker(self) -> Any:
        return sagemaker_backends[self.account_id][self.region_name]

    def same_name(self, props: dict[str, Any]) -> bool:
        return props.get(self.NAME_PROPERTY) == self.name

    def create(self) -> None:
        raise NotImplementedError

    def update_in_place(self, props: dict[str, Any], changed: set[str]) -> None:
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError


class NotebookInstance(_SageMakerResource):
    TYPE = "AWS::SageMaker::NotebookInstance"
    PROPERTIES = (
        "AcceleratorTypes", "AdditionalCodeRepositories", "DefaultCodeRepository", "DirectInternetAccess",
        "InstanceMetadataServiceConfiguration", "InstanceType", "KmsKeyId", "LifecycleConfigName",
        "NotebookInstanceName", "PlatformIdentifier", "RoleArn", "RootAccess", "SecurityGroupIds", "SubnetId",
        "Tags", "VolumeSizeInGB",
    )
    REQUIRED = ("InstanceType", "RoleArn")
    ATTRIBUTES = ("NotebookInstanceName",)
    REPLACE = ("NotebookInstanceName", "SubnetId", "SecurityGroupIds", "KmsKeyId", "DirectInternetAccess", "PlatformIdentifier")
    NAME_PROPERTY = "NotebookInstanceName"
    CREATE = "CreateNotebookInstance"
    # A property removed in an update: UpdateNotebookInstance's flag that removes it, or the value AWS defaults to.
    REMOVED = {
        "LifecycleConfigName": ("DisassociateLifecycleConfig", True),
        "AcceleratorTypes": ("DisassociateAcceleratorTypes", True),
        "DefaultCodeRepository": ("DisassociateDefaultCodeRepository", True),
        "AdditionalCodeRepositories": ("DisassociateAdditionalCodeRepositories", True),
        "RootAccess": ("RootAccess", "Enabled"),
    }

    @property
    def arn(self) -> str:
        return f"arn:{get_partition(self.region_name)}:sagemaker:{self.region_name}:{self.account_id}:notebook-instance/{self.name}"

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def attribute(self, attribute_name: str) -> Any:
        return self.name

    def status(self) -> str | None:
        notebook = self.sagemaker.notebook_instances.get(self.name)
        return notebook.status if notebook is not None else None

    def wait(self, kind: str, *statuses: str | None) -> None:
        if not _settled(f"sagemaker:notebook_instance:{kind}", lambda: self.status() in statuses):
            raise self.not_stabilized()

    def create(self) -> None:
        self.call("CreateNotebookInstance", dict(self.properties, NotebookInstanceName=self.name))
        try:
            self.wait("create", "InService")
        except HandlerFailed:
            self.give_up()
            raise

    def give_up(self) -> None:
        """A resource that never stabilised: the rollback deletes it, as CloudFormation does."""
        try:
            self.remove()
        except HandlerFailed:
            pass

    def stopped(self) -> bool:
        """Bring the instance to Stopped (or Failed); False if it is gone. Whether it ran before."""
        status = self.status()
        if status == "Pending":
            self.wait("create", "InService", "Failed", None)
            status = self.status()
        if status == "InService":
            self.call("StopNotebookInstance", {"NotebookInstanceName": self.name}, deleting=True)
            status = "Stopping"
        if status == "Stopping":
            self.wait("stop", "Stopped", "Failed", None)
        return self.status() in ("Stopped", "Failed")

    def remove(self) -> None:
        if self.status() not in (None, "Deleting") and self.stopped():
            self.call("DeleteNotebookInstance", {"NotebookInstanceName": self.name}, deleting=True)
        if self.status() is not None:
            self.wait("delete", None)

    def update_in_place(self, props: dict[str, Any], changed: set[str]) -> None:
        settings = changed - {"Tags"}
        if settings:
            running = self.status() in ("Pending", "InService")
            if not self.stopped():
                raise HandlerFailed(
                    _handler_message(f"Resource of type '{self.TYPE}' with identifier '{self.name}' was not found.", "NotFound"),
                    self.logical_id,
                )
            params: dict[str, Any] = {"NotebookInstanceName": self.name}
            for key in sorted(settings):
                if key in props:
                    params[key] = props[key]
                elif key in self.REMOVED:
                    member, value = self.REMOVED[key]
                    params[member] = value
            try:
                self.call("UpdateNotebookInstance", params)
            finally:  # refused or not, an instance that ran runs again
                if running:
                    self.call("StartNotebookInstance", {"NotebookInstanceName": self.name})
                    self.wait("create", "InService")
        if "Tags" in changed:
            from .common import LOCK

            with LOCK:
                notebook = self.sagemaker.notebook_instances.get(self.name)
                if notebook is not None:
                    notebook.tags = list(props.get("Tags") or [])


class NotebookInstanceLifecycleConfig(_SageMakerResource):
    TYPE = "AWS::SageMaker::NotebookInstanceLifecycleConfig"
    PROPERTIES = ("NotebookInstanceLifecycleConfigName", "OnCreate", "OnStart")
    ATTRIBUTES = ("NotebookInstanceLifecycleConfigName",)
    REPLACE = ("NotebookInstanceLifecycleConfigName",)
    NAME_PROPERTY = "NotebookInstanceLifecycleConfigName"
    CREATE = "CreateNotebookInstanceLifecycleConfig"

    @property
    def physical_resource_id(self) -> str:
        return (
            f"arn:{get_partition(self.region_name)}:sagemaker:{self.region_name}:{self.account_id}:"
            f"notebook-instance-lifecycle-config/{self.name}"
        )

    def attribute(self, attribute_name: str) -> Any:
        return self.name

    def create(self) -> None:
        self.call(self.CREATE, dict(self.properties, NotebookInstanceLifecycleConfigName=self.name))

    def update_in_place(self, props: dict[str, Any], changed: set[str]) -> None:
        # A script left out of the template is removed (an empty list replaces the stored one).
        self.call(
            "UpdateNotebookInstanceLifecycleConfig",
            {"NotebookInstanceLifecycleConfigName": self.name, "OnCreate": props.get("OnCreate") or [],
             "OnStart": props.get("OnStart") or []},
        )

    def remove(self) -> None:
        if self.name in self.sagemaker.notebook_instance_lifecycle_configurations:
            self.call("DeleteNotebookInstanceLifecycleConfig", {"NotebookInstanceLifecycleConfigName": self.name}, deleting=True)


class UserProfile(_SageMakerResource):
    TYPE = "AWS::SageMaker::UserProfile"
    PROPERTIES = ("DomainId", "SingleSignOnUserIdentifier", "SingleSignOnUserValue", "Tags", "UserProfileName", "UserSettings")
    REQUIRED = ("DomainId", "UserProfileName")
    ATTRIBUTES = ("UserProfileArn",)
    # createOnlyProperties of the registry schema.
    REPLACE = ("DomainId", "SingleSignOnUserIdentifier", "SingleSignOnUserValue", "Tags", "UserProfileName")
    NAME_PROPERTY = "UserProfileName"
    CREATE = "CreateUserProfile"

    @property
    def domain_id(self) -> str:
        return str(self.properties.get("DomainId"))

    @property
    def physical_resource_id(self) -> str:
        return f"{self.name}|{self.domain_id}"

    @property
    def conflicting(self) -> str:
        return f"{self.domain_id}|{self.name}"  # as the AWS handler's delete words it

    def attribute(self, attribute_name: str) -> Any:
        return (
            f"arn:{get_partition(self.region_name)}:sagemaker:{self.region_name}:{self.account_id}:"
            f"user-profile/{self.domain_id}/{self.name}"
        )

    def same_name(self, props: dict[str, Any]) -> bool:
        return props.get("UserProfileName") == self.name and props.get("DomainId") == self.domain_id

    def status(self) -> str | None:
        from .sagemaker import sm_state

        profile = sm_state(self.sagemaker).user_profiles.get((self.domain_id, self.name))
        return profile.status if profile is not None else None

    def create(self) -> None:
        self.call(self.CREATE, self.properties)
        if not _settled("sagemaker:user_profile:create", lambda: self.status() != "Pending"):
            raise self.not_stabilized()
        if self.status() != "InService":
            raise self.not_stabilized()

    def update_in_place(self, props: dict[str, Any], changed: set[str]) -> None:
        self.call(
            "UpdateUserProfile",
            {"DomainId": self.domain_id, "UserProfileName": self.name, "UserSettings": props.get("UserSettings") or {}},
        )

    def remove(self) -> None:
        if self.status() not in (None, "Deleting"):
            try:
                self.call("DeleteUserProfile", {"DomainId": self.domain_id, "UserProfileName": self.name}, deleting=True)
            except HandlerFailed as exc:
                if "HandlerErrorCode: NotFound" not in exc.message:  # the domain is gone, and the profile with it
                    raise
        if not _settled("sagemaker:user_profile:delete", lambda: self.status() is None):
            raise self.not_stabilized()


TYPES: dict[str, type[_SageMakerResource]] = {
    cls.TYPE: cls for cls in (NotebookInstance, NotebookInstanceLifecycleConfig, UserProfile)
}


_moto: dict[str, Any] = {}


def _update(self: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    self.__dict__["emulator_updating"] = True
    try:
        _moto["update"](self, template, parameters)
    finally:
        self.__dict__.pop("emulator_updating", None)


def _build_resource_diff(self: ResourceMap, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """moto's diff, plus (in a stack update) every resource of these types that stays: their
    update compares the resolved properties and does nothing when they are the same. moto
    only updates a resource whose text changed or that Refs a changed parameter, so a !Sub of
    a parameter, a changed mapping or a replaced resource it names went unnoticed. Modify in
    the order the resources were made, so what a resource names is updated before it."""
    diff = _moto["build_resource_diff"](self, other_template, parameters)
    if not self.__dict__.get("emulator_updating"):
        return diff  # a change set's description: as moto has it
    new, old = other_template.get("Resources") or {}, self._resource_json_map
    ours = [k for k in new if k in old and new[k].get("Type") in TYPES and old[k].get("Type") == new[k].get("Type")]
    order = {k: i for i, k in enumerate(self._parsed_resources)}
    modify = list(dict.fromkeys(diff["Modify"] + ours))
    diff["Modify"] = sorted(modify, key=lambda k: order.get(k, len(order)))
    return diff


def install() -> None:
    """After cfn_custom.install() (either order works: each wrapper passes other types on)."""
    previous = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        return TYPES.get(resource_type) or previous(resource_type)

    parsing.resource_class_from_type = resource_class_from_type
    _moto["update"] = ResourceMap.update
    _moto["build_resource_diff"] = ResourceMap.build_resource_diff
    ResourceMap.update = _update
    ResourceMap.build_resource_diff = _build_resource_diff
