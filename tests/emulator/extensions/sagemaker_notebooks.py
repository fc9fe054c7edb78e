"""SageMaker notebook instances with AWS's statuses, and their lifecycle configurations.

moto 5.2.5 stores what CreateNotebookInstance is given (SubnetId, SecurityGroupIds as
SecurityGroups, KmsKeyId, DirectInternetAccess, LifecycleConfigName, ...) and reads it back,
but:
  - a notebook instance is InService at once; StopNotebookInstance makes it Stopped at once
    from any status and StartNotebookInstance InService at once from any status;
    DeleteNotebookInstance removes it at once;
  - RootAccess is left out when not given (AWS: Enabled);
  - InstanceType is checked against an old list of moto's (ml.m5.large, ml.g5.* ... refused);
    nothing else against the API model; a LifecycleConfigName that does not exist is accepted;
  - ListNotebookInstances ignores the time, lifecycle configuration and code repository
    filters and pages 100 by default;
  - lifecycle configurations: no ListNotebookInstanceLifecycleConfigs (500), no tags (AddTags
    and ListTags on their ARN are 500), OnCreate/OnStart unchecked.

Here, as on AWS:
  - CreateNotebookInstance checks its input against the model (ValidationException) and that
    the lifecycle configuration exists; a name in use is moto's ValidationException "Cannot
    create a duplicate Notebook Instance (<arn>)". RootAccess defaults to Enabled.
  - statuses (DescribeNotebookInstance, ListNotebookInstances): Pending after a create or a
    start, InService after the settle time of "sagemaker:notebook_instance:create"; Stopping
    after a stop, Stopped after "sagemaker:notebook_instance:stop"; Deleting after a delete,
    gone after "sagemaker:notebook_instance:delete" (latency_profile.py: studio_delay_seconds,
    or AWS's scaled time).
  - StopNotebookInstance only from InService, StartNotebookInstance only from Stopped or
    Failed, DeleteNotebookInstance only from Stopped or Failed (moto's check); otherwise
    ValidationException in AWS's form "Status (Pending) not in ([InService]). Unable to
    transition to (Stopping) for Notebook Instance (<arn>)".
  - DescribeNotebookInstance of an unknown name: moto's (and AWS's) ValidationException
    "RecordNotFound".
  - ListNotebookInstances: every filter, SortBy (Name), SortOrder (Ascending), MaxResults 1-100
    (default 10), NextToken (sagemaker_reads.list_page).
  - added UpdateNotebookInstance (moto has none): only from Stopped or Failed (the same
    "Status (InService) not in ([Stopped, Failed]). Unable to transition to (Updating) ..."
    otherwise), the input checked against the model, LifecycleConfigName must exist, and
    VolumeSizeInGB can grow but not shrink (AWS: "you can increase the volume size ... but you
    can't decrease"); InstanceType, RoleArn, the lifecycle configuration, volume size, code
    repositories, accelerators, RootAccess and the metadata service settings change at once
    (Disassociate* remove theirs) and DescribeNotebookInstance reads them back.
  - lifecycle configurations: Create (checked against the model: at most one OnCreate and one
    OnStart script of at most 16384 characters; Tags kept), Describe and Delete stay moto's;
    added ListNotebookInstanceLifecycleConfigs (NameContains, time filters, SortBy
    CreationTime, MaxResults 10), UpdateNotebookInstanceLifecycleConfig (checked as Create;
    OnCreate/OnStart given replace the stored ones) and tags on their ARN.
CloudFormation's AWS::SageMaker::NotebookInstance and ::NotebookInstanceLifecycleConfig
(cfn_sagemaker.py) call these same handlers.
Not modelled: the instance's network interface in SubnetId (NetworkInterfaceId), the Updating
status (an update applies at once and the instance stays Stopped), Failed.
"""

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import (
    FakeSagemakerNotebookInstance,
    FakeSageMakerNotebookInstanceLifecycleConfig,
    SageMakerModelBackend,
)
from moto.sagemaker.responses import SageMakerResponse

from . import latency_profile, model_rules, pending
from .common import LOCK
from .sagemaker_reads import GIVEN, described, install_operations, list_page, remember

_moto: dict[str, Any] = {}


def _later(backend: SageMakerModelBackend, notebook: Any, kind: str, expect: str, then: str | None) -> None:
    """`then` (None: gone) after the settle time of `kind`, if the instance is still this one
    and still `expect`."""
    name = notebook.notebook_instance_name

    def apply() -> None:
        if backend.notebook_instances.get(name) is not notebook or notebook.status != expect:
            return
        if then is None:
            del backend.notebook_instances[name]
        else:
            notebook.status = then
            notebook.last_modified_time = utcnow()

    pending.schedule(latency_profile.settle_seconds(kind), apply)


def _begin(backend: SageMakerModelBackend, notebook: Any, status: str, then: str | None, kind: str) -> None:
    notebook.status = status
    notebook.last_modified_time = utcnow()
    _later(backend, notebook, kind, status, then)


def _refuse(notebook: Any, allowed: list[str], target: str) -> None:
    if notebook.status not in allowed:
        raise ValidationError(
            f"Status ({notebook.status}) not in ([{', '.join(allowed)}]). Unable to transition to "
            f"({target}) for Notebook Instance ({notebook.arn})"
        )


def create_notebook_instance(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateNotebookInstance")
    model_rules.check("CreateNotebookInstance", params)
    backend = self.sagemaker_backend
    with LOCK:
        _require_lifecycle(backend, params.get("LifecycleConfigName"), self.current_account, self.region)
        answer = _moto["create_notebook_instance"](self)  # moto: a name in use, the volume size
        notebook = backend.notebook_instances[params["NotebookInstanceName"]]
        remember(notebook, params, "DescribeNotebookInstance")
        if notebook.root_access is None:
            notebook.root_access = "Enabled"  # AWS's default
        _begin(backend, notebook, "Pending", "InService", "sagemaker:notebook_instance:create")
    return answer


def describe_notebook_instance(self: SageMakerResponse) -> ActionResult:
    notebook = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    return ActionResult(described(notebook, notebook.to_dict()))


def stop_notebook_instance(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        notebook = backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
        _refuse(notebook, ["InService"], "Stopping")
        _begin(backend, notebook, "Stopping", "Stopped", "sagemaker:notebook_instance:stop")
    return EmptyResult()


def start_notebook_instance(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        notebook = backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
        _refuse(notebook, ["Stopped", "Failed"], "Pending")
        _begin(backend, notebook, "Pending", "InService", "sagemaker:notebook_instance:create")
    return EmptyResult()


def delete_notebook_instance(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        notebook = backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
        _refuse(notebook, ["Stopped", "Failed"], "Deleting")
        _begin(backend, notebook, "Deleting", None, "sagemaker:notebook_instance:delete")
    return EmptyResult()


# UpdateNotebookInstance member -> moto's attribute (members DescribeNotebookInstance answers
# are also kept as given, sagemaker_reads.remember).
_UPDATED = {
    "InstanceType": "instance_type",
    "RoleArn": "role_arn",
    "LifecycleConfigName": "lifecycle_config_name",
    "VolumeSizeInGB": "volume_size_in_gb",
    "DefaultCodeRepository": "default_code_repository",
    "AdditionalCodeRepositories": "additional_code_repositories",
    "AcceleratorTypes": "accelerator_types",
    "RootAccess": "root_access",
    "InstanceMetadataServiceConfiguration": None,
    "PlatformIdentifier": None,
    "IpAddressType": None,
}
_DISASSOCIATE = {
    "DisassociateLifecycleConfig": "LifecycleConfigName",
    "DisassociateAcceleratorTypes": "AcceleratorTypes",
    "DisassociateDefaultCodeRepository": "DefaultCodeRepository",
    "DisassociateAdditionalCodeRepositories": "AdditionalCodeRepositories",
}


def _require_lifecycle(backend: SageMakerModelBackend, name: str | None, account: str, region: str) -> None:
    if name and name not in backend.notebook_instance_lifecycle_configurations:
        arn = FakeSageMakerNotebookInstanceLifecycleConfig.arn_formatter(name, account, region)
        raise ValidationError(f"Notebook Instance Lifecycle Config {arn} does not exist.")


def update_notebook_instance(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "UpdateNotebookInstance")
    model_rules.check("UpdateNotebookInstance", params)
    backend = self.sagemaker_backend
    with LOCK:
        notebook = backend.get_notebook_instance(params["NotebookInstanceName"])
        _refuse(notebook, ["Stopped", "Failed"], "Updating")
        _require_lifecycle(backend, params.get("LifecycleConfigName"), self.current_account, self.region)
        size = params.get("VolumeSizeInGB")
        if size is not None and size < (notebook.volume_size_in_gb or 0):
            # AWS documents the rule ("you can't decrease the volume size"), not its sentence.
            raise ValidationError(
                f"VolumeSizeInGB cannot be decreased: Notebook Instance ({notebook.arn}) has "
                f"{notebook.volume_size_in_gb} GB, {size} GB was requested."
            )
        given = notebook.__dict__.setdefault(GIVEN, {})
        describe = {"LifecycleConfigName": "NotebookInstanceLifecycleConfigName"}
        for member, attr in _UPDATED.items():
            if params.get(member) is None:
                continue
            if attr is not None:
                setattr(notebook, attr, params[member])
            given[describe.get(member, member)] = params[member]
        for flag, member in _DISASSOCIATE.items():
            if params.get(flag):
                setattr(notebook, _UPDATED[member], None)
                given.pop(describe.get(member, member), None)
        notebook.last_modified_time = utcnow()
    return EmptyResult()


def _notebook_filters(notebook: Any, params: dict[str, Any]) -> bool:
    lifecycle = params.get("NotebookInstanceLifecycleConfigNameContains")
    repository = params.get("DefaultCodeRepositoryContains")
    additional = params.get("AdditionalCodeRepositoryEquals")
    return (
        (not lifecycle or lifecycle in (notebook.lifecycle_config_name or ""))
        and (not repository or repository in (notebook.default_code_repository or ""))
        and (not additional or additional in (notebook.additional_code_repositories or []))
    )


def list_notebook_instances(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListNotebookInstances", list(self.sagemaker_backend.notebook_instances.values()),
        key="NotebookInstances",
        name=lambda n: n.notebook_instance_name,
        summary=lambda n: n.to_dict(),
        sort_keys={
            "Name": lambda n: n.notebook_instance_name,
            "CreationTime": lambda n: n.creation_time,
            "Status": lambda n: n.status,
        },
        default_sort="Name", default_order="Ascending",
        status=lambda n: n.status, modified=lambda n: n.last_modified_time,
        keep=_notebook_filters,
    )


# --- lifecycle configurations ------------------------------------------------------------------


def create_notebook_instance_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateNotebookInstanceLifecycleConfig")
    model_rules.check("CreateNotebookInstanceLifecycleConfig", params)
    with LOCK:
        answer = _moto["create_notebook_instance_lifecycle_config"](self)  # moto: a name in use
        config = self.sagemaker_backend.notebook_instance_lifecycle_configurations[
            params["NotebookInstanceLifecycleConfigName"]
        ]
        config.tags = list(params.get("Tags") or [])
    return answer


def update_notebook_instance_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "UpdateNotebookInstanceLifecycleConfig")
    model_rules.check("UpdateNotebookInstanceLifecycleConfig", params)
    with LOCK:
        name = params["NotebookInstanceLifecycleConfigName"]
        config = self.sagemaker_backend.notebook_instance_lifecycle_configurations.get(name)
        if config is None:
            arn = FakeSageMakerNotebookInstanceLifecycleConfig.arn_formatter(name, self.current_account, self.region)
            raise ValidationError(
                f"Unable to update Notebook Instance Lifecycle Config {arn}. "
                "(Details: Notebook Instance Lifecycle Config does not exist.)"
            )
        if params.get("OnCreate") is not None:
            config.on_create = params["OnCreate"]
        if params.get("OnStart") is not None:
            config.on_start = params["OnStart"]
        config.last_modified_time = utcnow()
    return EmptyResult()


def list_notebook_instance_lifecycle_configs(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListNotebookInstanceLifecycleConfigs",
        list(self.sagemaker_backend.notebook_instance_lifecycle_configurations.values()),
        key="NotebookInstanceLifecycleConfigs",
        name=lambda c: c.notebook_instance_lifecycle_config_name,
        summary=lambda c: {
            "NotebookInstanceLifecycleConfigName": c.notebook_instance_lifecycle_config_name,
            "NotebookInstanceLifecycleConfigArn": c.arn,
            "CreationTime": c.creation_time,
            "LastModifiedTime": c.last_modified_time,
        },
        sort_keys={
            "Name": lambda c: c.notebook_instance_lifecycle_config_name,
            "CreationTime": lambda c: c.creation_time,
            "LastModifiedTime": lambda c: c.last_modified_time,
        },
        default_sort="CreationTime", default_order="Ascending",
        modified=lambda c: c.last_modified_time,
    )


ADDED = [list_notebook_instance_lifecycle_configs, update_notebook_instance, update_notebook_instance_lifecycle_config]
REPLACED = [
    create_notebook_instance, describe_notebook_instance, stop_notebook_instance, start_notebook_instance,
    delete_notebook_instance, list_notebook_instances, create_notebook_instance_lifecycle_config,
]


def install() -> None:
    for op in REPLACED:
        _moto[op.__name__] = getattr(SageMakerResponse, op.__name__)
    install_operations(ADDED, REPLACED)
    # The model's InstanceType enum (model_rules) is the list AWS takes; moto's is older.
    FakeSagemakerNotebookInstance.validate_instance_type = lambda self, instance_type: None

    previous = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(backend: SageMakerModelBackend, arn: str) -> Any:
        # Tags on a notebook lifecycle configuration: moto's lookup does not know the kind.
        kind, _, name = arn.split(":", 5)[-1].partition("/")
        if kind != "notebook-instance-lifecycle-config":
            return previous(backend, arn)
        config = backend.notebook_instance_lifecycle_configurations.get(name)
        if config is None or config.arn != arn:
            raise ValidationError(f"Could not find {kind} with name {name}")
        if not hasattr(config, "tags"):
            config.tags = []
        return config

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
