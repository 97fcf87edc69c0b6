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

from loader.settings import MAX_WINDOW_DAYS


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


def months_before(moment: datetime, months: int) -> datetime:
    """Return the same UTC time of day `months` calendar months before `moment`.

    The day of the month is kept where it exists and clipped to the month's last day
    otherwise (31 March minus one month is 28 or 29 February).
    """
    moment = moment.astimezone(UTC)
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def backfill_start(now: datetime, months: int) -> datetime:
    """Return the first UTC midnight inside the last `months` months before `now`."""
    return ceil_day(months_before(now, months))


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
    backfill_months: int,
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
        backfill_months: History to load when nothing is loaded yet.
        lag_days: Trailing days re-exported on every refresh (CircleCI can still change them).
        max_days: The longest window CircleCI accepts.

    Returns:
        The plan. With explicit dates it covers exactly them. On a first run it is a backfill
        of `backfill_months` up to the end of yesterday. Later it fills any gap left since
        `since` or the first loaded day (an interrupted backfill, a failed window) and
        re-exports from the last complete day minus `lag_days` to the end of yesterday.
    """
    now = now.astimezone(UTC)
    today = floor_day(now)
    if start is not None or end is not None:
        span_end = min(ceil_day(end), now) if end is not None else today
        span_start = floor_day(start) if start is not None else backfill_start(now, backfill_months)
        if span_start >= span_end:
            return Plan([], False, "the requested range is empty or in the future")
        return Plan(split(Window(span_start, span_end), max_days), False, "requested range")

    if not loaded:
        span = Window(backfill_start(now, backfill_months), today)
        return Plan(split(span, max_days), True, f"first run: backfill {backfill_months} months")

    covered = merge(loaded)
    first_loaded = min(covered[0].start, since) if since is not None else covered[0].start
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
