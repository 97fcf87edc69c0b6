from datetime import UTC, datetime, timedelta

import pytest

from loader.windows import (
    Window,
    backfill_start,
    merge,
    plan_windows,
    split,
    subtract,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


NOW = utc(2026, 11, 25, 18, 30)


def test_split_caps_windows_at_31_days_newest_first_on_midnights():
    windows = split(Window(utc(2025, 10, 26), utc(2026, 11, 25)))
    assert windows[0].end == utc(2026, 11, 25)
    assert windows[-1].start == utc(2025, 10, 26)
    assert all(w.days <= 31 for w in windows)
    assert all(w.start.time() == w.end.time() == datetime.min.time() for w in windows)
    assert [w.start for w in windows] == sorted((w.start for w in windows), reverse=True)
    # contiguous, no gap and no overlap
    for newer, older in zip(windows, windows[1:], strict=False):
        assert older.end == newer.start
    assert sum(w.days for w in windows) == (utc(2026, 11, 25) - utc(2025, 10, 26)).days
    assert len(windows) == 13


def test_split_with_a_non_midnight_end_stays_within_31_days():
    windows = split(Window(utc(2026, 9, 1), utc(2026, 11, 25, 18, 30)))
    assert windows[0].end == utc(2026, 11, 25, 18, 30)
    assert windows[0].start == utc(2026, 10, 26)
    assert all(w.days <= 31 for w in windows)


def test_window_rejects_naive_and_empty_ranges():
    with pytest.raises(ValueError):
        Window(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError):
        Window(utc(2026, 1, 2), utc(2026, 1, 2))


def test_backfill_start_is_the_first_midnight_inside_the_limit():
    assert backfill_start(NOW) == utc(2025, 11, 25)  # 366 days before 2026-11-25 18:30, rounded up
    assert backfill_start(utc(2026, 11, 25)) == utc(2025, 11, 24)  # exactly 366 days
    assert backfill_start(NOW, 30) == utc(2026, 10, 27)


def test_first_run_backfills_as_far_as_circleci_allows_to_end_of_yesterday():
    plan = plan_windows(NOW, [], lag_days=3)
    assert plan.backfill
    assert plan.windows[0].end == utc(2026, 11, 25)  # end of yesterday: today is incomplete
    assert plan.windows[-1].start == utc(2025, 11, 25)
    assert NOW - plan.windows[-1].start <= timedelta(days=366)
    assert all(w.days <= 31 for w in plan.windows)
    assert len(plan.windows) == 12  # 365 days: no POST wasted on a window CircleCI refuses


def test_nothing_older_than_366_days_is_ever_planned():
    explicit = plan_windows(NOW, [], start=utc(2024, 1, 1), end=utc(2026, 1, 1), lag_days=3)
    assert min(w.start for w in explicit.windows) == utc(2025, 11, 25)
    assert "CircleCI keeps 366 days" in explicit.reason
    assert (
        plan_windows(NOW, [], start=utc(2024, 1, 1), end=utc(2024, 3, 1), lag_days=3).windows == []
    )
    # a ledger whose oldest planned window has since aged past the limit: no gap is planned there
    loaded = [Window(utc(2026, 1, 1), utc(2026, 11, 25))]
    later = plan_windows(NOW, loaded, since=utc(2025, 6, 1), lag_days=3)
    assert min(w.start for w in later.windows) == utc(2025, 11, 25)


def test_later_run_reexports_the_lag_from_the_last_complete_day():
    loaded = [Window(utc(2025, 11, 26), utc(2026, 11, 22))]
    plan = plan_windows(NOW, loaded, lag_days=3)
    assert plan.windows == [Window(utc(2026, 11, 19), utc(2026, 11, 25))]


def test_later_run_fills_gaps_left_by_an_interrupted_backfill():
    loaded = [
        Window(utc(2026, 10, 1), utc(2026, 11, 25)),
        Window(utc(2025, 11, 26), utc(2026, 1, 1)),
    ]
    plan = plan_windows(NOW, loaded, lag_days=3)
    gap = Window(utc(2026, 1, 1), utc(2026, 10, 1))
    tail = Window(utc(2026, 11, 22), utc(2026, 11, 25))
    assert merge(plan.windows) == [gap, tail]
    assert all(w.days <= 31 for w in plan.windows)
    assert plan.windows[0] == tail  # newest first
    assert "gap" in plan.reason


def test_nothing_to_do_when_up_to_date_and_no_lag():
    loaded = [Window(utc(2025, 11, 26), utc(2026, 11, 25))]
    assert plan_windows(NOW, loaded, lag_days=0).windows == []


def test_explicit_range_is_aligned_to_days_and_clamped_to_now():
    plan = plan_windows(NOW, [], start=utc(2026, 11, 20, 13), end=utc(2026, 12, 31), lag_days=3)
    assert plan.windows == [Window(utc(2026, 11, 20), NOW)]


def test_explicit_range_in_the_future_is_empty():
    plan = plan_windows(NOW, [], start=utc(2026, 12, 1), end=utc(2026, 12, 5), lag_days=3)
    assert plan.windows == []


def test_subtract_and_merge():
    span = Window(utc(2026, 1, 1), utc(2026, 1, 31))
    covered = [Window(utc(2026, 1, 5), utc(2026, 1, 10)), Window(utc(2026, 1, 8), utc(2026, 1, 12))]
    assert subtract(span, covered) == [
        Window(utc(2026, 1, 1), utc(2026, 1, 5)),
        Window(utc(2026, 1, 12), utc(2026, 1, 31)),
    ]
    assert merge(covered) == [Window(utc(2026, 1, 5), utc(2026, 1, 12))]
    assert subtract(span, [span]) == []


def test_window_label():
    assert Window(utc(2026, 1, 1), utc(2026, 2, 1)).label() == "2026-01-01..2026-01-31"
    assert "UTC" in Window(utc(2026, 1, 1), utc(2026, 1, 1) + timedelta(hours=5)).label()
