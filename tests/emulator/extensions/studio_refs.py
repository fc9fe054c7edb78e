"""Where Studio settings name other SageMaker resources: lifecycle configs and custom images.

A domain's DefaultUserSettings and DefaultSpaceSettings, a user profile's UserSettings and a
space's SpaceSettings hold one block per app type (<App>AppSettings). A block names
  - Studio lifecycle configurations: LifecycleConfigArns, DefaultResourceSpec.LifecycleConfigArn
    and (JupyterLab, Code Editor) BuiltInLifecycleConfigArn;
  - custom images: CustomImages entries {ImageName, ImageVersionNumber, AppImageConfigName}.
studio_settings.py checks that what a create or update names exists; studio_lifecycle.py and
studio_images.py refuse to delete what is still named. Both walk the documents here, so they
agree on what "named" means.
"""

from collections.abc import Iterator
from typing import Any

from moto.sagemaker.models import SageMakerModelBackend

from .sagemaker import SmState

# Settings block -> the app type its lifecycle configs and custom images are for.
APP_BLOCKS = {
    "JupyterServerAppSettings": "JupyterServer",
    "KernelGatewayAppSettings": "KernelGateway",
    "JupyterLabAppSettings": "JupyterLab",
    "CodeEditorAppSettings": "CodeEditor",
    "RSessionAppSettings": "RSessionGateway",
    "TensorBoardAppSettings": "TensorBoard",
}

# Settings block -> the member of an AppImageConfig that configures images for it.
IMAGE_CONFIG_MEMBERS = {
    "KernelGatewayAppSettings": "KernelGatewayImageConfig",
    "JupyterLabAppSettings": "JupyterLabAppImageConfig",
    "CodeEditorAppSettings": "CodeEditorAppImageConfig",
}


def camel_path(*members: str) -> str:
    """AWS's path of a member in messages: "defaultUserSettings.jupyterLabAppSettings"."""
    return ".".join(m[:1].lower() + m[1:] for m in members)


def blocks(doc: dict[str, Any] | None) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(block member name, app type, block) for each app settings block in a settings document."""
    for name, app_type in APP_BLOCKS.items():
        block = (doc or {}).get(name)
        if isinstance(block, dict):
            yield name, app_type, block


# The model's StudioLifecycleConfigArn pattern allows the literal "None": no config (how a
# default is cleared, since an update cannot remove a member).
NO_CONFIG = "None"


def lifecycle_refs(block: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(member path inside the block, ARN) for each lifecycle config a block names."""
    named = [("LifecycleConfigArns", arn) for arn in block.get("LifecycleConfigArns") or []]
    named.append(("DefaultResourceSpec.LifecycleConfigArn", (block.get("DefaultResourceSpec") or {}).get("LifecycleConfigArn")))
    named.append(("BuiltInLifecycleConfigArn", block.get("BuiltInLifecycleConfigArn")))
    for where, arn in named:
        if arn and arn != NO_CONFIG:
            yield where, arn


def custom_images(block: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in block.get("CustomImages") or [] if isinstance(entry, dict)]


def _state(backend: SageMakerModelBackend) -> SmState | None:
    # Only read: looking for users must not create the Studio state of a backend that has none.
    return backend.__dict__.get("_emulator_sm")


def documents(backend: SageMakerModelBackend) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
    """(owner, member, settings document) for every settings document in the backend: each
    domain's defaults, each user profile's and each space's own (Deleting ones too: they still
    exist)."""
    for domain in list(backend.domains.values()):
        yield f"domain {domain.id}", "DefaultUserSettings", domain.default_user_settings
        yield f"domain {domain.id}", "DefaultSpaceSettings", domain.default_space_settings
    st = _state(backend)
    if st is None:
        return
    for profile in st.user_profiles.values():
        yield f"user profile {profile.arn}", "UserSettings", profile.user_settings
    for space in st.spaces.values():
        yield f"space {space.arn}", "SpaceSettings", space.settings


def lifecycle_config_users(backend: SageMakerModelBackend, arn: str) -> list[str]:
    """Who names the lifecycle config `arn`: settings documents, and apps not yet Deleted
    that were started with it (AWS: "there must be no running apps using the Lifecycle
    Configuration")."""
    users = []
    for owner, member, doc in documents(backend):
        for block_name, _, block in blocks(doc):
            for where, named in lifecycle_refs(block):
                if named == arn:
                    users.append(f"{owner} ({member}.{block_name}.{where})")
    st = _state(backend)
    for app in st.apps.values() if st is not None else []:
        if app.active and (app.resource_spec or {}).get("LifecycleConfigArn") == arn:
            users.append(f"app {app.arn}")
    return users


def custom_image_users(
    backend: SageMakerModelBackend,
    image_name: str | None = None,
    version: int | None = None,
    app_image_config: str | None = None,
) -> list[str]:
    """Who names, in a CustomImages entry, the image `image_name` (only its version `version`
    when given) or the app image config `app_image_config`."""
    users = []
    for owner, member, doc in documents(backend):
        for block_name, _, block in blocks(doc):
            for entry in custom_images(block):
                if image_name is not None and entry.get("ImageName") == image_name:
                    if version is None or entry.get("ImageVersionNumber") == version:
                        users.append(f"{owner} ({member}.{block_name}.CustomImages)")
                if app_image_config is not None and entry.get("AppImageConfigName") == app_image_config:
                    users.append(f"{owner} ({member}.{block_name}.CustomImages)")
    return users
