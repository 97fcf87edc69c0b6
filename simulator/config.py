"""Settings of the simulated Usage Export API, and its clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

DEMO_ADMIN_TOKEN = "demo-admin-token"  # a demo value for the local simulator, not a secret
DEMO_MEMBER_TOKEN = "demo-member-token"
DEMO_LEGACY_TOKEN = "demo-legacy-token"  # behaves like a token made before 2023-06-23

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock for tests: stands still until moved.

    Args:
        start: the initial time (timezone-aware).
    """

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        """Return the current (manual) time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and return the new time.

        Args:
            seconds: how far.

        Returns:
            The new current time.
        """
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a given time.

        Args:
            moment: the new current time (timezone-aware).
        """
        with self._lock:
            self._now = moment


@dataclass
class SimulatorConfig:
    """How the simulated API behaves. Defaults follow the real service's documented limits.

    Attributes:
        seed: seed of the synthetic usage.
        scale: activity multiplier of the synthetic usage (1.0 is about 1,000 rows a day).
        days: days of history generated, ending yesterday (UTC, by `clock`).
        end_date: last day with usage; default yesterday by `clock`.
        admin_tokens: tokens of organization admins (accepted).
        member_tokens: valid tokens without admin rights (403).
        legacy_tokens: tokens made before 2023-06-23 (401 asking for a new token).
        history_months: how far back `start` may go, in calendar months.
        history_days: if set, overrides `history_months` (e.g. 365 for "one year").
        max_window: longest allowed `end - start`.
        created_seconds: time an export stays `created`.
        processing_seconds: time it then stays `processing`.
        posts_per_hour: POST limit per organization (sliding hour); None = unlimited.
        gets_per_minute: GET limit per organization (sliding minute); None = unlimited.
        retry_after: send a `Retry-After` header (seconds) with a 429.
        url_ttl_seconds: lifetime of a pre-signed download URL.
        parts_per_day: parts per day of export window (see `export_files.parts_for_window`).
        min_parts: fewest parts of a non-empty export.
        max_parts: most parts of an export.
        damaged_rows: give the last row of each export's first part one field too many.
        repeated_rows: write the last row of each export's first part twice.
        host: interface to bind (loopback).
        port: TCP port; 0 picks a free one.
        work_dir: where export files are written; default a temporary folder.
        clock: the time source (injectable for tests).
        log_requests: print one line per request (query strings never printed).
    """

    seed: int = 42
    scale: float = 1.0
    days: int = 400
    end_date: date | None = None
    admin_tokens: tuple[str, ...] = (DEMO_ADMIN_TOKEN,)
    member_tokens: tuple[str, ...] = (DEMO_MEMBER_TOKEN,)
    legacy_tokens: tuple[str, ...] = (DEMO_LEGACY_TOKEN,)
    history_months: int = 13
    history_days: int | None = None
    max_window: timedelta = timedelta(days=31)
    created_seconds: float = 0.0
    processing_seconds: float = 0.0
    posts_per_hour: int | None = 10
    gets_per_minute: int | None = 10
    retry_after: bool = True
    url_ttl_seconds: float = 36 * 3600
    parts_per_day: float = 0.85
    min_parts: int = 2
    max_parts: int = 32
    damaged_rows: bool = False
    repeated_rows: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    work_dir: str | None = None
    clock: Clock = field(default=utc_now)
    log_requests: bool = False

    def history_start(self, now: datetime) -> datetime:
        """Return the oldest allowed `start` at time `now`.

        Args:
            now: the current time.

        Returns:
            now minus the configured history (days, or calendar months).
        """
        if self.history_days is not None:
            return now - timedelta(days=self.history_days)
        month = now.month - self.history_months
        year = now.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        day = min(now.day, _days_in_month(year, month))
        return now.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
