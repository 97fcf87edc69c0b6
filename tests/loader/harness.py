"""Shared set-up for loader tests against the simulator over real HTTP."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from loader.circleci_api.config import CircleCIConfig
from loader.circleci_api.load import LoadSummary, load_from_api
from simulator import ManualClock, Simulator

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = datetime(2026, 11, 25, tzinfo=UTC)


def day(offset: int) -> datetime:
    """UTC midnight `offset` days from today (negative = the past)."""
    return TODAY + timedelta(days=offset)


def loader_config(sim: Simulator, **overrides: Any) -> CircleCIConfig:
    config = CircleCIConfig()
    config.api_token = sim.admin_token
    config.org_ids = list(sim.org_ids)
    config.shared_org_ids = []
    config.api_url = sim.api_url
    config.poll_interval_seconds = 2
    config.max_poll_interval_seconds = 10
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@dataclass
class SleepLog:
    """A sleep function that moves the manual clock instead of waiting, and remembers."""

    clock: ManualClock

    def __post_init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            # The manual clock counts whole microseconds: round up so that time moves.
            self.clock.advance(math.ceil(seconds * 1e6) / 1e6)


def run_api(
    sim: Simulator, db: Path, clock: ManualClock, sleep: SleepLog | None = None, **kwargs: Any
) -> LoadSummary:
    overrides = kwargs.pop("config", {})
    return load_from_api(
        loader_config(sim, **overrides),
        db,
        sleep=sleep or SleepLog(clock),
        clock=lambda: clock().timestamp(),
        progress=lambda tasks: None,
        **kwargs,
    )


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def table_digest(db: Path) -> tuple[int, str]:
    """Row count and a hash of the whole usage table, rows in key order."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = (
            con.sql(
                "select * exclude (_dlt_load_id, _dlt_id) from circleci_raw.usage_job_runs "
                "order by usage_row_id"
            ).fetchall()
            if _has_dlt_columns(con)
            else con.sql(
                "select * from circleci_raw.usage_job_runs order by usage_row_id"
            ).fetchall()
        )
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def _has_dlt_columns(con: duckdb.DuckDBPyConnection) -> bool:
    names = {
        r[0]
        for r in con.sql(
            "select column_name from information_schema.columns "
            "where table_schema = 'circleci_raw' and table_name = 'usage_job_runs'"
        ).fetchall()
    }
    return "_dlt_load_id" in names


def loaded_summary(db: Path) -> tuple[int, int, set[str]]:
    """Rows, distinct keys and the set of job ids in the usage table."""
    rows = query(db, "select usage_row_id, job_id from circleci_raw.usage_job_runs")
    return len(rows), len({r[0] for r in rows}), {r[1] for r in rows if r[1] is not None}


def expected_summary(
    sim: Simulator, start: datetime, end: datetime, org_ids: list[str] | None = None
) -> tuple[int, set[str]]:
    """Rows and job ids the simulator holds for `[start, end]`."""
    table = sim.generator.table(org_ids or sim.org_ids, start, end)
    jobs = {j for j in table.column("JOB_ID").to_pylist() if j is not None}
    return table.num_rows, jobs


def assert_loaded_exactly(
    db: Path, sim: Simulator, start: datetime, end: datetime, org_ids: list[str] | None = None
) -> int:
    rows, keys, jobs = loaded_summary(db)
    expected_rows, expected_jobs = expected_summary(sim, start, end, org_ids)
    assert rows == keys, "a row is stored twice"
    assert jobs == expected_jobs
    assert rows == expected_rows
    return rows
