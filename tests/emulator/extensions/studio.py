"""SageMaker Studio as AWS runs it, where it matters for teardown.

moto 5.2.5 keeps a domain as a record only: InService at once, id d-<name>, a
made-up EFS id, RetentionPolicy ignored, no spaces or apps. On AWS a domain is a
set of real resources in the account, and a teardown that forgets one of them
fails (the VPC cannot be deleted). Here, as there:

CreateDomain (Pending, InService some time later (latency_profile.py); id d- + 12
lowercase alphanumerics) makes, unless HomeEfsFileSystemCreation is Disabled:
  - two security groups in the domain's VPC,
      security-group-for-inbound-nfs-<domain id>   ingress TCP 2049 from the outbound group
      security-group-for-outbound-nfs-<domain id>  egress TCP 2049 to the inbound group
    (no other rules), so each references the other and neither can be deleted
    until a rule is revoked (ec2_rules);
  - an EFS file system, encrypted with the domain's KmsKeyId (else the AWS-managed
    aws/elasticfilesystem key);
  - one mount target per Availability Zone of the domain's subnets, in the
    inbound group; moto gives each a network interface in its subnet, so
    DeleteSubnet/DeleteSecurityGroup/DeleteVpc are refused while it exists.
  The file system and both groups are tagged ManagedByAmazonSageMakerResource=<domain arn>.
  The VPC and subnets must exist (and the subnets be in the VPC), the key must be
  usable: otherwise ValidationException.

DeleteDomain is refused (ResourceInUse) while user profiles or spaces exist; the
domain is Deleting, then gone. RetentionPolicy.HomeEfsFileSystem=Retain (default)
leaves the file system, its mount targets and the groups; Delete deletes the file
system and its mount targets (with their interfaces) when the domain goes, and
still leaves the two groups, as AWS does.

Spaces (Create/Describe/Delete/ListSpaces) and apps (Create/Describe/Delete/
ListApps) pass through Pending and Deleting the same way; a deleted app stays
listed with status Deleted (until its owner goes). A space cannot be deleted
while it has apps that are not Deleted.

All delays are lazy: settle() runs before every request (routes.py) and applies
the transitions that are due, including the EFS side effects of a domain's end.
"""

import random
import string
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import Domain, SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from . import iam_propagation
from .common import LOCK, deep_merge, paginate
from .sagemaker import (
    GONE,
    App,
    DomainMeta,
    SmState,
    Space,
    require_domain,
    require_domain_in_service,
    sagemaker_arn,
    sm_state,
)

MANAGED_TAG = "ManagedByAmazonSageMakerResource"
NFS_PORT = "2049"
APP_TYPES = (
    "JupyterServer", "KernelGateway", "DetailedProfiler", "TensorBoard", "CodeEditor",
    "JupyterLab", "RStudioServerPro", "RSessionGateway", "Canvas",
)
_ID_CHARS = string.ascii_lowercase + string.digits


def _ec2(backend: SageMakerModelBackend) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[backend.account_id][backend.region_name]


def _efs(backend: SageMakerModelBackend) -> Any:
    from moto.efs.models import efs_backends

    return efs_backends[backend.account_id][backend.region_name]


def _kms(backend: SageMakerModelBackend) -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[backend.account_id][backend.region_name]


def _meta(backend: SageMakerModelBackend, domain_id: str) -> DomainMeta:
    st = sm_state(backend)
    meta = st.domains.get(domain_id)
    if meta is None:  # not created through us (cannot happen over the API); treat as settled
        meta = st.domains[domain_id] = DomainMeta()
        meta.life.status, meta.life.next_status, meta.life.due = "InService", None, None
    return meta


# --- the domain's network and home EFS ----------------------------------------


def _subnets(backend: SageMakerModelBackend, vpc_id: str | None, subnet_ids: list[str] | None) -> list[Any]:
    """The domain's subnets as moto objects; ValidationException unless all exist in the VPC."""
    ec2 = _ec2(backend)
    if not vpc_id or not subnet_ids:
        raise ValidationError("VpcId and SubnetIds are required to create the domain's home EFS file system.")
    if vpc_id not in ec2.vpcs:
        raise ValidationError(f"The VPC {vpc_id} does not exist.")
    found = []
    for subnet_id in subnet_ids:
        subnet = next((s for subnets in ec2.subnets.values() for s in subnets.values() if s.id == subnet_id), None)
        if subnet is None:
            raise ValidationError(f"The subnet {subnet_id} does not exist.")
        if subnet.vpc_id != vpc_id:
            raise ValidationError(f"The subnet {subnet_id} is not in the VPC {vpc_id}.")
        found.append(subnet)
    return found


def _efs_key_arn(backend: SageMakerModelBackend, key_id: str | None) -> str:
    """ARN of the key that encrypts the home EFS: the given one, else AWS's aws/elasticfilesystem."""
    try:
        key = _kms(backend).describe_key(key_id or "alias/aws/elasticfilesystem")
    except Exception as exc:  # moto raises NotFoundException or KeyError
        raise ValidationError(f"The KMS key {key_id} does not exist.") from exc
    if key.key_state != "Enabled":
        raise ValidationError(f"The KMS key {key_id} is {key.key_state} and cannot be used.")
    return key.arn


def _add_mount_targets(backend: SageMakerModelBackend, meta: DomainMeta, subnets: list[Any]) -> None:
    """One mount target in each Availability Zone of `subnets` that has none yet (EFS allows one per AZ)."""
    efs = _efs(backend)
    file_system = efs.file_systems_by_id[meta.file_system_id]
    for subnet in subnets:
        if file_system.has_mount_target(subnet):
            continue
        target = efs.create_mount_target(meta.file_system_id, subnet.id, None, [meta.inbound_group_id])
        eni = _ec2(backend).enis.get(target.network_interface_id)
        if eni is not None:
            eni.description = f"EFS mount target for {meta.file_system_id} ({target.mount_target_id})"


def _provision_home_efs(
    backend: SageMakerModelBackend, domain: Domain, meta: DomainMeta, key_arn: str, subnets: list[Any]
) -> None:
    ec2, efs = _ec2(backend), _efs(backend)
    tags = {MANAGED_TAG: domain.arn}
    inbound = ec2.create_security_group(
        name=f"security-group-for-inbound-nfs-{domain.id}",
        description=f"[DO NOT DELETE] Security Group that allows inbound NFS traffic for SageMaker Notebooks Domain [{domain.id}]",
        vpc_id=domain.vpc_id,
        tags=dict(tags),
    )
    outbound = ec2.create_security_group(
        name=f"security-group-for-outbound-nfs-{domain.id}",
        description=f"[DO NOT DELETE] Security Group that allows outbound NFS traffic for SageMaker Notebooks Domain [{domain.id}]",
        vpc_id=domain.vpc_id,
        tags=dict(tags),
    )
    # Only the NFS rules: drop the allow-all egress that a new group gets.
    inbound.egress_rules, outbound.egress_rules = [], []
    ec2.authorize_security_group_ingress(
        inbound.id, "tcp", NFS_PORT, NFS_PORT, [], source_groups=[{"GroupId": outbound.id}], vpc_id=domain.vpc_id
    )
    ec2.authorize_security_group_egress(
        outbound.id, "tcp", NFS_PORT, NFS_PORT, [], source_groups=[{"GroupId": inbound.id}], vpc_id=domain.vpc_id
    )
    meta.inbound_group_id, meta.outbound_group_id = inbound.id, outbound.id
    file_system = efs.create_file_system(
        creation_token=f"sagemaker-{domain.id}-{uuid.uuid4()}",
        performance_mode="generalPurpose",
        encrypted=True,
        kms_key_id=key_arn,
        throughput_mode="bursting",
        provisioned_throughput_in_mibps=None,
        availability_zone_name=None,
        backup=False,
        tags=[{"Key": MANAGED_TAG, "Value": domain.arn}],
    )
    meta.file_system_id = domain.home_efs_file_system_id = file_system.file_system_id
    _add_mount_targets(backend, meta, subnets)


def _delete_home_efs(backend: SageMakerModelBackend, file_system_id: str) -> None:
    """RetentionPolicy Delete: the file system and its mount targets go (their interfaces with them)."""
    efs = _efs(backend)
    for target in [t for t in efs.mount_targets_by_id.values() if t.file_system_id == file_system_id]:
        try:
            efs.delete_mount_target(target.mount_target_id)
        except Exception:  # its interface was removed behind moto's back: drop the record anyway
            efs.mount_targets_by_id.pop(target.mount_target_id, None)
            target.clean_up()
    if file_system_id in efs.file_systems_by_id:
        efs.delete_file_system(file_system_id)


# --- domains ----------------------------------------------------------------------


def _new_domain_id(backend: SageMakerModelBackend) -> str:
    while True:
        domain_id = "d-" + "".join(random.choice(_ID_CHARS) for _ in range(12))
        if domain_id not in backend.domains:
            return domain_id


def _create_domain(
    self: SageMakerModelBackend,
    domain_name: str,
    auth_mode: str,
    default_user_settings: dict[str, Any],
    subnet_ids: list[str],
    vpc_id: str,
    domain_settings: dict[str, Any] | None = None,
    tags: list[dict[str, str]] | None = None,
    app_network_access_type: str | None = None,
    home_efs_file_system_kms_key_id: str | None = None,
    kms_key_id: str | None = None,
    app_security_group_management: str | None = None,
    default_space_settings: dict[str, Any] | None = None,
    tag_propagation: str | None = None,
    home_efs_file_system_creation: str | None = None,
) -> dict[str, Any]:
    with LOCK:
        if any(d.domain_name == domain_name for d in self.domains.values()):
            raise ResourceInUseException(
                f"Resource Already Exists: Domain with name {domain_name} already exists. Choose a different name."
            )
        iam_propagation.check(
            (default_user_settings or {}).get("ExecutionRole"), (default_space_settings or {}).get("ExecutionRole")
        )
        with_efs = home_efs_file_system_creation != "Disabled"
        subnets = _subnets(self, vpc_id, subnet_ids) if with_efs or vpc_id or subnet_ids else []
        key_arn = _efs_key_arn(self, kms_key_id or home_efs_file_system_kms_key_id) if with_efs else ""

        domain = Domain(
            domain_name=domain_name,
            auth_mode=auth_mode,
            default_user_settings=default_user_settings,
            subnet_ids=subnet_ids,
            vpc_id=vpc_id,
            domain_settings=domain_settings,
            tags=list(tags or []),  # moto keeps None, and AddTags then fails with a 500
            app_network_access_type=app_network_access_type,
            home_efs_file_system_kms_key_id=home_efs_file_system_kms_key_id,
            kms_key_id=kms_key_id,
            app_security_group_management=app_security_group_management,
            default_space_settings=default_space_settings,
            region_name=self.region_name,
            account_id=self.account_id,
        )
        # AWS-shaped identity in place of moto's name-derived one.
        domain.id = _new_domain_id(self)
        domain.arn = arn_formatter("domain", domain.id, self.account_id, self.region_name)
        domain.url = f"https://{domain.id}.studio.{self.region_name}.sagemaker.aws"
        domain.home_efs_file_system_id = None
        domain.security_group_id_for_domain_boundary = None
        domain.failure_reason = None
        if auth_mode != "SSO":
            domain.single_sign_on_managed_application_instance_id = None
            domain.single_sign_on_managed_application_arn = None
        domain.tag_propagation = tag_propagation
        domain.home_efs_file_system_creation = home_efs_file_system_creation
        meta = DomainMeta()
        domain.status = meta.life.status
        if with_efs:
            _provision_home_efs(self, domain, meta, key_arn, subnets)
        self.domains[domain.id] = domain
        sm_state(self).domains[domain.id] = meta
        return {"DomainArn": domain.arn, "DomainId": domain.id, "Url": domain.url}


def create_domain(self: SageMakerResponse) -> ActionResult:
    """moto's handler, plus the members it drops (TagPropagation, HomeEfsFileSystemCreation)
    and the DomainId that AWS returns."""
    params = {
        "domain_name": "DomainName",
        "auth_mode": "AuthMode",
        "default_user_settings": "DefaultUserSettings",
        "domain_settings": "DomainSettings",
        "subnet_ids": "SubnetIds",
        "vpc_id": "VpcId",
        "tags": "Tags",
        "app_network_access_type": "AppNetworkAccessType",
        "home_efs_file_system_kms_key_id": "HomeEfsFileSystemKmsKeyId",
        "kms_key_id": "KmsKeyId",
        "app_security_group_management": "AppSecurityGroupManagement",
        "default_space_settings": "DefaultSpaceSettings",
        "tag_propagation": "TagPropagation",
        "home_efs_file_system_creation": "HomeEfsFileSystemCreation",
    }
    kwargs = {arg: self._get_param(member) for arg, member in params.items()}
    return ActionResult(self.sagemaker_backend.create_domain(**kwargs))


_moto_domain_describe = Domain.describe


def _domain_describe(self: Domain) -> dict[str, Any]:
    described = _moto_domain_describe(self)
    # Members that moto's Domain does not know.
    for attr, key in [("tag_propagation", "TagPropagation"), ("home_efs_file_system_creation", "HomeEfsFileSystemCreation")]:
        if getattr(self, attr, None) is not None:
            described[key] = getattr(self, attr)
    return described


def _describe_domain(self: SageMakerModelBackend, domain_id: str) -> dict[str, Any]:
    return require_domain(self, domain_id).describe()


def _delete_domain(self: SageMakerModelBackend, domain_id: str, retention_policy: dict[str, str] | None) -> None:
    with LOCK:
        domain = require_domain(self, domain_id)
        st = sm_state(self)
        if any(d == domain_id for d, _ in st.user_profiles):
            raise ResourceInUseException(
                f"Domain {domain_id} has user profiles; delete them before deleting the domain."
            )
        if any(d == domain_id for d, _ in st.spaces):
            raise ResourceInUseException(f"Domain {domain_id} has spaces; delete them before deleting the domain.")
        retention = (retention_policy or {}).get("HomeEfsFileSystem") or "Retain"
        if retention not in ("Retain", "Delete"):
            raise ValidationError(f"RetentionPolicy.HomeEfsFileSystem must be Retain or Delete, not {retention}.")
        meta = _meta(self, domain_id)
        if meta.life.status == "Deleting":
            return  # already on its way out; the first call's retention holds
        meta.retention = retention
        meta.life.begin("Deleting", GONE, "sagemaker:domain:delete")
        domain.status = "Deleting"
        domain.last_modified_time = utcnow()


# UpdateDomain's DomainSettingsForUpdate names one member differently from the
# DomainSettings that DescribeDomain returns.
_DOMAIN_SETTINGS_RENAMES = {"RStudioServerProDomainSettingsForUpdate": "RStudioServerProDomainSettings"}


def update_domain(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        domain = require_domain(backend, self._get_param("DomainId"))
        st, meta = sm_state(backend), _meta(backend, domain.id)
        if domain.status == "Deleting":
            raise ResourceInUseException(f"Domain {domain.id} is being deleted.")
        active_apps = st.active_apps(domain.id)

        # Check everything before changing anything.
        access = self._get_param("AppNetworkAccessType")
        if access is not None and access != domain.app_network_access_type and active_apps:
            raise ResourceInUseException(
                f"AppNetworkAccessType of domain {domain.id} can only change while no apps are "
                "InService, Pending or Deleting."
            )
        identity = (self._get_param("DomainSettingsForUpdate") or {}).get("ExecutionRoleIdentityConfig")
        if identity is not None and identity != (domain.domain_settings or {}).get("ExecutionRoleIdentityConfig") and active_apps:
            # AWS: "This configuration can only be modified if there are no apps in the
            # InService or Pending state."
            raise ValidationError(
                f"ExecutionRoleIdentityConfig of domain {domain.id} can only change while no apps are InService or Pending."
            )
        subnet_ids = self._get_param("SubnetIds")
        new_subnets: list[Any] = []
        if subnet_ids is not None:
            if set(domain.subnet_ids or []) - set(subnet_ids) and active_apps:
                raise ResourceInUseException(
                    f"Subnets of domain {domain.id} can only be removed while no apps are InService, Pending or Deleting."
                )
            new_subnets = _subnets(backend, self._get_param("VpcId") or domain.vpc_id, subnet_ids)
        efs_creation = self._get_param("HomeEfsFileSystemCreation")
        create_efs = efs_creation == "Enabled" and meta.file_system_id is None
        efs_subnets: list[Any] = []
        key_arn = ""
        if create_efs:
            vpc_id = self._get_param("VpcId") or domain.vpc_id
            efs_subnets = new_subnets if subnet_ids is not None else _subnets(backend, vpc_id, domain.subnet_ids)
            key_arn = _efs_key_arn(backend, domain.kms_key_id or domain.home_efs_file_system_kms_key_id)

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
        if create_efs:
            _provision_home_efs(backend, domain, meta, key_arn, efs_subnets)
        elif new_subnets and meta.file_system_id in _efs(backend).file_systems_by_id:
            # Apps in an added subnet mount the home EFS there. (Mount targets of removed
            # subnets stay: the emulator does not guess that AWS removes them.)
            _add_mount_targets(backend, meta, new_subnets)
        domain.last_modified_time = utcnow()
    return ActionResult({"DomainArn": domain.arn})


# --- spaces -----------------------------------------------------------------------


def _require_space(backend: SageMakerModelBackend, domain_id: str | None, name: str | None) -> Space:
    require_domain(backend, domain_id)
    space = sm_state(backend).spaces.get((domain_id, name))  # type: ignore[arg-type]
    if space is None:
        raise ResourceNotFound(f"Space {name} does not exist in domain {domain_id}.")
    return space


def create_space(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    domain_id, name = self._get_param("DomainId"), self._get_param("SpaceName")
    ownership = self._get_param("OwnershipSettings")
    with LOCK:
        require_domain_in_service(backend, domain_id)
        st = sm_state(backend)
        if (domain_id, name) in st.spaces:
            raise ResourceInUseException(f"Space {name} already exists in domain {domain_id}.")
        owner = (ownership or {}).get("OwnerUserProfileName")
        if owner is not None:
            profile = st.user_profiles.get((domain_id, owner))
            if profile is None:
                raise ResourceNotFound(f"User profile {owner} does not exist in domain {domain_id}.")
            if profile.status != "InService":
                raise ResourceInUseException(f"User profile {owner} is in status {profile.status}; it must be InService.")
        space = Space(
            domain_id=domain_id,
            name=name,
            arn=sagemaker_arn(self, f"space/{domain_id}/{name}"),
            home_efs_uid=str(st.next_uid),
            settings=self._get_param("SpaceSettings"),
            ownership=ownership,
            sharing=self._get_param("SpaceSharingSettings"),
            display_name=self._get_param("SpaceDisplayName"),
            tags=list(self._get_param("Tags") or []),
        )
        st.next_uid += 1
        st.spaces[(domain_id, name)] = space
    return ActionResult({"SpaceArn": space.arn})


def describe_space(self: SageMakerResponse) -> ActionResult:
    space = _require_space(self.sagemaker_backend, self._get_param("DomainId"), self._get_param("SpaceName"))
    return ActionResult(space.describe())


def delete_space(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        space = _require_space(backend, self._get_param("DomainId"), self._get_param("SpaceName"))
        if sm_state(backend).active_apps(space.domain_id, "space", space.name):
            raise ResourceInUseException(f"Space {space.arn} cannot be deleted while it has apps that are not Deleted.")
        if space.status != "Deleting":
            space.life.begin("Deleting", GONE, "sagemaker:space:delete")
            space.last_modified_time = utcnow()
    return EmptyResult()


def list_spaces(self: SageMakerResponse) -> ActionResult:
    domain_id = self._get_param("DomainIdEquals")
    contains = self._get_param("SpaceNameContains")
    sort_by = self._get_param("SortBy") or "CreationTime"
    descending = self._get_param("SortOrder") == "Descending"
    with LOCK:
        spaces = [
            s
            for s in sm_state(self.sagemaker_backend).spaces.values()
            if (not domain_id or s.domain_id == domain_id) and (not contains or contains in s.name)
        ]
    key = (lambda s: s.last_modified_time) if sort_by == "LastModifiedTime" else (lambda s: s.creation_time)
    spaces.sort(key=key, reverse=descending)
    page, token = paginate(spaces, self._get_param("NextToken"), self._get_param("MaxResults"), 10, ValidationError)
    return ActionResult({"Spaces": [s.summary() for s in page], "NextToken": token})


# --- apps -------------------------------------------------------------------------


def _app_key(self: SageMakerResponse) -> tuple[str, str, str, str, str]:
    user, space = self._get_param("UserProfileName"), self._get_param("SpaceName")
    if (user is None) == (space is None):
        raise ValidationError("Exactly one of UserProfileName and SpaceName must be given.")
    app_type = self._get_param("AppType")
    if app_type not in APP_TYPES:
        raise ValidationError(f"AppType must be one of {', '.join(APP_TYPES)}, not {app_type}.")
    return (
        self._get_param("DomainId"),
        "user" if user is not None else "space",
        user if user is not None else space,
        app_type,
        self._get_param("AppName"),
    )


def _require_app(self: SageMakerResponse) -> App:
    backend = self.sagemaker_backend
    key = _app_key(self)
    require_domain(backend, key[0])
    app = sm_state(backend).apps.get(key)
    if app is None:
        raise ResourceNotFound(f"App {key[4]} of type {key[3]} does not exist for {key[2]} in domain {key[0]}.")
    return app


def create_app(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    key = _app_key(self)
    domain_id, owner_kind, owner, app_type, name = key
    with LOCK:
        require_domain_in_service(backend, domain_id)
        st = sm_state(backend)
        parent = (st.user_profiles if owner_kind == "user" else st.spaces).get((domain_id, owner))
        label = "User profile" if owner_kind == "user" else "Space"
        if parent is None:
            raise ResourceNotFound(f"{label} {owner} does not exist in domain {domain_id}.")
        if parent.status != "InService":
            raise ResourceInUseException(f"{label} {owner} is in status {parent.status}; it must be InService.")
        existing = st.apps.get(key)
        if existing is not None and existing.active:
            raise ResourceInUseException(f"App {existing.arn} already exists (status {existing.status}).")
        app = App(
            domain_id=domain_id,
            user_profile=owner if owner_kind == "user" else None,
            space=owner if owner_kind == "space" else None,
            app_type=app_type,
            name=name,
            arn=sagemaker_arn(self, f"app/{domain_id}/{owner}/{app_type.lower()}/{name}"),
            resource_spec=self._get_param("ResourceSpec"),
            tags=list(self._get_param("Tags") or []),
        )
        st.apps.pop(key, None)  # a Deleted app of that name is replaced (and listed anew)
        st.apps[key] = app
    return ActionResult({"AppArn": app.arn})


def describe_app(self: SageMakerResponse) -> ActionResult:
    return ActionResult(_require_app(self).describe())


def delete_app(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        app = _require_app(self)
        if app.status == "Deleted":
            # AWS's answer, which clients (e.g. Terraform's AWS provider) match on.
            raise ValidationError(f"App {app.arn} has already been deleted.")
        if app.status != "Deleting":
            app.life.begin("Deleting", "Deleted", "sagemaker:app:delete")
    return EmptyResult()


def list_apps(self: SageMakerResponse) -> ActionResult:
    domain_id = self._get_param("DomainIdEquals")
    user, space = self._get_param("UserProfileNameEquals"), self._get_param("SpaceNameEquals")
    if user is not None and space is not None:
        raise ValidationError("UserProfileNameEquals and SpaceNameEquals cannot both be set.")
    descending = self._get_param("SortOrder") == "Descending"
    with LOCK:
        apps = [
            a
            for a in sm_state(self.sagemaker_backend).apps.values()
            if (not domain_id or a.domain_id == domain_id)
            and (user is None or a.user_profile == user)
            and (space is None or a.space == space)
        ]
    apps.sort(key=lambda a: a.creation_time, reverse=descending)
    page, token = paginate(apps, self._get_param("NextToken"), self._get_param("MaxResults"), 10, ValidationError)
    return ActionResult({"Apps": [a.summary() for a in page], "NextToken": token})


# --- time passing -------------------------------------------------------------------


def _drop_apps(st: SmState, domain_id: str, owner_kind: str | None = None, owner: str | None = None) -> None:
    for key in [k for k in st.apps if k[0] == domain_id and (owner_kind is None or k[1:3] == (owner_kind, owner))]:
        del st.apps[key]


def _settle_backend(backend: SageMakerModelBackend, st: SmState, now: float) -> None:
    for app in st.apps.values():
        app.life.advance(now)
    for owner_kind, table in (("space", st.spaces), ("user", st.user_profiles)):
        for key, item in list(table.items()):
            if item.life.advance(now):
                item.last_modified_time = utcnow()
                if item.status == GONE:
                    del table[key]
                    _drop_apps(st, key[0], owner_kind, key[1])
    for domain_id, meta in list(st.domains.items()):
        domain = backend.domains.get(domain_id)
        if domain is None:  # removed behind our back (moto's own calls)
            del st.domains[domain_id]
            continue
        if not meta.life.advance(now):
            continue
        if meta.life.status != GONE:
            domain.status = meta.life.status
            domain.last_modified_time = utcnow()
            continue
        if meta.retention == "Delete" and meta.file_system_id:
            try:
                _delete_home_efs(backend, meta.file_system_id)
            except Exception:
                traceback.print_exc(file=sys.stderr)
        del backend.domains[domain_id]
        del st.domains[domain_id]
        _drop_apps(st, domain_id)


# Other modules' due transitions on a SageMaker backend (studio_images.py: images CREATING ->
# CREATED), applied with the same clock under the same lock: settler(backend, now).
SETTLERS: list[Callable[[SageMakerModelBackend, float], None]] = []


def settle() -> None:
    """Apply every Studio transition that is due (Pending -> InService, Deleting -> gone)."""
    now = time.monotonic()
    with LOCK:
        for attempt in range(5):
            try:
                backends = [b for _, _, b in sagemaker_backends.iter_backends()]
                break
            except RuntimeError:  # a backend was being created by another request
                if attempt == 4:
                    raise
        for backend in backends:
            st = backend.__dict__.get("_emulator_sm")
            if st is not None:
                _settle_backend(backend, st, now)
            for settler in SETTLERS:
                settler(backend, now)


OPERATIONS = [
    update_domain,
    create_space,
    describe_space,
    delete_space,
    list_spaces,
    create_app,
    describe_app,
    delete_app,
    list_apps,
]


def install() -> None:
    for op in OPERATIONS:
        if hasattr(SageMakerResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(SageMakerResponse, op.__name__, op)
    SageMakerResponse.create_domain = create_domain
    Domain.describe = _domain_describe
    SageMakerModelBackend.create_domain = _create_domain
    SageMakerModelBackend.describe_domain = _describe_domain
    SageMakerModelBackend.delete_domain = _delete_domain
