"""The ledger of export windows: `circleci_raw.export_windows`.

One row per (organization, window): the export job that produced it, its state, how many
parts and rows it held and when it was loaded. The planner reads it to know which days are
loaded; a window is marked `completed` only after its rows are committed, so the ledger never
claims data the database does not hold.

States: `planned` (a run set out to load it: a backfill stopped early is completed by the
next run), `created` (an export job exists whose results were not collected yet: a later run
collects it instead of spending another POST of the hourly budget), `completed`, `failed`
(with CircleCI's `error_reason`; the next run tries again) and `skipped` (older than CircleCI
keeps; never tried again).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

import dlt
import pyarrow as pa

from loader.schema import TIMESTAMP
from loader.settings import FILES_TABLE, USAGE_TABLE, WINDOWS_TABLE
from loader.windows import Window

LEDGER_SCHEMA = pa.schema(
    [
        pa.field("org_id", pa.string(), nullable=False),
        pa.field("window_start", TIMESTAMP, nullable=False),
        pa.field("window_end", TIMESTAMP, nullable=False),
        pa.field("usage_export_job_id", pa.string()),
        pa.field("state", pa.string(), nullable=False),
        pa.field("parts", pa.int64()),
        pa.field("rows", pa.int64()),
        pa.field("attempts", pa.int64()),
        pa.field("error_reason", pa.string()),
        pa.field("source", pa.string()),
        pa.field("created_at", TIMESTAMP),
        pa.field("loaded_at", TIMESTAMP),
    ]
)


@dataclass
class WindowRecord:
    """One ledger row."""

    org_id: str
    window_start: datetime
    window_end: datetime
    usage_export_job_id: str | None
    state: str
    parts: int | None = None
    rows: int | None = None
    attempts: int = 1
    error_reason: str | None = None
    source: str | None = None
    created_at: datetime | None = None
    loaded_at: datetime | None = None

    @property
    def window(self) -> Window:
        """The window this row describes."""
        return Window(self.window_start, self.window_end)


FILES_SCHEMA = pa.schema(
    [
        pa.field("file_sha256", pa.string(), nullable=False),
        pa.field("file_name", pa.string()),
        pa.field("bytes", pa.int64()),
        pa.field("rows", pa.int64()),
        pa.field("loaded_at", TIMESTAMP),
    ]
)


@dataclass
class FileRecord:
    """One export file loaded by the files path, identified by its content."""

    file_sha256: str
    file_name: str
    bytes: int
    rows: int
    loaded_at: datetime


def files_to_arrow(records: list[FileRecord]) -> pa.Table:
    """File records as an Arrow table."""
    return pa.Table.from_pylist([asdict(r) for r in records], schema=FILES_SCHEMA)


def read_loaded_files(pipeline: dlt.Pipeline) -> set[str]:
    """Content hashes of the export files already loaded by the files path."""
    return {str(r[0]) for r in _query(pipeline, f"select file_sha256 from {FILES_TABLE}")}


def to_arrow(records: list[WindowRecord]) -> pa.Table:
    """Ledger rows as an Arrow table in the ledger's layout."""
    return pa.Table.from_pylist([asdict(r) for r in records], schema=LEDGER_SCHEMA)


def read_ledger(pipeline: dlt.Pipeline) -> list[WindowRecord]:
    """All ledger rows in the pipeline's database (none before the first load)."""
    names = [f.name for f in fields(WindowRecord)]
    rows = _query(pipeline, f"select {', '.join(names)} from {WINDOWS_TABLE}")
    return [WindowRecord(**dict(zip(names, row, strict=True))) for row in rows]


def loaded_org_ids(pipeline: dlt.Pipeline) -> set[str]:
    """Organizations that have usage rows in the raw table."""
    rows = _query(pipeline, f"select distinct organization_id from {USAGE_TABLE}")
    return {str(r[0]) for r in rows if r[0] is not None}


def query(pipeline: dlt.Pipeline, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` on the raw dataset; none when its table does not exist yet."""
    return _query(pipeline, sql)


def _query(pipeline: dlt.Pipeline, sql: str) -> list[tuple[Any, ...]]:
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    try:
        with pipeline.sql_client() as client, client.execute_query(sql) as cursor:
            return [tuple(row) for row in cursor.fetchall()]
    except DatabaseUndefinedRelation:
        return []
    except Exception as error:  # the dataset or the database file does not exist yet
        if "does not exist" in str(error) or "Catalog Error" in str(error):
            return []
        raise
