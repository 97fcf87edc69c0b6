"""The files path: batches, duplicates and the same result however the files are cut."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from loader.errors import FileFormatError
from loader.source.files_load import load_files, plan_batches
from loader.source.resources import FirstOccurrence
from tests.loader.harness import query, table_digest
from tests.loader.samples import row, seat_row


def test_first_occurrence_keeps_one_row_per_key_across_tables():
    keep = FirstOccurrence()
    first = keep(pa.table({"usage_row_id": ["a", "b", "a"], "v": [1, 2, 3]}))
    second = keep(pa.table({"usage_row_id": ["c", "b"], "v": [4, 5]}))
    assert first.column("v").to_pylist() == [1, 2]
    assert second.column("v").to_pylist() == [4]


def test_batches_keep_the_numbering_of_identical_rows_per_folder(tmp_path, write_export):
    files = [
        write_export([row(JOB_ID=f"job-{i}"), seat_row()], name=f"x/p{i}.csv.gz") for i in range(4)
    ]
    batches = plan_batches(files, batch_bytes=1)
    assert [len(b) for b in batches] == [1, 1, 1, 1]
    assigners = {id(parts.row_ids) for batch in batches for parts in batch}
    assert len(assigners) == 1  # one export (folder), one numbering, whatever the batches


def test_one_batch_or_many_give_the_same_table(tmp_path, write_export):
    rows = [row(JOB_ID=f"job-{i}") for i in range(30)] + [seat_row(), seat_row()]
    for i in range(3):
        write_export(rows[i * 10 : (i + 1) * 10 + 5] + [seat_row()], name=f"e/part-{i}.csv.gz")
    write_export(rows[:12], name="copy/part-0.csv.gz")  # an overlapping second export
    one, many = tmp_path / "one.duckdb", tmp_path / "many.duckdb"
    load_files([tmp_path / "e", tmp_path / "copy"], one, batch_bytes=1 << 30)
    load_files([tmp_path / "e", tmp_path / "copy"], many, batch_bytes=1)
    assert table_digest(one) == table_digest(many)
    keys = query(
        one, "select count(*), count(distinct usage_row_id) from circleci_raw.usage_job_runs"
    )
    # 30 jobs once; the first folder holds five identical seat rows (one in each of the first
    # two parts, three in the last), which stay five rows; the copy holds none
    assert keys == [(35, 35)]


def test_every_header_is_checked_before_anything_is_loaded(tmp_path, write_export):
    write_export([row()], name="in/a.csv.gz")
    write_export(
        [row(JOB_ID="job-2")], columns=[c for c in row() if c != "JOB_ID"], name="in/b.csv.gz"
    )
    db = tmp_path / "db.duckdb"
    with pytest.raises(FileFormatError, match="b.csv.gz: column JOB_ID is missing"):
        load_files([tmp_path / "in"], db, batch_bytes=1)
    assert not Path(db).exists()


def test_unchanged_files_are_skipped_and_force_loads_them_again(tmp_path, write_export):
    a = write_export([row(JOB_ID="job-a")], name="in/a.csv.gz")
    write_export([row(JOB_ID="job-b")], name="in/b.csv.gz")
    db = tmp_path / "db.duckdb"
    first = load_files([tmp_path / "in"], db)
    assert (first.files, first.skipped) == (2, 0)
    digest = table_digest(db)
    again = load_files([tmp_path / "in"], db)
    assert (again.files, again.rows, again.skipped) == (0, 0, 2)
    # a file rewritten with new content is loaded, the unchanged one is not
    a.unlink()
    write_export([row(JOB_ID="job-a", TOTAL_CREDITS="99")], name="in/a.csv.gz")
    changed = load_files([tmp_path / "in"], db)
    assert (changed.files, changed.skipped) == (1, 1)
    assert (
        query(db, "select total_credits from circleci_raw.usage_job_runs where job_id = 'job-a'")[
            0
        ][0]
        == 99
    )
    forced = load_files([tmp_path / "in"], db, force=True)
    assert (forced.files, forced.skipped) == (2, 0)
    assert table_digest(db) != digest  # job-a changed
    recorded = query(db, "select count(*), sum(rows) from circleci_raw.loaded_files")
    assert recorded == [(3, 3)]  # three distinct contents seen, one row each
