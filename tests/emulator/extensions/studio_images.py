"""SageMaker custom images and app image configs, which moto 5.2.5 lacks.

On AWS a custom Studio image is made of
  - an image (CreateImage): a named set of versions, with the role SageMaker pulls from
    Amazon ECR with. ImageStatus CREATING, then CREATED; UpdateImage makes it UPDATING, then
    CREATED again; DeleteImage deletes the image and all its versions (the container images
    in ECR stay): DELETING, then gone.
  - image versions (CreateImageVersion): each one a container image in ECR, BaseImage
    <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag | @digest], numbered 1, 2, ...
    ImageVersionStatus CREATING, then CREATED, or CREATE_FAILED with a FailureReason when
    SageMaker cannot find the container image; DeleteImageVersion: DELETING, then gone.
  - app image configs (CreateAppImageConfig): how an app runs an image (KernelGateway kernels,
    JupyterLab / Code Editor container and file system settings). A plain record.
A domain's or user profile's <App>AppSettings.CustomImages entries name an image (and
optionally its version) and an app image config.

Here, as there:
  - every input is checked against the API model (model_rules.py); names in use are
    ResourceInUse, missing ones ResourceNotFound.
  - statuses pass through CREATING / UPDATING / DELETING for the kind's settle time
    (latency_profile.py: `studio_delay_seconds`, or AWS's scaled time with the "aws"
    profile), applied lazily by studio.settle() before each request. A version's container
    image is looked up in moto's ECR (the account and region of its URI) when its CREATING
    ends, so an image pushed meanwhile is found, as SageMaker pulls it then; ContainerImage
    is then the image by digest.
  - ClientToken makes CreateImageVersion idempotent (the same token again answers the same
    version; with another BaseImage it is ResourceInUse). Versions can carry Aliases;
    Describe/DeleteImageVersion take Version or Alias (Describe: the latest without either).
  - CreateImageVersion and UpdateImage are ResourceInUse while the image is CREATING, UPDATING
    or DELETING; deleting what is already DELETING is accepted and changes nothing.
  - DeleteImage (also DeleteImageVersion of a version named with its number) and
    DeleteAppImageConfig are refused with ResourceInUse while a domain's, user profile's or
    space's CustomImages names them (studio_refs.py); naming ones that do not exist is refused
    by studio_settings.py.
  - image and app image config ARNs carry tags (ListTags/AddTags/DeleteTags). ARNs:
    image/<name, lowercase>, image-version/<name, lowercase>/<version> (the model's pattern
    allows lowercase only), app-image-config/<name>.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from . import model_rules, studio, studio_refs
from .common import LOCK, paginate, state, time_filter
from .sagemaker import GONE, Lifecycle, sagemaker_arn


def _life(status: str, then: str, kind: str) -> Lifecycle:
    life = Lifecycle(status=status)
    life.begin(status, then, kind)
    return life


# Members of CreateImageVersion that DescribeImageVersion returns as they were given.
VERSION_DETAILS = ("VendorGuidance", "JobType", "MLFramework", "ProgrammingLang", "Processor", "Horovod", "ReleaseNotes")


@dataclass
class ImageVersion:
    version: int
    arn: str
    image_arn: str
    base_image: str
    client_token: str | None
    aliases: list[str]
    details: dict[str, Any]
    life: Lifecycle = field(default_factory=lambda: _life("CREATING", "CREATED", "sagemaker:image_version:create"))
    container_image: str | None = None
    failure_reason: str | None = None
    creation_time: Any = field(default_factory=utcnow)
    last_modified_time: Any = field(default_factory=utcnow)

    @property
    def status(self) -> str:
        return self.life.status

    def summary(self) -> dict[str, Any]:
        return {
            "CreationTime": self.creation_time,
            "FailureReason": self.failure_reason,
            "ImageArn": self.image_arn,
            "ImageVersionArn": self.arn,
            "ImageVersionStatus": self.status,
            "LastModifiedTime": self.last_modified_time,
            "Version": self.version,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "BaseImage": self.base_image, "ContainerImage": self.container_image, **self.details}


@dataclass
class Image:
    name: str
    arn: str
    role_arn: str
    display_name: str | None
    description: str | None
    tags: list[dict[str, str]] = field(default_factory=list)
    life: Lifecycle = field(default_factory=lambda: _life("CREATING", "CREATED", "sagemaker:image:create"))
    versions: dict[int, ImageVersion] = field(default_factory=dict)
    next_version: int = 1
    creation_time: Any = field(default_factory=utcnow)
    last_modified_time: Any = field(default_factory=utcnow)

    @property
    def status(self) -> str:
        return self.life.status

    def summary(self) -> dict[str, Any]:
        return {
            "CreationTime": self.creation_time,
            "Description": self.description,
            "DisplayName": self.display_name,
            "ImageArn": self.arn,
            "ImageName": self.name,
            "ImageStatus": self.status,
            "LastModifiedTime": self.last_modified_time,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "RoleArn": self.role_arn}


# The three kinds of app an app image config can configure (its request/response members).
APP_IMAGE_CONFIG_MEMBERS = ("KernelGatewayImageConfig", "JupyterLabAppImageConfig", "CodeEditorAppImageConfig")


@dataclass
class AppImageConfig:
    name: str
    arn: str
    configs: dict[str, Any]  # member of APP_IMAGE_CONFIG_MEMBERS -> its settings, as given
    tags: list[dict[str, str]] = field(default_factory=list)
    creation_time: Any = field(default_factory=utcnow)
    last_modified_time: Any = field(default_factory=utcnow)

    def describe(self) -> dict[str, Any]:
        return {
            "AppImageConfigArn": self.arn,
            "AppImageConfigName": self.name,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            **self.configs,
        }


@dataclass
class ImageState:
    images: dict[str, Image] = field(default_factory=dict)
    app_image_configs: dict[str, AppImageConfig] = field(default_factory=dict)


def image_state(backend: SageMakerModelBackend) -> ImageState:
    return state(backend, "_emulator_sm_images", ImageState)


def _require_image(backend: SageMakerModelBackend, name: str | None) -> Image:
    image = image_state(backend).images.get(name or "")
    if image is None:
        raise ResourceNotFound(f"Image {name} does not exist.")
    return image


def _require_config(backend: SageMakerModelBackend, name: str | None) -> AppImageConfig:
    config = image_state(backend).app_image_configs.get(name or "")
    if config is None:
        raise ResourceNotFound(f"AppImageConfig {name} does not exist.")
    return config


def _not_busy(image: Image, what: str) -> None:
    if image.status in ("CREATING", "UPDATING", "DELETING"):
        raise ResourceInUseException(f"Image {image.arn} is {image.status}; {what} once it is CREATED.")


# --- the container image in ECR --------------------------------------------------------

_ECR_URI = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^:@]+)|@(?P<digest>sha256:[0-9a-f]{64}))?"
)


def _container_image(base_image: str) -> tuple[str | None, str | None]:
    """(ContainerImage, None) if the ECR image exists in moto's ECR, else (None, FailureReason)."""
    match = _ECR_URI.fullmatch(base_image)
    if match is None:
        return None, (
            f"BaseImage {base_image} is not an Amazon ECR image URI "
            "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest])."
        )
    account, region, name = match["account"], match["region"], match["repository"]
    from moto.ecr.models import ecr_backends

    try:
        repository = ecr_backends[account][region].repositories.get(name)
    except Exception:  # a region moto does not know
        repository = None
    if repository is None:
        return None, f"Unable to pull {base_image}: repository {name} does not exist in account {account} in {region}."
    if match["digest"]:
        found = next((i for i in repository.images if i.get_image_digest() == match["digest"]), None)
    else:
        tag = match["tag"] or "latest"
        found = next((i for i in repository.images if tag in i.image_tags), None)
    if found is None:
        return None, f"Unable to pull {base_image}: the image does not exist in repository {name}."
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{name}@{found.get_image_digest()}", None


def _settle(backend: SageMakerModelBackend, now: float) -> None:
    st = backend.__dict__.get("_emulator_sm_images")
    if st is None:
        return
    for name, image in list(st.images.items()):
        for number, version in list(image.versions.items()):
            if not version.life.advance(now):
                continue
            version.last_modified_time = utcnow()
            if version.status == GONE:
                del image.versions[number]
            elif version.status == "CREATED":
                version.container_image, version.failure_reason = _container_image(version.base_image)
                if version.failure_reason:
                    version.life.status = "CREATE_FAILED"
        if image.life.advance(now):
            image.last_modified_time = utcnow()
            if image.status == GONE:  # its versions go with it
                del st.images[name]


# --- images -----------------------------------------------------------------------------


def create_image(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateImage")
    model_rules.check("CreateImage", params)
    name = params["ImageName"]
    with LOCK:
        st = image_state(self.sagemaker_backend)
        if name in st.images:
            raise ResourceInUseException(f"Image {name} already exists.")
        image = Image(
            name=name,
            arn=sagemaker_arn(self, f"image/{name.lower()}"),
            role_arn=params["RoleArn"],
            display_name=params.get("DisplayName"),
            description=params.get("Description"),
            tags=list(params.get("Tags") or []),
        )
        st.images[name] = image
    return ActionResult({"ImageArn": image.arn})


def describe_image(self: SageMakerResponse) -> ActionResult:
    return ActionResult(_require_image(self.sagemaker_backend, self._get_param("ImageName")).describe())


def update_image(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "UpdateImage")
    model_rules.check("UpdateImage", params)
    deleted = params.get("DeleteProperties") or []
    both = [p for p in deleted if params.get(p) is not None]
    if both:
        raise ValidationError(f"{', '.join(both)} cannot be both deleted and set.")
    with LOCK:
        image = _require_image(self.sagemaker_backend, params["ImageName"])
        _not_busy(image, "update it")
        for prop, attr in (("DisplayName", "display_name"), ("Description", "description")):
            if prop in deleted:
                setattr(image, attr, None)
        for prop, attr in (("DisplayName", "display_name"), ("Description", "description"), ("RoleArn", "role_arn")):
            if params.get(prop) is not None:
                setattr(image, attr, params[prop])
        image.life.begin("UPDATING", "CREATED", "sagemaker:image:update")
        image.last_modified_time = utcnow()
    return ActionResult({"ImageArn": image.arn})


def delete_image(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        image = _require_image(backend, self._get_param("ImageName"))
        if image.status == "DELETING":
            return EmptyResult()
        users = studio_refs.custom_image_users(backend, image_name=image.name)
        if users:
            raise ResourceInUseException(f"Image {image.arn} is in use by {'; '.join(users)}.")
        # AWS: "Deletes a SageMaker AI image and all versions of the image."
        image.life.begin("DELETING", GONE, "sagemaker:image:delete")
        image.last_modified_time = utcnow()
        for version in image.versions.values():
            if version.status != "DELETING":
                version.life.begin("DELETING", GONE, "sagemaker:image:delete")
                version.last_modified_time = utcnow()
    return EmptyResult()


_IMAGE_SORT = {
    "CREATION_TIME": lambda i: i.creation_time,
    "LAST_MODIFIED_TIME": lambda i: i.last_modified_time,
    "IMAGE_NAME": lambda i: i.name,
}


def list_images(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "ListImages")
    model_rules.check("ListImages", params)
    contains = params.get("NameContains")
    times = ("CreationTimeBefore", "CreationTimeAfter", "LastModifiedTimeBefore", "LastModifiedTimeAfter")
    with LOCK:
        images = [
            i
            for i in image_state(self.sagemaker_backend).images.values()
            if (not contains or contains in i.name) and time_filter(i.creation_time, i.last_modified_time, params, times)
        ]
    images.sort(key=_IMAGE_SORT[params.get("SortBy") or "CREATION_TIME"], reverse=(params.get("SortOrder") or "DESCENDING") == "DESCENDING")
    page, token = paginate(images, params.get("NextToken"), params.get("MaxResults"), 10, ValidationError)
    return ActionResult({"Images": [i.summary() for i in page], "NextToken": token})


# --- image versions -----------------------------------------------------------------------


def create_image_version(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateImageVersion")
    model_rules.check("CreateImageVersion", params)
    base_image, token = params["BaseImage"], params.get("ClientToken")
    aliases = list(params.get("Aliases") or [])
    with LOCK:
        image = _require_image(self.sagemaker_backend, params["ImageName"])
        again = next((v for v in image.versions.values() if token and v.client_token == token), None)
        if again is not None:
            if again.base_image != base_image:
                raise ResourceInUseException(
                    f"ClientToken {token} was used for version {again.version} of image {image.name} with another BaseImage."
                )
            return ActionResult({"ImageVersionArn": again.arn})
        _not_busy(image, "create versions")
        taken = [a for a in aliases for v in image.versions.values() if a in v.aliases]
        if taken:
            raise ResourceInUseException(f"Alias {taken[0]} is already used by another version of image {image.name}.")
        version = ImageVersion(
            version=image.next_version,
            arn=sagemaker_arn(self, f"image-version/{image.name.lower()}/{image.next_version}"),
            image_arn=image.arn,
            base_image=base_image,
            client_token=token,
            aliases=aliases,
            details={k: params[k] for k in VERSION_DETAILS if params.get(k) is not None},
        )
        image.versions[version.version] = version
        image.next_version += 1
    return ActionResult({"ImageVersionArn": version.arn})


def _pick_version(image: Image, number: int | None, alias: str | None, latest: bool) -> ImageVersion:
    if number is not None and alias is not None:
        raise ValidationError("Specify either Version or Alias, not both.")
    if number is not None:
        found = image.versions.get(number)
    elif alias is not None:
        found = next((v for v in image.versions.values() if alias in v.aliases), None)
    elif latest:
        found = image.versions[max(image.versions)] if image.versions else None
    else:
        raise ValidationError("Version or Alias is required.")
    if found is None:
        which = f"version {number}" if number is not None else f"alias {alias}" if alias is not None else "any version"
        raise ResourceNotFound(f"Image {image.name} does not have {which}.")
    return found


def describe_image_version(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "DescribeImageVersion")
    model_rules.check("DescribeImageVersion", params)
    with LOCK:
        image = _require_image(self.sagemaker_backend, params["ImageName"])
        return ActionResult(_pick_version(image, params.get("Version"), params.get("Alias"), latest=True).describe())


def delete_image_version(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "DeleteImageVersion")
    model_rules.check("DeleteImageVersion", params)
    backend = self.sagemaker_backend
    with LOCK:
        image = _require_image(backend, params["ImageName"])
        version = _pick_version(image, params.get("Version"), params.get("Alias"), latest=False)
        if version.status == "DELETING":
            return EmptyResult()
        users = studio_refs.custom_image_users(backend, image_name=image.name, version=version.version)
        if users:
            raise ResourceInUseException(f"Image version {version.arn} is in use by {'; '.join(users)}.")
        version.life.begin("DELETING", GONE, "sagemaker:image_version:delete")
        version.last_modified_time = utcnow()
    return EmptyResult()


_VERSION_SORT = {
    "CREATION_TIME": lambda v: v.creation_time,
    "LAST_MODIFIED_TIME": lambda v: v.last_modified_time,
    "VERSION": lambda v: v.version,
}


def list_image_versions(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "ListImageVersions")
    model_rules.check("ListImageVersions", params)
    times = ("CreationTimeBefore", "CreationTimeAfter", "LastModifiedTimeBefore", "LastModifiedTimeAfter")
    with LOCK:
        image = _require_image(self.sagemaker_backend, params["ImageName"])
        versions = [v for v in image.versions.values() if time_filter(v.creation_time, v.last_modified_time, params, times)]
    # Ties (versions made within one clock tick) keep version order.
    versions.sort(key=lambda v: v.version)
    versions.sort(key=_VERSION_SORT[params.get("SortBy") or "CREATION_TIME"])
    if (params.get("SortOrder") or "DESCENDING") == "DESCENDING":
        versions.reverse()
    page, token = paginate(versions, params.get("NextToken"), params.get("MaxResults"), 10, ValidationError)
    return ActionResult({"ImageVersions": [v.summary() for v in page], "NextToken": token})


# --- app image configs -----------------------------------------------------------------------


def create_app_image_config(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateAppImageConfig")
    model_rules.check("CreateAppImageConfig", params)
    name = params["AppImageConfigName"]
    with LOCK:
        st = image_state(self.sagemaker_backend)
        if name in st.app_image_configs:
            raise ResourceInUseException(f"AppImageConfig {name} already exists.")
        config = AppImageConfig(
            name=name,
            arn=sagemaker_arn(self, f"app-image-config/{name}"),
            configs={m: params[m] for m in APP_IMAGE_CONFIG_MEMBERS if params.get(m) is not None},
            tags=list(params.get("Tags") or []),
        )
        st.app_image_configs[name] = config
    return ActionResult({"AppImageConfigArn": config.arn})


def describe_app_image_config(self: SageMakerResponse) -> ActionResult:
    return ActionResult(_require_config(self.sagemaker_backend, self._get_param("AppImageConfigName")).describe())


def update_app_image_config(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "UpdateAppImageConfig")
    model_rules.check("UpdateAppImageConfig", params)
    with LOCK:
        config = _require_config(self.sagemaker_backend, params["AppImageConfigName"])
        # Each app's settings given replace that app's settings; the others stay.
        for member in APP_IMAGE_CONFIG_MEMBERS:
            if params.get(member) is not None:
                config.configs[member] = params[member]
        config.last_modified_time = utcnow()
    return ActionResult({"AppImageConfigArn": config.arn})


def delete_app_image_config(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        config = _require_config(backend, self._get_param("AppImageConfigName"))
        users = studio_refs.custom_image_users(backend, app_image_config=config.name)
        if users:
            raise ResourceInUseException(f"AppImageConfig {config.arn} is in use by {'; '.join(users)}.")
        del image_state(backend).app_image_configs[config.name]
    return EmptyResult()


_CONFIG_SORT = {
    "CreationTime": lambda c: c.creation_time,
    "LastModifiedTime": lambda c: c.last_modified_time,
    "Name": lambda c: c.name,
}


def list_app_image_configs(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "ListAppImageConfigs")
    model_rules.check("ListAppImageConfigs", params)
    contains = params.get("NameContains")
    times = ("CreationTimeBefore", "CreationTimeAfter", "ModifiedTimeBefore", "ModifiedTimeAfter")
    with LOCK:
        configs = [
            c
            for c in image_state(self.sagemaker_backend).app_image_configs.values()
            if (not contains or contains in c.name) and time_filter(c.creation_time, c.last_modified_time, params, times)
        ]
    configs.sort(key=_CONFIG_SORT[params.get("SortBy") or "CreationTime"], reverse=(params.get("SortOrder") or "Descending") == "Descending")
    page, token = paginate(configs, params.get("NextToken"), params.get("MaxResults"), 10, ValidationError)
    return ActionResult({"AppImageConfigs": [c.describe() for c in page], "NextToken": token})


OPERATIONS = [
    create_image,
    describe_image,
    update_image,
    delete_image,
    list_images,
    create_image_version,
    describe_image_version,
    delete_image_version,
    list_image_versions,
    create_app_image_config,
    describe_app_image_config,
    update_app_image_config,
    delete_app_image_config,
    list_app_image_configs,
]


def install() -> None:
    for op in OPERATIONS:
        if hasattr(SageMakerResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(SageMakerResponse, op.__name__, op)
    studio.SETTLERS.append(_settle)

    previous = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(backend: SageMakerModelBackend, arn: str) -> Any:
        # Tags on images and app image configs: moto's lookup does not know the kinds.
        kind, _, name = arn.split(":", 5)[-1].partition("/")
        st = image_state(backend)
        if kind == "image":
            found: Any = next((i for i in st.images.values() if i.arn == arn), None)
        elif kind == "app-image-config":
            found = next((c for c in st.app_image_configs.values() if c.arn == arn), None)
        else:
            return previous(backend, arn)
        if found is None:
            raise ValidationError(f"Could not find {kind} with name {name}")
        return found

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
