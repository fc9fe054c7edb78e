"""SageMaker Studio lifecycle configurations, which moto 5.2.5 lacks.

On AWS a Studio lifecycle configuration is a shell script (base64, at most 16384
characters) for one app type (JupyterServer, KernelGateway, CodeEditor, JupyterLab) that
domains, user profiles and spaces attach in their <App>AppSettings
(LifecycleConfigArns, DefaultResourceSpec.LifecycleConfigArn). It is a plain record:
no status, usable as soon as it is created. Here, as there:

  CreateStudioLifecycleConfig   name, content, app type and tags checked against the API
                                model (ValidationException); content must decode as
                                base64; a name in use is ResourceInUse. ARN
                                arn:aws:sagemaker:<region>:<account>:studio-lifecycle-config/<name>
  DescribeStudioLifecycleConfig ResourceNotFound when missing
  ListStudioLifecycleConfigs    NameContains, AppTypeEquals, Creation/ModifiedTime filters,
                                SortBy (CreationTime), SortOrder (Descending), MaxResults (10)
  DeleteStudioLifecycleConfig   ResourceInUse while a domain (defaults for users or spaces),
                                a user profile, a space or an app not yet Deleted names it
                                (studio_refs.py): AWS requires it to be detached first
  ListTags/AddTags/DeleteTags   work on its ARN (moto's ARN lookup is extended)

Domains, profiles and spaces that name a config that does not exist, or one of another app
type than the block naming it, are refused by studio_settings.py.
"""

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from . import model_rules, studio_refs
from .common import LOCK, paginate, state, time_filter
from .sagemaker import sagemaker_arn


@dataclass
class StudioLifecycleConfig:
    name: str
    arn: str
    content: str
    app_type: str
    tags: list[dict[str, str]] = field(default_factory=list)
    creation_time: Any = field(default_factory=utcnow)
    last_modified_time: Any = field(default_factory=utcnow)

    def summary(self) -> dict[str, Any]:
        return {
            "StudioLifecycleConfigArn": self.arn,
            "StudioLifecycleConfigName": self.name,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "StudioLifecycleConfigAppType": self.app_type,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "StudioLifecycleConfigContent": self.content}


@dataclass
class LifecycleState:
    # name -> config, in creation order
    configs: dict[str, StudioLifecycleConfig] = field(default_factory=dict)


def lifecycle_state(backend: SageMakerModelBackend) -> LifecycleState:
    return state(backend, "_emulator_sm_lifecycle", LifecycleState)


def by_arn(backend: SageMakerModelBackend, arn: str) -> StudioLifecycleConfig | None:
    """The config with this exact ARN in this account and region (another region's ARN names nothing here)."""
    name = arn.rpartition("/")[2]
    config = lifecycle_state(backend).configs.get(name)
    return config if config is not None and config.arn == arn else None


def _require(backend: SageMakerModelBackend, name: str | None) -> StudioLifecycleConfig:
    config = lifecycle_state(backend).configs.get(name or "")
    if config is None:
        raise ResourceNotFound(f"Studio Lifecycle Config {name} does not exist.")
    return config


def create_studio_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateStudioLifecycleConfig")
    model_rules.check("CreateStudioLifecycleConfig", params)
    name = params["StudioLifecycleConfigName"]
    content = params["StudioLifecycleConfigContent"]
    try:
        # Strict: AWS decodes the script it stores; a wrapped or non-base64 text is not a script.
        base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(
            f"StudioLifecycleConfigContent of Studio Lifecycle Config {name} must be base64 encoded."
        ) from exc
    with LOCK:
        st = lifecycle_state(self.sagemaker_backend)
        if name in st.configs:
            raise ResourceInUseException(f"Studio Lifecycle Config {name} already exists.")
        config = StudioLifecycleConfig(
            name=name,
            arn=sagemaker_arn(self, f"studio-lifecycle-config/{name}"),
            content=content,
            app_type=params["StudioLifecycleConfigAppType"],
            tags=list(params.get("Tags") or []),
        )
        st.configs[name] = config
    return ActionResult({"StudioLifecycleConfigArn": config.arn})


def describe_studio_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    return ActionResult(_require(self.sagemaker_backend, self._get_param("StudioLifecycleConfigName")).describe())


def delete_studio_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        config = _require(backend, self._get_param("StudioLifecycleConfigName"))
        users = studio_refs.lifecycle_config_users(backend, config.arn)
        if users:
            raise ResourceInUseException(
                f"Studio Lifecycle Config {config.arn} is in use by {'; '.join(users)}. "
                "Remove it from those settings (and delete the apps using it) first."
            )
        del lifecycle_state(backend).configs[config.name]
    return EmptyResult()


def list_studio_lifecycle_configs(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "ListStudioLifecycleConfigs")
    model_rules.check("ListStudioLifecycleConfigs", params)
    contains, app_type = params.get("NameContains"), params.get("AppTypeEquals")
    times = ("CreationTimeBefore", "CreationTimeAfter", "ModifiedTimeBefore", "ModifiedTimeAfter")
    with LOCK:
        configs = [
            c
            for c in lifecycle_state(self.sagemaker_backend).configs.values()
            if (not contains or contains in c.name)
            and (not app_type or c.app_type == app_type)
            and time_filter(c.creation_time, c.last_modified_time, params, times)
        ]
    sort_by = params.get("SortBy") or "CreationTime"
    keys = {
        "CreationTime": lambda c: c.creation_time,
        "LastModifiedTime": lambda c: c.last_modified_time,
        "Name": lambda c: c.name,
    }
    configs.sort(key=keys[sort_by], reverse=(params.get("SortOrder") or "Descending") == "Descending")
    page, token = paginate(configs, params.get("NextToken"), params.get("MaxResults"), 10, ValidationError)
    return ActionResult({"StudioLifecycleConfigs": [c.summary() for c in page], "NextToken": token})


OPERATIONS = [
    create_studio_lifecycle_config,
    describe_studio_lifecycle_config,
    delete_studio_lifecycle_config,
    list_studio_lifecycle_configs,
]


def install() -> None:
    for op in OPERATIONS:
        if hasattr(SageMakerResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(SageMakerResponse, op.__name__, op)

    previous = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(backend: SageMakerModelBackend, arn: str) -> Any:
        # Tags on a lifecycle config: moto's lookup does not know the kind.
        kind, _, name = arn.split(":", 5)[-1].partition("/")
        if kind != "studio-lifecycle-config":
            return previous(backend, arn)
        config = by_arn(backend, arn)
        if config is None:
            raise ValidationError(f"Could not find studio-lifecycle-config with name {name}")
        return config

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
