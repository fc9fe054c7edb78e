"""Service Catalog provisioning: products become CloudFormation stacks.

moto 5.2.5 keeps a product as a record only: CreateProduct ignores the template
URL, DescribeProduct has no provisioning artifacts or launch paths, and there is
no ProvisionProduct, no records and no provisioned products. A provider that
launches a product (as SageMaker projects do) needs all of them, so here, as on
AWS:

- CreateProduct copies the template from the emulator's S3 into a provisioning
  artifact; DescribeProduct lists the artifacts and the launch paths (the
  portfolios holding the product, from servicecatalog.py's associations).
- ProvisionProduct creates the stack SC-<account>-pp-<id> in moto's CloudFormation
  (progressing in the background, see cfn_custom.py) with the LAUNCH constraint's
  role, and answers a record; records and provisioned products follow their stack
  on every read (_settle). UpdateProvisionedProduct updates the stack with the
  artifact's template and the merged parameters; TerminateProvisionedProduct deletes it.
- Both check the parameters against the template's Parameters first, as CloudFormation
  does for Service Catalog (moto's CreateStack only refuses a missing one, and lets a value
  through that AllowedValues, AllowedPattern, MinLength/MaxLength or a Number's
  MinValue/MaxValue refuse): unknown keys ("Parameters: [X] do not exist in the template"),
  parameters without a Default left out ("Parameters: [X] must have values"), then each
  value, defaults included, in the template's order: "Parameter X failed to satisfy
  constraint: <the parameter's ConstraintDescription, else "Malformed input-Parameter X must
  match pattern <pattern>" / "must be one of AllowedValues" / "must contain at least N
  characters" / "must contain at most N characters" / "must be a number" / "must be a number
  not less than N" / "must be a number not greater than N">". InvalidParametersException
  (400); nothing is made (no stack, record or provisioned product). AllowedPattern must match
  the whole value (Java's String.matches: re.fullmatch; a pattern Python cannot compile is not
  checked); for a CommaDelimitedList (and List<Number>) each item is checked. AWS-specific
  types (AWS::EC2::Subnet::Id, SSM parameter types, ...) are not looked up.
- A failed launch's record error is the failing resource's reason (its CREATE_FAILED stack
  event, e.g. a SageMaker refusal, cfn_sagemaker.py), else the stack's.

Portfolios, associations and constraints are servicecatalog.py's; this module only
reads them. Shapes follow botocore's servicecatalog/2015-12-10 model.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.servicecatalog.models import ServiceCatalogBackend
from moto.servicecatalog.responses import ServiceCatalogResponse
from moto.utilities.utils import get_partition

from .common import LOCK, paginate, random_id, state
from .sc_callers import ROOT, caller, reaches
from .servicecatalog import (
    DuplicateResourceException,
    InvalidParametersException,
    ResourceNotFoundException,
    _params,
    find_portfolio,
    require_product,
    sc_state,
)

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
    type: str  # PROVISION_PRODUCT, UPDATE_PROVISIONED_PRODUCT, TERMINATE_PROVISIONED_PRODUCT
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
    # An update with the stack's template, parameters, role and tags: CloudFormation
    # answers "No updates are to be performed"; Service Catalog's record succeeds.
    no_change: bool = False

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
    path_id: str | None = None

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


@dataclass
class ProvisioningState:
    # product id -> its provisioning artifacts (moto keeps none)
    artifacts: dict[str, list[Artifact]] = field(default_factory=dict)
    provisioned: dict[str, ProvisionedProduct] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    provision_tokens: dict[str, str] = field(default_factory=dict)


def pv_state(backend: ServiceCatalogBackend) -> ProvisioningState:
    return state(backend, "_emulator_sc_provisioning", ProvisioningState)


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
            pv_state(self).artifacts.setdefault(product.id, [artifact])
    return product


def _create_product_response(self: ServiceCatalogResponse) -> ActionResult:
    result = _moto_create_product_response(self)
    product_id = result.result["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    artifacts = pv_state(self.servicecatalog_backend).artifacts.get(product_id) or []
    if artifacts:
        result.result["ProvisioningArtifactDetail"] = artifacts[0].detail()
    return result


def _describe_product_response(self: ServiceCatalogResponse) -> ActionResult:
    result = _moto_describe_product_response(self)
    backend = self.servicecatalog_backend
    product_id = result.result["ProductViewSummary"]["ProductId"]
    result.result["ProvisioningArtifacts"] = [a.summary() for a in pv_state(backend).artifacts.get(product_id, [])]
    result.result["LaunchPaths"] = [
        {"Id": pid, "Name": (find_portfolio(backend, pid) or {}).get("DisplayName")}
        for pid, products in sc_state(backend).products.items()
        if product_id in products and find_portfolio(backend, pid) is not None
    ]
    return result


def _artifact(st: ProvisioningState, product_id: str, artifact_id: str | None, artifact_name: str | None) -> Artifact:
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


def _outputs(stack: Any) -> list[dict[str, Any]]:
    return [
        {"OutputKey": o["OutputKey"], "OutputValue": o["OutputValue"], "Description": o.get("Description")}
        for o in (stack.outputs if stack is not None else None) or []
    ]


def _failure_reason(stack: Any, status: str) -> str:
    # The stack's reason is cleared once its rollback completes; the failure is in
    # the latest UPDATE_ROLLBACK_IN_PROGRESS event (or a resource's UPDATE_FAILED).
    for event in reversed(getattr(stack, "events", None) or []):
        if event.resource_status in ("UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_FAILED") and event.resource_status_reason:
            return event.resource_status_reason
        if event.resource_status == "UPDATE_IN_PROGRESS" and event.logical_resource_id == stack.name:
            break
    return getattr(stack, "stack_status_reason", None) or status


def _launch_failure(stack: Any) -> str | None:
    """Why a launch failed: the first resource's CREATE_FAILED reason."""
    for event in getattr(stack, "events", None) or []:
        if event.resource_status == "CREATE_FAILED" and event.logical_resource_id != stack.name and event.resource_status_reason:
            return event.resource_status_reason
    return None


# --- the provisioning parameters, checked as CloudFormation checks them ---------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _text(value: Any) -> str:
    """A template value (YAML may have made it a number or a boolean) as CloudFormation reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _constraint_failure(spec: dict[str, Any], value: str) -> str | None:
    """What `value` breaks of a parameter's constraints (`spec`), in CloudFormation's words (None: nothing)."""
    kind = str(spec.get("Type") or "String")
    if kind in ("String", "CommaDelimitedList"):
        items = value.split(",") if kind == "CommaDelimitedList" else [value]
        allowed = [_text(v) for v in spec.get("AllowedValues") or []]
        pattern = spec.get("AllowedPattern")
        for item in items:
            if kind == "String" and spec.get("MinLength") is not None and len(item) < int(spec["MinLength"]):
                return f"must contain at least {_text(spec['MinLength'])} characters"
            if kind == "String" and spec.get("MaxLength") is not None and len(item) > int(spec["MaxLength"]):
                return f"must contain at most {_text(spec['MaxLength'])} characters"
            if allowed and item not in allowed:
                return "must be one of AllowedValues"
            if pattern is not None:
                try:
                    compiled = re.compile(str(pattern))
                except re.error:
                    continue  # Java syntax Python lacks: not checked
                if compiled.fullmatch(item) is None:
                    return f"must match pattern {pattern}"
    elif kind in ("Number", "List<Number>"):
        for item in value.split(",") if kind == "List<Number>" else [value]:
            if not _NUMBER.match(item.strip() if kind == "List<Number>" else item):
                return "must be a number"
            number = float(item)
            if spec.get("MinValue") is not None and number < float(spec["MinValue"]):
                return f"must be a number not less than {_text(spec['MinValue'])}"
            if spec.get("MaxValue") is not None and number > float(spec["MaxValue"]):
                return f"must be a number not greater than {_text(spec['MaxValue'])}"
            allowed = [_text(v) for v in spec.get("AllowedValues") or []]
            if allowed and item not in allowed:
                return "must be one of AllowedValues"
    return None


def _check_parameters(template: str, values: dict[str, str], given: list[str]) -> None:
    """InvalidParametersException unless the stack can be made with `values` (the keys `given`
    by the caller among them): what CloudFormation checks before it makes anything."""
    from moto.cloudformation.models import Stack

    try:
        declared = (Stack.parse_template(template) or {}).get("Parameters") or {}
    except Exception as exc:
        raise InvalidParametersException(f"Unable to parse the template: {exc}") from exc
    unknown = [key for key in dict.fromkeys(given) if key not in declared]
    if unknown:
        raise InvalidParametersException(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    missing = [key for key, spec in declared.items() if key not in values and (spec or {}).get("Default") is None]
    if missing:
        raise InvalidParametersException(f"Parameters: [{', '.join(missing)}] must have values")
    for key, spec in declared.items():
        spec = spec or {}
        value = values[key] if key in values else _text(spec["Default"])
        broken = _constraint_failure(spec, value)
        if broken is not None:
            reason = spec.get("ConstraintDescription") or f"Malformed input-Parameter {key} {broken}"
            raise InvalidParametersException(f"Parameter {key} failed to satisfy constraint: {reason}")


def _settle(backend: ServiceCatalogBackend) -> None:
    """Records and provisioned products follow their stacks."""
    st = pv_state(backend)
    cfn = _stack_backend(backend)
    for record in st.records.values():
        if record.status not in ("IN_PROGRESS", "IN_PROGRESS_IN_ERROR"):
            continue
        pp = st.provisioned.get(record.pp_id)
        stack = dict(cfn.deleted_stacks, **cfn.stacks).get(record.stack_id)
        status = stack.status if stack is not None else "DELETE_COMPLETE"
        reason = getattr(stack, "stack_status_reason", None)
        failed_pp_status = "ERROR"
        if record.type == "PROVISION_PRODUCT":
            if status == "CREATE_COMPLETE":
                record.status = "SUCCEEDED"
                record.outputs = _outputs(stack)
            elif status in ("ROLLBACK_IN_PROGRESS",):
                record.status = "IN_PROGRESS_IN_ERROR"
            elif not status.endswith("_IN_PROGRESS"):
                record.status = "FAILED"
                record.errors = [{"Code": "CREATE_FAILED", "Description": _launch_failure(stack) or reason or status}]
        elif record.type == "UPDATE_PROVISIONED_PRODUCT":
            if record.no_change or status == "UPDATE_COMPLETE":
                record.status = "SUCCEEDED"
                record.outputs = _outputs(stack)
            elif status == "UPDATE_ROLLBACK_IN_PROGRESS":
                record.status = "IN_PROGRESS_IN_ERROR"
            elif not status.endswith("_IN_PROGRESS"):
                record.status = "FAILED"
                record.errors = [{"Code": "UPDATE_FAILED", "Description": _failure_reason(stack, status)}]
                # AWS: TAINTED when the update failed and the stack rolled back to what it was.
                failed_pp_status = "TAINTED" if status == "UPDATE_ROLLBACK_COMPLETE" else "ERROR"
        else:  # TERMINATE_PROVISIONED_PRODUCT
            if status == "DELETE_COMPLETE":
                record.status = "SUCCEEDED"
            elif status == "DELETE_FAILED":
                record.status = "FAILED"
                record.errors = [{"Code": "DELETE_FAILED", "Description": reason or status}]
                failed_pp_status = "TAINTED"
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
            if record.type == "UPDATE_PROVISIONED_PRODUCT":
                pp.artifact_id, pp.path_id, pp.launch_role, pp.tags = record.artifact_id, record.path_id, record.launch_role, record.tags
        else:
            pp.status = failed_pp_status
            pp.status_message = record.errors[0]["Description"] if record.errors else None


def _find_pp(st: ProvisioningState, pp_id: str | None, name: str | None) -> ProvisionedProduct:
    for pp in st.provisioned.values():
        if not pp.terminated and ((pp_id and pp.id == pp_id) or (not pp_id and name and pp.name == name)):
            return pp
    raise ResourceNotFoundException(f"Provisioned product {pp_id or name} not found.")


def _resolve_product(backend: ServiceCatalogBackend, p: dict[str, Any]) -> str | None:
    """ProductId, or the product named ProductName (None when neither is given)."""
    if p.get("ProductId"):
        require_product(backend, p["ProductId"])
        return p["ProductId"]
    if p.get("ProductName"):
        product = backend.lookup_by_name(p["ProductName"])
        if product is None:
            raise ResourceNotFoundException(f"Product with Name '{p['ProductName']}' not found.")
        return product.id
    return None


def _resolve_path(
    backend: ServiceCatalogBackend, product_id: str, path_id: str | None, path_name: str | None, who: str | None = ROOT
) -> tuple[str | None, list[str]]:
    """(the PathId asked for, by id or by name (None: any), the product's launch paths `who`
    reaches: sc_callers.py)."""
    st = sc_state(backend)
    paths = [
        pid for pid, prods in st.products.items()
        if product_id in prods and find_portfolio(backend, pid) and (who is ROOT or reaches(st.principals.get(pid, {}), who))
    ]
    if not paths and who is not ROOT:
        raise ResourceNotFoundException(
            f"No launch path found for product {product_id}: {who} is not associated with a portfolio that holds it."
        )
    if not path_id and path_name:
        path_id = next((pid for pid in paths if (find_portfolio(backend, pid) or {}).get("DisplayName") == path_name), None)
        if path_id is None:
            raise ResourceNotFoundException(f"No launch path named {path_name} found for product {product_id}.")
    if path_id and path_id not in paths or not paths:
        raise ResourceNotFoundException(f"No launch path {path_id or ''} found for product {product_id}.")
    return path_id, paths


def _stack_tags(backend: ServiceCatalogBackend, user_tags: list[dict[str, str]], product_id: str, arn: str, artifact_id: str, path_id: str) -> dict[str, str]:
    tags = {t["Key"]: t["Value"] for t in user_tags}
    tags.update(
        {
            "aws:servicecatalog:productArn": backend.products[product_id].arn,
            "aws:servicecatalog:provisionedProductArn": arn,
            "aws:servicecatalog:provisioningArtifactIdentifier": artifact_id,
            "aws:servicecatalog:portfolioArn": (find_portfolio(backend, path_id) or {}).get("ARN", ""),
        }
    )
    return tags


def provision_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = pv_state(backend)
        _settle(backend)
        token = p.get("ProvisionToken")
        if token and token in st.provision_tokens:
            return ActionResult({"RecordDetail": st.records[st.provision_tokens[token]].detail()})
        product_id = _resolve_product(backend, p)
        require_product(backend, product_id)
        artifact = _artifact(st, product_id, p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
        path_id, paths = _resolve_path(backend, product_id, p.get("PathId"), p.get("PathName"), caller(self))
        name = p.get("ProvisionedProductName")
        if not name or not re.match(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$", name):
            raise InvalidParametersException(f"Invalid ProvisionedProductName {name!r}.")
        if any(pp.name == name and not pp.terminated for pp in st.provisioned.values()):
            raise DuplicateResourceException(f"A provisioned product named {name} already exists.")
        if artifact.template is None:
            artifact.template = _template_from_url(backend.account_id, artifact.url)
        given = p.get("ProvisioningParameters") or []
        if any(not q.get("Key") for q in given):
            raise InvalidParametersException("ProvisioningParameters: every entry needs a Key.")
        _check_parameters(artifact.template, {q["Key"]: q.get("Value") or "" for q in given}, [q["Key"] for q in given])
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
        tags = _stack_tags(backend, record.tags, product_id, arn, artifact.id, record.path_id)
        try:
            stack = _stack_backend(backend).create_stack(
                name=f"SC-{backend.account_id}-{pp_id}",
                template=artifact.template,
                parameters={q["Key"]: q.get("Value") or "" for q in p.get("ProvisioningParameters") or []},
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
            path_id=record.path_id,
        )
        if token:
            st.provision_tokens[token] = record.id
    return ActionResult({"RecordDetail": record.detail()})


def _merged_parameters(stack: Any, template: str, given: list[dict[str, Any]]) -> dict[str, str]:
    """UpdateProvisionedProduct's parameters: the stack's current values of the parameters the
    template declares, then UsePreviousValue (the current value) or Value for each one given."""
    from moto.cloudformation.models import Stack

    try:
        declared = set((Stack.parse_template(template) or {}).get("Parameters") or {})
    except Exception as exc:
        raise InvalidParametersException(f"Unable to parse the template: {exc}") from exc
    previous = {k: v for k, v in (stack.parameters or {}).items()}
    merged = {k: v for k, v in previous.items() if k in declared}
    for q in given:
        key = q.get("Key")
        if not key:
            raise InvalidParametersException("ProvisioningParameters: every entry needs a Key.")
        if q.get("UsePreviousValue") in (True, "true"):
            if q.get("Value"):
                raise InvalidParametersException(f"Parameter {key}: UsePreviousValue and a Value cannot both be given.")
            if key in previous:
                merged[key] = previous[key]
            else:
                merged.pop(key, None)  # it had no value before: its default again
        elif "Value" in q:
            merged[key] = q["Value"]
        else:
            raise InvalidParametersException(f"Parameter {key}: give a Value or UsePreviousValue=true.")
    return merged


def update_provisioned_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        st = pv_state(backend)
        _settle(backend)
        token = p.get("UpdateToken")
        if token and token in st.provision_tokens:
            return ActionResult({"RecordDetail": st.records[st.provision_tokens[token]].detail()})
        if not p.get("ProvisionedProductId") and not p.get("ProvisionedProductName"):
            raise InvalidParametersException("ProvisionedProductId or ProvisionedProductName is required.")
        pp = _find_pp(st, p.get("ProvisionedProductId"), p.get("ProvisionedProductName"))
        product_id = _resolve_product(backend, p) or pp.product_id
        if product_id != pp.product_id:
            raise InvalidParametersException(f"Provisioned product {pp.id} is of product {pp.product_id}, not {product_id}.")
        require_product(backend, product_id)
        if p.get("ProvisioningArtifactId") or p.get("ProvisioningArtifactName"):
            artifact = _artifact(st, product_id, p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
        else:
            artifact = _artifact(st, product_id, pp.artifact_id, None)  # the current one
        path_id, paths = _resolve_path(backend, product_id, p.get("PathId"), p.get("PathName"), caller(self))
        path_id = path_id or (pp.path_id if pp.path_id in paths else paths[0])
        if pp.status == "UNDER_CHANGE":
            raise InvalidStateException(f"Provisioned product {pp.id} is under change; wait until it is not.")
        if artifact.template is None:
            artifact.template = _template_from_url(backend.account_id, artifact.url)
        cfn = _stack_backend(backend)
        stack = cfn.stacks.get(pp.stack_id)
        if stack is None:
            raise InvalidStateException(f"The stack of provisioned product {pp.id} is gone.")
        if stack.status == "ROLLBACK_COMPLETE":  # CloudFormation's UpdateStack refuses it (the backend does not)
            raise InvalidParametersException(f"Stack:{stack.stack_id} is in ROLLBACK_COMPLETE state and can not be updated.")
        parameters = _merged_parameters(stack, artifact.template, p.get("ProvisioningParameters") or [])
        _check_parameters(artifact.template, parameters, [q["Key"] for q in p.get("ProvisioningParameters") or []])
        launch_role = _launch_role(backend, product_id, path_id)
        user_tags = p["Tags"] if p.get("Tags") is not None else pp.tags
        tags = _stack_tags(backend, user_tags, product_id, pp.arn, artifact.id, path_id)
        record = Record(
            id=random_id("rec-"),
            type="UPDATE_PROVISIONED_PRODUCT",
            pp_id=pp.id,
            pp_name=pp.name,
            product_id=product_id,
            artifact_id=artifact.id,
            path_id=path_id,
            launch_role=launch_role,
            tags=user_tags,
            stack_id=pp.stack_id,
            created_time=utcnow(),
        )
        record.no_change = (
            artifact.template == stack.template
            and parameters == dict(stack.parameters or {})
            and launch_role == stack.role_arn
            and tags == dict(stack.tags or {})
        )
        if not record.no_change:
            try:
                cfn.update_stack(
                    name=pp.stack_id,
                    template=artifact.template,
                    role_arn=launch_role,
                    parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                    tags=tags,
                )
            except Exception as exc:
                raise InvalidParametersException(getattr(exc, "message", None) or str(exc)) from exc
        st.records[record.id] = record
        pp.last_record = pp.last_provisioning_record = record.id
        pp.status, pp.status_message = "UNDER_CHANGE", None
        if token:
            st.provision_tokens[token] = record.id
    return ActionResult({"RecordDetail": record.detail()})


def describe_record(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        _settle(backend)
        record = pv_state(backend).records.get(p.get("Id"))
        if record is None:
            raise ResourceNotFoundException(f"Record {p.get('Id')} not found.")
        page, token = paginate(record.outputs, p.get("PageToken"), p.get("PageSize"), 20, InvalidParametersException)
        return ActionResult({"RecordDetail": record.detail(), "RecordOutputs": page, "NextPageToken": token})


def describe_provisioned_product(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    with LOCK:
        backend = self.servicecatalog_backend
        _settle(backend)
        pp = _find_pp(pv_state(backend), p.get("Id"), p.get("Name"))
        return ActionResult({"ProvisionedProductDetail": pp.detail(), "CloudWatchDashboards": []})


def _visible(backend: ServiceCatalogBackend) -> list[ProvisionedProduct]:
    _settle(backend)
    return [pp for pp in pv_state(backend).provisioned.values() if not pp.terminated]


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
        st = pv_state(backend)
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
        st = pv_state(backend)
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
        st = pv_state(backend)
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
        pp.last_record = pp.last_provisioning_record = record.id
        pp.status = "UNDER_CHANGE"
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
    return ActionResult({"ProvisioningArtifactDetails": [a.detail() for a in pv_state(backend).artifacts.get(p["ProductId"], [])]})


def describe_provisioning_artifact(self: ServiceCatalogResponse) -> ActionResult:
    p = _params(self)
    backend = self.servicecatalog_backend
    require_product(backend, p.get("ProductId"))
    artifact = _artifact(pv_state(backend), p["ProductId"], p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName"))
    result: dict[str, Any] = {"ProvisioningArtifactDetail": artifact.detail(), "Status": "AVAILABLE"}
    if p.get("Verbose"):
        result["Info"] = {"TemplateBody": artifact.template}
    return ActionResult(result)


class InvalidStateException(ServiceException):
    code = "InvalidStateException"


PROVISIONING_OPERATIONS = [
    provision_product,
    update_provisioned_product,
    describe_record,
    describe_provisioned_product,
    scan_provisioned_products,
    search_provisioned_products,
    get_provisioned_product_outputs,
    terminate_provisioned_product,
    list_provisioning_artifacts,
    describe_provisioning_artifact,
]


def install() -> None:
    for op in PROVISIONING_OPERATIONS:
        # moto dispatches X-Amz-Target "...ProvisionProduct" to the response
        # method provision_product.
        if hasattr(ServiceCatalogResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(ServiceCatalogResponse, op.__name__, op)
    ServiceCatalogBackend.create_product = _create_product
    ServiceCatalogResponse.create_product = _create_product_response
    ServiceCatalogResponse.describe_product = _describe_product_response
