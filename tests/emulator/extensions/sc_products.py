"""Service Catalog product administration: product versions and product searches.

moto 5.2.5 has CreateProduct, DescribeProduct and DeleteProduct only, and sc_provisioning.py
gives a product the one provisioning artifact (version) CreateProduct made. There is no
SearchProductsAsAdmin, DescribeProductAsAdmin, CreateProvisioningArtifact,
UpdateProvisioningArtifact, DeleteProvisioningArtifact, DescribeProvisioningParameters or
SearchProducts. An engine that manages a team's products needs all of them, so here, as on AWS:

- SearchProductsAsAdmin: every product of the account, or of one portfolio (PortfolioId; an
  unknown one is ResourceNotFoundException); Filters FullTextSearch (a value contained,
  ignoring case, in the name, owner, description, distributor or support description), Owner
  (exact), ProductType (exact), SourceProductId (CopyProduct is not modelled: matches none);
  several values of a filter: any of them, several filters: all of them. The model has no other
  filter (no Title): one is InvalidParametersException. SortBy Title | VersionCount |
  CreationDate (default: creation order), SortOrder, PageSize (at most 20, default 20),
  PageToken. ProductSource (ACCOUNT) changes nothing: every product here is the account's own.
  Each ProductViewDetail has Status "CREATED", as AWS answers there.
- UpdatePortfolio (Id; DisplayName, Description, ProviderName; AddTags, RemoveTags) and
  UpdateProduct (Id; Name, Owner, Description, Distributor, Support*; AddTags, RemoveTags):
  an unknown id is ResourceNotFoundException; RemoveTags' keys go, then AddTags are put (a key
  added again takes the new value); more than 50 tags is InvalidParametersException. They
  answer PortfolioDetail / ProductViewDetail with the Tags now held, which DescribePortfolio
  and DescribeProductAsAdmin read back.
- DescribeProductAsAdmin (Id or Name): the product, all its versions (inactive ones too) as
  ProvisioningArtifactSummaries, its tags (CreateProduct's, through moto's tagger), no
  TagOptions and no Budgets.
- CreateProvisioningArtifact reads the template from the emulator's S3 at the call, as
  CreateProduct does (an unreadable URL, or one that is not an S3 object URL, is
  InvalidParametersException; with DisableTemplateValidation unset a template that is not a
  CloudFormation template with Resources is refused too). IdempotencyToken: a repeat answers
  the same version and makes no second one. A name a version of the product already has is
  accepted: AWS keeps such versions (Control Tower's Account Factory product has several of the
  same name), and a call that names a version ambiguously is refused instead ("Multiple
  Provisioning Artifact with name X found.", InvalidParametersException). At most 100 versions
  per product (AWS's quota; LimitExceededException). Answers Status CREATING; reads say AVAILABLE.
- UpdateProvisioningArtifact changes Name, Description, Active and Guidance (DEFAULT |
  DEPRECATED). Active and Guidance show in ListProvisioningArtifacts, DescribeProvisioningArtifact
  and (Guidance) DescribeProduct. As AWS's admin guide says: an inactive version is hidden from
  end users (DescribeProduct leaves it out, DescribeProvisioningParameters and ProvisionProduct
  refuse it) and provisioned products launched from it are not affected; a deprecated version
  cannot launch new provisioned products, and a provisioned product can be updated to it only if
  it already uses it. Refusals are InvalidParametersException.
- DeleteProvisioningArtifact refuses the product's last version (InvalidParametersException: a
  product must have at least one) and a version that a provisioned product uses or that a
  provisioning or update in progress targets (ResourceInUseException).
- DescribeProvisioningParameters (ProductId | ProductName, ProvisioningArtifactId |
  ProvisioningArtifactName, PathId | PathName; without a path: the product's first launch path):
  the version template's Parameters (moto's template parser: JSON or YAML with !Ref and the
  like), the constraints of the product in that path, UsageInstructions as AWS gives them for a
  CloudFormation product (the template's Rules and AWSTemplateFormatVersion, the LAUNCH
  constraint's role), no TagOptions, ProvisioningArtifactPreferences {} and the template's
  Outputs as ProvisioningArtifactOutputKeys.
- SearchProducts (end user): the products of the portfolios the caller reaches (sc_callers.py:
  its role or user associated, or a pattern it matches; the account's root reaches every
  portfolio with a principal), with the filters and paging above (PageSize at most 100).

Versions themselves are sc_provisioning.py's (pv_state(backend).artifacts); this module keeps
only what they lack (Active, Guidance, idempotency tokens) by version id, and wraps
sc_provisioning's handlers (so it installs after it). Shapes follow botocore's
servicecatalog/2015-12-10 model.
"""

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.servicecatalog.models import ServiceCatalogBackend
from moto.servicecatalog.responses import ServiceCatalogResponse

from .common import LOCK, paginate, state
from .sc_callers import caller, reaches
from .sc_provisioning import (
    Artifact,
    _find_pp,
    _launch_role,
    _new_artifact,
    _resolve_path,
    _resolve_product,
    _settle,
    _template_from_url,
    pv_state,
)
from .servicecatalog import (
    InvalidParametersException,
    ResourceInUseException,
    ResourceNotFoundException,
    _params,
    require_portfolio,
    require_product,
    sc_state,
)

MAX_VERSIONS = 100  # AWS's quota of provisioning artifacts per product
GUIDANCE = ("DEFAULT", "DEPRECATED")
FILTERS = ("FullTextSearch", "Owner", "ProductType", "SourceProductId")
SORT_KEYS = ("Title", "VersionCount", "CreationDate")


class LimitExceededException(ServiceException):
    code = "LimitExceededException"


@dataclass
class Flags:
    active: bool = True
    guidance: str = "DEFAULT"


@dataclass
class ProductsState:
    # provisioning artifact id -> what sc_provisioning's Artifact does not keep
    flags: dict[str, Flags] = field(default_factory=dict)
    # CreateProvisioningArtifact IdempotencyToken -> (product id, artifact id)
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)


def products_state(backend: ServiceCatalogBackend) -> ProductsState:
    return state(backend, "_emulator_sc_products", ProductsState)


def flags(backend: ServiceCatalogBackend, artifact_id: str) -> Flags:
    return products_state(backend).flags.get(artifact_id) or Flags()


def _detail(backend: ServiceCatalogBackend, artifact: Artifact) -> dict[str, Any]:
    detail = artifact.detail()
    f = flags(backend, artifact.id)
    detail.update({"Active": f.active, "Guidance": f.guidance})
    return detail


def _info(artifact: Artifact) -> dict[str, str]:
    return {"LoadTemplateFromURL": artifact.url}


def _artifacts(backend: ServiceCatalogBackend, product_id: str) -> list[Artifact]:
    return pv_state(backend).artifacts.get(product_id) or []


def _by_id(backend: ServiceCatalogBackend, product_id: str, artifact_id: str | None) -> Artifact:
    for artifact in _artifacts(backend, product_id):
        if artifact.id == artifact_id:
            return artifact
    raise ResourceNotFoundException(f"ProvisioningArtifact {artifact_id} not found.")


def _named(backend: ServiceCatalogBackend, product_id: str, artifact_id: str | None, name: str | None) -> Artifact | None:
    """The version a call names (by id, else by name; None: it names none). Two versions of
    that name: InvalidParametersException, as AWS answers."""
    if artifact_id:
        return _by_id(backend, product_id, artifact_id)
    if not name:
        return None
    found = [a for a in _artifacts(backend, product_id) if a.name == name]
    if len(found) > 1:
        raise InvalidParametersException(f"Multiple Provisioning Artifact with name {name} found.")
    if not found:
        raise ResourceNotFoundException(f"ProvisioningArtifact with name {name} not found for product {product_id}.")
    return found[0]


def _text(value: Any) -> str:
    """A template value as CloudFormation reads it (YAML may have made it a number or a boolean)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse(template: str) -> dict[str, Any]:
    from moto.cloudformation.models import Stack

    try:
        doc = Stack.parse_template(template)
    except Exception as exc:
        raise InvalidParametersException(f"Unable to parse the template: {exc}") from exc
    if not isinstance(doc, dict):
        raise InvalidParametersException("Template format error: the template is not a JSON or YAML object.")
    return doc


# --- searches ---------------------------------------------------------------------------


def _matches(product: Any, filters: dict[str, list[str]]) -> bool:
    for key, values in filters.items():
        if not values:
            continue
        if key == "FullTextSearch":
            texts = [product.name, product.owner, product.description, product.distributor, product.support_description]
            haystack = [str(t).lower() for t in texts if t]
            if not any(str(v).lower() in h for v in values for h in haystack):
                return False
        elif key == "Owner":
            if product.owner not in values:
                return False
        elif key == "ProductType":
            if product.product_type not in values:
                return False
        elif key == "SourceProductId":
            return False  # only copies (CopyProduct) have a source product
    return True


def _search(backend: ServiceCatalogBackend, p: dict[str, Any], product_ids: list[str], max_size: int) -> tuple[list[Any], str | None]:
    filters = p.get("Filters") or {}
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise InvalidParametersException(f"Invalid filter {unknown[0]}: Filters keys must be among {', '.join(FILTERS)}.")
    sort_by, order = p.get("SortBy"), p.get("SortOrder") or "ASCENDING"
    if sort_by is not None and sort_by not in SORT_KEYS:
        raise InvalidParametersException(f"SortBy must be one of {', '.join(SORT_KEYS)}.")
    if order not in ("ASCENDING", "DESCENDING"):
        raise InvalidParametersException("SortOrder must be ASCENDING or DESCENDING.")
    size = p.get("PageSize")
    if size is not None and not 0 <= int(size) <= max_size:
        raise InvalidParametersException(f"PageSize must be between 0 and {max_size}.")
    found = [backend.products[pid] for pid in dict.fromkeys(product_ids) if pid in backend.products]
    found = [product for product in found if _matches(product, filters)]
    if sort_by == "Title":
        found.sort(key=lambda product: product.name or "")
    elif sort_by == "VersionCount":
        found.sort(key=lambda product: len(_artifacts(backend, product.id)))
    elif sort_by == "CreationDate":
        found.sort(key=lambda product: product.created_time)
    if order == "DESCENDING":
        found.reverse()
    return paginate(found, p.get("PageToken"), size or None, 20, InvalidParametersException)


def _view_detail(product: Any) -> dict[str, Any]:
    return {
        "ProductViewSummary": product.to_dict(),
        "Status": "CREATED",
        "ProductARN": product.arn,
        "CreatedTime": product.created_time,
    }


def search_products_as_admin(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        if p.get("ProductSource") not in (None, "ACCOUNT"):
            raise InvalidParametersException("ProductSource must be ACCOUNT.")
        if p.get("PortfolioId"):
            require_portfolio(backend, p["PortfolioId"])
            ids = list(sc_state(backend).products.get(p["PortfolioId"], []))
        else:
            ids = list(backend.products)
        page, token = _search(backend, p, ids, 20)
        return ActionResult({"ProductViewDetails": [_view_detail(product) for product in page], "NextPageToken": token})


def search_products(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = sc_state(backend)
        who = caller(self)
        ids = [prod for pid, prods in st.products.items() if reaches(st.principals.get(pid, {}), who) for prod in prods]
        ids = list(dict.fromkeys(ids))  # a product in two of the caller's portfolios, once
        page, token = _search(backend, p, ids, 100)
        return ActionResult({"ProductViewSummaries": [product.to_dict() for product in page], "NextPageToken": token})


def describe_product_as_admin(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        if p.get("Id"):
            require_product(backend, p["Id"])
            product = backend.products[p["Id"]]
        elif p.get("Name"):
            product = backend.lookup_by_name(p["Name"])
            if product is None:
                raise ResourceNotFoundException(f"Product with Name '{p['Name']}' not found.")
        else:
            raise InvalidParametersException("Either Id or Name must be specified.")
        if p.get("SourcePortfolioId"):
            require_portfolio(backend, p["SourcePortfolioId"])
        summaries = [
            {
                "Id": a.id,
                "Name": a.name,
                "Description": a.description,
                "CreatedTime": a.created_time,
                "ProvisioningArtifactMetadata": {},
            }
            for a in _artifacts(backend, product.id)
        ]
        tags = backend._list_tags_for_resource(product.arn) if backend.tagger.has_tags(product.arn) else list(product.tags)
        return ActionResult(
            {
                "ProductViewDetail": _view_detail(product),
                "ProvisioningArtifactSummaries": summaries,
                "Tags": tags,
                "TagOptions": [],
                "Budgets": [],
            }
        )


# --- versions -----------------------------------------------------------------------------


def create_provisioning_artifact(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    backend = self.servicecatalog_backend
    token = p.get("IdempotencyToken")
    params = p.get("Parameters") or {}
    with LOCK:
        st = products_state(backend)
        if token and token in st.tokens:
            product_id, artifact_id = st.tokens[token]
            for artifact in _artifacts(backend, product_id):
                if artifact.id == artifact_id:
                    return ActionResult({"ProvisioningArtifactDetail": _detail(backend, artifact), "Info": _info(artifact), "Status": "CREATING"})
        product_id = p.get("ProductId")
        require_product(backend, product_id)
        if len(_artifacts(backend, product_id)) >= MAX_VERSIONS:
            raise LimitExceededException(f"Product {product_id} already has {MAX_VERSIONS} provisioning artifacts.")
    ptype = params.get("Type") or "CLOUD_FORMATION_TEMPLATE"
    if ptype != "CLOUD_FORMATION_TEMPLATE":
        raise InvalidParametersException(f"Provisioning artifact type {ptype} is not supported by the emulator.")
    # S3 is read outside the lock (as CreateProduct does); AWS copies the template at this call.
    artifact = _new_artifact(backend.account_id, params)
    if artifact.template is None:  # _new_artifact is lenient for CreateProduct; AWS refuses here
        _template_from_url(backend.account_id, artifact.url)
        raise InvalidParametersException(f"Unable to read the template at {artifact.url}.")
    if not params.get("DisableTemplateValidation"):
        doc = _parse(artifact.template)
        if not isinstance(doc.get("Resources"), dict) or not doc["Resources"]:
            raise InvalidParametersException("Template format error: At least one Resources member must be defined.")
    artifact.name = params.get("Name") or ""
    with LOCK:
        st = products_state(backend)
        if token and token in st.tokens:  # a concurrent repeat won the race
            return create_provisioning_artifact(self)
        require_product(backend, product_id)
        if len(_artifacts(backend, product_id)) >= MAX_VERSIONS:
            raise LimitExceededException(f"Product {product_id} already has {MAX_VERSIONS} provisioning artifacts.")
        pv_state(backend).artifacts.setdefault(product_id, []).append(artifact)
        st.flags[artifact.id] = Flags()
        if token:
            st.tokens[token] = (product_id, artifact.id)
        return ActionResult({"ProvisioningArtifactDetail": _detail(backend, artifact), "Info": _info(artifact), "Status": "CREATING"})


def update_provisioning_artifact(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        require_product(backend, p.get("ProductId"))
        artifact = _by_id(backend, p["ProductId"], p.get("ProvisioningArtifactId"))
        if p.get("Guidance") is not None and p["Guidance"] not in GUIDANCE:
            raise InvalidParametersException(f"Guidance must be one of {', '.join(GUIDANCE)}.")
        if p.get("Active") is not None and not isinstance(p["Active"], bool):
            raise InvalidParametersException("Active must be a boolean.")
        st = products_state(backend)
        f = st.flags.setdefault(artifact.id, Flags())
        if p.get("Name") is not None:
            artifact.name = p["Name"]
        if p.get("Description") is not None:
            artifact.description = p["Description"]
        if p.get("Active") is not None:
            f.active = p["Active"]
        if p.get("Guidance") is not None:
            f.guidance = p["Guidance"]
        return ActionResult({"ProvisioningArtifactDetail": _detail(backend, artifact), "Info": _info(artifact), "Status": "AVAILABLE"})


def delete_provisioning_artifact(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        require_product(backend, p.get("ProductId"))
        product_id = p["ProductId"]
        artifact = _by_id(backend, product_id, p.get("ProvisioningArtifactId"))
        artifacts = _artifacts(backend, product_id)
        if len(artifacts) == 1:
            raise InvalidParametersException(
                f"Provisioning artifact {artifact.id} is the last of product {product_id}; a product must have at least one."
            )
        _settle(backend)
        pv = pv_state(backend)
        users = sorted(pp.id for pp in pv.provisioned.values() if not pp.terminated and pp.artifact_id == artifact.id)
        users += sorted(
            r.pp_id
            for r in pv.records.values()
            if r.artifact_id == artifact.id and r.status in ("CREATED", "IN_PROGRESS", "IN_PROGRESS_IN_ERROR") and r.pp_id not in users
        )
        if users:
            raise ResourceInUseException(
                f"Provisioning artifact {artifact.id} is used by provisioned products: {', '.join(users)}."
            )
        artifacts.remove(artifact)
        st = products_state(backend)
        st.flags.pop(artifact.id, None)
        for token in [t for t, (_, aid) in st.tokens.items() if aid == artifact.id]:
            del st.tokens[token]
    return EmptyResult()


# --- DescribeProvisioningParameters ------------------------------------------------------


def _parameter(key: str, spec: Any) -> dict[str, Any]:
    spec = spec if isinstance(spec, dict) else {}
    constraints: dict[str, Any] = {"AllowedValues": [_text(v) for v in spec.get("AllowedValues") or []]}
    for name in ("AllowedPattern", "ConstraintDescription", "MaxLength", "MinLength", "MaxValue", "MinValue"):
        if spec.get(name) is not None:
            constraints[name] = _text(spec[name])
    out: dict[str, Any] = {
        "ParameterKey": key,
        "ParameterType": _text(spec.get("Type") or "String"),
        "IsNoEcho": _text(spec.get("NoEcho", False)).lower() == "true",
        "ParameterConstraints": constraints,
    }
    if spec.get("Default") is not None:
        out["DefaultValue"] = _text(spec["Default"])
    if spec.get("Description") is not None:
        out["Description"] = _text(spec["Description"])
    return out


def describe_provisioning_parameters(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    backend = self.servicecatalog_backend
    with LOCK:
        product_id = _resolve_product(backend, p)
        if product_id is None:
            raise InvalidParametersException("ProductId or ProductName is required.")
        artifact = _named(backend, product_id, p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
        if artifact is None:
            active = [a for a in _artifacts(backend, product_id) if flags(backend, a.id).active]
            if len(active) != 1:
                raise InvalidParametersException("ProvisioningArtifactId or ProvisioningArtifactName is required.")
            artifact = active[0]
        if not flags(backend, artifact.id).active:
            raise InvalidParametersException(f"Provisioning artifact {artifact.id} is not active.")
        path_id, paths = _resolve_path(backend, product_id, p.get("PathId"), p.get("PathName"), caller(self))
        path_id = path_id or paths[0]
        constraints = [
            c for c in sc_state(backend).constraints.values() if c.product_id == product_id and c.portfolio_id == path_id
        ]
        launch_role = _launch_role(backend, product_id, path_id) if any(c.type == "LAUNCH" for c in constraints) else None
        template, url = artifact.template, artifact.url
    if template is None:
        template = _template_from_url(backend.account_id, url)
    doc = _parse(template)
    parameters = doc.get("Parameters") or {}
    outputs = doc.get("Outputs") or {}
    instructions = [{"Type": "rules", "Value": json.dumps(doc.get("Rules") or {})}]
    if doc.get("AWSTemplateFormatVersion") is not None:
        instructions.append({"Type": "version", "Value": _text(doc["AWSTemplateFormatVersion"])})
    if launch_role:
        instructions.append({"Type": "launchAsRole", "Value": launch_role})
    output_keys = [
        {"Key": key, "Description": _text((spec or {}).get("Description") or "") if isinstance(spec, dict) else ""}
        for key, spec in (outputs.items() if isinstance(outputs, dict) else [])
    ]
    return ActionResult(
        {
            "ProvisioningArtifactParameters": [_parameter(k, v) for k, v in parameters.items()] if isinstance(parameters, dict) else [],
            "ConstraintSummaries": [{"Type": c.type, "Description": c.description} for c in constraints],
            "UsageInstructions": instructions,
            "TagOptions": [],
            "ProvisioningArtifactPreferences": {},
            "ProvisioningArtifactOutputs": output_keys,
            "ProvisioningArtifactOutputKeys": output_keys,
        }
    )


# --- Active and Guidance in sc_provisioning's reads, and its launches refused ----------


def _wrap_list_provisioning_artifacts(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def list_provisioning_artifacts(self: ServiceCatalogResponse) -> ActionResult:
        result = original(self)
        backend = self.servicecatalog_backend
        for detail in result.result.get("ProvisioningArtifactDetails") or []:
            f = flags(backend, detail["Id"])
            detail.update({"Active": f.active, "Guidance": f.guidance})
        return result

    return list_provisioning_artifacts


def _wrap_describe_provisioning_artifact(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def describe_provisioning_artifact(self: ServiceCatalogResponse) -> ActionResult:
        p = _params(self)
        backend = self.servicecatalog_backend
        with LOCK:
            if p.get("ProductId") in backend.products and not p.get("ProvisioningArtifactId"):
                _named(backend, p["ProductId"], None, p.get("ProvisioningArtifactName"))  # ambiguous names
            result = original(self)
        detail = result.result["ProvisioningArtifactDetail"]
        f = flags(backend, detail["Id"])
        detail.update({"Active": f.active, "Guidance": f.guidance})
        return result

    return describe_provisioning_artifact


def _wrap_describe_product(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def describe_product(self: ServiceCatalogResponse) -> ActionResult:
        # The end user's view: inactive versions are hidden, each version says its guidance.
        result = original(self)
        backend = self.servicecatalog_backend
        versions = []
        for summary in result.result.get("ProvisioningArtifacts") or []:
            f = flags(backend, summary["Id"])
            if f.active:
                versions.append(dict(summary, Guidance=f.guidance))
        result.result["ProvisioningArtifacts"] = versions
        return result

    return describe_product


def _launchable(backend: ServiceCatalogBackend, artifact: Artifact, current: str | None) -> None:
    """InvalidParametersException unless an end user may launch `artifact` (or update a
    provisioned product now on version `current` to it)."""
    if artifact.id == current:
        return  # a provisioned product keeps working on its own version
    f = flags(backend, artifact.id)
    if not f.active:
        raise InvalidParametersException(f"Provisioning artifact {artifact.id} is not active.")
    if f.guidance == "DEPRECATED":
        raise InvalidParametersException(
            f"Provisioning artifact {artifact.id} is deprecated; it cannot be used to launch or to change to."
        )


def _wrap_provision_product(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def provision_product(self: ServiceCatalogResponse) -> ActionResult:
        p = _params(self)
        backend = self.servicecatalog_backend
        with LOCK:
            if not (p.get("ProvisionToken") and p["ProvisionToken"] in pv_state(backend).provision_tokens):
                product_id = _resolve_product(backend, p)
                if product_id is not None:
                    artifact = _named(backend, product_id, p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
                    if artifact is None and len(_artifacts(backend, product_id)) == 1:
                        artifact = _artifacts(backend, product_id)[0]
                    if artifact is not None:
                        _launchable(backend, artifact, None)
            return original(self)

    return provision_product


def _wrap_update_provisioned_product(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def update_provisioned_product(self: ServiceCatalogResponse) -> ActionResult:
        p = _params(self)
        backend = self.servicecatalog_backend
        with LOCK:
            pv = pv_state(backend)
            replay = p.get("UpdateToken") and p["UpdateToken"] in pv.provision_tokens
            named = p.get("ProvisioningArtifactId") or p.get("ProvisioningArtifactName")
            if not replay and named and (p.get("ProvisionedProductId") or p.get("ProvisionedProductName")):
                pp = _find_pp(pv, p.get("ProvisionedProductId"), p.get("ProvisionedProductName"))
                product_id = _resolve_product(backend, p) or pp.product_id
                if product_id == pp.product_id:
                    artifact = _named(backend, product_id, p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
                    if artifact is not None:
                        _launchable(backend, artifact, pp.artifact_id)
            return original(self)

    return update_provisioned_product


def _retag(current: list[dict[str, str]], add: list[dict[str, str]], remove: list[str]) -> list[dict[str, str]]:
    """`current` without the `remove` keys, then with `add` (a key given again takes the new value)."""
    added = {t["Key"] for t in add}
    kept = [t for t in current if t["Key"] not in remove and t["Key"] not in added]
    if len(kept) + len(add) > 50:
        raise InvalidParametersException("A resource can have at most 50 tags.")
    return kept + [{"Key": t["Key"], "Value": t["Value"]} for t in add]


def update_portfolio(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        portfolio = backend.portfolios.get(p.get("Id") or "")
        if portfolio is None:
            raise ResourceNotFoundException(f"Portfolio {p.get('Id')} not found.")
        for member, attr in (("DisplayName", "display_name"), ("Description", "description"),
                             ("ProviderName", "provider_name")):
            if p.get(member) is not None:
                setattr(portfolio, attr, p[member])
        portfolio.tags = _retag(list(portfolio.tags or []), p.get("AddTags") or [], p.get("RemoveTags") or [])
        return ActionResult({"PortfolioDetail": portfolio.to_dict(), "Tags": portfolio.tags})


def update_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        require_product(backend, p.get("Id"))
        product = backend.products[p["Id"]]
        for member, attr in (("Name", "name"), ("Owner", "owner"), ("Description", "description"),
                             ("Distributor", "distributor"), ("SupportDescription", "support_description"),
                             ("SupportEmail", "support_email"), ("SupportUrl", "support_url")):
            if p.get(member) is not None and hasattr(product, attr):
                setattr(product, attr, p[member])
        current = backend._list_tags_for_resource(product.arn) if backend.tagger.has_tags(product.arn) else list(product.tags)
        tags = _retag(current, p.get("AddTags") or [], p.get("RemoveTags") or [])
        backend.tagger.delete_all_tags_for_resource(product.arn)
        if tags:
            backend.tagger.tag_resource(product.arn, tags)
        product.tags = tags
        return ActionResult({"ProductViewDetail": _view_detail(product), "Tags": tags})


OPERATIONS = [
    update_portfolio,
    update_product,
    search_products_as_admin,
    search_products,
    describe_product_as_admin,
    create_provisioning_artifact,
    update_provisioning_artifact,
    delete_provisioning_artifact,
    describe_provisioning_parameters,
]

WRAPPED = {
    "list_provisioning_artifacts": _wrap_list_provisioning_artifacts,
    "describe_provisioning_artifact": _wrap_describe_provisioning_artifact,
    "describe_product": _wrap_describe_product,
    "provision_product": _wrap_provision_product,
    "update_provisioned_product": _wrap_update_provisioned_product,
}


def install() -> None:
    """After sc_provisioning.install(): wraps the handlers it installed."""
    for op in OPERATIONS:
        if hasattr(ServiceCatalogResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(ServiceCatalogResponse, op.__name__, op)
    for attr, wrap in WRAPPED.items():
        original = getattr(ServiceCatalogResponse, attr, None)
        if not str(getattr(original, "__module__", "")).endswith("sc_provisioning"):
            raise RuntimeError(f"sc_products must install after sc_provisioning (ServiceCatalogResponse.{attr})")
        setattr(ServiceCatalogResponse, attr, wrap(original))
