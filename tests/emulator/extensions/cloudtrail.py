"""CloudTrail trails as AWS answers for them, and which trails record an API call.

moto 5.2.5 keeps trails, but:
  - GetEventSelectors of a trail nobody put selectors on answers no selectors (AWS: the
    default one, all read and write management events), and always answers both
    EventSelectors and AdvancedEventSelectors;
  - PutEventSelectors with basic selectors keeps earlier advanced ones (AWS: a trail has
    one kind or the other), stores them without their defaults (ReadWriteType All,
    IncludeManagementEvents true), accepts both kinds at once, none, or a ReadWriteType
    that does not exist, and may be called from any region;
  - DescribeTrails ignores trailNameList; every description says HasCustomEventSelectors
    false and carries null members;
  - CreateTrail with the name of an existing trail replaces it (AWS:
    TrailAlreadyExistsException), DeleteTrail of an unknown trail succeeds (AWS:
    TrailNotFoundException) and cannot take an ARN.

Here, as on AWS:
  PutEventSelectors    EventSelectors (1-5; ReadWriteType ReadOnly|WriteOnly|All) or
                       AdvancedEventSelectors (each with FieldSelectors, one of them on
                       eventCategory with Equals), not both and not neither:
                       InvalidEventSelectorsException. Only from the trail's home region
                       (InvalidHomeRegionException). Basic selectors are stored with their
                       defaults filled in; the answer and GetEventSelectors carry only the
                       kind in use.
  GetEventSelectors    the default selector until PutEventSelectors.
  DescribeTrails       trailNameList: names of the region's own trails, or ARNs of any
                       (another region's trail only by ARN); empty: the region's trails plus,
                       with includeShadowTrails (default true), other regions' multi-region
                       trails. HasCustomEventSelectors once selectors were put; null members
                       left out (also in GetTrail, CreateTrail, UpdateTrail).
  CreateTrail          TrailAlreadyExistsException for a name in use in the region (a
                       multi-region trail's name is in use in every region).
  DeleteTrail          by name or ARN; unknown: TrailNotFoundException; from another region
                       than the trail's home: InvalidHomeRegionException.
  every answer         Content-Type application/x-amz-json-1.1 (moto: text/html).

recording_trails(account, region, event_source, event_name, read_only) answers which trails
log a management event: a trail that is logging (StartLogging), in the caller's account, whose
home region is the event's or that is multi-region, and one of whose selectors takes the event:
  basic      IncludeManagementEvents (default true), ReadWriteType All, or WriteOnly for a write
             (ReadOnly for a read), the source not in ExcludeManagementEventSources;
  advanced   every field selector holds for the event's fields eventCategory ("Management"),
             readOnly ("true"/"false"), eventSource, eventName and eventType ("AwsApiCall")
             (Equals/StartsWith/EndsWith: one value matches; NotEquals/NotStartsWith/
             NotEndsWith: none does); a selector on any other field (resources.type, ...)
             selects data events, not this one.
cloudtrail_events.py uses it to decide whether an API call reaches EventBridge.
"""

import json
from typing import Any

from moto.cloudtrail.exceptions import TrailNotFoundException
from moto.cloudtrail.models import CloudTrailBackend, Trail, cloudtrail_backends
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError

# Where the emulator keeps a trail's selectors: ("basic", [...]) or ("advanced", [...]);
# absent: the default selector. On moto's Trail object, so a reset drops it with the trail.
SELECTORS = "_emulator_selectors"
DEFAULT_SELECTOR = {
    "ReadWriteType": "All",
    "IncludeManagementEvents": True,
    "DataResources": [],
    "ExcludeManagementEventSources": [],
}
READ_WRITE_TYPES = ("ReadOnly", "WriteOnly", "All")
OPERATORS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")


def _error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(code, message)


def selectors(trail: Trail) -> tuple[str, list[dict[str, Any]]]:
    """("default" | "basic" | "advanced", the selectors in force)."""
    stored = trail.__dict__.get(SELECTORS)
    if stored is None:
        return "default", [dict(DEFAULT_SELECTOR)]
    return stored


# --- finding trails ---------------------------------------------------------------------


def _account_trails(account: str) -> list[Trail]:
    """Every trail of the account, in every region (reading existing backends only)."""
    found: list[Trail] = []
    for acct, _region, backend in cloudtrail_backends.iter_backends():
        if acct == account:
            found.extend(list(backend.trails.values()))
    return found


def _visible(backend: CloudTrailBackend) -> list[Trail]:
    """The region's own trails, then other regions' multi-region trails (shadow trails)."""
    own = list(backend.trails.values())
    shadows = [
        t
        for t in _account_trails(backend.account_id)
        if t.region_name != backend.region_name and t.is_multi_region
    ]
    return own + shadows


def find(backend: CloudTrailBackend, name_or_arn: str | None) -> Trail:
    """A trail by name (the region's own, or a multi-region trail's shadow) or by ARN (any region)."""
    key = name_or_arn or ""
    if key.startswith("arn:"):
        for trail in _account_trails(backend.account_id):
            if trail.arn == key:
                return trail
    else:
        for trail in _visible(backend):
            if trail.trail_name == key:
                return trail
    raise TrailNotFoundException(account_id=backend.account_id, name=key)


def _home_only(backend: CloudTrailBackend, trail: Trail) -> None:
    if trail.region_name != backend.region_name:
        raise _error(
            "InvalidHomeRegionException",
            f"This operation must be called from the trail's home region, {trail.region_name} "
            f"(the request was made in {backend.region_name}).",
        )


# --- descriptions ---------------------------------------------------------------------------

_moto_description = Trail.description


def _description(self: Trail, include_region: bool = False) -> dict[str, Any]:
    desc = _moto_description(self, include_region)
    desc["HasCustomEventSelectors"] = self.__dict__.get(SELECTORS) is not None
    desc["HasInsightSelectors"] = bool(self.insight_selectors)
    return {k: v for k, v in desc.items() if v is not None}


# --- operations -------------------------------------------------------------------------------


def _body(self: CloudTrailResponse) -> dict[str, Any]:
    try:
        doc = json.loads(self.body or "{}")
    except ValueError:
        doc = {}
    return doc if isinstance(doc, dict) else {}


def _invalid(message: str) -> JsonRESTError:
    return _error("InvalidEventSelectorsException", message)


def _basic(given: Any) -> list[dict[str, Any]]:
    if not isinstance(given, list) or not 1 <= len(given) <= 5:
        raise _invalid("A trail can have from 1 to 5 event selectors.")
    out = []
    for selector in given:
        if not isinstance(selector, dict):
            raise _invalid("An event selector must be an object.")
        rw = selector.get("ReadWriteType", "All")
        if rw not in READ_WRITE_TYPES:
            raise _invalid(f"Value {rw} for ReadWriteType is not valid; it must be one of ReadOnly, WriteOnly, All.")
        out.append(
            {
                "ReadWriteType": rw,
                "IncludeManagementEvents": bool(selector.get("IncludeManagementEvents", True)),
                "DataResources": list(selector.get("DataResources") or []),
                "ExcludeManagementEventSources": list(selector.get("ExcludeManagementEventSources") or []),
            }
        )
    return out


def _advanced(given: Any) -> list[dict[str, Any]]:
    if not isinstance(given, list) or not given:
        raise _invalid("AdvancedEventSelectors must hold at least one selector.")
    values = 0
    for selector in given:
        fields = selector.get("FieldSelectors") if isinstance(selector, dict) else None
        if not isinstance(fields, list) or not fields:
            raise _invalid("An advanced event selector must have at least one field selector.")
        categories = [f for f in fields if isinstance(f, dict) and f.get("Field") == "eventCategory"]
        if not categories or not any(f.get("Equals") for f in categories):
            raise _invalid("An advanced event selector must have a field selector on eventCategory with Equals.")
        for field in fields:
            if not isinstance(field, dict) or not field.get("Field"):
                raise _invalid("A field selector must name its Field.")
            used = [op for op in OPERATORS if field.get(op)]
            if not used:
                raise _invalid(f"The field selector on {field['Field']} has no operator.")
            values += sum(len(field[op]) for op in used)
    if values > 500:
        raise _invalid("Advanced event selectors can have at most 500 values in all their conditions.")
    return [dict(s) for s in given]


def put_event_selectors(self: CloudTrailResponse) -> str:
    params = _body(self)
    backend = self.cloudtrail_backend
    trail = find(backend, params.get("TrailName"))
    _home_only(backend, trail)
    basic, advanced = params.get("EventSelectors"), params.get("AdvancedEventSelectors")
    if basic is not None and advanced is not None:
        raise _invalid("You can use either EventSelectors or AdvancedEventSelectors, but not both.")
    if basic is None and advanced is None:
        raise _invalid("Specify EventSelectors or AdvancedEventSelectors.")
    if basic is not None:
        trail.__dict__[SELECTORS] = ("basic", _basic(basic))
        answer = {"TrailARN": trail.arn, "EventSelectors": trail.__dict__[SELECTORS][1]}
    else:
        trail.__dict__[SELECTORS] = ("advanced", _advanced(advanced))
        answer = {"TrailARN": trail.arn, "AdvancedEventSelectors": trail.__dict__[SELECTORS][1]}
    return json.dumps(answer)


def get_event_selectors(self: CloudTrailResponse) -> str:
    trail = find(self.cloudtrail_backend, _body(self).get("TrailName"))
    kind, chosen = selectors(trail)
    key = "AdvancedEventSelectors" if kind == "advanced" else "EventSelectors"
    return json.dumps({"TrailARN": trail.arn, key: chosen})


def describe_trails(self: CloudTrailResponse) -> str:
    params = _body(self)
    backend = self.cloudtrail_backend
    names = params.get("trailNameList") or []
    shadows = params.get("includeShadowTrails")
    if names:
        own = list(backend.trails.values())
        every = _account_trails(backend.account_id)
        trails = []
        for key in names:
            pool = every if str(key).startswith("arn:") else own
            trails.extend(t for t in pool if (t.arn if str(key).startswith("arn:") else t.trail_name) == key)
    elif shadows is None or shadows:
        trails = _visible(backend)
    else:
        trails = list(backend.trails.values())
    unique = list({id(t): t for t in trails}.values())
    return json.dumps({"trailList": [t.description(include_region=True) for t in unique]})


_moto_create_trail = CloudTrailBackend.create_trail


def _create_trail(self: CloudTrailBackend, name: str, *args: Any, **kwargs: Any) -> Trail:
    if any(t.trail_name == name for t in _visible(self)):
        arn = f"arn:aws:cloudtrail:{self.region_name}:{self.account_id}:trail/{name}"
        raise _error("TrailAlreadyExistsException", f"Trail {arn} already exists for customer: {self.account_id}")
    return _moto_create_trail(self, name, *args, **kwargs)


def _delete_trail(self: CloudTrailBackend, name: str) -> None:
    trail = find(self, name)
    _home_only(self, trail)
    owner = cloudtrail_backends[trail.account_id][trail.region_name]
    owner.trails.pop(trail.trail_name, None)
    if owner.tagging_service.has_tags(trail.arn):
        owner.tagging_service.delete_all_tags_for_resource(trail.arn)


# --- which trails record an event ---------------------------------------------------------------


def _field_holds(field: dict[str, Any], value: str) -> bool:
    checks = {
        "Equals": lambda v: value == v,
        "StartsWith": lambda v: value.startswith(v),
        "EndsWith": lambda v: value.endswith(v),
    }
    for op, test in checks.items():
        if field.get(op) and not any(test(str(v)) for v in field[op]):
            return False
        negated = field.get("Not" + op)
        if negated and any(test(str(v)) for v in negated):
            return False
    return True


def _advanced_selects(selector: dict[str, Any], event: dict[str, str]) -> bool:
    for field in selector.get("FieldSelectors") or []:
        name = field.get("Field")
        if name not in event or not _field_holds(field, event[name]):
            return False
    return True


def trail_records(trail: Trail, region: str, event_source: str, event_name: str, read_only: bool) -> bool:
    if not trail.status.is_logging:
        return False
    if not (trail.is_multi_region or trail.region_name == region):
        return False
    kind, chosen = selectors(trail)
    if kind == "advanced":
        event = {
            "eventCategory": "Management",
            "readOnly": "true" if read_only else "false",
            "eventSource": event_source,
            "eventName": event_name,
            "eventType": "AwsApiCall",
        }
        return any(_advanced_selects(s, event) for s in chosen)
    for selector in chosen:
        rw = selector.get("ReadWriteType", "All")
        if not selector.get("IncludeManagementEvents", True):
            continue
        if (rw == "ReadOnly" and not read_only) or (rw == "WriteOnly" and read_only):
            continue
        if event_source in (selector.get("ExcludeManagementEventSources") or []):
            continue
        return True
    return False


def recording_trails(account: str, region: str, event_source: str, event_name: str, read_only: bool) -> list[str]:
    """ARNs of the account's trails that log this management event in `region`."""
    return sorted(
        t.arn for t in _account_trails(account) if trail_records(t, region, event_source, event_name, read_only)
    )


_moto_call_action = CloudTrailResponse.call_action


def _call_action(self: CloudTrailResponse) -> Any:
    # moto's CloudTrail handlers return bare JSON strings, served as text/html; AWS answers JSON.
    status, headers, body = _moto_call_action(self)
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/x-amz-json-1.1"
    return status, headers, body


def install() -> None:
    CloudTrailResponse.call_action = _call_action  # type: ignore[method-assign]
    CloudTrailResponse.put_event_selectors = put_event_selectors
    CloudTrailResponse.get_event_selectors = get_event_selectors
    CloudTrailResponse.describe_trails = describe_trails
    Trail.description = _description
    CloudTrailBackend.create_trail = _create_trail
    CloudTrailBackend.delete_trail = _delete_trail
