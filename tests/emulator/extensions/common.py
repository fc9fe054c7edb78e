"""Helpers shared by the extension modules: runtime config, ids, paging, errors."""

import base64
import hashlib
import os
import random
import string
import threading
from datetime import datetime, timezone
from typing import Any, Sequence

from moto.core.exceptions import ServiceException

# moto's server is threaded; our handlers read-modify-write plain dicts, so the
# extension operations serialise on this lock (cheap: the emulator is not a
# load-testing target).
LOCK = threading.RLock()

_ALNUM = string.ascii_lowercase + string.digits


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return float(raw)


def _env_str(name: str, default: str) -> str:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else raw


def _env_optional_float(name: str) -> float | None:
    raw = os.environ.get(name)
    return None if raw is None or raw == "" else float(raw)


def _env_optional_int(name: str) -> int | None:
    raw = os.environ.get(name)
    return None if raw is None or raw == "" else int(raw)


def _non_negative(key: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a non-negative number")
    return float(value)


def _optional_non_negative(key: str, value: Any) -> float | None:
    return None if value is None else _non_negative(key, value)


def _optional_seed(key: str, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer or null")
    return value


class Config:
    """Knobs that tests and demos may change at runtime (POST /_emulator/config).

    Each key has a validator; a key whose validator lives in another module
    (latency_profile, faults) is registered there, so the rules sit next to their use.
    """

    def __init__(self) -> None:
        self.defaults: dict[str, Any] = {
            # On AWS, EnableSagemakerServicecatalogPortfolio returns at once but the
            # portfolio share is accepted in the background: the portfolio shows up
            # in ListAcceptedPortfolioShares(AWS_SERVICECATALOG) some time later.
            "sc_share_delay_seconds": _env_float("EMULATOR_SC_SHARE_DELAY_SECONDS", 1.0),
            # Added before every AWS request is answered, so that a test can stop a client
            # half way through a run (the crash tests kill the provider mid-apply). Real AWS
            # answers in tens of milliseconds and some creates take minutes; moto answers at once.
            "request_delay_seconds": _env_float("EMULATOR_REQUEST_DELAY_SECONDS", 0.0),
            # SageMaker Studio resources (domains, user profiles, spaces, apps) pass through
            # Pending after a create and Deleting after a delete, as on AWS (minutes there):
            # this long after the call they become InService, or gone (apps: Deleted).
            # Used while latency_profile is "none" (latency_profile.py has AWS's times).
            "studio_delay_seconds": _env_float("EMULATOR_STUDIO_DELAY_SECONDS", 0.3),
            # latency_profile.py: "none" (the delays above, answers at once) or "aws".
            "latency_profile": _env_str("EMULATOR_LATENCY_PROFILE", "none"),
            # Emulator seconds per AWS second for settle times (0.01: an AWS minute in 0.6 s).
            "latency_scale": _env_float("EMULATOR_LATENCY_SCALE", 0.01),
            # The same for the 50-200 ms each AWS call takes; null: follow latency_scale.
            "call_latency_scale": _env_optional_float("EMULATOR_CALL_LATENCY_SCALE"),
            # null: the middle of each range; a number: a seeded draw within it.
            "latency_seed": _env_optional_int("EMULATOR_LATENCY_SEED"),
            # sagemaker_workloads.py: SageMaker jobs (training, processing, ...) are InProgress
            # until stopped; with a number, Completed that many seconds after their creation.
            "job_run_seconds": _env_optional_float("EMULATOR_JOB_RUN_SECONDS"),
            # faults.py: "throttle:0.1,5xx:0.05,seed=1", or "" for none.
            "faults": _env_str("EMULATOR_FAULTS", ""),
            # cloudtrail_events.py: milliseconds between a recorded API call and its event on the
            # account's default EventBridge bus (AWS: seconds to minutes).
            "cloudtrail_delay_ms": _env_float("EMULATOR_CLOUDTRAIL_DELAY_MS", 300.0),
            # events_lambda.py: emulator seconds per AWS second for the waits of asynchronous
            # deliveries (EventBridge's retry backoff, Lambda's 1 and 2 minutes between retries of
            # an asynchronous invocation) and for the event ages they are measured against.
            "async_retry_scale": _env_float("EMULATOR_ASYNC_RETRY_SCALE", 0.001),
        }
        self.validators: dict[str, Any] = {
            "sc_share_delay_seconds": _non_negative,
            "request_delay_seconds": _non_negative,
            "studio_delay_seconds": _non_negative,
            "latency_scale": _non_negative,
            "call_latency_scale": _optional_non_negative,
            "job_run_seconds": _optional_non_negative,
            "latency_seed": _optional_seed,
            "cloudtrail_delay_ms": _non_negative,
            "async_retry_scale": _non_negative,
        }
        self.listeners: list[Any] = []
        self.values = dict(self.defaults)
        for key, check in self.validators.items():  # a bad environment variable fails the start
            self.values[key] = check(key, self.values[key])

    def validator(self, key: str, check: Any) -> None:
        """Register the check for `key` (returns the value to store, or raises ValueError)
        and validate the start-up value with it, so a bad environment variable fails the start."""
        self.validators[key] = check
        self.values[key] = check(key, self.values[key])

    def on_change(self, listener: Any) -> None:
        """Call listener(changed keys) after every successful update."""
        self.listeners.append(listener)

    def get(self, key: str) -> Any:
        return self.values[key]

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(changes) - set(self.values))
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        checked = {}
        for key, value in changes.items():
            check = self.validators.get(key, _non_negative)
            checked[key] = check(key, value)
        with LOCK:
            self.values.update(checked)
        for listener in self.listeners:
            listener(set(checked))
        return dict(self.values)


CONFIG = Config()


def random_id(prefix: str) -> str:
    """An id shaped like Service Catalog's: prefix + 13 lowercase alphanumerics."""
    return prefix + "".join(random.choice(_ALNUM) for _ in range(13))


def stable_id(prefix: str, seed: str) -> str:
    """Like random_id, but always the same for the same seed."""
    digest = hashlib.sha256(seed.encode()).digest()
    return prefix + "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:13])


def paginate(
    items: Sequence[Any],
    token: str | None,
    size: int | None,
    default_size: int,
    error: type[ServiceException],
) -> tuple[list[Any], str | None]:
    """Offset paging with an opaque token; `error` is the service's bad-token error."""
    start = 0
    if token:
        try:
            decoded = base64.urlsafe_b64decode(token.encode()).decode()
            prefix, _, offset = decoded.partition(":")
            if prefix != "emu-page":
                raise ValueError(decoded)
            start = int(offset)
        except (ValueError, UnicodeDecodeError) as exc:
            raise error(f"The page token is not valid: {token}") from exc
    size = size or default_size
    page = list(items[start : start + size])
    end = start + size
    next_token = None
    if end < len(items):
        next_token = base64.urlsafe_b64encode(f"emu-page:{end}".encode()).decode()
    return page, next_token


def as_utc(value: Any) -> datetime | None:
    """A timestamp filter as moto parses it (naive UTC datetime), or epoch seconds, or ISO text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc).replace(tzinfo=None)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def time_filter(created: Any, modified: Any, params: dict[str, Any], names: tuple[str, str, str, str]) -> bool:
    """The Creation/Modified Before/After filters of a List* call (`names` in that order)."""
    created_before, created_after, modified_before, modified_after = (as_utc(params.get(n)) for n in names)
    return (
        (created_before is None or created < created_before)
        and (created_after is None or created > created_after)
        and (modified_before is None or modified < modified_before)
        and (modified_after is None or modified > modified_after)
    )


def state(backend: Any, attr: str, factory: Any) -> Any:
    """Extension state kept on a moto backend instance.

    Storing it on the backend (rather than in module globals) means moto's own
    reset (POST /moto-api/reset), which rebuilds every backend, clears it too,
    and that it is naturally per account and region.
    """
    value = backend.__dict__.get(attr)
    if value is None:
        with LOCK:  # two first users must not each install a state of their own
            value = backend.__dict__.get(attr)
            if value is None:
                value = factory()
                backend.__dict__[attr] = value
    return value


def deep_merge(base: Any, update: Any) -> Any:
    """Merge an Update* call's settings into stored ones: keys not sent stay as they were,
    nested structures merge, lists and scalars are replaced."""
    if isinstance(base, dict) and isinstance(update, dict):
        merged = dict(base)
        for key, value in update.items():
            merged[key] = deep_merge(base.get(key), value)
        return merged
    return update
