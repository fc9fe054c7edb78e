"""Service Catalog operations that moto 5.2.5 lacks, plus AWS's deletion rules.

moto has portfolios and products (CreatePortfolio, CreateProduct, ...) but no
principal or product associations, no constraints and no accepted shares. This
module adds them on top of moto's ServiceCatalogBackend, so they work for
moto's own portfolios and products, and for the "Amazon SageMaker Solutions and
ML Ops products" portfolio that SageMaker's EnableSagemakerServicecatalogPortfolio
shares into the account (see sagemaker.py).

Shapes follow botocore's servicecatalog/2015-12-10 model; moto serialises our
ActionResults against that model, so only the model's member names go out.
"""

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.servicecatalog.models import ServiceCatalogBackend, servicecatalog_backends
from moto.servicecatalog.responses import ServiceCatalogResponse
from moto.utilities.utils import get_partition

from .common import CONFIG, LOCK, paginate, random_id, stable_id, state

# The SageMaker portfolio is owned by an AWS service account, not the caller's.
SAGEMAKER_PORTFOLIO_OWNER = "000000000000"
SAGEMAKER_PORTFOLIO_NAME = "Amazon SageMaker Solutions and ML Ops products"
SAGEMAKER_PORTFOLIO_PROVIDER = "Amazon SageMaker"


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class InvalidParametersException(ServiceException):
    code = "InvalidParametersException"


class DuplicateResourceException(ServiceException):
    code = "DuplicateResourceException"


class ResourceInUseException(ServiceException):
    code = "ResourceInUseException"


@dataclass
class SharedPortfolio:
    """The SageMaker portfolio as the account sees it after enabling it."""

    id: str
    arn: str
    created_time: Any
    visible_at: float  # time.monotonic() from which the share counts as accepted

    def visible(self) -> bool:
        return time.monotonic() >= self.visible_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "ARN": self.arn,
            "DisplayName": SAGEMAKER_PORTFOLIO_NAME,
            "Description": "Amazon SageMaker project templates",
            "CreatedTime": self.created_time,
            "ProviderName": SAGEMAKER_PORTFOLIO_PROVIDER,
        }


@dataclass
class Constraint:
    id: str
    type: str
    description: str
    owner: str
    product_id: str
    portfolio_id: str
    parameters: str

    def detail(self) -> dict[str, Any]:
        return {
            "ConstraintId": self.id,
            "Type": self.type,
            "Description": self.description,
            "Owner": self.owner,
            "ProductId": self.product_id,
            "PortfolioId": self.portfolio_id,
        }

    def result(self) -> dict[str, Any]:
        return {
            "ConstraintDetail": self.detail(),
            "ConstraintParameters": self.parameters,
            "Status": "AVAILABLE",
        }


@dataclass
class ScState:
    sagemaker_share: SharedPortfolio | None = None
    # portfolio id -> {principal ARN: principal type}, in association order
    principals: dict[str, dict[str, str]] = field(default_factory=dict)
    # portfolio id -> product ids, in association order
    products: dict[str, list[str]] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)
    constraint_tokens: dict[str, str] = field(default_factory=dict)
    # product id -> its provisioning artifacts (moto keeps none)
    artifacts: dict[str, list["Artifact"]] = field(default_factory=dict)
    provisioned: dict[str, "ProvisionedProduct"] = field(default_factory=dict)
    records: dict[str, "Record"] = field(default_factory=dict)
    provision_tokens: dict[str, str] = field(default_factory=dict)


def sc_state(backend: ServiceCatalogBackend) -> ScState:
    return state(backend, "_emulator_sc", ScState)


# --- used by sagemaker.py --------------------------------------------------


def sagemaker_portfolio_enabled(account_id: str, region: str) -> bool:
    return sc_state(servicecatalog_backends[account_id][region]).sagemaker_share is not None


def enable_sagemaker_portfolio(account_id: str, region: str) -> None:
    st = sc_state(servicecatalog_backends[account_id][region])
    if st.sagemaker_share is not None:
        return  # enabling twice is a no-op: same portfolio, same acceptance time
    # One AWS-owned portfolio per region, so the id is the same on every enable.
    pid = stable_id("port-", f"sagemaker-portfolio/{region}")
    st.sagemaker_share = SharedPortfolio(
        id=pid,
        arn=f"arn:{get_partition(region)}:catalog:{region}:{SAGEMAKER_PORTFOLIO_OWNER}:portfolio/{pid}",
        created_time=utcnow(),
        visible_at=time.monotonic() + CONFIG.get("sc_share_delay_seconds"),
    )


def disable_sagemaker_portfolio(account_id: str, region: str) -> None:
    st = sc_state(servicecatalog_backends[account_id][region])
    share = st.sagemaker_share
    if share is None:
        return
    st.sagemaker_share = None
    _forget_portfolio(st, share.id)


def _forget_portfolio(st: ScState, portfolio_id: str) -> None:
    st.principals.pop(portfolio_id, None)
    st.products.pop(portfolio_id, None)
    for cid in [c.id for c in st.constraints.values() if c.portfolio_id == portfolio_id]:
        del st.constraints[cid]


# --- lookups ---------------------------------------------------------------


def find_portfolio(backend: ServiceCatalogBackend, portfolio_id: str | None) -> dict[str, Any] | None:
    """A portfolio the account can use: its own (moto's) or the accepted SageMaker share."""
    if portfolio_id in backend.portfolios:
        return backend.portfolios[portfolio_id].to_dict()
    share = sc_state(backend).sagemaker_share
    if share is not None and share.id == portfolio_id and share.visible():
        return share.to_dict()
    return None


def require_portfolio(backend: ServiceCatalogBackend, portfolio_id: str | None) -> dict[str, Any]:
    portfolio = find_portfolio(backend, portfolio_id)
    if portfolio is None:
        raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")
    return portfolio


def require_product(backend: ServiceCatalogBackend, product_id: str | None) -> None:
    if product_id not in backend.products:
        raise ResourceNotFoundException(f"Product {product_id} not found.")


_PARTITION = r"aws(-cn|-us-gov|-iso|-iso-[a-z])?"
# IAM: a full IAM ARN with the account id. IAM_PATTERN: no account id, and
# wildcards allowed in the name (AWS's documented formats).
_PRINCIPAL_RE = {
    "IAM": re.compile(rf"^arn:{_PARTITION}:iam::\d{{12}}:(user|role|group)/([\w+=,.@-]+/)*[\w+=,.@-]+$"),
    "IAM_PATTERN": re.compile(rf"^arn:{_PARTITION}:iam:::(user|role|group)/[\w+=,.@*?/-]+$"),
}


def _check_principal(arn: str | None, ptype: str | None) -> None:
    if ptype not in _PRINCIPAL_RE:
        raise InvalidParametersException(
            f"PrincipalType must be one of IAM, IAM_PATTERN, got {ptype!r}."
        )
    if not arn or not _PRINCIPAL_RE[ptype].match(arn):
        raise InvalidParametersException(f"Invalid PrincipalARN {arn!r} for PrincipalType {ptype}.")


# --- response methods (added to moto's ServiceCatalogResponse) ---------------


def _params(resp: ServiceCatalogResponse) -> dict[str, Any]:
    return json.loads(resp.body or "{}")


def list_accepted_portfolio_shares(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    share_type = p.get("PortfolioShareType") or "IMPORTED"
    details: list[dict[str, Any]] = []
    if share_type == "AWS_SERVICECATALOG":
        share = sc_state(self.servicecatalog_backend).sagemaker_share
        if share is not None and share.visible():
            details.append(share.to_dict())
    # IMPORTED / AWS_ORGANIZATIONS: moto has no AcceptPortfolioShare, so nothing is ever accepted.
    page, token = paginate(details, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
    return ActionResult({"PortfolioDetails": page, "NextPageToken": token})


def associate_principal_with_portfolio(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        pid = p.get("PortfolioId")
        require_portfolio(backend, pid)
        _check_principal(p.get("PrincipalARN"), p.get("PrincipalType"))
        # Associating an already associated principal succeeds and changes nothing.
        sc_state(backend).principals.setdefault(pid, {}).setdefault(p["PrincipalARN"], p["PrincipalType"])
    return EmptyResult()


def disassociate_principal_from_portfolio(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        pid = p.get("PortfolioId")
        require_portfolio(backend, pid)
        arn = p.get("PrincipalARN")
        ptype = p.get("PrincipalType") or "IAM"
        assoc = sc_state(backend).principals.get(pid, {})
        if assoc.get(arn) != ptype:
            raise ResourceNotFoundException(f"Principal {arn} is not associated with portfolio {pid}.")
        del assoc[arn]
        if not assoc:
            sc_state(backend).principals.pop(pid, None)
    return EmptyResult()


def list_principals_for_portfolio(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        pid = p.get("PortfolioId")
        require_portfolio(backend, pid)
        principals = [
            {"PrincipalARN": arn, "PrincipalType": ptype}
            for arn, ptype in sc_state(backend).principals.get(pid, {}).items()
        ]
    page, token = paginate(principals, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
    return ActionResult({"Principals": page, "NextPageToken": token})


def associate_product_with_portfolio(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        pid, prod = p.get("PortfolioId"), p.get("ProductId")
        require_portfolio(backend, pid)
        require_product(backend, prod)
        linked = sc_state(backend).products.setdefault(pid, [])
        if prod not in linked:  # repeat association: success, no change
            linked.append(prod)
    return EmptyResult()


def disassociate_product_from_portfolio(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = sc_state(backend)
        pid, prod = p.get("PortfolioId"), p.get("ProductId")
        require_portfolio(backend, pid)
        require_product(backend, prod)
        if prod not in st.products.get(pid, []):
            raise ResourceNotFoundException(f"Product {prod} is not associated with portfolio {pid}.")
        # A constraint hangs off the product-in-portfolio pair; it must go first.
        if any(c.portfolio_id == pid and c.product_id == prod for c in st.constraints.values()):
            raise ResourceInUseException(
                f"Product {prod} has constraints in portfolio {pid}; delete them first."
            )
        st.products[pid].remove(prod)
        if not st.products[pid]:
            del st.products[pid]
    return EmptyResult()


def list_portfolios_for_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        prod = p.get("ProductId")
        require_product(backend, prod)
        details = []
        for pid, products in sc_state(backend).products.items():
            portfolio = find_portfolio(backend, pid)
            if prod in products and portfolio is not None:
                details.append(portfolio)
    page, token = paginate(details, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
    return ActionResult({"PortfolioDetails": page, "NextPageToken": token})


_CONSTRAINT_TYPES = {"LAUNCH", "NOTIFICATION", "RESOURCE_UPDATE", "STACKSET", "TEMPLATE"}


def _check_constraint_parameters(ctype: str, raw: Any) -> None:
    try:
        params = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        params = None
    if not isinstance(params, dict):
        raise InvalidParametersException("Parameters must be a JSON object.")
    if ctype == "LAUNCH":
        has_role = isinstance(params.get("RoleArn"), str) and params["RoleArn"].startswith("arn:")
        has_local = isinstance(params.get("LocalRoleName"), str) and params["LocalRoleName"]
        if has_role == bool(has_local):
            raise InvalidParametersException(
                "A LAUNCH constraint needs exactly one of RoleArn (an IAM role ARN) or LocalRoleName."
            )


def create_constraint(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = sc_state(backend)
        token = p.get("IdempotencyToken")
        if token and token in st.constraint_tokens and st.constraint_tokens[token] in st.constraints:
            return ActionResult(st.constraints[st.constraint_tokens[token]].result())
        pid, prod, ctype = p.get("PortfolioId"), p.get("ProductId"), p.get("Type")
        require_portfolio(backend, pid)
        require_product(backend, prod)
        if ctype not in _CONSTRAINT_TYPES:
            raise InvalidParametersException(f"Type must be one of {sorted(_CONSTRAINT_TYPES)}.")
        if prod not in st.products.get(pid, []):
            raise ResourceNotFoundException(f"Product {prod} is not associated with portfolio {pid}.")
        _check_constraint_parameters(ctype, p.get("Parameters"))
        # AWS allows one constraint of a type per product and portfolio (TEMPLATE
        # constraints, which hold rules, may be several).
        if ctype != "TEMPLATE" and any(
            c.portfolio_id == pid and c.product_id == prod and c.type == ctype for c in st.constraints.values()
        ):
            raise DuplicateResourceException(
                f"A {ctype} constraint already exists for product {prod} in portfolio {pid}."
            )
        constraint = Constraint(
            id=random_id("cons-"),
            type=ctype,
            description=p.get("Description") or "",
            owner=self.current_account,
            product_id=prod,
            portfolio_id=pid,
            parameters=p["Parameters"],
        )
        st.constraints[constraint.id] = constraint
        if token:
            st.constraint_tokens[token] = constraint.id
    return ActionResult(constraint.result())


def _require_constraint(st: ScState, cid: str | None) -> Constraint:
    if cid not in st.constraints:
        raise ResourceNotFoundException(f"Constraint {cid} not found.")
    return st.constraints[cid]


def describe_constraint(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    return ActionResult(_require_constraint(sc_state(self.servicecatalog_backend), p.get("Id")).result())


def update_constraint(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        constraint = _require_constraint(sc_state(self.servicecatalog_backend), p.get("Id"))
        if p.get("Parameters") is not None:
            _check_constraint_parameters(constraint.type, p["Parameters"])
            constraint.parameters = p["Parameters"]
        if p.get("Description") is not None:
            constraint.description = p["Description"]
    return ActionResult(constraint.result())


def delete_constraint(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        st = sc_state(self.servicecatalog_backend)
        _require_constraint(st, p.get("Id"))
        del st.constraints[p["Id"]]
    return EmptyResult()


def list_constraints_for_portfolio(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        pid, prod = p.get("PortfolioId"), p.get("ProductId")
        require_portfolio(backend, pid)
        details = [
            c.detail()
            for c in sc_state(backend).constraints.values()
            if c.portfolio_id == pid and (not prod or c.product_id == prod)
        ]
    page, token = paginate(details, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
    return ActionResult({"ConstraintDetails": page, "NextPageToken": token})


# --- provisioning: products become CloudFormation stacks -----------------------

S3_URL_PATTERNS = [
    re.compile(r"^https://(?P<bucket>[a-z0-9][a-z0-9.-]+)\.s3(\.[a-z0-9-]+)?\.amazonaws\.com/(?P<key>.+)$"),
    re.compile(r"^https://s3(\.[a-z0-9-]+)?\.amazonaws\.com/(?P<bucket>[^/]+)/(?P<key>.+)$"),
    re.compile(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/(?P<bucket>[^/_][^/]*)/(?P<key>.+)$"),
]


@dataclass
class Artifact:
    id: str
    name: str
    description: str
    type: str
    template: str | None  # None: the URL could not be read at CreateProduct; ProvisionProduct says so
    url: str
    created_time: Any

    def detail(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Name": self.name,
            "Description": self.description,
            "Type": self.type,
            "CreatedTime": self.created_time,
            "Active": True,
            "Guidance": "DEFAULT",
        }

    def summary(self) -> dict[str, Any]:
        return {"Id": self.id, "Name": self.name, "Description": self.description, "CreatedTime": self.created_time}


@dataclass
class Record:
    id: str
    type: str  # PROVISION_PRODUCT, TERMINATE_PROVISIONED_PRODUCT
    pp_id: str
    pp_name: str
    product_id: str
    artifact_id: str
    path_id: str | None
    launch_role: str | None
    tags: list[dict[str, str]]
    stack_id: str | None
    created_time: Any
    status: str = "IN_PROGRESS"  # CREATED, IN_PROGRESS, IN_PROGRESS_IN_ERROR, SUCCEEDED, FAILED
    errors: list[dict[str, str]] = field(default_factory=list)
    updated_time: Any = None
    outputs: list[dict[str, Any]] = field(default_factory=list)

    def detail(self) -> dict[str, Any]:
        return {
            "RecordId": self.id,
            "ProvisionedProductName": self.pp_name,
            "Status": self.status,
            "CreatedTime": self.created_time,
            "UpdatedTime": self.updated_time or self.created_time,
            "ProvisionedProductType": "CFN_STACK",
            "RecordType": self.type,
            "ProvisionedProductId": self.pp_id,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.artifact_id,
            "PathId": self.path_id,
            "RecordErrors": self.errors,
            "RecordTags": self.tags,
            "LaunchRoleArn": self.launch_role,
        }


@dataclass
class ProvisionedProduct:
    id: str
    name: str
    arn: str
    product_id: str
    artifact_id: str
    launch_role: str | None
    stack_id: str
    tags: list[dict[str, str]]
    created_time: Any
    token: str | None
    last_record: str = ""
    last_provisioning_record: str = ""
    last_successful_record: str | None = None
    status: str = "UNDER_CHANGE"  # AVAILABLE, UNDER_CHANGE, TAINTED, ERROR
    status_message: str | None = None
    terminated: bool = False

    def detail(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Arn": self.arn,
            "Type": "CFN_STACK",
            "Id": self.id,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "CreatedTime": self.created_time,
            "IdempotencyToken": self.token,
            "LastRecordId": self.last_record,
            "LastProvisioningRecordId": self.last_provisioning_record,
            "LastSuccessfulProvisioningRecordId": self.last_successful_record,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.artifact_id,
            "LaunchRoleArn": self.launch_role,
        }


def _template_from_url(account_id: str, url: str | None) -> str:
    from moto.s3.models import s3_backends

    for pattern in S3_URL_PATTERNS:
        match = pattern.match(url or "")
        if match:
            bucket, key = match.group("bucket"), match.group("key").split("?")[0]
            break
    else:
        raise InvalidParametersException(f"LoadTemplateFromURL must be an S3 object URL, got {url!r}.")
    try:
        obj = s3_backends[account_id]["aws"].get_object(bucket, key)
    except Exception as exc:
        raise InvalidParametersException(f"Unable to read the template at {url}: {exc}") from exc
    if obj is None:
        raise InvalidParametersException(f"Unable to read the template at {url}.")
    return obj.value.decode()


def _new_artifact(account_id: str, params: dict[str, Any] | None) -> "Artifact":
    params = params or {}
    info = params.get("Info") or {}
    if not info.get("LoadTemplateFromURL"):
        raise InvalidParametersException("ProvisioningArtifactParameters.Info.LoadTemplateFromURL is required.")
    url = info["LoadTemplateFromURL"]
    try:
        # Copied at CreateProduct, as AWS does (a later change of the object changes nothing).
        template: str | None = _template_from_url(account_id, url)
    except InvalidParametersException:
        template = None  # AWS refuses the call; kept lenient, provisioning fails instead
    return Artifact(
        id=random_id("pa-"),
        name=params.get("Name") or "v1",
        description=params.get("Description") or "",
        type=params.get("Type") or "CLOUD_FORMATION_TEMPLATE",
        template=template,
        url=url,
        created_time=utcnow(),
    )


_moto_create_product = ServiceCatalogBackend.create_product
_moto_create_product_response = ServiceCatalogResponse.create_product
_moto_describe_product_response = ServiceCatalogResponse.describe_product


def _create_product(self: ServiceCatalogBackend, *args: Any, **kwargs: Any) -> Any:
    # AWS reads (and checks) the template when the product is created.
    params = kwargs.get("provisioning_artifact_parameters")
    artifact = _new_artifact(self.account_id, params) if params else None
    with LOCK:
        product = _moto_create_product(self, *args, **kwargs)
        if artifact is not None:
            sc_state(self).artifacts.setdefault(product.id, [artifact])
    return product


def _create_product_response(self: ServiceCatalogResponse) -> ActionResult:
    result = _moto_create_product_response(self)
    product_id = result.result["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    artifacts = sc_state(self.servicecatalog_backend).artifacts.get(product_id) or []
    if artifacts:
        result.result["ProvisioningArtifactDetail"] = artifacts[0].detail()
    return result


def _describe_product_response(self: ServiceCatalogResponse) -> ActionResult:
    result = _moto_describe_product_response(self)
    backend = self.servicecatalog_backend
    product_id = result.result["ProductViewSummary"]["ProductId"]
    st = sc_state(backend)
    result.result["ProvisioningArtifacts"] = [a.summary() for a in st.artifacts.get(product_id, [])]
    result.result["LaunchPaths"] = [
        {"Id": pid, "Name": (find_portfolio(backend, pid) or {}).get("DisplayName")}
        for pid, products in st.products.items()
        if product_id in products and find_portfolio(backend, pid) is not None
    ]
    return result


def _artifact(st: ScState, product_id: str, artifact_id: str | None, artifact_name: str | None) -> Artifact:
    artifacts = st.artifacts.get(product_id) or []
    for artifact in artifacts:
        if artifact.id == artifact_id or (not artifact_id and artifact_name and artifact.name == artifact_name):
            return artifact
    if not artifact_id and not artifact_name and len(artifacts) == 1:
        return artifacts[0]
    raise ResourceNotFoundException(f"Provisioning artifact {artifact_id or artifact_name} not found for product {product_id}.")


def _launch_role(backend: ServiceCatalogBackend, product_id: str, path_id: str | None) -> str | None:
    st = sc_state(backend)
    for c in st.constraints.values():
        if c.type == "LAUNCH" and c.product_id == product_id and (not path_id or c.portfolio_id == path_id):
            params = json.loads(c.parameters)
            if params.get("RoleArn"):
                return params["RoleArn"]
            return f"arn:{get_partition(backend.region_name)}:iam::{backend.account_id}:role/{params['LocalRoleName']}"
    return None


def _stack_backend(backend: ServiceCatalogBackend) -> Any:
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[backend.account_id][backend.region_name]


def _settle(backend: ServiceCatalogBackend) -> None:
    """Records and provisioned products follow their stacks."""
    st = sc_state(backend)
    cfn = _stack_backend(backend)
    for record in st.records.values():
        if record.status not in ("IN_PROGRESS", "IN_PROGRESS_IN_ERROR"):
            continue
        pp = st.provisioned.get(record.pp_id)
        stack = dict(cfn.deleted_stacks, **cfn.stacks).get(record.stack_id)
        status = stack.status if stack is not None else "DELETE_COMPLETE"
        reason = getattr(stack, "stack_status_reason", None)
        if record.type == "PROVISION_PRODUCT":
            if status == "CREATE_COMPLETE":
                record.status = "SUCCEEDED"
                record.outputs = [
                    {"OutputKey": o["OutputKey"], "OutputValue": o["OutputValue"], "Description": o.get("Description")}
                    for o in stack.outputs or []
                ]
            elif status in ("ROLLBACK_IN_PROGRESS",):
                record.status = "IN_PROGRESS_IN_ERROR"
            elif not status.endswith("_IN_PROGRESS"):
                record.status = "FAILED"
                record.errors = [{"Code": "CREATE_FAILED", "Description": reason or status}]
        else:  # TERMINATE_PROVISIONED_PRODUCT
            if status == "DELETE_COMPLETE":
                record.status = "SUCCEEDED"
            elif status == "DELETE_FAILED":
                record.status = "FAILED"
                record.errors = [{"Code": "DELETE_FAILED", "Description": reason or status}]
        if record.status in ("IN_PROGRESS", "IN_PROGRESS_IN_ERROR"):
            continue
        record.updated_time = utcnow()
        if pp is None or pp.last_record != record.id:
            continue
        if record.status == "SUCCEEDED" and record.type == "TERMINATE_PROVISIONED_PRODUCT":
            pp.terminated = True
        elif record.status == "SUCCEEDED":
            pp.status, pp.status_message = "AVAILABLE", None
            pp.last_successful_record = record.id
        else:
            pp.status = "ERROR" if record.type == "PROVISION_PRODUCT" else "TAINTED"
            pp.status_message = record.errors[0]["Description"] if record.errors else None


def _find_pp(st: ScState, pp_id: str | None, name: str | None) -> ProvisionedProduct:
    for pp in st.provisioned.values():
        if not pp.terminated and ((pp_id and pp.id == pp_id) or (not pp_id and name and pp.name == name)):
            return pp
    raise ResourceNotFoundException(f"Provisioned product {pp_id or name} not found.")


def provision_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = sc_state(backend)
        _settle(backend)
        token = p.get("ProvisionToken")
        if token and token in st.provision_tokens:
            return ActionResult({"RecordDetail": st.records[st.provision_tokens[token]].detail()})
        product_id = p.get("ProductId")
        if not product_id and p.get("ProductName"):
            product = backend.lookup_by_name(p["ProductName"])
            product_id = product.id if product else None
        require_product(backend, product_id)
        artifact = _artifact(st, product_id, p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
        paths = [pid for pid, prods in st.products.items() if product_id in prods and find_portfolio(backend, pid)]
        path_id = p.get("PathId")
        if path_id and path_id not in paths or not paths:
            raise ResourceNotFoundException(f"No launch path {path_id or ''} found for product {product_id}.")
        name = p.get("ProvisionedProductName")
        if not name or not re.match(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$", name):
            raise InvalidParametersException(f"Invalid ProvisionedProductName {name!r}.")
        if any(pp.name == name and not pp.terminated for pp in st.provisioned.values()):
            raise DuplicateResourceException(f"A provisioned product named {name} already exists.")
        if artifact.template is None:
            artifact.template = _template_from_url(backend.account_id, artifact.url)
        launch_role = _launch_role(backend, product_id, path_id)
        pp_id = random_id("pp-")
        record = Record(
            id=random_id("rec-"),
            type="PROVISION_PRODUCT",
            pp_id=pp_id,
            pp_name=name,
            product_id=product_id,
            artifact_id=artifact.id,
            path_id=path_id or paths[0],
            launch_role=launch_role,
            tags=p.get("Tags") or [],
            stack_id=None,
            created_time=utcnow(),
        )
        arn = f"arn:{get_partition(backend.region_name)}:servicecatalog:{backend.region_name}:{backend.account_id}:stack/{name}/{pp_id}"
        tags = {t["Key"]: t["Value"] for t in record.tags}
        tags.update(
            {
                "aws:servicecatalog:productArn": backend.products[product_id].arn,
                "aws:servicecatalog:provisionedProductArn": arn,
                "aws:servicecatalog:provisioningArtifactIdentifier": artifact.id,
                "aws:servicecatalog:portfolioArn": (find_portfolio(backend, record.path_id) or {}).get("ARN", ""),
            }
        )
        try:
            stack = _stack_backend(backend).create_stack(
                name=f"SC-{backend.account_id}-{pp_id}",
                template=artifact.template,
                parameters={q["Key"]: q["Value"] for q in p.get("ProvisioningParameters") or []},
                tags=tags,
                role_arn=launch_role,
            )
        except Exception as exc:
            raise InvalidParametersException(getattr(exc, "message", None) or str(exc)) from exc
        record.stack_id = stack.stack_id
        st.records[record.id] = record
        st.provisioned[pp_id] = ProvisionedProduct(
            id=pp_id,
            name=name,
            arn=arn,
            product_id=product_id,
            artifact_id=artifact.id,
            launch_role=launch_role,
            stack_id=stack.stack_id,
            tags=record.tags,
            created_time=record.created_time,
            token=token,
            last_record=record.id,
            last_provisioning_record=record.id,
        )
        if token:
            st.provision_tokens[token] = record.id
    return ActionResult({"RecordDetail": record.detail()})


def describe_record(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        _settle(backend)
        record = sc_state(backend).records.get(p.get("Id"))
        if record is None:
            raise ResourceNotFoundException(f"Record {p.get('Id')} not found.")
        page, token = paginate(record.outputs, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
        return ActionResult({"RecordDetail": record.detail(), "RecordOutputs": page, "NextPageToken": token})


def describe_provisioned_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        _settle(backend)
        pp = _find_pp(sc_state(backend), p.get("Id"), p.get("Name"))
        return ActionResult({"ProvisionedProductDetail": pp.detail(), "CloudWatchDashboards": []})


def _visible(backend: ServiceCatalogBackend) -> list[ProvisionedProduct]:
    _settle(backend)
    return [pp for pp in sc_state(backend).provisioned.values() if not pp.terminated]


def scan_provisioned_products(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        details = [pp.detail() for pp in _visible(self.servicecatalog_backend)]
    page, token = paginate(details, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
    return ActionResult({"ProvisionedProducts": page, "NextPageToken": token})


def search_provisioned_products(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = sc_state(backend)
        found = []
        for pp in _visible(backend):
            attrs = pp.detail()
            product = backend.products.get(pp.product_id)
            artifact = next((a for a in st.artifacts.get(pp.product_id, []) if a.id == pp.artifact_id), None)
            attrs.update(
                {
                    "Tags": pp.tags,
                    "PhysicalId": pp.stack_id,
                    "ProductName": product.name if product else None,
                    "ProvisioningArtifactName": artifact.name if artifact else None,
                }
            )
            found.append(attrs)
        # Filters: {"SearchQuery": ["name:foo", "productId:prod-..."]}; free text matches any value.
        for query in (p.get("Filters") or {}).get("SearchQuery", []):
            key, _, value = query.partition(":") if ":" in query else ("", "", query)
            field_name = {"name": "Name", "id": "Id", "productId": "ProductId", "arn": "Arn", "status": "Status"}.get(key)
            if field_name:
                found = [a for a in found if str(a.get(field_name)) == value]
            else:
                found = [a for a in found if any(value in str(v) for v in a.values())]
        reverse = (p.get("SortOrder") or "ASCENDING") == "DESCENDING"
        sort_key = {"arn": "Arn", "id": "Id", "name": "Name", "lastRecordId": "LastRecordId"}.get(p.get("SortBy") or "", "CreatedTime")
        found.sort(key=lambda a: str(a.get(sort_key)), reverse=reverse)
    page, token = paginate(found, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
    return ActionResult({"ProvisionedProducts": page, "TotalResultsCount": len(found), "NextPageToken": token})


def get_provisioned_product_outputs(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        _settle(backend)
        st = sc_state(backend)
        pp = _find_pp(st, p.get("ProvisionedProductId"), p.get("ProvisionedProductName"))
        record = st.records.get(pp.last_successful_record or "")
        outputs = list(record.outputs) if record else []
        if p.get("OutputKeys"):
            outputs = [o for o in outputs if o["OutputKey"] in p["OutputKeys"]]
    page, token = paginate(outputs, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
    return ActionResult({"Outputs": page, "NextPageToken": token})


def terminate_provisioned_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = sc_state(backend)
        _settle(backend)
        token = p.get("TerminateToken")
        if token and token in st.provision_tokens:
            return ActionResult({"RecordDetail": st.records[st.provision_tokens[token]].detail()})
        pp = _find_pp(st, p.get("ProvisionedProductId"), p.get("ProvisionedProductName"))
        if pp.status == "UNDER_CHANGE":
            raise InvalidStateException(f"Provisioned product {pp.id} is under change; wait until it is not.")
        record = Record(
            id=random_id("rec-"),
            type="TERMINATE_PROVISIONED_PRODUCT",
            pp_id=pp.id,
            pp_name=pp.name,
            product_id=pp.product_id,
            artifact_id=pp.artifact_id,
            path_id=None,
            launch_role=pp.launch_role,
            tags=pp.tags,
            stack_id=pp.stack_id,
            created_time=utcnow(),
        )
        st.records[record.id] = record
        pp.last_record, pp.status = record.id, "UNDER_CHANGE"
        if token:
            st.provision_tokens[token] = record.id
        cfn = _stack_backend(backend)
        stack = cfn.stacks.get(pp.stack_id)
        if stack is not None:
            if p.get("RetainPhysicalResources"):
                cfn.stacks.pop(pp.stack_id)
                stack.status = "DELETE_COMPLETE"
                cfn.deleted_stacks[pp.stack_id] = stack
            else:
                cfn.delete_stack(pp.stack_id)
        _settle(backend)
    return ActionResult({"RecordDetail": record.detail()})


def list_provisioning_artifacts(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    backend = self.servicecatalog_backend
    require_product(backend, p.get("ProductId"))
    return ActionResult({"ProvisioningArtifactDetails": [a.detail() for a in sc_state(backend).artifacts.get(p["ProductId"], [])]})


def describe_provisioning_artifact(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    backend = self.servicecatalog_backend
    require_product(backend, p.get("ProductId"))
    artifact = _artifact(sc_state(backend), p["ProductId"], p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
    result: dict[str, Any] = {"ProvisioningArtifactDetail": artifact.detail(), "Status": "AVAILABLE"}
    if p.get("Verbose"):
        result["Info"] = {"TemplateBody": artifact.template}
    return ActionResult(result)


class InvalidStateException(ServiceException):
    code = "InvalidStateException"


PROVISIONING_OPERATIONS = [
    provision_product,
    describe_record,
    describe_provisioned_product,
    scan_provisioned_products,
    search_provisioned_products,
    get_provisioned_product_outputs,
    terminate_provisioned_product,
    list_provisioning_artifacts,
    describe_provisioning_artifact,
]


# --- fixes to moto's own operations -------------------------------------------


def _describe_portfolio(self: ServiceCatalogBackend, accept_language: str | None, id: str) -> Any:
    # moto answers an empty document for an unknown id; AWS says ResourceNotFoundException.
    portfolio = require_portfolio(self, id)
    if id in self.portfolios:
        return portfolio, self.portfolios[id].tags, [], []
    return portfolio, [], [], []


_moto_delete_portfolio = ServiceCatalogBackend.delete_portfolio
_moto_delete_product = ServiceCatalogBackend.delete_product


def _delete_portfolio(self: ServiceCatalogBackend, accept_language: str | None, id: str) -> None:
    # AWS refuses to delete a portfolio that is not the caller's, or that still has
    # products, principals, constraints or account shares.
    with LOCK:
        if id not in self.portfolios:
            raise ResourceNotFoundException(f"Portfolio {id} not found.")
        st = sc_state(self)
        if st.products.get(id) or st.principals.get(id) or self.portfolio_access.get(id) or any(
            c.portfolio_id == id for c in st.constraints.values()
        ):
            raise ResourceInUseException(
                f"Portfolio {id} still has associated products, principals, constraints or shares."
            )
        _moto_delete_portfolio(self, accept_language, id)


def _delete_product(self: ServiceCatalogBackend, accept_language: str | None, id: str) -> None:
    # AWS: ResourceNotFoundException for an unknown product, ResourceInUseException
    # while the product is in a portfolio.
    with LOCK:
        if id not in self.products:
            raise ResourceNotFoundException(f"Product {id} not found.")
        if any(id in products for products in sc_state(self).products.values()):
            raise ResourceInUseException(f"Product {id} is associated with a portfolio.")
        _moto_delete_product(self, accept_language, id)


OPERATIONS = [
    *PROVISIONING_OPERATIONS,
    list_accepted_portfolio_shares,
    associate_principal_with_portfolio,
    disassociate_principal_from_portfolio,
    list_principals_for_portfolio,
    associate_product_with_portfolio,
    disassociate_product_from_portfolio,
    list_portfolios_for_product,
    create_constraint,
    describe_constraint,
    update_constraint,
    delete_constraint,
    list_constraints_for_portfolio,
]


def install() -> None:
    for op in OPERATIONS:
        # moto dispatches X-Amz-Target "...AssociatePrincipalWithPortfolio" to the
        # response method associate_principal_with_portfolio.
        if hasattr(ServiceCatalogResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(ServiceCatalogResponse, op.__name__, op)
    ServiceCatalogBackend.create_product = _create_product
    ServiceCatalogResponse.create_product = _create_product_response
    ServiceCatalogResponse.describe_product = _describe_product_response
    ServiceCatalogBackend.describe_portfolio = _describe_portfolio
    ServiceCatalogBackend.delete_portfolio = _delete_portfolio
    ServiceCatalogBackend.delete_product = _delete_product
