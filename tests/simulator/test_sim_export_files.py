from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from loader.schema import EXPORT_COLUMNS
from loader.source.csv_dialect import split_backslash_fields
from simulator import UsageGenerator, parts_for_window, write_parts
from simulator.dialects import BACKSLASH, DIALECTS, ODD_BRANCHES
from simulator.export_files import split_rows
from tests.simulator.sim_parts import header_of, parse_part


@pytest.fixture(scope="module")
def table() -> pa.Table:
    gen = UsageGenerator(seed=3, end_date=date(2025, 6, 14), days=30, scale=0.3)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    end = datetime(2025, 6, 2, 23, 59, 59, tzinfo=UTC)
    return gen.table([o.id for o in gen.organizations], start, end)


def test_parts_have_real_header_nulls_and_formats(table: pa.Table, tmp_path: Path) -> None:
    parts = write_parts(table, tmp_path, 3, dialects=(BACKSLASH,))
    assert len(parts) == 3 and sum(p.rows for p in parts) == table.num_rows
    for part in parts:
        data = part.path.read_bytes()
        assert part.bytes == len(data)
        assert header_of(data) == list(EXPORT_COLUMNS)
        assert header_of(data).index("JOB_RUN_NUMBER") < header_of(data).index("JOB_ID")
    text = gzip.decompress(parts[0].path.read_bytes()).decode()
    lines = text.splitlines()
    seat_or_lease = next(line for line in lines[1:] if ",\\N," in line)
    assert ",\\N,\\N," in seat_or_lease
    job_line = next(line for line in lines[1:] if ",true," in line or ",false," in line)
    values = split_backslash_fields(job_line.encode())
    texts = ["\\N" if v is None else v.decode() for v in values]
    fields = dict(zip(lines[0].split(","), texts, strict=True))
    assert len(fields["JOB_RUN_STARTED_AT"]) == 23 and fields["JOB_RUN_STARTED_AT"][19] == "."
    assert len(fields["JOB_RUN_DATE"]) == 10
    assert fields["IS_WORKFLOW_SUCCESSFUL"] in ("true", "false")
    assert "e" not in fields["COMPUTE_CREDITS"] and not fields["COMPUTE_CREDITS"].endswith(".0")


def test_parts_round_trip(table: pa.Table, tmp_path: Path) -> None:
    parts = write_parts(table, tmp_path, 2)
    back = pa.concat_tables([parse_part(p.path.read_bytes()) for p in parts])
    assert back.num_rows == table.num_rows
    for name in ("JOB_ID", "PIPELINE_NUMBER", "IS_UNREGISTERED_USER", "JOB_RUN_DATE"):
        assert back[name].to_pylist() == table[name].to_pylist(), name
    assert (
        back["JOB_RUN_STARTED_AT"].cast(pa.timestamp("ms")).to_pylist()
        == table["JOB_RUN_STARTED_AT"].cast(pa.timestamp("ms")).to_pylist()
    )
    assert (
        back["MEDIAN_CPU_UTILIZATION_PCT"].null_count
        == table["MEDIAN_CPU_UTILIZATION_PCT"].null_count
    )
    total = pc.sum(pc.cast(back["TOTAL_CREDITS"], pa.float64())).as_py()
    assert total == pytest.approx(float(pc.sum(table["TOTAL_CREDITS"]).as_py()))


def test_extra_shuffled_and_missing_columns(table: pa.Table, tmp_path: Path) -> None:
    extra = write_parts(table, tmp_path / "a", 1, extra_column="NEW_COLUMN")[0].path.read_bytes()
    assert "NEW_COLUMN" in header_of(extra) and len(header_of(extra)) == len(EXPORT_COLUMNS) + 1
    shuffled = write_parts(table, tmp_path / "b", 1, shuffle_seed=1)[0].path.read_bytes()
    assert sorted(header_of(shuffled)) == sorted(EXPORT_COLUMNS)
    assert header_of(shuffled) != list(EXPORT_COLUMNS)
    assert parse_part(shuffled)["JOB_ID"].to_pylist() == table["JOB_ID"].to_pylist()
    missing = write_parts(table, tmp_path / "c", 1, drop_columns=["DLC_CREDITS"])[0]
    assert "DLC_CREDITS" not in header_of(missing.path.read_bytes())


def test_splitting_rules() -> None:
    assert parts_for_window(1) == 2
    assert parts_for_window(9) == 8
    assert parts_for_window(31) <= 32
    assert split_rows(10, 3) == [(0, 4), (4, 3), (7, 3)]
    assert split_rows(1, 5) == [(0, 1)]
    assert split_rows(0, 5) == []


def test_empty_table_writes_nothing(tmp_path: Path) -> None:
    empty = pa.schema(list(EXPORT_COLUMNS.items())).empty_table()
    assert write_parts(empty, tmp_path, 4) == []


def test_parts_mix_the_dialects_and_keep_odd_branch_names(table: pa.Table, tmp_path: Path) -> None:
    odd = pc.is_in(table["VCS_BRANCH"], pa.array(ODD_BRANCHES))
    assert pc.sum(odd).as_py() > 0  # the generator pushes odd branch names by default
    parts = write_parts(table, tmp_path, 6)
    starts = [gzip.decompress(p.path.read_bytes())[:1] for p in parts]
    assert starts.count(b'"') == 2  # one dialect in three quotes every field, the header too
    (escaped,) = write_parts(table.filter(odd), tmp_path / "odd", 1, dialects=(BACKSLASH,))
    text = gzip.decompress(escaped.path.read_bytes()).decode()
    for branch in set(table.filter(odd)["VCS_BRANCH"].to_pylist()):
        assert "," + branch.replace(",", "\\,") + "," in text  # quotes stay as they are
    assert len(DIALECTS) == 3
    back = pa.concat_tables([parse_part(p.path.read_bytes()) for p in parts])
    assert back["VCS_BRANCH"].to_pylist() == table["VCS_BRANCH"].to_pylist()
    assert back["JOB_ID"].to_pylist() == table["JOB_ID"].to_pylist()
