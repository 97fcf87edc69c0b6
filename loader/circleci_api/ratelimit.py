"""Client-side request budgets: stay inside CircleCI's per-organization limits unasked.

CircleCI allows 10 export creations (POST) per hour and 10 reads (GET) per minute per
organization. Spending the budget blindly earns 429s, and a refused POST costs up to an hour,
so the loader counts its own requests in a sliding window and waits before sending rather than
after being refused.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable


class RequestBudget:
    """At most `limit` requests in any `period` seconds (a sliding window)."""

    def __init__(self, limit: int, period: float, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0

    def preload(self, timestamps: Iterable[float]) -> None:
        """Count requests an earlier run made (epoch seconds) against this budget."""
        for moment in sorted(timestamps):
            self._sent.append(moment)
        self._expire(self._clock())

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        while len(self._sent) > self.limit:
            self._sent.popleft()

    def available_at(self) -> float:
        """Epoch seconds at which the next request may be sent (now or later)."""
        now = self._clock()
        self._expire(now)
        ready = now if len(self._sent) < self.limit else self._sent[0] + self.period
        return max(ready, self._blocked_until, now)

    def wait_seconds(self) -> float:
        """Seconds until the next request may be sent."""
        return max(0.0, self.available_at() - self._clock())

    def record(self) -> None:
        """Count a request sent now."""
        now = self._clock()
        self._expire(now)
        self._sent.append(now)

    def block_for(self, seconds: float) -> None:
        """Send nothing for `seconds` (the server said so, for example with `Retry-After`)."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    @property
    def used(self) -> int:
        """Requests counted in the current window."""
        self._expire(self._clock())
        return len(self._sent)
