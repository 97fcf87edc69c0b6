"""The API path end to end: the loader against the simulator over real HTTP on 127.0.0.1.

Time is a manual clock shared by the simulator and the loader: waiting an hour for the POST
budget costs nothing, and every run is deterministic.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import loader.circleci_api.runner
from loader.states import COMPLETED, DONE, FAILED
from loader.windows import backfill_start
from simulator import ManualClock, Simulator, SimulatorConfig
from tests.loader.harness import (
    NOW,
    TODAY,
    SleepLog,
    assert_loaded_exactly,
    day,
    query,
    run_api,
    table_digest,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def make_sim(clock: ManualClock, tmp_path: Path, **overrides: object) -> Simulator:
    settings: dict[str, object] = {
        "seed": 11,
        "scale": 0.02,
        "clock": clock,
        "work_dir": str(tmp_path / "sim"),
    }
    settings.update(overrides)
    return Simulator(SimulatorConfig(**settings))  # type: ignore[arg-type]


@pytest.fixture
def sim(clock: ManualClock, tmp_path: Path):
    with make_sim(clock, tmp_path) as simulator:
        yield simulator


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db" / "costs.duckdb"


def ledger(db: Path) -> list[tuple]:
    return query(
        db,
        "select org_id, window_start, window_end, state, parts, rows, attempts, error_reason "
        "from circleci_raw.export_windows order by org_id, window_start",
    )


def test_backfill_loads_366_days_of_every_org_within_the_rate_limits(sim, db, clock):
    sleep = SleepLog(clock)
    summary = run_api(sim, db, clock, sleep)

    start = backfill_start(NOW)
    assert NOW - start <= timedelta(days=366) < NOW - start + timedelta(days=1)
    rows = assert_loaded_exactly(db, sim, start, TODAY)
    assert rows > 3000
    windows = ledger(db)
    assert len(windows) == 24 and {w[3] for w in windows} == {COMPLETED}
    assert all(w[4] >= 2 for w in windows), "every export has several parts"
    assert sum(w[5] for w in windows) >= rows  # boundary rows are exported twice, stored once
    assert not summary.failed and not summary.remaining
    stats = sim.stats()
    # 12 windows per org do not fit the 10-an-hour POST budget: the loader waited, unasked,
    # instead of being refused, and kept several exports in flight at once; no POST was
    # refused as too old (the simulator refuses a start older than 366 days, as CircleCI does).
    assert stats.count(status=429) == 0
    assert stats.count(status=400) == 0
    assert sum(sleep.sleeps) > 3000
    assert clock() - NOW >= timedelta(minutes=55)
    assert min(stats.max_concurrent_exports_by_org.values()) >= 5
    assert stats.exports_created == 24
    assert stats.credential_leaks == []


def test_loading_the_same_range_twice_changes_nothing(sim, db, clock):
    run_api(sim, db, clock, start=day(-20), end=day(-5))
    before = table_digest(db)
    run_api(sim, db, clock, start=day(-20), end=day(-5))
    assert table_digest(db) == before
    assert before[0] == assert_loaded_exactly(db, sim, day(-20), day(-5))


def test_overlapping_windows_never_double_a_row(sim, db, clock):
    run_api(sim, db, clock, start=day(-30), end=day(-10))
    run_api(sim, db, clock, start=day(-15), end=day(-2))
    assert_loaded_exactly(db, sim, day(-30), day(-2))


def test_a_later_run_reexports_only_the_trailing_days(sim, db, clock):
    run_api(sim, db, clock, config={"backfill_days": 30})
    clock.advance(24 * 3600)
    summary = run_api(sim, db, clock, config={"backfill_days": 30})
    tasks = summary.outcome.tasks
    assert len(tasks) == 2  # one window per org
    # the three days loaded last (CircleCI may still change them) and the new day
    assert {(t.window.start, t.window.end) for t in tasks} == {(day(-3), day(1))}
    assert_loaded_exactly(db, sim, backfill_start(NOW, 30), day(1))


def test_an_empty_window_is_zero_rows_not_an_error(clock, tmp_path, db):
    with make_sim(clock, tmp_path, days=20) as sim:
        summary = run_api(sim, db, clock, start=day(-60), end=day(-40))
        assert [t.state for t in summary.outcome.tasks] == [DONE, DONE]
        assert [(w[3], w[4], w[5]) for w in ledger(db)] == [(COMPLETED, 0, 0)] * 2


def test_a_failed_export_is_created_again(sim, db, clock):
    org = sim.org_ids[0]
    sim.faults.fail_exports(org_id=org, times=1, reason="Query execution failed.")
    summary = run_api(sim, db, clock, start=day(-10), end=day(-1))
    assert not summary.failed
    assert_loaded_exactly(db, sim, day(-10), day(-1))
    attempts = {w[0]: w[6] for w in ledger(db)}
    assert attempts[org] == 2 and attempts[sim.org_ids[1]] == 1


def test_an_export_that_keeps_failing_is_reported_and_the_rest_is_kept(sim, db, clock):
    org = sim.org_ids[0]
    sim.faults.fail_exports_containing(
        day(-3).date(), org_id=org, reason="Result set exceeds 100MB."
    )
    summary = run_api(sim, db, clock, start=day(-10), end=day(-1), config={"max_window_days": 5})
    failed = summary.failed
    assert [(t.org_id, t.window.start) for t in failed] == [(org, day(-6))]
    assert "100MB" in (failed[0].error or "")
    rows = {(w[0], w[1]): (w[3], w[7]) for w in ledger(db)}
    assert rows[(org, day(-6))] == ("failed", "Result set exceeds 100MB.")
    assert rows[(org, day(-10))][0] == COMPLETED
    # the next run tries the failed window again (it is a gap in the ledger)
    sim.faults.clear()
    again = run_api(sim, db, clock, start=None, end=None, config={"backfill_days": 30})
    assert not again.failed


@pytest.mark.parametrize("retry_after", [7, None])
def test_429_is_honoured_with_and_without_retry_after(sim, db, clock, retry_after):
    sleep = SleepLog(clock)
    sim.faults.rate_limit("get", times=2, retry_after=retry_after)
    sim.faults.rate_limit("post", times=1, retry_after=retry_after)
    summary = run_api(sim, db, clock, sleep, start=day(-10), end=day(-1))
    assert not summary.failed
    assert_loaded_exactly(db, sim, day(-10), day(-1))
    assert sim.stats().count(status=429) == 3
    if retry_after is not None:
        assert sleep.sleeps.count(retry_after) >= 2  # waited exactly what the server asked
    else:
        assert any(0 < s <= 1.0 for s in sleep.sleeps)  # exponential backoff starts small


def test_server_errors_and_dropped_connections_are_retried(sim, db, clock):
    sim.faults.http_error("post", status=500)
    sim.faults.http_error("get", status=503, times=2)
    sim.faults.drop_connection("get")
    sim.faults.drop_connection("download")
    sim.faults.http_error("download", status=500)
    summary = run_api(sim, db, clock, start=day(-10), end=day(-1))
    assert not summary.failed
    assert_loaded_exactly(db, sim, day(-10), day(-1))
    assert sim.faults.pending() == 0


@pytest.mark.parametrize("mode", ["short_body", "cut_gzip"])
def test_a_truncated_part_is_downloaded_again(sim, db, clock, mode):
    sim.faults.truncate_download(mode, times=2)
    summary = run_api(sim, db, clock, start=day(-10), end=day(-1))
    assert not summary.failed
    assert_loaded_exactly(db, sim, day(-10), day(-1))
    parts = sum(w[4] for w in ledger(db))
    assert sim.stats().downloads == parts  # the truncated transfers were not counted as parts


def test_expired_urls_are_replaced_by_a_fresh_get(sim, db, clock, monkeypatch):
    real = loader.circleci_api.runner.download_part
    expired = []

    def expire_then_download(session, url, path):
        if not expired:
            sim.expire_all_urls()  # the URLs the loader holds are now stale
            expired.append(url)
        return real(session, url, path)

    monkeypatch.setattr(loader.circleci_api.runner, "download_part", expire_then_download)
    summary = run_api(sim, db, clock, start=day(-10), end=day(-1))
    assert not summary.failed
    assert_loaded_exactly(db, sim, day(-10), day(-1))
    assert sim.stats().download_responses[403] >= 1


def test_post_budget_spent_with_no_wait_then_the_next_run_continues(sim, db, clock):
    config = {"backfill_days": 92, "max_window_days": 7}
    first = run_api(sim, db, clock, no_wait=True, config=config)
    assert first.outcome.stopped_early
    remaining = first.remaining
    assert len(remaining) == 2 * (len(first.outcome.tasks) // 2 - 10)
    assert len(first.outcome.with_state(DONE)) == 20  # 10 exports an hour per org
    assert all(t.window.start < day(-60) for t in remaining), "newest windows load first"
    assert sim.stats().count(status=429) == 0

    clock.advance(3600)
    second = run_api(sim, db, clock, no_wait=True, config=config)
    assert not second.remaining and not second.failed
    assert_loaded_exactly(db, sim, backfill_start(NOW, 92), TODAY)


def test_export_jobs_created_before_an_interruption_are_collected_not_created_again(
    clock, tmp_path, db
):
    with make_sim(clock, tmp_path, processing_seconds=30) as sim:

        def interrupt(seconds: float) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run_api(sim, db, clock, interrupt, start=day(-20), end=day(-1))
        created = sim.stats().exports_created
        assert created == 2
        assert {w[3] for w in ledger(db)} == {"created"}

        clock.advance(60)
        summary = run_api(sim, db, clock, start=day(-20), end=day(-1))
        assert sim.stats().exports_created == created  # no POST spent again
        assert not summary.failed
        assert_loaded_exactly(db, sim, day(-20), day(-1))


def test_a_start_older_than_the_service_keeps_is_moved_forward(clock, tmp_path, db, caplog):
    with make_sim(clock, tmp_path, history_days=365) as sim:
        summary = run_api(sim, db, clock, config={"max_window_days": 31})
        assert not summary.failed
        starts = [w[1] for w in ledger(db) if w[3] == COMPLETED]
        oldest = min(starts)
        skipped = [w for w in ledger(db) if w[3] == "skipped"]
        assert {w[0] for w in skipped} == set(sim.org_ids)
        assert all("older than CircleCI keeps" in w[7] for w in skipped)
        assert NOW - oldest <= timedelta(days=365)
        assert NOW - oldest > timedelta(days=363)
        assert "moving the window's start forward" in caplog.text
        assert_loaded_exactly(db, sim, oldest, TODAY)


def test_shared_org_ids_are_sent_with_each_export(sim, db, clock):
    own, shared = sim.org_ids
    summary = run_api(
        sim,
        db,
        clock,
        start=day(-5),
        end=day(-1),
        config={"org_ids": [own], "shared_org_ids": [shared]},
    )
    assert not summary.failed
    orgs = {
        r[0] for r in query(db, "select distinct organization_id from circleci_raw.usage_job_runs")
    }
    assert orgs == {own, shared}
    assert_loaded_exactly(db, sim, day(-5), day(-1))


def test_a_window_whose_part_is_not_an_export_fails_alone(sim, db, clock, monkeypatch):
    real = loader.circleci_api.runner.download_part
    spoiled = []

    def spoil_first_part(session, url, path):
        size = real(session, url, path)
        if not spoiled:
            import gzip

            path.write_bytes(gzip.compress(b"NOT,A,USAGE,EXPORT\n1,2,3,4\n"))
            spoiled.append(path)
        return size

    monkeypatch.setattr(loader.circleci_api.runner, "download_part", spoil_first_part)
    summary = run_api(sim, db, clock, start=day(-10), end=day(-1))
    assert len(summary.failed) == 1
    assert "ORGANIZATION_ID is missing" in (summary.failed[0].error or "")
    states = sorted(w[3] for w in ledger(db))
    assert states == [COMPLETED, FAILED]


def test_polling_spends_the_get_budget_on_exports_likely_done(clock, tmp_path, db):
    # CircleCI takes tens of seconds per export and allows 10 reads a minute: polling every
    # export on a timer would spend the budget on answers of "processing".
    with make_sim(clock, tmp_path, processing_seconds=30) as sim:
        org = sim.org_ids[0]
        summary = run_api(
            sim,
            db,
            clock,
            start=day(-70),
            end=day(-1),
            config={
                "org_ids": [org],
                "max_window_days": 7,
                "poll_interval_seconds": 10,  # the defaults
                "max_poll_interval_seconds": 60,
            },
        )
        windows = len(summary.outcome.tasks)
        assert windows == 10 and not summary.failed
        gets = sim.stats().count(method="GET")
        assert gets <= windows + 4, f"{gets} status requests for {windows} exports"
        assert sim.stats().count(status=429) == 0
        assert clock() - NOW < timedelta(minutes=3)


def test_demo_data_and_real_data_never_share_a_database(sim, db, clock):
    from loader.cli.demo import reset_demo_database
    from loader.errors import ConfigurationError
    from loader.source import usage_export
    from loader.source.ledger import WindowRecord
    from loader.source.pipeline import create_pipeline, run

    run_api(sim, db, clock, start=day(-3), end=day(-1))
    with pytest.raises(ConfigurationError, match="holds the demo's simulated data"):
        run_api(sim, db, clock, config={"api_url": "https://circleci.example/api/v2"})

    real = db.parent / "real.duckdb"
    record = WindowRecord(sim.org_ids[0], day(-2), day(-1), "job", COMPLETED, source="circleci.com")
    run(create_pipeline(real), usage_export(windows=[record]))
    with pytest.raises(ConfigurationError, match="holds data loaded from CircleCI"):
        reset_demo_database(real)
    assert real.exists()
    reset_demo_database(db)  # the demo's own database is simply replaced
    assert not db.exists()


def test_a_backfill_that_waits_for_the_post_budget_never_posts_a_start_too_old(tmp_path, db):
    # Planned at 23:30: the oldest window starts half an hour inside CircleCI's 366 days. The
    # POST budget (10 an hour) makes it wait an hour, by which time that start is too old: the
    # loader moves it forward before its POST instead of spending the POST on a refusal.
    late = ManualClock(NOW.replace(hour=23, minute=30))
    with make_sim(late, tmp_path) as sim:
        org = sim.org_ids[0]
        summary = run_api(sim, db, late, config={"org_ids": [org]})
        assert not summary.failed and not summary.remaining
        stats = sim.stats()
        assert stats.count(status=400) == 0 and stats.count(status=429) == 0
        assert stats.exports_created == len(summary.outcome.tasks) == 12
        created = query(
            db,
            "select window_start, created_at from circleci_raw.export_windows "
            "where state = 'completed'",
        )
        assert all(created_at - start <= timedelta(days=366) for start, created_at in created)
        oldest = min(start for start, _ in created)
        planned = backfill_start(NOW.replace(hour=23, minute=30))
        assert planned == TODAY - timedelta(days=365)  # the plan: 365 whole days
        assert oldest == planned + timedelta(days=1)  # its first day aged out while it waited
        [skipped] = [w for w in ledger(db) if w[3] == "skipped"]
        assert skipped[1] == planned and "older than CircleCI keeps" in skipped[7]
        assert_loaded_exactly(db, sim, oldest, TODAY, org_ids=[org])


def test_an_explicit_start_older_than_366_days_is_clamped_without_a_refused_post(sim, db, clock):
    org = sim.org_ids[0]
    summary = run_api(sim, db, clock, start=day(-800), end=day(-300), config={"org_ids": [org]})
    assert not summary.failed
    oldest = backfill_start(NOW)
    assert min(t.window.start for t in summary.outcome.tasks) == oldest
    stats = sim.stats()
    assert stats.count(status=400) == 0
    assert stats.exports_created == len(summary.outcome.tasks) == 3  # 66 days, 31 at a time
    assert_loaded_exactly(db, sim, oldest, day(-300), org_ids=[org])


def test_429s_without_retry_after_from_the_rate_limiter_are_waited_out(clock, tmp_path, db):
    # CircleCI sends no Retry-After: a loader told a looser GET budget than the service's is
    # refused, backs off with jitter and still loads everything.
    with make_sim(clock, tmp_path, gets_per_minute=2) as sim:
        sleep = SleepLog(clock)
        config = {"gets_per_minute": 60, "max_window_days": 5}
        summary = run_api(sim, db, clock, sleep, start=day(-40), end=day(-1), config=config)
        assert not summary.failed
        refused = [r for r in sim.stats().requests if r.status == 429]
        assert refused and all(r.method == "GET" for r in refused)
        assert_loaded_exactly(db, sim, day(-40), day(-1))


def test_an_org_that_keeps_failing_fails_alone(sim, db, clock):
    broken, healthy = sim.org_ids
    sim.faults.http_error("post", status=503, times=50, org_id=broken)
    summary = run_api(sim, db, clock, start=day(-10), end=day(-1))
    assert list(summary.failed_orgs) == [broken]
    assert "kept failing" in summary.failed_orgs[broken]
    assert {t.org_id for t in summary.failed} == {broken}
    assert sim.stats().count(org_id=broken, method="POST") == 5  # request_attempts, then stop
    assert_loaded_exactly(db, sim, day(-10), day(-1), org_ids=[healthy])
