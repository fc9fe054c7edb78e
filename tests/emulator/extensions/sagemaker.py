"""SageMaker operations that moto 5.2.5 lacks: the Service Catalog portfolio calls,
user profiles, and the state that studio.py (domains, spaces, apps) shares.

Added: Enable/Disable/GetSagemakerServicecatalogPortfolioStatus,
Create/Describe/Update/Delete/ListUserProfile(s). User profiles, spaces and apps
are taggable through moto's own AddTags/ListTags/DeleteTags (moto's ARN lookup
cannot parse their ARNs; ours does).

Studio resources have AWS's asynchronous lifecycle: a create leaves them Pending,
a delete Deleting, and some time later (latency_profile.settle_seconds of the kind at
the call: `studio_delay_seconds`, or AWS's scaled time with the "aws" profile) they
are InService, or gone. `Lifecycle` holds that; studio.settle() applies due
transitions before each request is served, so every request sees the state as of
its arrival.

CreateUserProfile also checks AWS's IAM Identity Center rule (_check_sso) and, with
the "aws" profile, that its execution role has propagated (iam_propagation.py).
CloudFormation's AWS::SageMaker::UserProfile (cfn_sagemaker.py) runs these same handlers
(Create/Update/DeleteUserProfile, with studio_settings.py's checks).

Shapes follow botocore's sagemaker/2017-07-24 model.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import Domain, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.utils import get_partition

from . import iam_propagation, latency_profile, servicecatalog
from .common import LOCK, deep_merge, paginate, state

# Lifecycle.next_status meaning "remove the resource" (apps instead become Deleted).
GONE = "<gone>"


@dataclass
class Lifecycle:
    status: str = "Pending"
    next_status: str | None = None
    due: float | None = None  # time.monotonic() at which next_status applies

    def begin(self, status: str, then: str, kind: str) -> None:
        """`kind` is latency_profile's, e.g. "sagemaker:domain:delete": how long it takes."""
        self.status, self.next_status = status, then
        self.due = time.monotonic() + latency_profile.settle_seconds(kind)

    def advance(self, now: float) -> bool:
        """Apply the pending transition if it is due; True if the status changed."""
        if self.due is None or now < self.due or self.next_status is None:
            return False
        self.status, self.next_status, self.due = self.next_status, None, None
        return True


def new_lifecycle(what: str) -> Any:
    """A factory of Lifecycles that are Pending for as long as creating `what` takes."""

    def make() -> Lifecycle:
        life = Lifecycle()
        life.begin("Pending", "InService", f"sagemaker:{what}:create")
        return life

    return make


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
    life: Lifecycle = field(default_factory=new_lifecycle("user_profile"))
    creation_time: Any = field(default_factory=utcnow)
    last_modified_time: Any = field(default_factory=utcnow)

    @property
    def status(self) -> str:
        return self.life.status

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
class Space:
    domain_id: str
    name: str
    arn: str
    home_efs_uid: str
    settings: dict[str, Any] | None
    ownership: dict[str, Any] | None
    sharing: dict[str, Any] | None
    display_name: str | None
    tags: list[dict[str, str]] = field(default_factory=list)
    life: Lifecycle = field(default_factory=new_lifecycle("space"))
    creation_time: Any = field(default_factory=utcnow)
    last_modified_time: Any = field(default_factory=utcnow)

    @property
    def status(self) -> str:
        return self.life.status

    @property
    def owner(self) -> str | None:
        return (self.ownership or {}).get("OwnerUserProfileName")

    def describe(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "SpaceArn": self.arn,
            "SpaceName": self.name,
            "HomeEfsFileSystemUid": self.home_efs_uid,
            "Status": self.status,
            "LastModifiedTime": self.last_modified_time,
            "CreationTime": self.creation_time,
            "SpaceSettings": self.settings,
            "OwnershipSettings": self.ownership,
            "SpaceSharingSettings": self.sharing,
            "SpaceDisplayName": self.display_name,
        }

    def summary(self) -> dict[str, Any]:
        settings = self.settings or {}
        summary_settings = {k: settings[k] for k in ("AppType", "RemoteAccess", "SpaceStorageSettings") if k in settings}
        return {
            "DomainId": self.domain_id,
            "SpaceName": self.name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "SpaceSettingsSummary": summary_settings or None,
            "SpaceSharingSettingsSummary": self.sharing,
            "OwnershipSettingsSummary": self.ownership,
            "SpaceDisplayName": self.display_name,
        }


@dataclass
class App:
    domain_id: str
    user_profile: str | None
    space: str | None
    app_type: str
    name: str
    arn: str
    resource_spec: dict[str, Any] | None
    tags: list[dict[str, str]] = field(default_factory=list)
    life: Lifecycle = field(default_factory=new_lifecycle("app"))
    creation_time: Any = field(default_factory=utcnow)

    @property
    def status(self) -> str:
        return self.life.status

    @property
    def active(self) -> bool:
        """Pending, InService or Deleting: what blocks deleting its owner."""
        return self.status not in ("Deleted", "Failed")

    def summary(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.user_profile,
            "SpaceName": self.space,
            "AppType": self.app_type,
            "AppName": self.name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "ResourceSpec": self.resource_spec,
        }

    def describe(self) -> dict[str, Any]:
        return {"AppArn": self.arn, **self.summary()}


@dataclass
class DomainMeta:
    """What the emulator keeps for a domain beyond moto's Domain object."""

    life: Lifecycle = field(default_factory=new_lifecycle("domain"))
    # The home EFS and what SageMaker made for it (None/empty when not created).
    file_system_id: str | None = None
    inbound_group_id: str | None = None
    outbound_group_id: str | None = None
    # RetentionPolicy.HomeEfsFileSystem of the DeleteDomain call.
    retention: str = "Retain"


# Apps are keyed by (domain id, "user" or "space", owner name, app type, app name).
AppKey = tuple[str, str, str, str, str]


@dataclass
class SmState:
    # (domain id, user profile name) -> profile, in creation order
    user_profiles: dict[tuple[str, str], UserProfile] = field(default_factory=dict)
    # (domain id, space name) -> space, in creation order
    spaces: dict[tuple[str, str], Space] = field(default_factory=dict)
    apps: dict[AppKey, App] = field(default_factory=dict)
    domains: dict[str, DomainMeta] = field(default_factory=dict)
    # POSIX uid of the next home directory on the domain's EFS (AWS starts at 200001)
    next_uid: int = 200001

    def active_apps(self, domain_id: str, owner_kind: str | None = None, owner: str | None = None) -> list[App]:
        return [
            app
            for (d, kind, name, _, _), app in self.apps.items()
            if d == domain_id and app.active and (owner_kind is None or (kind, name) == (owner_kind, owner))
        ]


def sm_state(backend: SageMakerModelBackend) -> SmState:
    return state(backend, "_emulator_sm", SmState)


def require_domain(backend: SageMakerModelBackend, domain_id: str | None) -> Domain:
    if domain_id not in backend.domains:
        raise ResourceNotFound(f"Domain {domain_id} does not exist.")
    return backend.domains[domain_id]


def require_domain_in_service(backend: SageMakerModelBackend, domain_id: str | None) -> Domain:
    """For creating things in a domain: AWS refuses while the domain is not InService."""
    domain = require_domain(backend, domain_id)
    if domain.status != "InService":
        raise ResourceInUseException(f"Domain {domain_id} is in status {domain.status}; it must be InService.")
    return domain


def _require_profile(backend: SageMakerModelBackend, domain_id: str | None, name: str | None) -> UserProfile:
    require_domain(backend, domain_id)
    profile = sm_state(backend).user_profiles.get((domain_id, name))  # type: ignore[arg-type]
    if profile is None:
        raise ResourceNotFound(f"User profile {name} does not exist in domain {domain_id}.")
    return profile


def sagemaker_arn(response: SageMakerResponse, resource: str) -> str:
    return f"arn:{get_partition(response.region)}:sagemaker:{response.region}:{response.current_account}:{resource}"


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


# --- user profiles -----------------------------------------------------------


def _check_sso(domain: Domain, identifier: str | None, value: str | None) -> None:
    """AWS's rule (CreateUserProfile API reference): in a domain whose AuthMode is SSO (IAM
    Identity Center) SingleSignOnUserIdentifier ("UserName", the only value) and
    SingleSignOnUserValue are required; in any other domain they cannot be specified."""
    if identifier is not None and identifier != "UserName":
        raise ValidationError(
            f"1 validation error detected: Value '{identifier}' at 'singleSignOnUserIdentifier' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: UserName"
        )
    if domain.auth_mode == "SSO":
        if not identifier or not value:
            raise ValidationError(
                f"SingleSignOnUserIdentifier and SingleSignOnUserValue are required for a user profile in "
                f"domain {domain.id}, whose AuthMode is SSO (IAM Identity Center)."
            )
    elif identifier is not None or value is not None:
        raise ValidationError(
            f"SingleSignOnUserIdentifier and SingleSignOnUserValue cannot be specified for a user profile in "
            f"domain {domain.id}, whose AuthMode is {domain.auth_mode}."
        )


def create_user_profile(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    domain_id = self._get_param("DomainId")
    name = self._get_param("UserProfileName")
    sso_identifier = self._get_param("SingleSignOnUserIdentifier")
    sso_value = self._get_param("SingleSignOnUserValue")
    with LOCK:
        domain = require_domain_in_service(backend, domain_id)
        _check_sso(domain, sso_identifier, sso_value)
        iam_propagation.check((self._get_param("UserSettings") or {}).get("ExecutionRole"))
        st = sm_state(backend)
        if (domain_id, name) in st.user_profiles:
            raise ResourceInUseException(f"User profile {name} already exists in domain {domain_id}.")
        profile = UserProfile(
            domain_id=domain_id,
            name=name,
            arn=sagemaker_arn(self, f"user-profile/{domain_id}/{name}"),
            home_efs_uid=str(st.next_uid),
            user_settings=self._get_param("UserSettings"),
            sso_identifier=sso_identifier,
            sso_value=sso_value,
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
        if profile.status == "Deleting":
            raise ResourceInUseException(f"User profile {profile.arn} is being deleted.")
        settings = self._get_param("UserSettings")
        if settings is not None:
            profile.user_settings = deep_merge(profile.user_settings, settings)
        profile.last_modified_time = utcnow()
    return ActionResult({"UserProfileArn": profile.arn})


def delete_user_profile(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        profile = _require_profile(backend, self._get_param("DomainId"), self._get_param("UserProfileName"))
        st = sm_state(backend)
        if st.active_apps(profile.domain_id, "user", profile.name):
            raise ResourceInUseException(
                f"User profile {profile.arn} cannot be deleted while it has apps that are not Deleted."
            )
        owned = [s.name for s in st.spaces.values() if s.domain_id == profile.domain_id and s.owner == profile.name]
        if owned:
            raise ResourceInUseException(
                f"User profile {profile.arn} cannot be deleted while it owns spaces: {', '.join(owned)}."
            )
        if profile.status != "Deleting":  # a repeated delete changes nothing
            profile.life.begin("Deleting", GONE, "sagemaker:user_profile:delete")
            profile.last_modified_time = utcnow()
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


# --- tags on user profiles, spaces and apps -----------------------------------

_moto_get_resource_from_arn = SageMakerModelBackend._get_resource_from_arn


def _get_resource_from_arn(self: SageMakerModelBackend, arn: str) -> Any:
    # moto's lookup splits "type/name" and cannot handle user-profile/<domain>/<name>,
    # space/<domain>/<name> or app/<domain>/<owner>/<type>/<name>.
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    parts = rest.split("/")
    st = sm_state(self)
    found: Any = None
    if kind == "user-profile" and len(parts) == 2:
        found = st.user_profiles.get((parts[0], parts[1]))
    elif kind == "space" and len(parts) == 2:
        found = st.spaces.get((parts[0], parts[1]))
    elif kind == "app" and len(parts) == 4:
        found = next((a for a in st.apps.values() if a.arn == arn and a.status != "Deleted"), None)
    elif kind not in ("user-profile", "space", "app"):
        return _moto_get_resource_from_arn(self, arn)
    if found is None:
        raise ValidationError(message=f"Could not find {kind} with name {rest}")
    return found


OPERATIONS = [
    enable_sagemaker_servicecatalog_portfolio,
    disable_sagemaker_servicecatalog_portfolio,
    get_sagemaker_servicecatalog_portfolio_status,
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
    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
