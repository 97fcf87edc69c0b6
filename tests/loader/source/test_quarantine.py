"""Both dialects and damaged rows, end to end: the files path and the API path.

Every dialect loaded twice changes nothing; a damaged row lands in `rejected_rows` while the
rest of its file or window loads; a reload that reads the row correctly clears it.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from loader.source.files_load import load_files
from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.dialects import ODD_BRANCHES
from tests.loader.dialects import ODD_NAMES, backslash_text, odd_rows, rfc4180_text
from tests.loader.harness import (
    NOW,
    assert_loaded_exactly,
    day,
    expected_summary,
    query,
    run_api,
    table_digest,
)
from tests.loader.samples import row

REPO = Path(__file__).resolve().parents[3]
NAME_COLUMNS = ["organization_name", "project_name", "vcs_branch", "workflow_name", "job_name"]
WRITERS = {
    "backslash": backslash_text,
    "rfc4180 where needed": rfc4180_text,
    "rfc4180 everywhere": lambda rows: rfc4180_text(rows, quote_all=True),
}
REJECTED = (
    "select source, org_id, window_start, window_end, file_name, line_number, raw_text, reason "
    "from circleci_raw.rejected_rows order by source, line_number"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode()))
    return path


def damaged_rows() -> list[dict[str, str]]:
    rows = [row(JOB_ID=f"job-{i}", **ODD_NAMES[i % 2]) for i in range(5)]
    rows[2]["PARALLELISM"] = "four"
    return rows


# --- the files path ------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", WRITERS)
def test_files_in_every_dialect_load_exactly_and_a_second_load_changes_nothing(tmp_path, dialect):
    writer = WRITERS[dialect]
    write(tmp_path / "in" / "a.csv.gz", writer(odd_rows()))
    write(tmp_path / "in" / "b.csv.gz", writer([row(JOB_ID="job-b", **ODD_NAMES[1])]))
    db = tmp_path / "db.duckdb"
    first = load_files([tmp_path / "in"], db)
    assert (first.rows, first.rejected) == (4, 0)
    loaded = query(
        db,
        f"select {', '.join(NAME_COLUMNS)} from circleci_raw.usage_job_runs "
        "where job_id in ('job-odd-1', 'job-odd-2') order by job_id",
    )
    expected = [tuple(r[c.upper()] for c in NAME_COLUMNS) for r in odd_rows()[:2]]
    assert loaded == expected
    before = table_digest(db)
    again = load_files([tmp_path / "in"], db, force=True)
    assert again.rows == 4
    assert table_digest(db) == before


def test_a_damaged_row_is_set_aside_and_a_fixed_file_clears_it(tmp_path):
    path = write(tmp_path / "in" / "part.csv.gz", backslash_text(damaged_rows()))
    db = tmp_path / "db.duckdb"
    summary = load_files([path], db)
    assert (summary.rows, summary.rejected) == (4, 1)
    jobs = query(db, "select job_id from circleci_raw.usage_job_runs order by job_id")
    assert jobs == [("job-0",), ("job-1",), ("job-3",), ("job-4",)]
    ((source, org, start, end, name, line, raw, reason),) = query(db, REJECTED)
    assert (source, org, start, end, name, line) == (str(path), None, None, None, path.name, 4)
    assert "job-2" in raw and "four" in raw
    assert reason.startswith("column PARALLELISM: 'four'")

    # loaded again as it is (--force), the file leaves one row in the quarantine, not two
    load_files([path], db, force=True)
    assert len(query(db, REJECTED)) == 1

    # fixed and loaded again: the row loads and leaves the quarantine
    fixed = damaged_rows()
    fixed[2]["PARALLELISM"] = "4"
    write(path, backslash_text(fixed))
    assert load_files([path], db).rows == 5
    assert query(db, REJECTED) == []
    assert query(db, "select count(*) from circleci_raw.usage_job_runs") == [(5,)]


def test_the_command_warns_once_per_file_exits_0_and_status_lists_the_rows(tmp_path):
    write(tmp_path / "in" / "a.csv.gz", backslash_text(damaged_rows()))
    write(
        tmp_path / "in" / "b.csv.gz",
        rfc4180_text([row(JOB_ID="b1"), row(JOB_ID="b2", JOB_RUN_SECONDS="x")]),
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "CIRCLECI_COSTS_DB": str(tmp_path / "db.duckdb"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "DLT_PROJECT_DIR": str(tmp_path),
    }

    def loader(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "loader", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    loaded = loader("files", str(tmp_path / "in"))
    assert loaded.returncode == 0, loaded.stderr
    warnings = [line for line in loaded.stderr.splitlines() if "set aside" in line]
    assert len(warnings) == 2
    assert "a.csv.gz: 1 row(s)" in warnings[0] and "b.csv.gz: 1 row(s)" in warnings[1]
    assert "Loaded 2 file(s), 5 rows" in loaded.stdout
    assert "2 row(s) could not be loaded" in loaded.stdout
    status = loader("status")
    assert status.returncode == 0
    assert "2 row(s) set aside in circleci_raw.rejected_rows" in status.stdout
    assert "column JOB_RUN_SECONDS: 'x'" in status.stdout


# --- the API path, against the simulator over real HTTP ----------------------------------------


def make_sim(clock: ManualClock, tmp_path: Path, name: str, **overrides: object) -> Simulator:
    settings: dict[str, object] = {
        "seed": 11,
        "scale": 0.05,
        "clock": clock,
        "work_dir": str(tmp_path / name),
        "posts_per_hour": None,
        "gets_per_minute": None,
    }
    settings.update(overrides)
    return Simulator(SimulatorConfig(**settings))  # type: ignore[arg-type]


def test_api_parts_in_both_dialects_with_odd_names_load_exactly_and_twice_the_same(tmp_path):
    clock = ManualClock(NOW)
    db = tmp_path / "db.duckdb"
    start, end = day(-20), day(-1)
    with make_sim(clock, tmp_path, "sim") as sim:
        run_api(sim, db, clock, start=start, end=end)
        assert_loaded_exactly(db, sim, start, end)
        table = sim.generator.table(sim.org_ids, start, end)
        expected = sorted(b for b in table.column("VCS_BRANCH").to_pylist() if b in ODD_BRANCHES)
        branches = query(
            db,
            "select vcs_branch from circleci_raw.usage_job_runs where vcs_branch in "
            f"({', '.join(repr(b) for b in ODD_BRANCHES)}) order by vcs_branch",
        )
        assert expected and [b for (b,) in branches] == expected
        before = table_digest(db)
        run_api(sim, db, clock, start=start, end=end)
        assert table_digest(db) == before


def test_api_a_damaged_row_is_set_aside_the_window_completes_and_a_later_export_clears_it(
    tmp_path,
):
    clock = ManualClock(NOW)
    db = tmp_path / "db.duckdb"
    start, end = day(-10), day(-1)
    with make_sim(clock, tmp_path, "damaged", damaged_rows=True) as sim:
        summary = run_api(sim, db, clock, start=start, end=end)
        expected_rows, _ = expected_summary(sim, start, end)
    assert summary.failed == []
    rejected = query(db, REJECTED)
    assert summary.rejected == len(rejected)
    windows = query(
        db, "select org_id, window_start, window_end, state, rows from circleci_raw.export_windows"
    )
    assert {w[3] for w in windows} == {"completed"}
    assert len(rejected) == len(windows)  # one damaged row in each export
    for source, org, w_start, w_end, name, line, raw, reason in rejected:
        assert (org, w_start, w_end) in {(w[0], w[1], w[2]) for w in windows}
        assert source.startswith(org) and name == "part-0000.csv.gz"
        assert raw.endswith(",unescaped") and line > 1
        assert reason == "49 fields where the header has 48"
        assert "X-Signature" not in source + raw + reason
    loaded = query(db, "select count(*) from circleci_raw.usage_job_runs")[0][0]
    assert loaded == expected_rows - len(rejected) == sum(w[4] for w in windows)

    # a later export of the same days reads every row: they load and leave the quarantine
    with make_sim(clock, tmp_path, "fixed") as sim:
        run_api(sim, db, clock, start=start, end=end)
        assert_loaded_exactly(db, sim, start, end)
    assert query(db, REJECTED) == []


def test_a_job_id_repeated_in_one_file_is_set_aside_with_its_credits(tmp_path):
    rows = [row(JOB_ID="job-1"), row(JOB_ID="job-2"), row(JOB_ID="job-1", TOTAL_CREDITS="9")]
    path = write(tmp_path / "part.csv.gz", backslash_text(rows))
    db = tmp_path / "db.duckdb"
    summary = load_files([path], db)
    assert (summary.rows, summary.rejected) == (2, 1)  # the count printed is what landed
    assert query(
        db, "select job_id, total_credits from circleci_raw.usage_job_runs order by 1"
    ) == [
        ("job-1", Decimal("51.75")),
        ("job-2", Decimal("51.75")),
    ]
    ((line, raw, reason),) = query(
        db, "select line_number, raw_text, reason from circleci_raw.rejected_rows"
    )
    assert line == 4 and raw.endswith(",9") and reason.startswith("JOB_ID job-1 appears again")


def test_api_a_job_id_repeated_in_one_export_is_set_aside_and_the_window_completes(tmp_path):
    clock = ManualClock(NOW)
    db = tmp_path / "db.duckdb"
    start, end = day(-10), day(-1)
    with make_sim(clock, tmp_path, "repeated", repeated_rows=True) as sim:
        summary = run_api(sim, db, clock, start=start, end=end)
        assert summary.failed == []
        assert_loaded_exactly(db, sim, start, end)  # every row once, none lost
        assert summary.rows == query(db, "select count(*) from circleci_raw.usage_job_runs")[0][0]
    rejected = query(db, "select raw_text, reason from circleci_raw.rejected_rows")
    assert rejected
    for raw, reason in rejected:
        job = reason.split()[1]
        assert reason.startswith(f"JOB_ID {job} appears again in the same export")
        assert job in raw
