from __future__ import annotations

import gzip
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from loader.errors import FileFormatError
from loader.schema import EXPORT_COLUMNS, ROW_ID_COLUMN, TIMESTAMP, raw_name
from loader.source.csv_reader import RowIdAssigner, find_export_files, read_export_file
from tests.loader.samples import SAMPLE, row, seat_row


def read(path: Path, row_ids: RowIdAssigner | None = None) -> pa.Table:
    return pa.concat_tables(read_export_file(path, row_ids))


def test_types_nulls_and_booleans(write_export):
    table = read(
        write_export(
            [
                row(),
                row(
                    JOB_ID="job-2",
                    MEDIAN_CPU_UTILIZATION_PCT="\\N",
                    MAX_CPU_UTILIZATION_PCT="\\N",
                    IS_WORKFLOW_SUCCESSFUL="false",
                    VCS_BRANCH="\\N",
                    PIPELINE_NUMBER="\\N",
                    JOB_RUN_STOPPED_AT="\\N",
                    STORAGE_CREDITS="\\N",
                ),
            ]
        )
    )
    first, second = table.to_pylist()
    assert table.schema.field("job_run_started_at").type == TIMESTAMP
    assert first["job_run_started_at"] == datetime(2026, 11, 20, 10, 0, 5, 250000, tzinfo=UTC)
    assert first["job_run_date"] == date(2026, 11, 20)
    assert first["is_workflow_successful"] is True
    assert second["is_workflow_successful"] is False
    assert first["total_credits"] == Decimal("51.75")
    assert first["median_ram_utilization_pct"] == 20.25
    # the literal \N is NULL in every type, never the letter N
    for column in (
        "median_cpu_utilization_pct",
        "max_cpu_utilization_pct",
        "vcs_branch",
        "pipeline_number",
        "job_run_stopped_at",
        "storage_credits",
    ):
        assert second[column] is None, column
    for name, dtype in EXPORT_COLUMNS.items():
        assert table.schema.field(raw_name(name)).type == dtype


def test_columns_are_bound_by_name_not_position(write_export):
    shuffled = list(SAMPLE)
    random.Random(7).shuffle(shuffled)
    rows = [row(), row(JOB_ID="job-2", RESOURCE_CLASS="large", JOB_RUN_NUMBER="8")]
    assert read(write_export(rows, shuffled)).equals(read(write_export(rows)))


def test_a_new_column_is_kept_as_text(write_export):
    columns = [*SAMPLE, "COST_CENTER", "Weird Header!"]
    table = read(write_export([row(COST_CENTER="cc-9", **{"Weird Header!": "7"})], columns))
    assert table.column("cost_center").to_pylist() == ["cc-9"]
    assert table.column("weird_header").to_pylist() == ["7"]
    assert table.column_names[-1] == ROW_ID_COLUMN


def test_a_missing_column_is_a_clear_error_naming_file_and_column(write_export):
    columns = [c for c in SAMPLE if c != "RESOURCE_CLASS"]
    path = write_export([row()], columns)
    with pytest.raises(FileFormatError) as error:
        read(path)
    assert str(path) in str(error.value)
    assert "RESOURCE_CLASS" in str(error.value)


def test_a_bad_value_names_the_column(write_export):
    path = write_export([row(PARALLELISM="lots")])
    with pytest.raises(FileFormatError, match="PARALLELISM"):
        read(path)


def test_a_truncated_gzip_is_reported_as_damaged(tmp_path, write_export):
    good = write_export([row(JOB_ID=f"job-{i}") for i in range(2000)])
    data = good.read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="damaged|truncated"):
        read(cut)


def test_plain_csv_quoted_values_and_bom(write_export, tmp_path):
    path = write_export([row(VCS_BRANCH="feature/a,b")], compress=False)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read(path).column("vcs_branch").to_pylist() == ["feature/a,b"]


def test_row_ids_use_job_id_or_a_stable_hash(write_export):
    rows = [row(), seat_row(), seat_row(), seat_row(USER_CREDITS="50000", TOTAL_CREDITS="50000")]
    first = read(write_export(rows)).column(ROW_ID_COLUMN).to_pylist()
    assert first[0] == "job-1"
    assert len(set(first)) == 4  # identical seat rows in one export stay distinct
    # the same rows exported again (a re-export) get the same ids, even though the
    # project's last build moved on
    again = [dict(r, LAST_BUILD_FINISHED_AT="2026-11-25 08:00:00.000") for r in rows]
    assert read(write_export(again)).column(ROW_ID_COLUMN).to_pylist() == first


def test_identical_jobless_rows_split_across_parts_of_one_export_stay_distinct(write_export):
    assigner = RowIdAssigner()
    a = read(write_export([seat_row()]), assigner).column(ROW_ID_COLUMN).to_pylist()
    b = read(write_export([seat_row()]), assigner).column(ROW_ID_COLUMN).to_pylist()
    assert a != b


def test_a_header_only_file_gives_no_rows(write_export):
    assert sum(t.num_rows for t in read_export_file(write_export([]))) == 0


def test_find_export_files(tmp_path, write_export):
    a = write_export([row()], name="x/one.csv.gz")
    b = write_export([row()], name="x/sub/two.csv", compress=False)
    (tmp_path / "x" / "notes.txt").write_text("hi")
    assert find_export_files([tmp_path / "x"]) == [a, b]
    with pytest.raises(FileFormatError, match="no such file"):
        find_export_files([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileFormatError, match="No export files"):
        find_export_files([tmp_path / "empty"])


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.csv.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(FileFormatError, match="empty"):
        read(path)
