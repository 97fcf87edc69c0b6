"""A database held open by a reader: one line naming the holder, from the loader and make."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from loader.publish.lock import DatabaseLockedError, check_writable
from tests.loader.publish.reader import Reader

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def held(tmp_path: Path):
    """A database another process holds open read-only, as a BI tool does."""
    db = tmp_path / "circleci_costs.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table t as select 1 as x")
    reader = Reader(db)
    assert reader.ask("select count(*) from t") == "1"
    yield db, reader.process.pid
    reader.close()


def assert_one_line(output: str, db: Path, pid: int) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    assert f"{db} is locked by process {pid}" in lines[0]
    assert "published copy" in lines[0] and "circleci_costs.duckdb" in lines[0]


def test_check_writable(held: tuple[Path, int], tmp_path: Path) -> None:
    db, pid = held
    with pytest.raises(DatabaseLockedError, match=f"process {pid} "):
        check_writable(db)
    check_writable(tmp_path / "missing.duckdb")  # nothing to lock yet
    free = tmp_path / "free.duckdb"
    duckdb.connect(str(free)).close()
    check_writable(free)


def test_the_loader_says_who_holds_the_database(held: tuple[Path, int], tmp_path: Path) -> None:
    db, pid = held
    export = tmp_path / "usage.csv"
    export.write_text("ORGANIZATION_ID\n")
    done = subprocess.run(
        [sys.executable, "-m", "loader", "files", str(export), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 1
    assert_one_line(done.stderr, db, pid)


def test_make_transform_says_who_holds_the_database(held: tuple[Path, int], tmp_path: Path) -> None:
    db, pid = held
    published = tmp_path / "published"
    env = {**os.environ, "CIRCLECI_COSTS_DB": str(db), "CIRCLECI_COSTS_PUBLISH_DIR": str(published)}
    done = subprocess.run(
        ["make", "--no-print-directory", "transform"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=env,
    )
    assert done.returncode != 0
    assert_one_line(done.stdout + done.stderr, db, pid)
    assert "dbt" not in done.stderr.split("error:", 1)[1]  # dbt never started
    assert not published.exists()  # nothing published


def test_a_lock_taken_after_the_check_still_gives_one_line(tmp_path: Path) -> None:
    """A reader that opens the database between the check and the load: dlt's error, explained."""
    import argparse

    from loader.cli.main import _explained
    from loader.errors import LoaderError

    db = tmp_path / "circleci_costs.duckdb"
    raised = LoaderError(
        f'Loading failed at the load step: IO Error: Could not set lock on file "{db}": '
        "Conflicting lock is held in /usr/bin/duckdb (PID 4242) by user me."
    )
    line = _explained(raised, argparse.Namespace(db=db))
    assert line.startswith(f"{db} is locked by process 4242 (duckdb):")
    assert "published copy" in line
    assert _explained(LoaderError("something else"), argparse.Namespace(db=db)) == "something else"
