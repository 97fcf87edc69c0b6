"""`python -m loader export focus`: one file per billing period, replaced whole, and one-line
errors for a missing database, a database without the mart, or an unwritable folder.

The FOCUS content itself is checked on a real dbt build in tests/dbt/test_focus.py (with the
FinOps Foundation's validator); here a small hand-made mart is enough.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from loader.errors import ConfigurationError, LoaderError
from loader.focus.export import export_focus

REPO = Path(__file__).resolve().parents[3]


def make_mart(db: Path, months: list[str]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            """create table marts.focus_circleci_costs as
               select cast(m || '-01' as timestamptz) as "BillingPeriodStart",
                      cast(m || '-03' as timestamptz) as "ChargePeriodStart",
                      'acme' as "BillingAccountId", 'p' as "ResourceId", 'sku' as "SkuId",
                      'w' as "x_WorkflowName", 'j' as "x_JobName", 'medium' as "x_ResourceClass",
                      't' as "x_Team", cast(i as decimal(38, 18)) / 3 as "EffectiveCost"
               from unnest(?) with ordinality as months(m, i)""",
            [months],
        )


def test_each_billing_period_gets_its_own_file(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    make_mart(db, ["2026-01", "2026-02", "2026-03"])
    summary = export_focus(db, tmp_path / "out", "csv")
    assert [f.name for f in summary.files] == [
        f"focus_circleci_costs_2026-0{m}.csv" for m in (1, 2, 3)
    ]
    assert summary.rows == 3
    text = (tmp_path / "out" / "focus_circleci_costs_2026-02.csv").read_text()
    # FOCUS date/time format, UTC with a Z
    assert "2026-02-01T00:00:00Z" in text and "2026-02-03T00:00:00Z" in text
    assert not list((tmp_path / "out").glob(".*partial"))


def test_a_second_export_replaces_the_files(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    make_mart(db, ["2026-01"])
    first = export_focus(db, tmp_path / "out", "parquet").files[0].read_bytes()
    second = export_focus(db, tmp_path / "out", "parquet")
    assert len(second.files) == 1 and second.files[0].read_bytes() == first


def test_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="make demo"):
        export_focus(tmp_path / "missing.duckdb", tmp_path / "out", "parquet")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ConfigurationError, match="make transform"):
        export_focus(empty, tmp_path / "out", "parquet")
    db = tmp_path / "db.duckdb"
    make_mart(db, ["2026-01"])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(LoaderError, match="cannot create"):
        export_focus(db, blocker / "out", "parquet")


def test_the_command_line_prints_one_line_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loader", "export", "focus", "--db", str(tmp_path / "no.duckdb")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "does not exist" in done.stderr
