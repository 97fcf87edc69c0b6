"""`python -m loader` as a user runs it: a real process, real HTTP, a real DuckDB file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator import Simulator, SimulatorConfig, write_parts
from tests.loader.harness import assert_loaded_exactly, query, table_digest

REPO = Path(__file__).resolve().parents[3]
TOKEN = "CCIPAT_test_Secret_TOKEN_0123456789abcdef"


def today() -> datetime:
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCLECI_", "SOURCES__"))}
    # an empty dlt project folder: no developer's secrets.toml can leak into the test
    project = tmp_path / "dlt-project"
    project.mkdir(exist_ok=True)
    env.update(
        DLT_PROJECT_DIR=str(project),
        RUNTIME__DLTHUB_TELEMETRY="false",
        CIRCLECI_COSTS_DB=str(tmp_path / "db" / "costs.duckdb"),
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def loader(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loader", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def sim_env(sim: Simulator, tmp_path: Path, token: str | None = None, **extra: str) -> dict:
    return environment(
        tmp_path,
        CIRCLECI_TOKEN=token or sim.admin_token,
        CIRCLECI_ORG_ID=",".join(sim.org_ids),
        CIRCLECI_API_URL=sim.api_url,
        SOURCES__CIRCLECI__POLL_INTERVAL_SECONDS="0.2",
        SOURCES__CIRCLECI__MAX_POLL_INTERVAL_SECONDS="1",
        **extra,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def make_sim(tmp_path: Path, **overrides: object) -> Simulator:
    settings: dict[str, object] = {
        "seed": 5,
        "scale": 0.03,
        "admin_tokens": (TOKEN, "demo-admin-token"),
        "work_dir": str(tmp_path / "sim"),
        "processing_seconds": 0.2,
    }
    settings.update(overrides)
    return Simulator(SimulatorConfig(**settings))  # type: ignore[arg-type]


@pytest.fixture
def sim(tmp_path: Path):
    with make_sim(tmp_path) as simulator:
        yield simulator


@pytest.fixture
def fast_sim(tmp_path: Path):
    """Without rate limits: many windows, quickly (the limits have tests of their own)."""
    with make_sim(tmp_path, posts_per_hour=None, gets_per_minute=None) as simulator:
        yield simulator


def test_without_credentials_one_line_names_the_settings_and_the_demo(tmp_path):
    result = loader("api", env=environment(tmp_path))
    assert result.returncode == 2
    line = one_error_line(result)
    for needed in ("CIRCLECI_TOKEN", "CIRCLECI_ORG_ID", "make demo"):
        assert needed in line


def test_make_refresh_without_credentials_stops_with_that_line(tmp_path):
    env = environment(tmp_path)
    env.pop("MAKEFLAGS", None)
    result = subprocess.run(
        ["make", "--no-print-directory", "refresh"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    assert "CIRCLECI_TOKEN" in result.stderr and "make demo" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("token", "org", "expected"),
    [
        ("not-a-token", None, "rejected the API token (401"),
        ("demo-legacy-token", None, "New format tokens are needed"),
        ("demo-member-token", None, "not an admin of organization"),
        (None, "00000000-0000-4000-8000-000000000000", "does not know organization"),
    ],
)
def test_auth_errors_are_one_clear_sentence(sim, tmp_path, token, org, expected):
    env = sim_env(sim, tmp_path, token=token)
    if org:
        env["CIRCLECI_ORG_ID"] = org
    start = (today() - timedelta(days=3)).date().isoformat()
    result = loader("api", "--start", start, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # one line per organization, each saying why and what to do
    orgs = env["CIRCLECI_ORG_ID"].split(",")
    failed = [line.strip() for line in result.stderr.splitlines() if "FAILED" in line]
    assert [line.split(":")[0] for line in failed] == [f"FAILED organization {o}" for o in orgs]
    assert all(expected in line for line in failed)
    assert (token or sim.admin_token) not in result.stdout + result.stderr


def test_a_bad_date_is_a_usage_error(tmp_path):
    result = loader("api", "--start", "last tuesday", env=environment(tmp_path))
    assert result.returncode == 2
    assert "not a date" in result.stderr and "Traceback" not in result.stderr


def test_the_token_and_download_urls_never_leak(sim, tmp_path):
    env = sim_env(sim, tmp_path, token=TOKEN)
    start = (today() - timedelta(days=10)).date().isoformat()
    # a dropped download and an expired URL make the loader log its retries too
    sim.faults.drop_connection("download")
    sim.faults.http_error("get", status=502)
    result = loader("-v", "api", "--start", start, env=env)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "Loaded" in output
    assert "/objects/" in output or "part" in output  # the verbose log did talk about downloads
    for secret in (TOKEN, "X-Signature", "X-Expires"):
        assert secret not in output
    db = Path(env["CIRCLECI_COSTS_DB"])
    for path in [db, *sorted(db.parent.rglob("*"))]:
        if path.is_file():
            data = path.read_bytes()
            assert TOKEN.encode() not in data, path
            assert b"X-Signature" not in data, path
    assert sim.stats().credential_leaks == []


def test_killed_runs_then_a_rerun_give_exactly_the_complete_data(fast_sim, tmp_path):
    sim = fast_sim
    env = sim_env(
        sim,
        tmp_path,
        SOURCES__CIRCLECI__MAX_WINDOW_DAYS="5",
        SOURCES__CIRCLECI__POSTS_PER_HOUR="1000",
        SOURCES__CIRCLECI__GETS_PER_MINUTE="6000",
        SOURCES__CIRCLECI__MAX_IN_FLIGHT="3",
    )
    start = today() - timedelta(days=60)
    args = ["api", "--start", start.date().isoformat()]

    # 1. killed with SIGKILL right after its second window was committed
    process = subprocess.Popen(
        [sys.executable, "-m", "loader", *args],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    loaded = 0
    assert process.stderr is not None
    for line in process.stderr:
        if " Loaded " in line:
            loaded += 1
            if loaded == 2:
                process.send_signal(signal.SIGKILL)
                break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    # 2. killed at an arbitrary moment, probably in the middle of a load
    process = subprocess.Popen(
        [sys.executable, "-m", "loader", *args],
        cwd=REPO,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(4.0)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)

    # 3. the next run completes, and the database holds exactly the data, once
    result = loader(*args, env=env)
    assert result.returncode == 0, result.stderr
    db = Path(env["CIRCLECI_COSTS_DB"])
    assert_loaded_exactly(db, sim, start, today())
    states = query(db, "select distinct state from circleci_raw.export_windows")
    assert states == [("completed",)]


def test_files_are_loaded_with_the_same_parser_and_merge(sim, tmp_path):
    start, end = today() - timedelta(days=20), today()
    table = sim.generator.table(sim.org_ids, start, end)
    folder = tmp_path / "export"
    write_parts(table, folder / "first", 3)
    # the same rows again, in another export with other parts and a shuffled header
    write_parts(table, folder / "again", 5, shuffle_seed=3)
    env = environment(tmp_path)
    result = loader("files", str(folder), env=env)
    assert result.returncode == 0, result.stderr
    # two copies read, each row stored once: the count printed is what landed
    assert f"Loaded 8 file(s), {table.num_rows:,} rows" in result.stdout
    db = Path(env["CIRCLECI_COSTS_DB"])
    assert_loaded_exactly(db, sim, start, end)
    before = table_digest(db)
    assert loader("files", str(folder / "first"), env=env).returncode == 0
    assert table_digest(db) == before

    # the API path stores the same table, row for row
    api_env = sim_env(sim, tmp_path, CIRCLECI_COSTS_DB=str(tmp_path / "api.duckdb"))
    result = loader("api", "--start", start.date().isoformat(), env=api_env)
    assert result.returncode == 0, result.stderr
    assert table_digest(tmp_path / "api.duckdb") == before


def test_a_file_that_is_not_an_export_is_refused_and_nothing_is_loaded(tmp_path):
    bad = tmp_path / "usage.csv"
    bad.write_text("name,cost\nci,12\n")
    env = environment(tmp_path)
    result = loader("files", str(bad), env=env)
    assert result.returncode == 1
    line = one_error_line(result)
    assert "usage.csv" in line and "ORGANIZATION_ID is missing" in line
    assert not Path(env["CIRCLECI_COSTS_DB"]).exists() or not query(
        Path(env["CIRCLECI_COSTS_DB"]),
        "select * from information_schema.tables where table_name = 'usage_job_runs'",
    )


def test_status_shows_the_loaded_days(sim, tmp_path):
    env = sim_env(sim, tmp_path)
    start = (today() - timedelta(days=4)).date().isoformat()
    assert loader("api", "--start", start, env=env).returncode == 0
    result = loader("status", env=env)
    assert result.returncode == 0
    for org_id in sim.org_ids:
        assert f"{org_id}: {start}.." in result.stdout


def test_summary_of_marts_older_than_the_models_says_to_rebuild(tmp_path):
    import duckdb

    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema circleci_raw")
        con.execute(
            "create table circleci_raw.usage_job_runs as select 'acme' as organization_name, "
            "date '2026-10-01' as job_run_date, 'j1' as job_id, 1.5 as total_credits"
        )
        con.execute("create schema marts")
        # a mart from before a column the summary reads was added
        con.execute("create table marts.agg_monthly_costs as select 1 as usage_month")
    result = subprocess.run(
        [sys.executable, "-m", "loader.summary", str(db)],
        cwd=REPO,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    line = one_error_line(result)
    assert str(db) in line and "make transform" in line
    assert "acme" in result.stdout  # what could be shown was shown first
