"""Names people push reach the marts exactly, and rows set aside warn in every build.

The raw data here comes from the real loader (`python -m loader files`'s function) reading
hand-written export files in both dialects, one of them with a damaged row: what a user's
first load of awkward real exports looks like.
"""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import ROUTINE_BUILD, TEST_PRICES, DbtRun, copy_db, run_dbt, write_seeds

from loader.source.files_load import load_files
from tests.loader.dialects import ODD_NAMES, backslash_text, odd_rows, rfc4180_text
from tests.loader.samples import row

WARN_TEST = "assert_no_export_rows_were_set_aside"


def mart(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtRun]:
    work = tmp_path_factory.mktemp("loaded-names")
    files = work / "exports"
    files.mkdir()
    (files / "a.csv.gz").write_bytes(gzip.compress(backslash_text(odd_rows()).encode()))
    damaged = [row(JOB_ID="job-q1", **ODD_NAMES[0]), row(JOB_ID="job-q2", PARALLELISM="four")]
    (files / "b.csv.gz").write_bytes(gzip.compress(rfc4180_text(damaged).encode()))
    db = work / "circleci_costs.duckdb"
    summary = load_files([files], db)
    assert (summary.rows, summary.rejected) == (4, 1)
    seeds = write_seeds(work / "seeds", TEST_PRICES)
    run = run_dbt(ROUTINE_BUILD, db=db, seeds=seeds, work=work)
    assert run.returncode == 0, run.output[-4000:]
    return db, run


def test_odd_names_reach_the_job_run_and_daily_marts_exactly(loaded):
    db, _ = loaded
    expected = {
        r["JOB_ID"]: (
            r["ORGANIZATION_NAME"],
            r["PROJECT_NAME"],
            r["VCS_BRANCH"],
            r["WORKFLOW_NAME"],
            r["JOB_NAME"],
        )
        for r in odd_rows()
    }
    expected["job-q1"] = expected["job-odd-1"]
    facts = mart(
        db,
        "select job_id, org_name, project_name, branch, workflow_name, job_name, total_cost "
        "from marts.fct_job_run_costs order by job_id",
    )
    assert {f[0]: f[1:6] for f in facts} == expected
    # 51.75 credits at the negotiated 0.00045 USD a credit, for each of the four runs
    assert {f[6] for f in facts} == {Decimal("51.75") * Decimal("0.00045")}

    daily = mart(
        db,
        "select workflow_name, job_name, job_runs from marts.agg_daily_costs "
        "order by workflow_name, job_name",
    )
    by_names: dict[tuple[str, str], int] = {}
    for names in expected.values():
        key = (names[3], names[4])
        by_names[key] = by_names.get(key, 0) + 1
    assert sorted(daily) == sorted((w, j, n) for (w, j), n in by_names.items())


def test_rows_set_aside_warn_in_every_build_naming_the_file(loaded):
    _, run = loaded
    assert run.status(WARN_TEST) == "warn"
    (problem,) = run.problems(WARN_TEST)
    assert "b.csv.gz: 1 row(s) set aside in circleci_raw.rejected_rows, first at row 3" in problem
    assert "column PARALLELISM" in problem


def test_without_rows_set_aside_the_warning_passes(build, tmp_path):
    # the session build's raw data never had a row set aside: the table does not exist
    assert build.run.status(WARN_TEST) == "pass"
    with duckdb.connect(str(build.db), read_only=True) as con:
        tables = con.sql(
            "select table_name from information_schema.tables "
            "where table_schema = 'circleci_raw' and table_name = 'rejected_rows'"
        ).fetchall()
    assert tables == []
    db = copy_db(build.db, tmp_path / "copy.duckdb")
    assert mart(db, "select count(*) from staging.stg_circleci__rejected_rows") == [(0,)]
