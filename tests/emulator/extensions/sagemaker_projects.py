"""SageMaker projects, provisioned through the emulator's Service Catalog as on AWS.

moto 5.2.5 has no project calls at all. On AWS a project is a Service Catalog provisioned
product SageMaker launches for the caller: CreateProject provisions the product version it
names (the launch constraint's role, the template's parameter checks and its CloudFormation
stack are Service Catalog's), passing the parameters SageMakerProjectName and
SageMakerProjectId besides the caller's, and the project's status follows the provisioned
product's. Here, as there:

  - CreateProject(ProjectName, ProjectDescription, ServiceCatalogProvisioningDetails
    {ProductId, ProvisioningArtifactId, PathId, ProvisioningParameters}, Tags): the name is
    1-32 letters, digits and hyphens, starting with a letter or digit (ValidationException);
    a name in use is refused ("Project with name X already exists", ValidationException);
    the product is provisioned with sc_provisioning.py's ProvisionProduct (through the
    response handler, so every check and wrapper applies: a product or version that does not
    exist, a launch path the caller does not reach (sc_callers.py), bad parameters are refused
    there and nothing is made); the
    provisioned product is named `SageMakerProject-<id>` and tagged with the project's tags and
    `sagemaker:project-name`/`sagemaker:project-id`. ProjectId is `p-` + 12 lowercase
    letters and digits; ProjectArn `arn:<partition>:sagemaker:<region>:<account>:project/<name>`.
  - ProjectStatus: CreateInProgress while the provisioned product is under change,
    CreateCompleted once it is available, CreateFailed (with the record's error as
    ServiceCatalogProvisionedProductDetails.ProvisionedProductStatusMessage) when it failed.
  - DescribeProject of a name that does not exist: ValidationException "Project <name> does not
    exist" (AWS's words are close to these); ListProjects: NameContains, SortBy (Name or
    CreationTime, default CreationTime), SortOrder (default Descending), MaxResults, NextToken.
  - DeleteProject terminates the provisioned product (its stack is deleted); the project is
    DeleteInProgress until the termination is over, then gone (DeleteFailed when it failed;
    DeleteProject then tries again).
  - UpdateProject(ServiceCatalogProvisioningUpdateDetails{ProvisioningArtifactId,
    ProvisioningParameters}) updates the provisioned product (UpdateInProgress, then
    UpdateCompleted or UpdateFailed).

Project tags are read with ListTags on the project ARN (sagemaker_tags.py resolves it).
"""

import json
import random
import re
import string
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.servicecatalog.responses import ServiceCatalogResponse
from moto.utilities.utils import get_partition

from .common import LOCK, state

NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")


@dataclass
class Project:
    name: str
    id: str
    arn: str
    description: str | None
    product_id: str
    artifact_id: str
    path_id: str | None
    parameters: list[dict[str, str]]
    pp_id: str
    created: Any
    tags: list[dict[str, str]] = field(default_factory=list)
    # None: follow the provisioned product's creation; "delete" or "update": that operation.
    operation: str = "create"
    # How many times its deletion was asked for (each a new termination).
    deletes: int = 0

    def status(self, pp: Any, record: Any) -> tuple[str, str | None]:
        """The project's status and the provisioned product's message, from both."""
        verb = {"create": "Create", "update": "Update", "delete": "Delete"}[self.operation]
        if pp is None:
            return f"{verb}Completed", None
        if self.operation == "delete":
            if pp.terminated:
                return "DeleteCompleted", None
            if record is not None and record.status == "FAILED":
                return "DeleteFailed", _errors(record)
            return "DeleteInProgress", None
        if pp.status == "UNDER_CHANGE":
            return f"{verb}InProgress", None
        if pp.status == "AVAILABLE":
            return f"{verb}Completed", None
        return f"{verb}Failed", pp.status_message or (_errors(record) if record else None)


@dataclass
class ProjectsState:
    projects: dict[str, Project] = field(default_factory=dict)


def projects_state(backend: SageMakerModelBackend) -> ProjectsState:
    return state(backend, "_emulator_sagemaker_projects", ProjectsState)


def _errors(record: Any) -> str | None:
    text = "; ".join(e.get("Description", "") for e in record.errors if e.get("Description"))
    return text or None


def sc_call(
    account_id: str, region: str, operation: str, params: dict[str, Any], headers: Any = None
) -> dict[str, Any]:
    """Service Catalog `operation`, as the HTTP call runs it (every installed wrapper); with the
    SageMaker request's `headers`, for its caller (SageMaker launches for the caller)."""
    response = ServiceCatalogResponse()
    response.current_account, response.region, response.partition = account_id, region, get_partition(region)
    response.uri_match, response.querystring = {}, {}
    response.headers = {"Authorization": headers.get("Authorization")} if headers and headers.get("Authorization") else {}
    response.body = json.dumps(params, default=str)
    result = getattr(response, xform_name(operation))()
    value = getattr(result, "result", None)
    return value if isinstance(value, dict) else {}


def _sc_parts(account_id: str, region: str, project: Project) -> tuple[Any, Any]:
    """The project's provisioned product and its last record (None when gone)."""
    from moto.servicecatalog.models import servicecatalog_backends

    from .sc_provisioning import _settle, pv_state

    backend = servicecatalog_backends[account_id][region]
    _settle(backend)
    st = pv_state(backend)
    pp = st.provisioned.get(project.pp_id)
    record = st.records.get(pp.last_record) if pp is not None else None
    return pp, record


def _settle(self: SageMakerResponse) -> None:
    """Projects whose deletion is over are gone."""
    st = projects_state(self.sagemaker_backend)
    for name, project in list(st.projects.items()):
        if project.operation != "delete":
            continue
        pp, record = _sc_parts(self.current_account, self.region, project)
        status, _ = project.status(pp, record)
        if status == "DeleteCompleted":
            st.projects.pop(name, None)


def _require(self: SageMakerResponse, name: str | None) -> Project:
    project = projects_state(self.sagemaker_backend).projects.get(name or "")
    if project is None:
        raise ValidationError(message=f"Project {name} does not exist.")
    return project


def _describe(self: SageMakerResponse, project: Project) -> dict[str, Any]:
    pp, record = _sc_parts(self.current_account, self.region, project)
    status, message = project.status(pp, record)
    provisioned: dict[str, Any] = {"ProvisionedProductId": project.pp_id}
    if message:
        provisioned["ProvisionedProductStatusMessage"] = message
    details: dict[str, Any] = {"ProductId": project.product_id, "ProvisioningArtifactId": project.artifact_id}
    if project.path_id:
        details["PathId"] = project.path_id
    if project.parameters:
        details["ProvisioningParameters"] = project.parameters
    out = {
        "ProjectArn": project.arn,
        "ProjectName": project.name,
        "ProjectId": project.id,
        "ServiceCatalogProvisioningDetails": details,
        "ServiceCatalogProvisionedProductDetails": provisioned,
        "ProjectStatus": status,
        "CreationTime": project.created,
        "CreatedBy": {},
    }
    if project.description:
        out["ProjectDescription"] = project.description
    return out


def create_project(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("ProjectName")
    details = self._get_param("ServiceCatalogProvisioningDetails") or {}
    tags = list(self._get_param("Tags") or [])
    if not name or not NAME.match(name):
        raise ValidationError(
            message=f"1 validation error detected: Value '{name}' at 'projectName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"
        )
    if not details.get("ProductId"):
        raise ValidationError(message="ServiceCatalogProvisioningDetails.ProductId is required.")
    with LOCK:
        st = projects_state(self.sagemaker_backend)
        _settle(self)
        if name in st.projects:
            raise ValidationError(message=f"Project with name {name} already exists.")
        project_id = "p-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=12))
        given = list(details.get("ProvisioningParameters") or [])
        parameters = [q for q in given if q.get("Key") not in ("SageMakerProjectName", "SageMakerProjectId")]
        parameters += [
            {"Key": "SageMakerProjectName", "Value": name},
            {"Key": "SageMakerProjectId", "Value": project_id},
        ]
        sc_tags = [t for t in tags if not t.get("Key", "").startswith("sagemaker:")]
        sc_tags += [{"Key": "sagemaker:project-name", "Value": name}, {"Key": "sagemaker:project-id", "Value": project_id}]
        request: dict[str, Any] = {
            "ProductId": details["ProductId"],
            "ProvisionedProductName": f"SageMakerProject-{project_id}",
            "ProvisioningParameters": parameters,
            "Tags": sc_tags,
            "ProvisionToken": f"sagemaker-project-{project_id}",
        }
        if details.get("ProvisioningArtifactId"):
            request["ProvisioningArtifactId"] = details["ProvisioningArtifactId"]
        if details.get("PathId"):
            request["PathId"] = details["PathId"]
        # Refusals (an unknown product or version, bad parameters) are Service Catalog's, as
        # SageMaker passes them on; nothing is recorded then.
        out = sc_call(self.current_account, self.region, "ProvisionProduct", request, self.headers)
        record = out.get("RecordDetail") or {}
        arn = f"arn:{get_partition(self.region)}:sagemaker:{self.region}:{self.current_account}:project/{name}"
        st.projects[name] = Project(
            name=name,
            id=project_id,
            arn=arn,
            description=self._get_param("ProjectDescription"),
            product_id=details["ProductId"],
            artifact_id=record.get("ProvisioningArtifactId") or details.get("ProvisioningArtifactId", ""),
            path_id=record.get("PathId") or details.get("PathId"),
            parameters=given,
            pp_id=record.get("ProvisionedProductId", ""),
            created=utcnow(),
            tags=tags + [t for t in sc_tags if t["Key"].startswith("sagemaker:")],
        )
    return ActionResult({"ProjectArn": arn, "ProjectId": project_id})


def describe_project(self: SageMakerResponse) -> ActionResult:
    with LOCK:
        _settle(self)
        return ActionResult(_describe(self, _require(self, self._get_param("ProjectName"))))


def list_projects(self: SageMakerResponse) -> ActionResult:
    contains = (self._get_param("NameContains") or "").lower()
    sort_by = self._get_param("SortBy") or "CreationTime"
    descending = (self._get_param("SortOrder") or "Descending") == "Descending"
    max_results = int(self._get_param("MaxResults") or 100)
    token = self._get_param("NextToken")
    with LOCK:
        _settle(self)
        projects = [p for p in projects_state(self.sagemaker_backend).projects.values() if contains in p.name.lower()]
        key = (lambda p: p.name) if sort_by == "Name" else (lambda p: p.created)
        projects.sort(key=key, reverse=descending)
        start = int(token) if token and token.isdigit() else 0
        page = projects[start : start + max_results]
        summaries = []
        for p in page:
            d = _describe(self, p)
            summaries.append(
                {k: d[k] for k in ("ProjectName", "ProjectArn", "ProjectId", "CreationTime", "ProjectStatus") if k in d}
                | ({"ProjectDescription": p.description} if p.description else {})
            )
    out: dict[str, Any] = {"ProjectSummaryList": summaries}
    if start + max_results < len(projects):
        out["NextToken"] = str(start + max_results)
    return ActionResult(out)


def delete_project(self: SageMakerResponse) -> EmptyResult:
    with LOCK:
        _settle(self)
        project = _require(self, self._get_param("ProjectName"))
        pp, record = _sc_parts(self.current_account, self.region, project)
        # A deletion that failed (the stack's, e.g. a model package group with versions) is
        # tried again, as on AWS.
        again = project.operation == "delete" and project.status(pp, record)[0] == "DeleteFailed"
        if (project.operation != "delete" or again) and pp is not None and not pp.terminated:
            project.deletes += 1
            sc_call(
                self.current_account,
                self.region,
                "TerminateProvisionedProduct",
                {
                    "ProvisionedProductId": project.pp_id,
                    "TerminateToken": f"sagemaker-project-delete-{project.id}-{project.deletes}",
                },
            )
        project.operation = "delete"
        _settle(self)
    return EmptyResult()


def update_project(self: SageMakerResponse) -> ActionResult:
    details = self._get_param("ServiceCatalogProvisioningUpdateDetails") or {}
    with LOCK:
        _settle(self)
        project = _require(self, self._get_param("ProjectName"))
        if project.operation == "delete":
            raise ValidationError(message=f"Project {project.name} is being deleted.")
        request: dict[str, Any] = {"ProvisionedProductId": project.pp_id}
        if details.get("ProvisioningArtifactId"):
            request["ProvisioningArtifactId"] = details["ProvisioningArtifactId"]
            project.artifact_id = details["ProvisioningArtifactId"]
        if details.get("ProvisioningParameters") is not None:
            request["ProvisioningParameters"] = list(details["ProvisioningParameters"])
            project.parameters = list(details["ProvisioningParameters"])
        sc_call(self.current_account, self.region, "UpdateProvisionedProduct", request, self.headers)
        if self._get_param("ProjectDescription") is not None:
            project.description = self._get_param("ProjectDescription")
        project.operation = "update"
    return ActionResult({"ProjectArn": project.arn})


def install() -> None:
    for op in (create_project, describe_project, list_projects, delete_project, update_project):
        setattr(SageMakerResponse, op.__name__, op)
    previous = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(backend: SageMakerModelBackend, arn: str) -> Any:
        # AddTags/ListTags/DeleteTags of a project (sagemaker_tags.py wraps this lookup).
        kind, _, name = str(arn).split(":", 5)[-1].partition("/")
        if kind != "project":
            return previous(backend, arn)
        project = projects_state(backend).projects.get(name)
        if project is None or project.arn != arn:
            raise ValidationError(message=f"Could not find project with name {name}")
        return project

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn  # type: ignore[method-assign]
