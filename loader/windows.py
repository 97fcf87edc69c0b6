"""Plan the export windows: UTC-aligned, at most 31 days, newest first.

A window is a half-open range of whole UTC days, `[start, end)`. It is sent to CircleCI with
`end` as the inclusive end, so two adjacent windows share one instant; the merge on
`usage_row_id` makes that overlap harmless, while never asking for `23:59:59` guarantees no
row of the last second of a day is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from loader.settings import MAX_HISTORY_DAYS, MAX_WINDOW_DAYS


@dataclass(frozen=True, order=True)
class Window:
    """A range of time to export, `[start, end)`, both timezone-aware UTC datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"empty window {self.start} .. {self.end}")

    @property
    def days(self) -> float:
        """Length of the window in days."""
        return (self.end - self.start) / timedelta(days=1)

    def label(self) -> str:
        """Human-readable span, for progress and error messages."""
        last = self.end - timedelta(microseconds=1)
        if self.end.time() == time(0) and self.start.time() == time(0):
            return f"{self.start.date()}..{last.date()}"
        return f"{self.start:%Y-%m-%d %H:%M}..{self.end:%Y-%m-%d %H:%M} UTC"


def midnight(day: date) -> datetime:
    """Return 00:00 UTC of `day`."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def floor_day(moment: datetime) -> datetime:
    """Return 00:00 UTC of the day `moment` falls on."""
    return midnight(moment.astimezone(UTC).date())


def ceil_day(moment: datetime) -> datetime:
    """Return `moment` if it is a UTC midnight, else the next UTC midnight."""
    floor = floor_day(moment)
    return floor if floor == moment else floor + timedelta(days=1)


def backfill_start(now: datetime, days: int = MAX_HISTORY_DAYS) -> datetime:
    """Return the first UTC midnight inside the last `days` days before `now`."""
    return ceil_day(now.astimezone(UTC) - timedelta(days=days))


def oldest_allowed_start(now: datetime) -> datetime:
    """The oldest UTC midnight CircleCI accepts as an export's start at `now` (366 days)."""
    return backfill_start(now, MAX_HISTORY_DAYS)


def split(span: Window, max_days: int = MAX_WINDOW_DAYS) -> list[Window]:
    """Cut `span` into windows of at most `max_days` days, newest first.

    Boundaries fall on UTC midnights counted back from the end, so the newest window is always
    full and only the oldest may be short.
    """
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    windows: list[Window] = []
    end = span.end
    step = timedelta(days=max_days)
    while end > span.start:
        start = max(span.start, ceil_day(end - step))
        windows.append(Window(start, end))
        end = start
    return windows


def subtract(span: Window, covered: Iterable[Window]) -> list[Window]:
    """Return the parts of `span` that no window in `covered` touches, oldest first."""
    gaps: list[Window] = []
    cursor = span.start
    for window in sorted(covered):
        if window.end <= cursor or window.start >= span.end:
            continue
        if window.start > cursor:
            gaps.append(Window(cursor, min(window.start, span.end)))
        cursor = max(cursor, window.end)
        if cursor >= span.end:
            break
    if cursor < span.end:
        gaps.append(Window(cursor, span.end))
    return gaps


def merge(windows: Iterable[Window]) -> list[Window]:
    """Union of windows as a sorted list of disjoint windows (touching ones are joined)."""
    merged: list[Window] = []
    for window in sorted(windows):
        if merged and window.start <= merged[-1].end:
            last = merged.pop()
            merged.append(Window(last.start, max(last.end, window.end)))
        else:
            merged.append(window)
    return merged


@dataclass(frozen=True)
class Plan:
    """What one organization needs exported, and why."""

    windows: list[Window]
    backfill: bool
    reason: str


def plan_windows(
    now: datetime,
    loaded: Sequence[Window],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    since: datetime | None = None,
    backfill_days: int = MAX_HISTORY_DAYS,
    lag_days: int,
    max_days: int = MAX_WINDOW_DAYS,
) -> Plan:
    """Plan the windows one organization needs, newest first.

    Args:
        now: The current time (UTC); nothing at or after it is requested.
        loaded: Windows already loaded for this organization (from the ledger).
        since: The start of the history earlier runs set out to load (the ledger's oldest
            planned window), so a backfill stopped before its oldest windows is completed.
        start: Explicit start (`--start`), aligned down to a UTC midnight.
        end: Explicit end (`--end`), aligned up to a UTC midnight, then clamped to `now`.
        backfill_days: History to load when nothing is loaded yet (at most CircleCI's 366).
        lag_days: Trailing days re-exported on every refresh (CircleCI can still change them).
        max_days: The longest window CircleCI accepts.

    Returns:
        The plan. With explicit dates it covers exactly them. On a first run it is a backfill
        of `backfill_days` up to the end of yesterday. Later it fills any gap left since
        `since` or the first loaded day (an interrupted backfill, a failed window) and
        re-exports from the last complete day minus `lag_days` to the end of yesterday.
        Nothing older than CircleCI accepts (366 days before `now`) is ever planned: such a
        window could only be refused, and would cost a POST of the hourly budget.
    """
    now = now.astimezone(UTC)
    today = floor_day(now)
    oldest = oldest_allowed_start(now)
    if start is not None or end is not None:
        span_end = min(ceil_day(end), now) if end is not None else today
        span_start = floor_day(start) if start is not None else backfill_start(now, backfill_days)
        reason = "requested range"
        if span_start < oldest:
            reason += f" from {oldest.date()} (CircleCI keeps {MAX_HISTORY_DAYS} days)"
            span_start = oldest
        if span_start >= span_end:
            return Plan([], False, "the requested range is empty, in the future or too old")
        return Plan(split(Window(span_start, span_end), max_days), False, reason)

    if not loaded:
        span = Window(max(backfill_start(now, backfill_days), oldest), today)
        return Plan(split(span, max_days), True, f"first run: backfill {backfill_days} days")

    covered = merge(loaded)
    first_loaded = min(covered[0].start, since) if since is not None else covered[0].start
    first_loaded = max(first_loaded, oldest)
    last_complete = min(floor_day(max(w.end for w in covered)), today)
    tail_start = max(first_loaded, last_complete - timedelta(days=lag_days))
    wanted = subtract(Window(first_loaded, today), covered) if first_loaded < today else []
    if tail_start < today:
        wanted.append(Window(tail_start, today))
    needed = merge(wanted)
    windows = sorted(
        (piece for span in needed for piece in split(span, max_days)),
        key=lambda w: w.start,
        reverse=True,
    )
    gaps = [w for w in needed if w.end <= tail_start]
    reason = f"refresh from {tail_start.date()} (re-export lag {lag_days} days)"
    if gaps:
        reason += f" and {len(gaps)} gap(s) left by earlier runs"
    return Plan(windows, False, reason)
