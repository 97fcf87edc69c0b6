"""`python -m loader focus`: cloud FOCUS exports from four providers into focus_raw.charges.

One load of a folder holding an AWS Parquet (1.2), an Azure CSV (1.0), a Google Cloud Parquet
(1.1) and an Oracle gzip CSV (1.0 preview names) is shared by the module; each test reads it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from loader.errors import FileFormatError
from loader.focus.load import load_focus_files
from tests.loader.focus import samples

REPO = Path(__file__).resolve().parents[3]


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("focus_load")
    folder = work / "exports"
    folder.mkdir()
    samples.aws_parquet(folder / "aws-focus-00001.snappy.parquet")
    samples.azure_csv(folder / "part_0_0001.csv")
    samples.google_parquet(folder / "gcp.parquet")
    samples.oracle_csv_gz(folder / "0001000001091847.csv.gz")
    db = work / "db.duckdb"
    first = load_focus_files([folder], db)
    snapshot = rows(db, "select * from focus_raw.charges order by all")
    second = load_focus_files([folder], db)
    forced = load_focus_files([folder], db, force=True)
    return {
        "db": db,
        "folder": folder,
        "first": first,
        "second": second,
        "forced": forced,
        "snapshot": snapshot,
    }


def test_every_provider_loads_with_its_version(loaded: dict[str, Any]) -> None:
    assert loaded["first"].files == 4 and loaded["first"].rows == 8
    found = rows(
        loaded["db"],
        """select provider_name, focus_version, count(*) as n, sum(billed_cost) as billed
           from focus_raw.charges group by all order by 1""",
    )
    assert found == [
        {"provider_name": "AWS", "focus_version": "1.2", "n": 3, "billed": Decimal("37.5")},
        {"provider_name": "Google Cloud", "focus_version": "1.1", "n": 2, "billed": Decimal("3.3")},
        {"provider_name": "Microsoft", "focus_version": "1.0", "n": 2, "billed": Decimal("8")},
        {
            "provider_name": "Oracle Cloud Infrastructure",
            "focus_version": "1.0-preview",
            "n": 1,
            "billed": Decimal("0.125"),
        },
    ]


def test_tags_become_one_json_object_whatever_the_shape(loaded: dict[str, Any]) -> None:
    tags = {
        r["provider_name"]: json.loads(r["tags"])
        for r in rows(loaded["db"], "select distinct provider_name, tags from focus_raw.charges")
    }
    assert tags == {
        "AWS": {"team": "checkout", "env": "staging"},  # a Parquet map
        "Google Cloud": {"team": "checkout"},  # BigQuery's key/value records
        "Microsoft": {"team": "data", "cost-center": "42"},  # JSON text in CSV
        "Oracle Cloud Infrastructure": {"team": "ml"},
    }


def test_preview_names_and_provider_columns_are_kept(loaded: dict[str, Any]) -> None:
    [oracle] = rows(
        loaded["db"],
        """select region_name, consumed_quantity, consumed_unit, provider_columns,
                  charge_period_start, charge_period_end
           from focus_raw.charges where provider_name like 'Oracle%'""",
    )
    assert oracle["region_name"] == "sa-bogota-1"
    assert oracle["consumed_quantity"] == 1 and oracle["consumed_unit"] == "OCPU hour"
    assert json.loads(oracle["provider_columns"])["oci_CompartmentName"] == "demo"
    # times without seconds (Oracle, Azure 1.0) read as UTC
    assert (oracle["charge_period_end"] - oracle["charge_period_start"]).total_seconds() == 3600


def test_a_second_load_changes_nothing(loaded: dict[str, Any]) -> None:
    assert loaded["second"].files == 0 and loaded["second"].skipped == 4
    assert loaded["forced"].files == 4
    assert rows(loaded["db"], "select * from focus_raw.charges order by all") == loaded["snapshot"]


def test_a_reissued_period_replaces_the_old_file(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    samples.azure_csv(tmp_path / "v1.csv", ["1.00", "2.00"])
    load_focus_files([tmp_path / "v1.csv"], db)
    (tmp_path / "v1.csv").unlink()
    samples.azure_csv(tmp_path / "v2.csv", ["1.00", "2.50"])
    load_focus_files([tmp_path / "v2.csv"], db)
    [total] = rows(db, "select count(*) as n, sum(billed_cost) as cost from focus_raw.charges")
    assert total == {"n": 2, "cost": Decimal("3.5")}


def test_a_bad_row_is_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    samples.azure_csv(tmp_path / "bad.csv", ["1.00", "lots", "3.00"])
    summary = load_focus_files([tmp_path / "bad.csv"], db)
    assert (summary.rows, summary.rejected) == (2, 1)
    [rejected] = rows(db, "select source_row, problem from focus_raw.rejected_charges")
    assert rejected == {"source_row": 2, "problem": 'BilledCost: "lots" is not a number'}


def test_a_file_that_is_not_focus_names_the_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cur.csv"
    path.write_text("lineItem/UnblendedCost,lineItem/UsageStartDate\n1.0,2026-03-01\n")
    with pytest.raises(
        FileFormatError, match=r"cur\.csv: not a FOCUS cost export: column BilledCost"
    ):
        load_focus_files([path], tmp_path / "db.duckdb")
    done = subprocess.run(
        [sys.executable, "-m", "loader", "focus", str(path), "--db", str(tmp_path / "db.duckdb")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "column BilledCost is missing" in done.stderr
    assert not (tmp_path / "db.duckdb").exists() or not rows(
        tmp_path / "db.duckdb",
        "select * from information_schema.tables where table_name = 'charges'",
    )


def test_a_folder_of_files_logs_a_few_progress_lines_not_one_per_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no two lines within the interval: the first file, the last, and any with rejected rows
    monkeypatch.setattr("loader.focus.load.PROGRESS_SECONDS", 3600.0)
    for month in range(1, 7):
        samples.azure_csv(tmp_path / f"part_{month}.csv")
    samples.azure_csv(tmp_path / "part_3x.csv", ["1.00", "lots"])  # read fourth
    caplog.set_level("DEBUG", logger="loader")
    load_focus_files([tmp_path], tmp_path / "db.duckdb")
    read = [r for r in caplog.records if r.getMessage().startswith("Read ")]
    assert len(read) == 7, "every file is still logged, at debug level"
    shown = [r.getMessage() for r in read if r.levelname == "INFO"]
    assert len(shown) == 3
    assert "(1/7)" in shown[0] and "(7/7)" in shown[2]
    assert "part_3x.csv (4/7)" in shown[1] and shown[1].endswith("1 rejected")
