"""Sliding-window rate limits per (organization, method), like the real API's.

Only requests the limiter accepts use up the budget (even if the body is then refused with
400); a request refused with 429 does not count, so a client that waits until the oldest
accepted request leaves the window gets through.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime


class SlidingWindowLimiter:
    """At most `limit` accepted requests per key in any `window_seconds`.

    Args:
        limit: requests allowed per window; None means no limit.
        window_seconds: window length.
    """

    def __init__(self, limit: int | None, window_seconds: float) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._accepted: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, now: datetime) -> float | None:
        """Try to accept a request.

        Args:
            key: what the limit is per (e.g. "org-id POST").
            now: the current time.

        Returns:
            None when accepted, else the seconds until a request would be accepted.
        """
        if self.limit is None:
            return None
        t = now.timestamp()
        with self._lock:
            times = self._accepted.setdefault(key, deque())
            while times and times[0] <= t - self.window_seconds:
                times.popleft()
            if len(times) < self.limit:
                times.append(t)
                return None
            return max(times[0] + self.window_seconds - t, 0.0)


def retry_after_header(wait_seconds: float) -> str:
    """Return a Retry-After value: whole seconds, at least 1.

    Args:
        wait_seconds: the exact wait.

    Returns:
        The header value.
    """
    return str(max(1, math.ceil(wait_seconds)))
