"""Transitions that are due later: "this NAT gateway is available in 1.2 s".

Nothing runs in the background: routes.py calls run_due() before each request is
served (and before the inventory is read), cfn_settle.py after a stack waited for a
resource, so every request sees the state as of its arrival. Cheap when nothing is
due (one comparison). Callbacks must check that their resource still exists (a reset
drops every backend, not this queue).
"""

import heapq
import itertools
import sys
import threading
import time
import traceback
from collections.abc import Callable

from .common import LOCK

_queue: list[tuple[float, int, Callable[[], None]]] = []
_order = itertools.count()
_queue_lock = threading.Lock()


def schedule(delay: float, callback: Callable[[], None]) -> None:
    """Run `callback` (under the extensions' LOCK) once `delay` seconds have passed."""
    with _queue_lock:
        heapq.heappush(_queue, (time.monotonic() + delay, next(_order), callback))


def run_due() -> None:
    if not _queue or _queue[0][0] > time.monotonic():
        return
    now = time.monotonic()
    due = []
    with _queue_lock:
        while _queue and _queue[0][0] <= now:
            due.append(heapq.heappop(_queue)[2])
    with LOCK:
        for callback in due:
            try:
                callback()
            except Exception:
                traceback.print_exc(file=sys.stderr)


def clear() -> None:
    with _queue_lock:
        _queue.clear()
