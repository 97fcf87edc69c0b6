"""The reader takes both CSV dialects without a flag, and sets damaged rows aside."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from loader.errors import FileFormatError
from loader.source.csv_dialect import BACKSLASH, PLAIN, RFC4180, Rfc4180Stream, choose_dialect
from loader.source.csv_reader import read_export_file
from loader.source.csv_rescue import Rejection
from tests.loader.dialects import ODD_NAMES, backslash_text, odd_rows, rfc4180_text
from tests.loader.samples import SAMPLE, row

NAME_COLUMNS = ["ORGANIZATION_NAME", "PROJECT_NAME", "VCS_BRANCH", "WORKFLOW_NAME", "JOB_NAME"]

DIALECTS: dict[str, Callable[[list[dict[str, str]]], str]] = {
    "backslash": backslash_text,
    "rfc4180 where needed": rfc4180_text,
    "rfc4180 everywhere": lambda rows: rfc4180_text(rows, quote_all=True),
}


def write(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode()))
    return path


def read(path: Path, block_size: int = 1 << 20) -> tuple[list[dict], list[Rejection]]:
    rejected: list[Rejection] = []
    tables = list(read_export_file(path, rejected=rejected, block_size=block_size))
    rows = pa.concat_tables(tables).to_pylist() if tables else []
    return rows, rejected


@pytest.mark.parametrize("dialect", DIALECTS)
def test_odd_names_round_trip_in_every_dialect(tmp_path, dialect):
    rows, rejected = read(write(tmp_path / "p.csv.gz", DIALECTS[dialect](odd_rows())))
    assert rejected == []
    assert len(rows) == 3
    for loaded, expected in zip(rows, odd_rows(), strict=True):
        for column in NAME_COLUMNS:
            assert loaded[column.lower()] == expected[column], (dialect, column)
        assert loaded["total_credits"] == Decimal("51.75")
        assert loaded["median_cpu_utilization_pct"] == 41.5


@pytest.mark.parametrize("dialect", DIALECTS)
def test_null_marker_is_null_in_every_dialect(tmp_path, dialect):
    names = {**ODD_NAMES[0], "VCS_BRANCH": "\\N", "STORAGE_CREDITS": "\\N"}
    text = DIALECTS[dialect]([row(**names)])
    rows, _ = read(write(tmp_path / "p.csv.gz", text))
    assert rows[0]["vcs_branch"] is None
    assert rows[0]["storage_credits"] is None


def test_a_quote_is_an_ordinary_character_in_the_backslash_dialect(tmp_path):
    # nothing else in the file tells the dialects apart: unquoted header, no escapes
    names = {"WORKFLOW_NAME": '"wrapped"', "JOB_NAME": '"open'}
    rows, rejected = read(write(tmp_path / "p.csv.gz", backslash_text([row(**names)])))
    assert rejected == []
    assert (rows[0]["workflow_name"], rows[0]["job_name"]) == ('"wrapped"', '"open')


def test_plain_parts_go_to_arrow_untouched():
    text = backslash_text([row(JOB_ID=f"job-{i}") for i in range(50)]).encode()
    stream = Rfc4180Stream(pa.BufferReader(text), read_bytes=97)
    assert stream.read() == text
    assert stream.dialect == PLAIN


def test_the_dialect_is_decided_by_the_header_and_the_field_counts():
    columns = len(SAMPLE)
    header = ",".join(SAMPLE).encode()
    quoted_header = rfc4180_text([], quote_all=True).encode().splitlines()[0]
    body = backslash_text(odd_rows()).encode().split(b"\n", 1)[1]
    assert choose_dialect(header, body, columns) == BACKSLASH
    body = rfc4180_text(odd_rows()).encode().split(b"\n", 1)[1]
    assert choose_dialect(header, body, columns) == RFC4180
    assert choose_dialect(quoted_header, b"", columns) == RFC4180
    # every record fits both readings (a value ending in a backslash before a quoted comma):
    # the marks each writer leaves decide
    body = rfc4180_text([row(**ODD_NAMES[0])]).encode().split(b"\n", 1)[1]
    assert choose_dialect(header, body, columns) == RFC4180
    body = backslash_text([row(**ODD_NAMES[0])]).encode().split(b"\n", 1)[1]
    assert choose_dialect(header, body, columns) == BACKSLASH


@pytest.mark.parametrize("dialect", DIALECTS)
def test_large_parts_with_line_breaks_in_values_read_in_small_blocks(tmp_path, dialect):
    rows = [
        row(JOB_ID=f"job-{i}", WORKFLOW_NAME=f"line\nbreak {i}", VCS_BRANCH=f"a,b{i}")
        for i in range(3000)
    ]
    loaded, rejected = read(write(tmp_path / "p.csv.gz", DIALECTS[dialect](rows)), 16 << 10)
    assert rejected == []
    assert [r["workflow_name"] for r in loaded] == [f"line\nbreak {i}" for i in range(3000)]
    assert [r["vcs_branch"] for r in loaded] == [f"a,b{i}" for i in range(3000)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_damaged_rows_are_set_aside_and_the_rest_loads(tmp_path, dialect):
    rows = [row(JOB_ID=f"job-{i}", **ODD_NAMES[i % 2]) for i in range(8)]
    rows[3]["PARALLELISM"] = "four"
    rows[5]["TOTAL_CREDITS"] = "12,5"
    text = DIALECTS[dialect](rows)
    # the writers escape or quote that comma: unescape it by hand, one field too many
    written = "12\\,5" if dialect == "backslash" else '"12,5"'
    assert text.count(written) == 1
    text = text.replace(written, "12,5")
    loaded, rejected = read(write(tmp_path / "p.csv.gz", text))
    assert [r["job_id"] for r in loaded] == [f"job-{i}" for i in range(8) if i not in (3, 5)]
    assert [r.reason.split(":")[0] for r in rejected] == [
        "column PARALLELISM",
        "49 fields where the header has 48",
    ]
    assert "four" in rejected[0].raw_text and "job-3" in rejected[0].raw_text
    assert "job-5" in rejected[1].raw_text
    # row numbers: the header is 1, and a row with a line break inside counts once
    assert [r.line_number for r in rejected] == [5, 7]


def test_a_damaged_row_after_the_first_block_keeps_the_rows_before_it(tmp_path):
    rows = [row(JOB_ID=f"job-{i}") for i in range(2000)]
    rows[1500]["JOB_RUN_SECONDS"] = "1.5.7"
    loaded, rejected = read(write(tmp_path / "p.csv.gz", backslash_text(rows)), 16 << 10)
    assert len(loaded) == 1999
    assert [(r.line_number, r.reason) for r in rejected] == [
        (1502, "column JOB_RUN_SECONDS: '1.5.7' is not a valid int64")
    ]


def test_without_a_quarantine_a_damaged_row_is_an_error(tmp_path):
    path = write(tmp_path / "p.csv.gz", backslash_text([row(PARALLELISM="four")]))
    with pytest.raises(FileFormatError, match="PARALLELISM"):
        list(read_export_file(path))


def test_a_job_id_read_twice_in_one_export_is_set_aside_with_its_credits(tmp_path):
    first = write(tmp_path / "a.csv.gz", backslash_text([row(JOB_ID="job-1"), row(JOB_ID="job-2")]))
    second = write(tmp_path / "b.csv.gz", backslash_text([row(JOB_ID="job-2", TOTAL_CREDITS="9")]))
    jobs: set[str] = set()
    rejected: list[Rejection] = []
    loaded = [
        r
        for path in (first, second)
        for t in read_export_file(path, rejected=rejected, job_ids=jobs)
        for r in t.to_pylist()
    ]
    assert [r["job_id"] for r in loaded] == ["job-1", "job-2"]
    assert len(rejected) == 1
    assert rejected[0].line_number == 2
    assert rejected[0].reason.startswith("JOB_ID job-2 appears again in the same export")
    assert ",9" in rejected[0].raw_text  # the credits stay visible
