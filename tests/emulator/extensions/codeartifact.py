"""AWS CodeArtifact, which moto 5.2.5 does not have.

On AWS, CodeArtifact keeps package repositories in domains. A domain belongs to one account
and region, is encrypted with a KMS key (the caller's, or the AWS-managed `aws/codeartifact`),
and holds repositories; a repository may have upstream repositories in the same domain and
one external connection to a public registry (`public:pypi`, `public:npmjs`, ...). Package
managers reach a repository at `https://<domain>-<owner>.d.codeartifact.<region>.amazonaws.com/
<format>/<repository>/` with a temporary token from GetAuthorizationToken. The API is REST-JSON
(signing name `codeartifact`, paths under /v1/).

moto has no CodeArtifact at all: its dispatcher cannot even route the requests. This module
serves them itself, in front of moto (server.py wraps moto's WSGI app in CodeArtifactApp, so
the emulator's stats, faults and latency, which run before it, apply as to any service):

  domains       CreateDomain (the KMS key must exist in the account and region and be enabled
                and symmetric, else ValidationException), DescribeDomain, ListDomains,
                DeleteDomain (ConflictException while the domain has repositories, as AWS),
                Put/Get/DeleteDomainPermissionsPolicy
  repositories  CreateRepository, DescribeRepository, UpdateRepository, DeleteRepository,
                ListRepositories, ListRepositoriesInDomain, Associate/DisassociateExternalConnection
                (one external connection per repository), Put/Get/DeleteRepositoryPermissionsPolicy
  access        GetAuthorizationToken (durationSeconds 0 or 900..43200), GetRepositoryEndpoint
  tags          TagResource, UntagResource, ListTagsForResource on domain and repository ARNs

Requests are routed, parsed and answered with moto's own machinery for botocore's
`codeartifact/2018-09-22` model (router, REST-JSON parser and serializer), so member names,
locations (query string or body), HTTP status codes and error shapes are the model's. Input
is checked against the model's constraints (required, length, pattern, enum, range) as
AWS's front end does, with AWS's "1 validation error detected: ..." messages.

Not modelled: packages, package versions and assets (assetSizeBytes stays 0), package groups,
the repository endpoints themselves (the URL is answered, nothing serves it), and resource
policies as authorisation: a `domainOwner` other than the caller's account is
AccessDeniedException, whatever policy the other account's domain has.

State lives in a BackendDict of our own, which moto's reset (POST /_emulator/reset,
POST /moto-api/reset) clears with every other backend.
"""

import base64
import hashlib
import importlib.util
import json
import os
import re
import secrets
import sys
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.utilities.utils import get_partition

from .common import LOCK, paginate

SERVICE = "codeartifact"

# AssociateExternalConnection's supported values (botocore's model lists them in the member's
# documentation; the shape itself only has a pattern) and the package format each serves.
EXTERNAL_CONNECTIONS = {
    "public:npmjs": "npm",
    "public:nuget-org": "nuget",
    "public:pypi": "pypi",
    "public:maven-central": "maven",
    "public:maven-googleandroid": "maven",
    "public:maven-gradleplugins": "maven",
    "public:maven-commonsware": "maven",
    "public:maven-clojars": "maven",
    "public:ruby-gems-org": "ruby",
    "public:crates-io": "cargo",
}

MANAGED_KEY_ALIAS = "alias/aws/codeartifact"
DEFAULT_TOKEN_SECONDS = 12 * 3600  # GetAuthorizationToken without durationSeconds: 12 hours
DEFAULT_PAGE_SIZE = 100


# --- errors (shapes and HTTP status codes come from the model) ----------------------------


class CodeArtifactError(ServiceException):
    def __init__(self, message: str, **members: Any) -> None:
        super().__init__(message)
        for key, value in members.items():
            setattr(self, key, value)


class ValidationException(CodeArtifactError):
    code = "ValidationException"
    reason = "FIELD_VALIDATION_FAILED"


class ResourceNotFoundException(CodeArtifactError):
    code = "ResourceNotFoundException"


class ConflictException(CodeArtifactError):
    code = "ConflictException"


class AccessDeniedException(CodeArtifactError):
    code = "AccessDeniedException"


# --- state ---------------------------------------------------------------------------------


@dataclass
class Policy:
    document: str
    revision: str


@dataclass
class Repository:
    name: str
    domain: str
    domain_owner: str
    administrator: str
    arn: str
    description: str | None
    created: datetime
    upstreams: list[str] = field(default_factory=list)
    external_connections: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    policy: Policy | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "administratorAccount": self.administrator,
            "domainName": self.domain,
            "domainOwner": self.domain_owner,
            "arn": self.arn,
            "description": self.description,
            "createdTime": self.created,
        }

    def description_doc(self) -> dict[str, Any]:
        return {
            **self.summary(),
            # An upstream deleted after it was linked stays listed, as on AWS (its downstream
            # must be updated to drop it).
            "upstreams": [{"repositoryName": name} for name in self.upstreams],
            "externalConnections": [
                {"externalConnectionName": name, "packageFormat": EXTERNAL_CONNECTIONS[name], "status": "Available"}
                for name in self.external_connections
            ],
        }


@dataclass
class Domain:
    name: str
    owner: str
    arn: str
    created: datetime
    encryption_key: str
    s3_bucket_arn: str
    tags: dict[str, str] = field(default_factory=dict)
    policy: Policy | None = None
    repositories: dict[str, Repository] = field(default_factory=dict)

    def summary(self, status: str = "Active") -> dict[str, Any]:
        return {
            "name": self.name,
            "owner": self.owner,
            "arn": self.arn,
            "status": status,
            "createdTime": self.created,
            "encryptionKey": self.encryption_key,
        }

    def description_doc(self, status: str = "Active") -> dict[str, Any]:
        return {
            **self.summary(status),
            "repositoryCount": len(self.repositories),
            "assetSizeBytes": 0,
            "s3BucketArn": self.s3_bucket_arn,
        }


class CodeArtifactBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.domains: dict[str, Domain] = {}


def _regions() -> list[str]:
    # Every region the emulator serves EC2 in: a client in a region CodeArtifact skips would
    # fail to resolve the endpoint on AWS, which is not what the emulator is for.
    import botocore.session

    session = botocore.session.get_session()
    return sorted({r for p in session.get_available_partitions() for r in session.get_available_regions("ec2", p)})


codeartifact_backends = BackendDict(CodeArtifactBackend, SERVICE, additional_regions=_regions())


# --- validation against the model -----------------------------------------------------------

# The model's patterns are Java regexes; \P{C} ("not a control, format, unassigned, ...
# character") has no Python equivalent, so those patterns are written out here (control
# characters only, which is what a client can realistically send).
_CONTROL = "\\x00-\\x1f\\x7f-\\x9f"
_PATTERNS = {
    "\\P{C}+": f"[^{_CONTROL}]+",
    "\\P{C}*": f"[^{_CONTROL}]*",
    "[\\P{C}\\s]+": "[^\\x00-\\x08\\x0e-\\x1f\\x7f-\\x9f]+",
}


def _pattern(pattern: str) -> re.Pattern[str] | None:
    translated = _PATTERNS.get(pattern, pattern)
    if "\\p{" in translated or "\\P{" in translated:
        return None
    return re.compile(translated, re.DOTALL)


def _shown(value: Any) -> str:
    return "null" if value is None else f"'{value}'"


def _check(shape: Any, value: Any, path: str, errors: list[str]) -> None:
    """AWS's front-end checks of `value` against `shape`, as "Value ... at '<path>' ..." lines."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                errors.append(f"Value null at '{_join(path, name)}' failed to satisfy constraint: Member must not be null")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _check(member, value[name], _join(path, name), errors)
        return
    if kind == "list":
        if "min" in meta and len(value) < meta["min"]:
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {meta['max']}")
        for i, item in enumerate(value, 1):
            _check(shape.member, item, f"{path}.{i}.member", errors)
        return
    if kind == "string":
        prefix = f"Value {_shown(value)} at '{path}' failed to satisfy constraint: Member must"
        if shape.enum and value not in shape.enum:
            errors.append(f"{prefix} satisfy enum value set: [{', '.join(shape.enum)}]")
            return
        if "min" in meta and len(value) < meta["min"]:
            errors.append(f"{prefix} have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{prefix} have length less than or equal to {meta['max']}")
        regex = _pattern(meta["pattern"]) if "pattern" in meta else None
        if regex is not None and not regex.fullmatch(value):
            errors.append(f"{prefix} satisfy regular expression pattern: {meta['pattern']}")
        return
    if kind in ("integer", "long"):
        prefix = f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value"
        if "min" in meta and value < meta["min"]:
            errors.append(f"{prefix} greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            errors.append(f"{prefix} less than or equal to {meta['max']}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _validate(operation: Any, params: dict[str, Any]) -> None:
    errors: list[str] = []
    if operation.input_shape is not None:
        _check(operation.input_shape, params, "", errors)
    if errors:
        count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
        raise ValidationException(count + "; ".join(errors))


# --- the caller and the resources it names --------------------------------------------------

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


@dataclass
class Call:
    operation: str
    account: str
    region: str
    access_key: str

    @property
    def backend(self) -> CodeArtifactBackend:
        return codeartifact_backends[self.account][self.region]

    @property
    def partition(self) -> str:
        return get_partition(self.region)

    def caller_arn(self) -> str:
        from moto.sts.models import sts_backends

        return sts_backends[self.account][self.partition].get_caller_identity(self.access_key, self.region)[1]


def _account(environ: dict[str, Any], access_key: str) -> str:
    # The same order as moto's BaseResponse.get_current_account, so CodeArtifact and the
    # moto services agree on whose resources a request sees.
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return environ["HTTP_X_MOTO_ACCOUNT_ID"]
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def _check_owner(call: Call, owner: str | None, arn: str) -> None:
    """A domain of another account is reached only through that domain's resource policy,
    which the emulator does not evaluate: AWS answers AccessDenied when none allows it."""
    if owner is not None and owner != call.account:
        raise AccessDeniedException(
            f"User: {call.caller_arn()} is not authorized to perform: codeartifact:{call.operation} on resource: "
            f"{arn} because no resource-based policy allows the codeartifact:{call.operation} action"
        )


def _domain_arn(call: Call, owner: str, name: str) -> str:
    return f"arn:{call.partition}:codeartifact:{call.region}:{owner}:domain/{name}"


def _repository_arn(call: Call, owner: str, domain: str, name: str) -> str:
    return f"arn:{call.partition}:codeartifact:{call.region}:{owner}:repository/{domain}/{name}"


def _domain(call: Call, p: dict[str, Any]) -> Domain:
    name, owner = p["domain"], p.get("domainOwner")
    _check_owner(call, owner, _domain_arn(call, owner or call.account, name))
    domain = call.backend.domains.get(name)
    if domain is None:
        raise ResourceNotFoundException(
            f"Domain not found. Domain: '{name}' Domain Owner: '{owner or call.account}'",
            resourceId=name,
            resourceType="domain",
        )
    return domain


def _repository(call: Call, p: dict[str, Any], name: str | None = None) -> tuple[Domain, Repository]:
    domain = _domain(call, p)
    name = name or p["repository"]
    repo = domain.repositories.get(name)
    if repo is None:
        raise ResourceNotFoundException(
            f"Repository not found. Repository: '{name}' Domain: '{domain.name}' Domain Owner: '{domain.owner}'",
            resourceId=name,
            resourceType="repository",
        )
    return domain, repo


def _by_arn(call: Call, arn: str) -> Domain | Repository:
    match = re.fullmatch(r"arn:[\w-]+:codeartifact:([\w-]+):(\d{12}):(domain|repository)/(.+)", arn)
    if match is None:
        raise ValidationException(f"Invalid ARN: {arn}", reason="OTHER")
    region, owner, kind, rest = match.groups()
    _check_owner(call, owner, arn)
    missing = ResourceNotFoundException(f"Resource not found: {arn}", resourceId=arn, resourceType=kind)
    if region != call.region:
        raise missing
    if kind == "domain":
        domain = call.backend.domains.get(rest)
        if domain is None:
            raise missing
        return domain
    domain_name, _, repo_name = rest.partition("/")
    domain = call.backend.domains.get(domain_name)
    if domain is None or repo_name not in domain.repositories:
        raise missing
    return domain.repositories[repo_name]


# --- KMS ------------------------------------------------------------------------------------


def _kms(call: Call) -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[call.account][call.region]


def _encryption_key(call: Call, key_id: str | None) -> str:
    """ARN of the domain's key. AWS accepts a key id, key ARN, alias or alias ARN of a key in
    the domain's account and region; it must be enabled and a symmetric encryption key."""
    kms = _kms(call)
    if key_id is None:
        return _managed_key(call, kms)
    try:
        key = kms.describe_key(key_id)
    except Exception:  # moto: NotFoundException, or KeyError for an unknown alias
        key = None
    # moto looks an ARN up by its key id alone; an ARN of another region or account is not
    # this backend's key even when the id matches.
    if key_id.startswith("arn:") and key_id.split(":")[3:5] != [call.region, call.account]:
        key = None
    if key is None:
        raise ValidationException(f"The encryption key {key_id} was not found.", reason="ENCRYPTION_KEY_ERROR")
    if key.key_state != "Enabled":
        raise ValidationException(
            f"The encryption key {key.arn} is {key.key_state}; it must be enabled.", reason="ENCRYPTION_KEY_ERROR"
        )
    # moto leaves key_usage unset when CreateKey did not send it; KMS's default is ENCRYPT_DECRYPT.
    if key.key_spec != "SYMMETRIC_DEFAULT" or (key.key_usage or "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        raise ValidationException(
            f"The encryption key {key.arn} is not a symmetric encryption key; CodeArtifact supports only symmetric keys.",
            reason="ENCRYPTION_KEY_ERROR",
        )
    return key.arn


def _managed_key(call: Call, kms: Any) -> str:
    # AWS makes the account's aws/codeartifact key on first use; moto does not know the
    # alias, so it is made here (left out of the inventory like every alias/aws/... key).
    key_id = next((k.id for k in kms.keys.values() if MANAGED_KEY_ALIAS in k.aliases), None)
    if key_id is None:
        key = kms.create_key(
            None,
            "ENCRYPT_DECRYPT",
            "SYMMETRIC_DEFAULT",
            "Default key that protects my CodeArtifact domains when no other key is defined",
            None,
        )
        key.key_manager = "AWS"
        kms.create_alias(key.id, MANAGED_KEY_ALIAS)
        key_id = key.id
    return kms.keys[key_id].arn


# --- helpers ------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    tags = {}
    for tag in raw or []:
        if tag["key"].lower().startswith("aws:"):
            raise ValidationException(f"Tag keys beginning with 'aws:' are reserved: {tag['key']}")
        tags[tag["key"]] = tag["value"]
    return tags


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags.items()]


def _revision(document: str) -> str:
    # Opaque and new on every put, like AWS's revisions.
    return base64.b64encode(hashlib.sha256(document.encode() + secrets.token_bytes(16)).digest()).decode()


def _policy_document(raw: str) -> str:
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValidationException("The policy document is not a valid JSON policy.", reason="OTHER")
    return raw  # stored and answered as given


def _check_revision(owner_kind: str, name: str, current: Policy | None, revision: str | None) -> None:
    """policyRevision is optimistic locking: when given it must be the current revision."""
    if revision is not None and (current is None or current.revision != revision):
        raise ConflictException(
            f"The policy revision {revision} does not match the current revision of the {owner_kind}'s policy.",
            resourceId=name,
            resourceType=owner_kind,
        )


def _policy_doc(arn: str, policy: Policy) -> dict[str, Any]:
    return {"resourceArn": arn, "revision": policy.revision, "document": policy.document}


def _upstreams(domain: Domain, repository: str, raw: list[dict[str, str]]) -> list[str]:
    names = [u["repositoryName"] for u in raw]
    if repository in names:
        raise ValidationException(f"Repository {repository} cannot be its own upstream repository.", reason="OTHER")
    if len(set(names)) != len(names):
        raise ValidationException("An upstream repository is listed more than once.", reason="OTHER")
    for name in names:
        # Upstreams must be repositories of the same domain.
        if name not in domain.repositories:
            raise ResourceNotFoundException(
                f"Repository not found. Repository: '{name}' Domain: '{domain.name}' Domain Owner: '{domain.owner}'",
                resourceId=name,
                resourceType="repository",
            )
    return names


def _page(items: list[Any], p: dict[str, Any]) -> tuple[list[Any], str | None]:
    return paginate(items, p.get("nextToken"), p.get("maxResults"), DEFAULT_PAGE_SIZE, ValidationException)


def _dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


# --- operations -------------------------------------------------------------------------------
# Each takes the call and the parsed input (the model's member names) and answers the output
# structure, or raises one of the errors above.


def create_domain(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    backend, name = call.backend, p["domain"]
    if name in backend.domains:
        raise ConflictException(
            f"Domain already exists. Domain: '{name}' Domain Owner: '{call.account}'", resourceId=name, resourceType="domain"
        )
    key = _encryption_key(call, p.get("encryptionKey"))
    tags = _tags(p.get("tags"))
    # Assets live in an S3 bucket of an AWS-owned account, one per region.
    bucket_owner = str(int(hashlib.sha256(f"codeartifact-assets/{call.region}".encode()).hexdigest(), 16))[:12]
    domain = Domain(
        name=name,
        owner=call.account,
        arn=_domain_arn(call, call.account, name),
        created=_now(),
        encryption_key=key,
        s3_bucket_arn=f"arn:{call.partition}:s3:::assets-{bucket_owner}-{call.region}",
        tags=tags,
    )
    backend.domains[name] = domain
    return {"domain": domain.description_doc()}


def describe_domain(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    return {"domain": _domain(call, p).description_doc()}


def list_domains(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domains = [d.summary() for _, d in sorted(call.backend.domains.items())]
    page, token = _page(domains, p)
    return {"domains": page, "nextToken": token}


def delete_domain(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    try:
        domain = _domain(call, p)
    except ResourceNotFoundException:
        # The model lists no ResourceNotFoundException for DeleteDomain: deleting a domain
        # that is not there answers without one.
        return {}
    if domain.repositories:
        raise ConflictException(
            f"Domain {domain.name} contains {len(domain.repositories)} repositories; delete them before deleting the domain.",
            resourceId=domain.name,
            resourceType="domain",
        )
    del call.backend.domains[domain.name]
    return {"domain": domain.description_doc(status="Deleted")}


def put_domain_permissions_policy(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domain = _domain(call, p)
    document = _policy_document(p["policyDocument"])
    _check_revision("domain", domain.name, domain.policy, p.get("policyRevision"))
    domain.policy = Policy(document, _revision(document))
    return {"policy": _policy_doc(domain.arn, domain.policy)}


def get_domain_permissions_policy(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domain = _domain(call, p)
    if domain.policy is None:
        raise ResourceNotFoundException(
            f"No resource policy is set on domain {domain.name}.", resourceId=domain.name, resourceType="domain"
        )
    return {"policy": _policy_doc(domain.arn, domain.policy)}


def delete_domain_permissions_policy(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    answer = get_domain_permissions_policy(call, p)
    domain = _domain(call, p)
    _check_revision("domain", domain.name, domain.policy, p.get("policyRevision"))
    domain.policy = None
    return answer


def create_repository(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domain, name = _domain(call, p), p["repository"]
    if name in domain.repositories:
        raise ConflictException(
            f"Repository already exists. Repository: '{name}' Domain: '{domain.name}' Domain Owner: '{domain.owner}'",
            resourceId=name,
            resourceType="repository",
        )
    upstreams = _upstreams(domain, name, p.get("upstreams") or [])
    repo = Repository(
        name=name,
        domain=domain.name,
        domain_owner=domain.owner,
        administrator=call.account,
        arn=_repository_arn(call, domain.owner, domain.name, name),
        description=p.get("description"),
        created=_now(),
        upstreams=upstreams,
        tags=_tags(p.get("tags")),
    )
    domain.repositories[name] = repo
    return {"repository": repo.description_doc()}


def describe_repository(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    return {"repository": _repository(call, p)[1].description_doc()}


def update_repository(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domain, repo = _repository(call, p)
    # Members left out stay as they are; upstreams given replace the list (in priority order).
    if p.get("upstreams") is not None:
        repo.upstreams = _upstreams(domain, repo.name, p["upstreams"])
    if p.get("description") is not None:
        repo.description = p["description"]
    return {"repository": repo.description_doc()}


def delete_repository(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domain, repo = _repository(call, p)
    # AWS deletes a repository that others name as upstream; they keep the dangling name.
    del domain.repositories[repo.name]
    return {"repository": repo.description_doc()}


def _listed(repos: Iterable[Repository], p: dict[str, Any]) -> dict[str, Any]:
    prefix = p.get("repositoryPrefix") or ""
    found = sorted((r for r in repos if r.name.startswith(prefix)), key=lambda r: (r.name, r.domain))
    page, token = _page([r.summary() for r in found], p)
    return {"repositories": page, "nextToken": token}


def list_repositories(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    # The caller's repositories in the region, across its domains.
    repos = [r for d in call.backend.domains.values() for r in d.repositories.values() if r.administrator == call.account]
    return _listed(repos, p)


def list_repositories_in_domain(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domain = _domain(call, p)
    admin = p.get("administratorAccount")
    return _listed((r for r in domain.repositories.values() if admin is None or r.administrator == admin), p)


def _external_connection(name: str) -> str:
    if name not in EXTERNAL_CONNECTIONS:
        raise ValidationException(
            f"Value '{name}' at 'externalConnection' failed to satisfy constraint: Member must be one of "
            f"[{', '.join(EXTERNAL_CONNECTIONS)}]"
        )
    return name


def associate_external_connection(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _, repo = _repository(call, p)
    name = _external_connection(p["externalConnection"])
    if repo.external_connections:
        # "One external connection is allowed per repository" (the API reference).
        raise ConflictException(
            f"Repository {repo.name} already has the external connection {repo.external_connections[0]}; "
            "a repository can have only one external connection.",
            resourceId=repo.name,
            resourceType="repository",
        )
    repo.external_connections.append(name)
    return {"repository": repo.description_doc()}


def disassociate_external_connection(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _, repo = _repository(call, p)
    name = _external_connection(p["externalConnection"])
    if name not in repo.external_connections:
        raise ResourceNotFoundException(
            f"Repository {repo.name} has no external connection {name}.", resourceId=repo.name, resourceType="repository"
        )
    repo.external_connections.remove(name)
    return {"repository": repo.description_doc()}


def put_repository_permissions_policy(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _, repo = _repository(call, p)
    document = _policy_document(p["policyDocument"])
    _check_revision("repository", repo.name, repo.policy, p.get("policyRevision"))
    repo.policy = Policy(document, _revision(document))
    return {"policy": _policy_doc(repo.arn, repo.policy)}


def get_repository_permissions_policy(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _, repo = _repository(call, p)
    if repo.policy is None:
        raise ResourceNotFoundException(
            f"No resource policy is set on repository {repo.name}.", resourceId=repo.name, resourceType="repository"
        )
    return {"policy": _policy_doc(repo.arn, repo.policy)}


def delete_repository_permissions_policy(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    answer = get_repository_permissions_policy(call, p)
    _, repo = _repository(call, p)
    _check_revision("repository", repo.name, repo.policy, p.get("policyRevision"))
    repo.policy = None
    return answer


def get_authorization_token(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _domain(call, p)
    duration = p.get("durationSeconds")
    if duration is not None and duration != 0 and not 900 <= duration <= 43200:
        raise ValidationException(
            f"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
            "Member must be 0 or between 900 and 43200 (inclusive)"
        )
    expiration = _now() + timedelta(seconds=DEFAULT_TOKEN_SECONDS if duration is None else duration)
    if duration == 0:
        # 0: the token expires with the caller's temporary credentials (long-term
        # credentials have no expiry: the default then).
        from moto.sts.models import sts_backends

        role = sts_backends[call.account][call.partition].get_assumed_role_from_access_key(call.access_key)
        expiration = role.expiration if role is not None else _now() + timedelta(seconds=DEFAULT_TOKEN_SECONDS)
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=timezone.utc)
    # Opaque to clients; nothing checks it (the repository endpoints are not served).
    return {"authorizationToken": secrets.token_urlsafe(96), "expiration": expiration}


def get_repository_endpoint(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    domain, repo = _repository(call, p)
    # Dual-stack endpoints are under on.aws, IPv4 ones under the partition's DNS suffix.
    suffix = "on.aws" if p.get("endpointType") == "dualstack" else _dns_suffix(call.region)
    host = f"{domain.name}-{domain.owner}.d.codeartifact.{call.region}.{suffix}"
    return {"repositoryEndpoint": f"https://{host}/{p['format']}/{repo.name}/"}


def tag_resource(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    resource = _by_arn(call, p["resourceArn"])
    resource.tags.update(_tags(p["tags"]))
    return {}


def untag_resource(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    resource = _by_arn(call, p["resourceArn"])
    for key in p["tagKeys"]:
        resource.tags.pop(key, None)  # a key that is not there is ignored
    return {}


def list_tags_for_resource(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    return {"tags": _tag_list(_by_arn(call, p["resourceArn"]).tags)}


OPERATIONS: dict[str, Callable[[Call, dict[str, Any]], dict[str, Any]]] = {
    "CreateDomain": create_domain,
    "DescribeDomain": describe_domain,
    "ListDomains": list_domains,
    "DeleteDomain": delete_domain,
    "PutDomainPermissionsPolicy": put_domain_permissions_policy,
    "GetDomainPermissionsPolicy": get_domain_permissions_policy,
    "DeleteDomainPermissionsPolicy": delete_domain_permissions_policy,
    "CreateRepository": create_repository,
    "DescribeRepository": describe_repository,
    "UpdateRepository": update_repository,
    "DeleteRepository": delete_repository,
    "ListRepositories": list_repositories,
    "ListRepositoriesInDomain": list_repositories_in_domain,
    "AssociateExternalConnection": associate_external_connection,
    "DisassociateExternalConnection": disassociate_external_connection,
    "PutRepositoryPermissionsPolicy": put_repository_permissions_policy,
    "GetRepositoryPermissionsPolicy": get_repository_permissions_policy,
    "DeleteRepositoryPermissionsPolicy": delete_repository_permissions_policy,
    "GetAuthorizationToken": get_authorization_token,
    "GetRepositoryEndpoint": get_repository_endpoint,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}


# --- HTTP -----------------------------------------------------------------------------------

_router: Any = None


def _serve(environ: dict[str, Any], scope: re.Match[str]) -> tuple[int, dict[str, str], bytes]:
    global _router
    from moto.core.parse import RestJSONParser
    from moto.core.request import Request
    from moto.core.routing import get_service_router
    from moto.core.serialize import RestJSONSerializer
    from werkzeug.exceptions import NotFound

    if _router is None:
        _router = get_service_router(SERVICE)
    request = Request(environ)
    try:
        operation, uri_params = _router.match(request)
    except NotFound:
        message = f"No CodeArtifact operation matches {request.method} {request.path}"
        return 404, {"x-amzn-ErrorType": "UnknownOperationException"}, json.dumps({"message": message}).encode()
    serializer = RestJSONSerializer(operation)
    handler = OPERATIONS.get(operation.name)
    if handler is None:
        message = f"CodeArtifact {operation.name} is not emulated (extensions/codeartifact.py)"
        return 501, {"x-amzn-ErrorType": "NotImplemented"}, json.dumps({"message": message}).encode()
    body = request.get_data()
    try:
        if body and operation.input_shape is not None and any(
            "location" not in m.serialization for m in operation.input_shape.members.values()
        ):
            try:
                json.loads(body)
            except ValueError as exc:
                raise ValidationException("The request body is not valid JSON.", reason="CANNOT_PARSE") from exc
        try:
            params = RestJSONParser(operation).parse(
                {
                    "body": body,
                    "headers": request.headers,
                    "method": request.method,
                    "url_params": uri_params,
                    "url_path": request.path,
                    "values": request.args,
                }
            )
        except ValueError as exc:  # e.g. duration=abc for a long
            raise ValidationException(f"The request could not be parsed: {exc}", reason="CANNOT_PARSE") from exc
        _validate(operation, params)
        access_key = scope.group(1)
        call = Call(operation.name, _account(environ, access_key), scope.group(2), access_key)
        with LOCK:
            result: Any = handler(call, params)
    except CodeArtifactError as err:
        result = err
    answer = serializer.serialize(result)
    data = answer["body"]
    return answer["status_code"], dict(answer["headers"]), data.encode() if isinstance(data, str) else data


_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error", 501: "Not Implemented"}


class CodeArtifactApp:
    """WSGI: CodeArtifact requests (SigV4 scope service `codeartifact`) are served here, the
    rest go on to moto. AWS_ENDPOINT_URL points every client at the one port, so the signing
    name, not the host, says which service a request is for."""

    def __init__(self, moto_app: Callable[..., Iterable[bytes]]) -> None:
        if importlib.util.find_spec("moto.codeartifact") is not None:
            raise RuntimeError("moto now implements CodeArtifact: drop extensions/codeartifact.py and test moto's")
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is None or scope.group(3) != SERVICE:
            return self.moto_app(environ, start_response)
        try:
            status, headers, body = _serve(environ, scope)
        except Exception:  # a bug here must answer like AWS's InternalServerException, not hang the client
            traceback.print_exc(file=sys.stderr)
            status, headers = 500, {"x-amzn-ErrorType": "InternalServerException"}
            body = json.dumps({"message": "internal error in the emulator's CodeArtifact (see server.log)"}).encode()
        headers.setdefault("Content-Type", "application/json")
        headers["x-amzn-RequestId"] = str(uuid.uuid4())
        headers["Content-Length"] = str(len(body))
        start_response(f"{status} {_REASONS.get(status, 'Error')}", list(headers.items()))
        return [body]
