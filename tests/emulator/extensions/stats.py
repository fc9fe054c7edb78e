"""Call counts: which AWS operations a client made, and which faults it got.

GET /_emulator/stats answers snapshot(); POST /_emulator/stats/reset starts again.
Counted: every signed AWS request that reaches the emulator (aws_request.py), faulted
ones included, per service (botocore's name) and operation. Not counted: the
/_emulator/ and /moto-api/ routes, CloudFormation response PUTs, unsigned requests.
"""

import threading
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from .aws_request import AwsRequest

_lock = threading.Lock()
_calls: Counter[tuple[str, str]] = Counter()
_faults: Counter[str] = Counter()
_faulted: Counter[tuple[str, str, str]] = Counter()
_since = [time.time(), time.monotonic()]


def count(request: AwsRequest) -> None:
    if request.service is None:
        return
    with _lock:
        _calls[(request.service, request.operation)] += 1


def count_fault(request: AwsRequest, kind: str) -> None:
    with _lock:
        _faults[kind] += 1
        _faulted[(request.service or "unknown", request.operation, kind)] += 1


def reset() -> None:
    with _lock:
        _calls.clear()
        _faults.clear()
        _faulted.clear()
        _since[:] = [time.time(), time.monotonic()]


def snapshot() -> dict[str, Any]:
    with _lock:
        calls: dict[str, dict[str, int]] = {}
        for (service, operation), n in sorted(_calls.items()):
            calls.setdefault(service, {})[operation] = n
        faulted: dict[str, dict[str, dict[str, int]]] = {}
        for (service, operation, kind), n in sorted(_faulted.items()):
            faulted.setdefault(service, {}).setdefault(operation, {})[kind] = n
        return {
            "since": datetime.fromtimestamp(_since[0], timezone.utc).isoformat().replace("+00:00", "Z"),
            "seconds": round(time.monotonic() - _since[1], 3),
            "total_calls": sum(_calls.values()),
            "calls": calls,
            "faults": {"throttle": _faults["throttle"], "5xx": _faults["5xx"]},
            "faulted_calls": faulted,
        }
