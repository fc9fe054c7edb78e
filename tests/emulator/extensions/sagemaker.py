"""SageMaker operations that moto 5.2.5 lacks, and fixes to its domain calls.

Added: Enable/Disable/GetSagemakerServicecatalogPortfolioStatus, UpdateDomain,
Create/Describe/Update/Delete/ListUserProfile(s). User profiles are taggable
through moto's own AddTags/ListTags/DeleteTags.

Fixed (AWS behaviour the project's provider depends on): DescribeDomain,
DeleteDomain answer ResourceNotFound (moto: ValidationException) for an unknown
domain; DeleteDomain is refused with ResourceInUse while user profiles remain;
CreateDomain with a name already in use is refused (moto derives the id from the
name and would silently overwrite the first domain); AddTags works on a domain
created without tags (moto: a 500).

Shapes follow botocore's sagemaker/2017-07-24 model.
"""

from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import Domain, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.utils import get_partition

from . import servicecatalog
from .common import LOCK, deep_merge, paginate, state


@dataclass
class UserProfile:
    domain_id: str
    name: str
    arn: str
    home_efs_uid: str
    user_settings: dict[str, Any] | None
    sso_identifier: str | None
    sso_value: str | None
    tags: list[dict[str, str]] = field(default_factory=list)
    status: str = "InService"
    creation_time: Any = field(default_factory=utcnow)
    last_modified_time: Any = field(default_factory=utcnow)

    def describe(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileArn": self.arn,
            "UserProfileName": self.name,
            "HomeEfsFileSystemUid": self.home_efs_uid,
            "Status": self.status,
            "LastModifiedTime": self.last_modified_time,
            "CreationTime": self.creation_time,
            "SingleSignOnUserIdentifier": self.sso_identifier,
            "SingleSignOnUserValue": self.sso_value,
            "UserSettings": self.user_settings,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }


@dataclass
class SmState:
    # (domain id, user profile name) -> profile, in creation order
    user_profiles: dict[tuple[str, str], UserProfile] = field(default_factory=dict)
    # POSIX uid of the next home directory on the domain's EFS (AWS starts at 200001)
    next_uid: int = 200001


def sm_state(backend: SageMakerModelBackend) -> SmState:
    return state(backend, "_emulator_sm", SmState)


def _require_domain(backend: SageMakerModelBackend, domain_id: str | None) -> Domain:
    if domain_id not in backend.domains:
        raise ResourceNotFound(f"Domain {domain_id} does not exist.")
    return backend.domains[domain_id]


def _require_profile(backend: SageMakerModelBackend, domain_id: str | None, name: str | None) -> UserProfile:
    _require_domain(backend, domain_id)
    profile = sm_state(backend).user_profiles.get((domain_id, name))  # type: ignore[arg-type]
    if profile is None:
        raise ResourceNotFound(f"User profile {name} does not exist in domain {domain_id}.")
    return profile


# --- SageMaker project templates in Service Catalog ---------------------------


def enable_sagemaker_servicecatalog_portfolio(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        servicecatalog.enable_sagemaker_portfolio(self.current_account, self.region)
    return EmptyResult()


def disable_sagemaker_servicecatalog_portfolio(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        servicecatalog.disable_sagemaker_portfolio(self.current_account, self.region)
    return EmptyResult()


def get_sagemaker_servicecatalog_portfolio_status(self: SageMakerResponse) -> ActionResult:
    enabled = servicecatalog.sagemaker_portfolio_enabled(self.current_account, self.region)
    return ActionResult({"Status": "Enabled" if enabled else "Disabled"})


# --- domains -----------------------------------------------------------------

# UpdateDomain's DomainSettingsForUpdate names one member differently from the
# DomainSettings that DescribeDomain returns.
_DOMAIN_SETTINGS_RENAMES = {"RStudioServerProDomainSettingsForUpdate": "RStudioServerProDomainSettings"}


def update_domain(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        domain = _require_domain(self.sagemaker_backend, self._get_param("DomainId"))
        settings = self._get_param("DefaultUserSettings")
        if settings is not None:
            domain.default_user_settings = deep_merge(domain.default_user_settings, settings)
        for_update = self._get_param("DomainSettingsForUpdate")
        if for_update is not None:
            renamed = {_DOMAIN_SETTINGS_RENAMES.get(k, k): v for k, v in for_update.items()}
            domain.domain_settings = deep_merge(domain.domain_settings, renamed)
        space = self._get_param("DefaultSpaceSettings")
        if space is not None:
            domain.default_space_settings = deep_merge(domain.default_space_settings, space)
        for param, attr in [
            ("AppSecurityGroupManagement", "app_security_group_management"),
            ("SubnetIds", "subnet_ids"),
            ("AppNetworkAccessType", "app_network_access_type"),
            ("TagPropagation", "tag_propagation"),
            ("HomeEfsFileSystemCreation", "home_efs_file_system_creation"),
            ("VpcId", "vpc_id"),
        ]:
            value = self._get_param(param)
            if value is not None:
                setattr(domain, attr, value)
        domain.last_modified_time = utcnow()
    return ActionResult({"DomainArn": domain.arn})


_moto_domain_describe = Domain.describe
_moto_create_domain = SageMakerModelBackend.create_domain


def _domain_describe(self: Domain) -> dict[str, Any]:
    described = _moto_domain_describe(self)
    # Members that moto's Domain does not know; set by our UpdateDomain.
    for attr, key in [("tag_propagation", "TagPropagation"), ("home_efs_file_system_creation", "HomeEfsFileSystemCreation")]:
        if getattr(self, attr, None) is not None:
            described[key] = getattr(self, attr)
    return described


def _create_domain(self: SageMakerModelBackend, domain_name: str, **kwargs: Any) -> dict[str, Any]:
    with LOCK:
        if f"d-{domain_name}" in self.domains:
            raise ResourceInUseException(
                f"Resource Already Exists: Domain with name {domain_name} already exists. Choose a different name."
            )
        created = _moto_create_domain(self, domain_name=domain_name, **kwargs)
        # moto keeps Tags=None when none were given, and AddTags then fails with a 500.
        domain = self.domains[f"d-{domain_name}"]
        if domain.tags is None:
            domain.tags = []
        return created


def _describe_domain(self: SageMakerModelBackend, domain_id: str) -> dict[str, Any]:
    return _require_domain(self, domain_id).describe()


def _delete_domain(self: SageMakerModelBackend, domain_id: str, retention_policy: dict[str, str] | None) -> None:
    with LOCK:
        _require_domain(self, domain_id)
        if any(d == domain_id for d, _ in sm_state(self).user_profiles):
            raise ResourceInUseException(
                f"Domain {domain_id} has user profiles; delete them before deleting the domain."
            )
        del self.domains[domain_id]


# --- user profiles -----------------------------------------------------------


def create_user_profile(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    domain_id = self._get_param("DomainId")
    name = self._get_param("UserProfileName")
    with LOCK:
        _require_domain(backend, domain_id)
        st = sm_state(backend)
        if (domain_id, name) in st.user_profiles:
            raise ResourceInUseException(f"User profile {name} already exists in domain {domain_id}.")
        profile = UserProfile(
            domain_id=domain_id,
            name=name,
            arn=f"arn:{get_partition(self.region)}:sagemaker:{self.region}:{self.current_account}:user-profile/{domain_id}/{name}",
            home_efs_uid=str(st.next_uid),
            user_settings=self._get_param("UserSettings"),
            sso_identifier=self._get_param("SingleSignOnUserIdentifier"),
            sso_value=self._get_param("SingleSignOnUserValue"),
            tags=list(self._get_param("Tags") or []),
        )
        st.next_uid += 1
        st.user_profiles[(domain_id, name)] = profile
    return ActionResult({"UserProfileArn": profile.arn})


def describe_user_profile(self: SageMakerResponse) -> ActionResult:
    profile = _require_profile(self.sagemaker_backend, self._get_param("DomainId"), self._get_param("UserProfileName"))
    return ActionResult(profile.describe())


def update_user_profile(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        profile = _require_profile(
            self.sagemaker_backend, self._get_param("DomainId"), self._get_param("UserProfileName")
        )
        settings = self._get_param("UserSettings")
        if settings is not None:
            profile.user_settings = deep_merge(profile.user_settings, settings)
        profile.last_modified_time = utcnow()
    return ActionResult({"UserProfileArn": profile.arn})


def delete_user_profile(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        profile = _require_profile(
            self.sagemaker_backend, self._get_param("DomainId"), self._get_param("UserProfileName")
        )
        # AWS passes through Deleting; the emulator removes the profile at once.
        del sm_state(self.sagemaker_backend).user_profiles[(profile.domain_id, profile.name)]
    return EmptyResult()


def list_user_profiles(self: SageMakerResponse) -> ActionResult:
    domain_id = self._get_param("DomainIdEquals")
    contains = self._get_param("UserProfileNameContains")
    sort_by = self._get_param("SortBy") or "CreationTime"
    descending = self._get_param("SortOrder") == "Descending"
    with LOCK:
        profiles = [
            p
            for p in sm_state(self.sagemaker_backend).user_profiles.values()
            if (not domain_id or p.domain_id == domain_id) and (not contains or contains in p.name)
        ]
    key = (lambda p: p.last_modified_time) if sort_by == "LastModifiedTime" else (lambda p: p.creation_time)
    profiles.sort(key=key, reverse=descending)  # stable: ties keep creation order
    page, token = paginate(profiles, self._get_param("NextToken"), self._get_param("MaxResults"), 10, ValidationError)
    return ActionResult({"UserProfiles": [p.summary() for p in page], "NextToken": token})


# --- tags on user profiles ---------------------------------------------------

_moto_get_resource_from_arn = SageMakerModelBackend._get_resource_from_arn


def _get_resource_from_arn(self: SageMakerModelBackend, arn: str) -> Any:
    # moto's lookup splits "type/name" and cannot handle user-profile/<domain>/<name>.
    resource = arn.split(":", 5)[-1]
    if resource.startswith("user-profile/"):
        parts = resource.split("/")
        profile = sm_state(self).user_profiles.get((parts[1], parts[2])) if len(parts) == 3 else None
        if profile is None:
            raise ValidationError(message=f"Could not find user-profile with name {resource}")
        return profile
    return _moto_get_resource_from_arn(self, arn)


OPERATIONS = [
    enable_sagemaker_servicecatalog_portfolio,
    disable_sagemaker_servicecatalog_portfolio,
    get_sagemaker_servicecatalog_portfolio_status,
    update_domain,
    create_user_profile,
    describe_user_profile,
    update_user_profile,
    delete_user_profile,
    list_user_profiles,
]


def install() -> None:
    for op in OPERATIONS:
        if hasattr(SageMakerResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(SageMakerResponse, op.__name__, op)
    Domain.describe = _domain_describe
    SageMakerModelBackend.create_domain = _create_domain
    SageMakerModelBackend.describe_domain = _describe_domain
    SageMakerModelBackend.delete_domain = _delete_domain
    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
