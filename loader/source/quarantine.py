"""Rows set aside: `circleci_raw.rejected_rows`, one row per export row that was not loaded.

A row lands here when it cannot be read (a wrong number of fields, a value that is not of its
column's type) or when it repeats a `JOB_ID` already read in the same export. The rest of its
file and window loads as usual; the row stays visible here (and in every `dbt build`, as a
warning) instead of silently missing.

Where a row came from is its `source`: the file's path for `python -m loader files`, or
`<org id> <window>` for an export window of the API. Loading a source again replaces what it
left here: a file loaded again (changed, or with `--force`) clears its earlier rows, and an
export window clears the earlier rows of every window of the same organization it covers. So
a row that a later export or a reload reads correctly leaves the quarantine.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import dlt
import pyarrow as pa

from loader.schema import TIMESTAMP
from loader.settings import REJECTED_TABLE

log = logging.getLogger("loader")

REJECTED_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("org_id", pa.string()),
        pa.field("window_start", TIMESTAMP),
        pa.field("window_end", TIMESTAMP),
        pa.field("file_name", pa.string()),
        pa.field("line_number", pa.int64()),
        pa.field("raw_text", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("rejected_at", TIMESTAMP),
    ]
)


@dataclass
class RejectedRow:
    """One row of `rejected_rows`."""

    source: str
    org_id: str | None
    window_start: datetime | None
    window_end: datetime | None
    file_name: str
    line_number: int
    raw_text: str
    reason: str
    rejected_at: datetime


@dataclass(frozen=True)
class SourceKey:
    """What a load read, so that what it left in the quarantine before can be cleared.

    A file is one source (`org_id` None); an export window covers every window of its
    organization that lies inside it.
    """

    source: str
    org_id: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None


def to_arrow(rows: list[RejectedRow]) -> pa.Table:
    """Rejected rows as an Arrow table in the table's layout."""
    return pa.Table.from_pylist([asdict(r) for r in rows], schema=REJECTED_SCHEMA)


def clear_replaced(pipeline: dlt.Pipeline, keys: list[SourceKey], before: datetime) -> int:
    """Delete the rows that loads before `before` left for sources loaded again since.

    Returns:
        The number of rows deleted (none when the table does not exist yet).
    """
    if not keys:
        return 0
    deleted = 0
    try:
        with pipeline.sql_client() as client:
            table = client.make_qualified_table_name(REJECTED_TABLE)
            for key in keys:
                if key.org_id is None:
                    sql = f"delete from {table} where source = ? and rejected_at < ?"
                    params: tuple[Any, ...] = (key.source, before)
                else:
                    sql = (
                        f"delete from {table} where org_id = ? and window_start >= ? "
                        "and window_end <= ? and rejected_at < ?"
                    )
                    params = (key.org_id, key.window_start, key.window_end, before)
                with client.execute_query(sql, *params) as cursor:
                    row = cursor.fetchone()
                    deleted += int(row[0]) if row and row[0] is not None else 0
    except Exception as error:  # the table or the dataset does not exist yet
        if "does not exist" in str(error) or "Catalog Error" in str(error):
            return 0
        raise
    if deleted:
        log.info(
            "%d row(s) set aside by earlier loads were read again and left the quarantine", deleted
        )
    return deleted


def count_rejected(pipeline: dlt.Pipeline) -> list[tuple[str, int, str]]:
    """Per source: how many rows are set aside and the reason of the first one."""
    from loader.source.ledger import query

    return [
        (str(source), int(count), str(reason))
        for source, count, reason in query(
            pipeline,
            f"select source, count(*), min(reason) from {REJECTED_TABLE} "
            "group by source order by source",
        )
    ]
