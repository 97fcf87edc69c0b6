"""Settings of the simulated Usage Export API, and its clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

# days of simulated history unless told otherwise: 13 months, more than the 366 days the Usage
# Export API serves (docs/api-loading.md), so a backfill reaches the start of what it may ask
DEFAULT_DAYS = 400

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
        history_days: how far back `start` may go, in days of 24 hours: CircleCI's create
            handler refuses a start older than now minus 366 days
            (CircleCI-Labs/terraform-provider-circleci, `UsageExportMaxAge = 366 * 24h`).
        max_window: longest allowed `end - start`.
        created_seconds: time an export stays `created`.
        processing_seconds: time it then stays `processing`.
        posts_per_hour: POST limit per organization (sliding hour); None = unlimited.
        gets_per_minute: GET limit per organization (sliding minute); None = unlimited.
        retry_after: send a `Retry-After` header (seconds) with a 429. Off by default:
            CircleCI's OpenAPI document declares no header on its 429 response, and a 429
            reported from CircleCI's API came with the body `{}` and nothing to wait by
            (kelvintaywl/terraform-provider-circleci#71).
        not_found_org_ids: organizations the simulator lists (`listed_org_ids`, the `serve`
            command's CIRCLECI_ORG_ID) but answers 404 for, like an organization the token's
            user cannot see (faros-ai/airbyte-connectors#2186).
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
    days: int = DEFAULT_DAYS
    end_date: date | None = None
    admin_tokens: tuple[str, ...] = (DEMO_ADMIN_TOKEN,)
    member_tokens: tuple[str, ...] = (DEMO_MEMBER_TOKEN,)
    legacy_tokens: tuple[str, ...] = (DEMO_LEGACY_TOKEN,)
    history_days: int = 366
    max_window: timedelta = timedelta(days=31)
    created_seconds: float = 0.0
    processing_seconds: float = 0.0
    posts_per_hour: int | None = 10
    gets_per_minute: int | None = 10
    retry_after: bool = False
    not_found_org_ids: tuple[str, ...] = ()
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
            now minus `history_days` days.
        """
        return now - timedelta(days=self.history_days)
