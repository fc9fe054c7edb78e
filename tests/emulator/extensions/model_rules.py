"""AWS's request validation as its API model declares it: lengths, ranges, patterns, enums,
required members.

AWS checks a request against the constraints of its API model (the model botocore ships)
before it looks at anything else, and answers ValidationException, e.g.

  1 validation error detected: Value '30' at 'defaultUserSettings.jupyterLabAppSettings.
  appLifecycleManagement.idleSettings.idleTimeoutInMinutes' failed to satisfy constraint:
  Member must have value greater than or equal to 60

moto checks none of these, and the AWS SDK for Rust none on the client side (boto3 only
required members and minimums), so a value AWS refuses went through moto (the engine's
DeletePipeline token was 21 characters where AWS wants 32 to 128, and only AWS would have
said so). refusal() applies the model's constraints to every request of the services in
CHECKED_SERVICES (SageMaker: what the engine, the provider and the projects call most) before
moto or any extension sees it (routes.py), as AWS does, with SageMaker's ValidationException.
Service Catalog is not in it: which code its front end answers such a request with
(ValidationException or its own InvalidParametersException) is not settled here, and its
extensions answer the constraints they check with InvalidParametersException; check()
applies them within an extension's own handlers (the same rules, for requests that reach
them otherwise, e.g. from tests calling the handlers). The model is moto's own cached copy of
botocore's (nothing new loaded).

Paths are AWS's: members in lowerCamelCase joined with ".", a structure inside a list as
"<list>.<1-based index>.member". Patterns are matched whole (Java's String.matches); the
few patterns Python's re cannot compile (\\p{L} classes) are not checked.
"""

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

from moto.core.utils import get_service_model
from moto.sagemaker.exceptions import ValidationError


def _camel(member: str) -> str:
    return member[:1].lower() + member[1:]


@functools.lru_cache(maxsize=None)
def _pattern(pattern: str) -> "re.Pattern[str] | None":
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _show(value: Any) -> str:
    """A value as AWS (Java) prints it in the message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _fail(value: Any, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{_show(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def _scalar_constraints(shape: Any, value: Any) -> list[str]:
    """The constraints a string or number breaks, as AWS words them (no path)."""
    meta = shape.metadata
    broken = []
    if shape.type_name == "string" and isinstance(value, str):
        if "min" in meta and len(value) < meta["min"]:
            broken.append(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            broken.append(f"Member must have length less than or equal to {meta['max']}")
        compiled = _pattern(meta["pattern"]) if "pattern" in meta else None
        if compiled is not None and compiled.fullmatch(value) is None:
            broken.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            broken.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "min" in meta and value < meta["min"]:
            broken.append(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            broken.append(f"Member must have value less than or equal to {meta['max']}")
    return broken


def _walk(shape: Any, value: Any, path: str, out: list[str]) -> None:
    if value is None:
        return
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            if value.get(name) is None:
                out.append(_fail(None, f"{path}.{_camel(name)}", "Member must not be null"))
        for name, member in shape.members.items():
            if name in value:
                _walk(member, value[name], f"{path}.{_camel(name)}", out)
    elif kind in ("list", "map"):
        if not isinstance(value, (list, dict)):
            return
        if "min" in meta and len(value) < meta["min"]:
            out.append(_fail(value, path, f"Member must have length greater than or equal to {meta['min']}"))
        if "max" in meta and len(value) > meta["max"]:
            out.append(_fail(value, path, f"Member must have length less than or equal to {meta['max']}"))
        if kind == "map" or not isinstance(value, list):
            return
        member = shape.member
        if member.type_name in ("structure", "list", "map"):
            for index, item in enumerate(value, start=1):
                _walk(member, item, f"{path}.{index}.member", out)
            return
        # A list of scalars: AWS reports the list once, with what its members break.
        broken: list[str] = []
        for item in value:
            for constraint in _scalar_constraints(member, item):
                if constraint not in broken:
                    broken.append(constraint)
        if broken:
            out.append(_fail(value, path, f"Member must satisfy constraint: [{', '.join(broken)}]"))
    else:
        for constraint in _scalar_constraints(shape, value):
            out.append(_fail(value, path, constraint))


def violations(shape_name: str, value: Any, path: str) -> list[str]:
    """What `value` (of the model's shape `shape_name`, at `path`) breaks, in AWS's words."""
    out: list[str] = []
    _walk(get_service_model("sagemaker").shape_for(shape_name), value, path, out)
    return out


CHECKED_SERVICES = frozenset({"sagemaker"})


def message(found: list[str]) -> str:
    plural = "s" if len(found) > 1 else ""
    return f"{len(found)} validation error{plural} detected: " + "; ".join(found)


def refusal(service: str | None, operation: str, body: bytes) -> str | None:
    """AWS's ValidationException message for a JSON-protocol request of a checked service
    that breaks its operation's input constraints, else None (also for what cannot be read:
    moto answers those as it does)."""
    if service not in CHECKED_SERVICES:
        return None
    model = get_service_model(service)
    if operation not in model.operation_names:
        return None
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(params, dict):
        return None
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return None
    found: list[str] = []
    for name in shape.required_members:
        if params.get(name) is None:
            found.append(_fail(None, _camel(name), "Member must not be null"))
    for name, member in shape.members.items():
        if params.get(name) is not None:
            _walk(member, params[name], _camel(name), found)
    return message(found) if found else None


def raise_if(found: list[str]) -> None:
    if found:
        raise ValidationError(message(found))


def check(operation: str, params: dict[str, Any], members: Iterable[str] | None = None) -> None:
    """ValidationException for what `params` (members of SageMaker `operation`'s input, by
    their model names) break; only `members` when given, else the whole input."""
    shape = get_service_model("sagemaker").operation_model(operation).input_shape
    names = list(shape.members) if members is None else list(members)
    found: list[str] = []
    if members is None:
        for name in shape.required_members:
            if params.get(name) is None:
                found.append(_fail(None, _camel(name), "Member must not be null"))
    for name in names:
        if params.get(name) is not None:
            _walk(shape.members[name], params[name], _camel(name), found)
    raise_if(found)


def request_params(response: Any, operation: str) -> dict[str, Any]:
    """Every input member of `operation` that the request (a moto response object) carries."""
    shape = get_service_model("sagemaker").operation_model(operation).input_shape
    return {member: response._get_param(member) for member in shape.members}


def enum(shape_name: str) -> list[str]:
    return list(get_service_model("sagemaker").shape_for(shape_name).enum)
