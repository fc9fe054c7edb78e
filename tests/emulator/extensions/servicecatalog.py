"""Service Catalog operations that moto 5.2.5 lacks, plus AWS's deletion rules.

moto has portfolios and products (CreatePortfolio, CreateProduct, ...) but no
principal or product associations, no constraints and no accepted shares. This
module adds them on top of moto's ServiceCatalogBackend, so they work for
moto's own portfolios and products, and for the "Amazon SageMaker Solutions and
ML Ops products" portfolio that SageMaker's EnableSagemakerServicecatalogPortfolio
shares into the account (see sagemaker.py). Provisioning (products become
CloudFormation stacks) is in sc_provisioning.py, which builds on this module.

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
    ServiceCatalogBackend.describe_portfolio = _describe_portfolio
    ServiceCatalogBackend.delete_portfolio = _delete_portfolio
    ServiceCatalogBackend.delete_product = _delete_product
