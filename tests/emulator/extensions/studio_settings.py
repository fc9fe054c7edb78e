"""Studio settings as AWS validates them: idle shutdown, Docker, the web portal, space storage,
tag propagation, and the lifecycle configs and custom images that settings name.

AWS checks the settings of CreateDomain, UpdateDomain, CreateUserProfile, UpdateUserProfile,
CreateSpace and UpdateSpace and answers ValidationException; moto (and studio.py /
sagemaker.py before this module) stored whatever was sent, so a client sending settings AWS
refuses passed here and failed there. Checked, before anything changes:

  1. the API model's constraints (model_rules.py) on DefaultUserSettings, DefaultSpaceSettings,
     DomainSettings / DomainSettingsForUpdate, TagPropagation, UserSettings, SpaceSettings:
     enums (IdleSettings.LifecycleManagement, DockerSettings.EnableDockerAccess, StudioWebPortal,
     StudioWebPortalSettings.HiddenAppTypes (AppType) and HiddenMlTools (MlTools),
     TagPropagation, ...), ranges (idle minutes 60..525600, EBS sizes 5..16384 GB), lengths and
     patterns (DockerSettings.VpcOnlyTrustedAccounts: 12-digit account ids), required members.
  2. rules across members, on JupyterLabAppSettings and CodeEditorAppSettings
     .AppLifecycleManagement.IdleSettings and SpaceStorageSettings.DefaultEbsStorageSettings:
       - no minutes (IdleTimeoutInMinutes, Min..., Max...) in an IdleSettings that sets
         LifecycleManagement DISABLED (the minutes would mean nothing);
       - MinIdleTimeoutInMinutes <= IdleTimeoutInMinutes <= MaxIdleTimeoutInMinutes (those
         present) while idle shutdown is not DISABLED;
       - DefaultEbsVolumeSizeInGb <= MaximumEbsVolumeSizeInGb.
     The ordering rules hold for the settings as they will be stored: an update's settings
     merged into the stored ones (as studio.py/sagemaker.py merge them).
  3. what settings name (studio_refs.py): every lifecycle config ARN must exist in the account
     and region and be for the block's app type (a JupyterLab config in CodeEditorAppSettings
     is refused); every CustomImages entry must name an existing image (not DELETING), its
     version if ImageVersionNumber is given, and an existing app image config, which, if it
     configures any app, must configure the block's (KernelGatewayImageConfig for
     KernelGatewayAppSettings, JupyterLabAppImageConfig, CodeEditorAppImageConfig).

Also added: UpdateSpace (moto has no spaces; studio.py had no update). SpaceSettings merge
into the stored ones as UpdateDomain's do (lists replaced), SpaceDisplayName is replaced;
ResourceNotFound for a missing space, ResourceInUse while it is Deleting. Applies at once
(AWS: Updating, then InService).
"""

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from . import model_rules, studio_images, studio_lifecycle, studio_refs
from .common import LOCK, deep_merge
from .sagemaker import require_domain, sm_state
from .studio_refs import camel_path

# The settings members each operation carries (model names).
SETTINGS_MEMBERS = {
    "CreateDomain": ("DefaultUserSettings", "DefaultSpaceSettings", "DomainSettings", "TagPropagation"),
    "UpdateDomain": ("DefaultUserSettings", "DefaultSpaceSettings", "DomainSettingsForUpdate", "TagPropagation"),
    "CreateUserProfile": ("UserSettings",),
    "UpdateUserProfile": ("UserSettings",),
    "CreateSpace": ("SpaceSettings",),
    "UpdateSpace": ("SpaceSettings", "SpaceDisplayName"),
}
# Those that are settings documents with app blocks (the others are checked by the model only).
DOCUMENTS = ("DefaultUserSettings", "DefaultSpaceSettings", "UserSettings", "SpaceSettings")
# Blocks with AppLifecycleManagement.IdleSettings (a space's have IdleTimeoutInMinutes only).
IDLE_BLOCKS = ("JupyterLabAppSettings", "CodeEditorAppSettings")
MINUTES = ("IdleTimeoutInMinutes", "MinIdleTimeoutInMinutes", "MaxIdleTimeoutInMinutes")


def _idle_settings(doc: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for block in IDLE_BLOCKS:
        idle = (((doc or {}).get(block) or {}).get("AppLifecycleManagement") or {}).get("IdleSettings")
        if isinstance(idle, dict):
            found.append((camel_path(block, "AppLifecycleManagement", "IdleSettings"), idle))
    return found


def _given_rules(doc: dict[str, Any], path: str) -> None:
    """Rules on the settings as sent."""
    for where, idle in _idle_settings(doc):
        given = [m for m in MINUTES if idle.get(m) is not None]
        if idle.get("LifecycleManagement") == "DISABLED" and given:
            raise ValidationError(
                f"Invalid IdleSettings at '{path}.{where}': {', '.join(given)} cannot be set while "
                "LifecycleManagement is DISABLED."
            )


def _stored_rules(doc: dict[str, Any] | None, path: str) -> None:
    """Rules on the settings as they will be stored (an update merged into the stored ones)."""
    for where, idle in _idle_settings(doc):
        if idle.get("LifecycleManagement") == "DISABLED":
            continue
        low, value, high = (idle.get(m) for m in ("MinIdleTimeoutInMinutes", "IdleTimeoutInMinutes", "MaxIdleTimeoutInMinutes"))
        for (a_name, a), (b_name, b) in (
            (("MinIdleTimeoutInMinutes", low), ("IdleTimeoutInMinutes", value)),
            (("IdleTimeoutInMinutes", value), ("MaxIdleTimeoutInMinutes", high)),
            (("MinIdleTimeoutInMinutes", low), ("MaxIdleTimeoutInMinutes", high)),
        ):
            if a is not None and b is not None and a > b:
                raise ValidationError(
                    f"Invalid IdleSettings at '{path}.{where}': {a_name} ({a}) must not be greater than {b_name} ({b})."
                )
    ebs = (((doc or {}).get("SpaceStorageSettings") or {}).get("DefaultEbsStorageSettings")) or {}
    default, maximum = ebs.get("DefaultEbsVolumeSizeInGb"), ebs.get("MaximumEbsVolumeSizeInGb")
    if default is not None and maximum is not None and default > maximum:
        raise ValidationError(
            f"Invalid DefaultEbsStorageSettings at '{path}.spaceStorageSettings.defaultEbsStorageSettings': "
            f"DefaultEbsVolumeSizeInGb ({default}) must not be greater than MaximumEbsVolumeSizeInGb ({maximum})."
        )


def _references(backend: SageMakerModelBackend, doc: dict[str, Any], path: str) -> None:
    """What the settings name must exist and fit the block naming it."""
    images = studio_images.image_state(backend)
    for block_name, app_type, block in studio_refs.blocks(doc):
        where = f"{path}.{camel_path(block_name)}"
        for member, arn in studio_refs.lifecycle_refs(block):
            config = studio_lifecycle.by_arn(backend, arn)
            if config is None:
                raise ValidationError(
                    f"Studio Lifecycle Config {arn} at '{where}.{camel_path(*member.split('.'))}' does not exist."
                )
            if config.app_type != app_type:
                raise ValidationError(
                    f"Studio Lifecycle Config {arn} is for {config.app_type} apps; {block_name} takes "
                    f"{app_type} lifecycle configs only."
                )
        for entry in studio_refs.custom_images(block):
            image_name, number = entry.get("ImageName"), entry.get("ImageVersionNumber")
            image = images.images.get(image_name or "")
            if image is None or image.status == "DELETING":
                raise ValidationError(f"Image {image_name} in '{where}.customImages' does not exist.")
            if number is not None and number not in image.versions:
                raise ValidationError(f"Image {image_name} in '{where}.customImages' has no version {number}.")
            config_name = entry.get("AppImageConfigName")
            app_config = images.app_image_configs.get(config_name or "")
            if app_config is None:
                raise ValidationError(f"AppImageConfig {config_name} in '{where}.customImages' does not exist.")
            wanted = studio_refs.IMAGE_CONFIG_MEMBERS.get(block_name)
            if wanted and app_config.configs and wanted not in app_config.configs:
                raise ValidationError(
                    f"AppImageConfig {config_name} has no {wanted}; it cannot configure images in {block_name}."
                )


def _stored(self: SageMakerResponse, operation: str) -> dict[str, Any]:
    """The stored settings an update merges into (nothing when the target is missing: the
    operation itself answers ResourceNotFound)."""
    backend = self.sagemaker_backend
    domain_id = self._get_param("DomainId")
    if operation == "UpdateDomain":
        domain = backend.domains.get(domain_id)
        if domain is not None:
            return {"DefaultUserSettings": domain.default_user_settings, "DefaultSpaceSettings": domain.default_space_settings}
    elif operation == "UpdateUserProfile":
        profile = sm_state(backend).user_profiles.get((domain_id, self._get_param("UserProfileName")))
        if profile is not None:
            return {"UserSettings": profile.user_settings}
    elif operation == "UpdateSpace":
        space = sm_state(backend).spaces.get((domain_id, self._get_param("SpaceName")))
        if space is not None:
            return {"SpaceSettings": space.settings}
    return {}


def validate(self: SageMakerResponse, operation: str) -> None:
    members = SETTINGS_MEMBERS[operation]
    params = {m: self._get_param(m) for m in members}
    model_rules.check(operation, params, members)
    stored = _stored(self, operation)
    for member in DOCUMENTS:
        doc = params.get(member)
        if doc is None:
            continue
        path = camel_path(member)
        _given_rules(doc, path)
        _stored_rules(deep_merge(stored.get(member), doc), path)
        _references(self.sagemaker_backend, doc, path)


def update_space(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    domain_id, name = self._get_param("DomainId"), self._get_param("SpaceName")
    with LOCK:
        require_domain(backend, domain_id)
        space = sm_state(backend).spaces.get((domain_id, name))
        if space is None:
            raise ResourceNotFound(f"Space {name} does not exist in domain {domain_id}.")
        if space.status == "Deleting":
            raise ResourceInUseException(f"Space {space.arn} is being deleted.")
        settings = self._get_param("SpaceSettings")
        if settings is not None:
            space.settings = deep_merge(space.settings, settings)
        display_name = self._get_param("SpaceDisplayName")
        if display_name is not None:
            space.display_name = display_name
        space.last_modified_time = utcnow()
    return ActionResult({"SpaceArn": space.arn})


def _validated(operation: str, handler: Callable[[SageMakerResponse], ActionResult]) -> Callable[[SageMakerResponse], ActionResult]:
    def validated(self: SageMakerResponse) -> ActionResult:
        # One lock around check and change: a lifecycle config cannot be deleted in between.
        with LOCK:
            validate(self, operation)
            return handler(self)

    validated.__name__ = handler.__name__
    return validated


def install() -> None:
    """After sagemaker.install() and studio.install(): wraps their handlers."""
    if hasattr(SageMakerResponse, "update_space"):
        raise RuntimeError("moto now implements update_space: drop ours and test moto's")
    SageMakerResponse.update_space = update_space
    for operation, handler_name in (
        ("CreateDomain", "create_domain"),
        ("UpdateDomain", "update_domain"),
        ("CreateUserProfile", "create_user_profile"),
        ("UpdateUserProfile", "update_user_profile"),
        ("CreateSpace", "create_space"),
        ("UpdateSpace", "update_space"),
    ):
        setattr(SageMakerResponse, handler_name, _validated(operation, getattr(SageMakerResponse, handler_name)))
