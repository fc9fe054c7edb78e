"""What the SageMaker workload modules (sagemaker_workloads.py, sagemaker_notebooks.py,
sagemaker_models.py) share: List* pages as AWS answers them, and Describe* answers that carry
what was given at creation.

list_page(): the operation's input checked against the API model (MaxResults 1-100, the
SortBy/SortOrder/StatusEquals enums, ...), then NameContains, StatusEquals, the Creation/
LastModifiedTime filters and the operation's own, SortBy and SortOrder with the operation's
defaults, MaxResults (default 10) and NextToken. A page costs O(n) for n resources of the kind
(a filter, a sort of a list already in creation order, one scan for the token's name). The
token resumes after the last name its page ended with, so resources created or removed between
two calls neither repeat nor skip the others (moto's offsets and moto's paginator do either).
A token that is not one of ours is ValidationException "The page token is not valid: <token>".

remember()/described(): moto's objects keep only what moto's handlers pass on; the members of
the Create* input that the Describe* output has are kept as given (on the object, so moto's
reset drops them with it) and laid over moto's answer.
"""

import base64
import binascii
import copy
import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import get_service_model
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse

from . import model_rules
from .common import LOCK, time_filter

GIVEN = "_emulator_given"  # attribute on moto's objects: the Describe members given at creation

# --- listing ---------------------------------------------------------------------------


def _token(name: str, index: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": name, "at": index}).encode()).decode()


def _start(token: str | None, names: list[str]) -> int:
    """Where the page after `token` starts: after the name it ended with (found again even if
    items were added before it), else at the offset it was at."""
    if not token:
        return 0
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode()))
        after, at = str(doc["after"]), int(doc["at"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationError(f"The page token is not valid: {token}") from exc
    if 0 < at <= len(names) and names[at - 1] == after:
        return at
    try:
        return names.index(after) + 1
    except ValueError:
        return min(max(at, 0), len(names))


def list_page(
    self: SageMakerResponse,
    operation: str,
    items: Iterable[Any],
    *,
    key: str,
    name: Callable[[Any], str],
    summary: Callable[[Any], dict[str, Any]],
    sort_keys: dict[str, Callable[[Any], Any]],
    default_sort: str,
    default_order: str,
    status: Callable[[Any], str] | None = None,
    modified: Callable[[Any], Any] | None = None,
    keep: Callable[[Any, dict[str, Any]], bool] | None = None,
) -> ActionResult:
    """A List* answer as AWS pages it. `items` in creation order; `sort_keys` by SortBy value;
    `keep(item, params)` for the operation's own filters."""
    params = model_rules.request_params(self, operation)
    model_rules.check(operation, params)
    contains, wanted = params.get("NameContains"), params.get("StatusEquals")
    times = ("CreationTimeBefore", "CreationTimeAfter", "LastModifiedTimeBefore", "LastModifiedTimeAfter")
    changed = modified or (lambda item: item.creation_time)
    with LOCK:
        found = [
            item
            for item in items
            if (not contains or contains in name(item))
            and (wanted is None or status is None or status(item) == wanted)
            and time_filter(item.creation_time, changed(item), params, times)
            and (keep is None or keep(item, params))
        ]
        found.sort(key=sort_keys[params.get("SortBy") or default_sort],
                   reverse=(params.get("SortOrder") or default_order) == "Descending")
        names = [name(item) for item in found]
        start = _start(params.get("NextToken"), names)
        end = start + (params.get("MaxResults") or 10)
        page = [summary(item) for item in found[start:end]]
    token = _token(names[end - 1], end) if end < len(found) else None
    return ActionResult({key: page, "NextToken": token})


# --- what was given at creation ----------------------------------------------------------


def remember(obj: Any, params: dict[str, Any], describe_operation: str) -> None:
    """Keep the members given at creation that `describe_operation` answers, as given."""
    members = get_service_model("sagemaker").operation_model(describe_operation).output_shape.members
    obj.__dict__[GIVEN] = {k: copy.deepcopy(v) for k, v in params.items() if v is not None and k in members}


def described(obj: Any, answer: dict[str, Any], only_if_given: Iterable[str] = ()) -> dict[str, Any]:
    """moto's Describe answer with the given members laid over it; `only_if_given` members
    (moto's defaults for what was not given) left out unless given."""
    given = obj.__dict__.get(GIVEN, {})
    out = {**answer, **given}
    for member in only_if_given:
        if member not in given:
            out.pop(member, None)
    return out


def install_operations(added: list[Any], replaced: list[Any]) -> None:
    """Our handlers on moto's SageMakerResponse: `added` ones must be missing from moto (a moto
    that gains one refuses to start, so ours can be dropped), `replaced` ones present."""
    for op in added:
        if hasattr(SageMakerResponse, op.__name__):
            raise RuntimeError(f"moto now implements {op.__name__}: drop ours and test moto's")
        setattr(SageMakerResponse, op.__name__, op)
    for op in replaced:
        if not hasattr(SageMakerResponse, op.__name__):
            raise RuntimeError(f"moto no longer has {op.__name__}: check what ours replaces")
        setattr(SageMakerResponse, op.__name__, op)
