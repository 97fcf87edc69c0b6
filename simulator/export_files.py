r"""Write usage tables as CircleCI writes export files: gzip CSV parts, each with a header row.

Format, as in real exports: UPPERCASE headers in `EXPORT_COLUMNS` order (JOB_RUN_NUMBER before
JOB_ID), NULL as the literal `\N`, booleans `true`/`false`, timestamps
`YYYY-MM-DD HH:MM:SS.fff` in UTC without a zone, dates `YYYY-MM-DD`, credits as plain decimals
without trailing zeros (`61`, `19.738`), the parts of one export in both CSV dialects (see
`dialects`). numpy renders timestamps and decimals, DuckDB writes
the CSV, zlib compresses it, parts in parallel: no Python code runs per row.
"""

from __future__ import annotations

import gzip
import math
import random
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from loader.schema import EXPORT_COLUMNS
from simulator.dialects import DIALECTS, copy_options, dialect_of_part, prepare
from simulator.text_columns import format_decimals, format_timestamps

NULL_TEXT = "\\N"


@dataclass(frozen=True)
class PartFile:
    """One written part."""

    path: Path
    rows: int
    bytes: int


def parts_for_window(
    days: float, per_day: float = 0.85, minimum: int = 2, maximum: int = 32
) -> int:
    """Return how many parts an export of a window of this length is split into.

    Real exports have been seen with 2 parts for one day and 8 for nine days.

    Args:
        days: window length in days (fractions count as a whole day).
        per_day: parts per day of window.
        minimum: fewest parts.
        maximum: most parts.

    Returns:
        The number of parts.
    """
    return max(minimum, min(maximum, math.ceil(max(days, 1.0) * per_day - 1e-9)))


def split_rows(rows: int, parts: int) -> list[tuple[int, int]]:
    """Split rows into at most `parts` contiguous, non-empty (offset, length) slices.

    Args:
        rows: number of rows.
        parts: wanted number of parts.

    Returns:
        Slices covering every row once; fewer than `parts` when there are fewer rows.
    """
    parts = max(1, min(parts, rows))
    base, extra = divmod(rows, parts)
    slices, offset = [], 0
    for i in range(parts):
        length = base + (1 if i < extra else 0)
        if length:
            slices.append((offset, length))
        offset += length
    return slices


def _select_list(
    schema: pa.Schema,
    extra_column: str | None,
    shuffle_seed: int | None,
    drop_columns: Sequence[str],
) -> str:
    exprs = [(f.name, f'"{f.name}"') for f in schema if f.name not in drop_columns]
    if extra_column:
        exprs.insert(len(exprs) // 2, (extra_column, "'future-value'"))
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(exprs)
    return ", ".join(f'{expr} AS "{name}"' for name, expr in exprs)


def render_text_columns(table: pa.Table) -> pa.Table:
    """Render timestamp and decimal columns as export text; other columns are unchanged.

    Args:
        table: rows with typed export columns.

    Returns:
        The same table with timestamps and decimals as strings.
    """
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            render = format_timestamps
        elif pa.types.is_decimal(field.type):
            render = format_decimals
        else:
            continue
        column = table.column(index)
        chunks = [render(chunk) for chunk in column.chunks]
        table = table.set_column(
            index, pa.field(field.name, pa.string()), pa.chunked_array(chunks, pa.string())
        )
    return table


def write_parts(
    table: pa.Table,
    out_dir: str | Path,
    parts: int,
    *,
    prefix: str = "part",
    extra_column: str | None = None,
    shuffle_seed: int | None = None,
    drop_columns: Sequence[str] = (),
    threads: int = 2,
    dialects: Sequence[str] = DIALECTS,
) -> list[PartFile]:
    """Write a table as gzip CSV parts named `<prefix>_<k>.csv.gz`.

    Args:
        table: rows with the export columns (any order; they are written in table order).
        out_dir: folder to write into (created if missing).
        parts: wanted number of parts (fewer when there are fewer rows; none for no rows).
        prefix: file name prefix.
        extra_column: add a column of this name that the contract does not know (tests).
        shuffle_seed: write the columns in an order shuffled with this seed (tests).
        drop_columns: leave these columns out (tests).
        threads: parts written at the same time.
        dialects: CSV dialects the parts take in turn (see `dialects.DIALECTS`).

    Returns:
        The written parts in order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    slices = split_rows(table.num_rows, parts)
    if not slices:
        return []
    prepared = render_text_columns(table)
    select = _select_list(prepared.schema, extra_column, shuffle_seed, drop_columns)
    width = max(4, len(str(len(slices) - 1)))
    connection = duckdb.connect()
    connection.execute("SET threads TO 1")

    def write(index: int) -> PartFile:
        offset, length = slices[index]
        path = out / f"{prefix}_{index:0{width}d}.csv.gz"
        cursor = connection.cursor()
        try:
            dialect = dialect_of_part(index, dialects)
            cursor.register("part_rows", prepare(prepared.slice(offset, length), dialect))
            plain = path.with_suffix("")  # part_0000.csv, removed once compressed
            target = str(plain).replace("'", "''")
            cursor.execute(
                f"COPY (SELECT {select} FROM part_rows) TO '{target}' "
                f"({copy_options(dialect, NULL_TEXT)})"
            )
            # zlib at level 3 is about twice as fast as DuckDB's gzip; mtime 0 keeps the bytes
            # of a part reproducible.
            with (
                plain.open("rb") as src,
                path.open("wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3, mtime=0) as dst,
            ):
                shutil.copyfileobj(src, dst, 1 << 20)
            plain.unlink()
        finally:
            cursor.close()
        return PartFile(path, length, path.stat().st_size)

    try:
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            return list(pool.map(write, range(len(slices))))
    finally:
        connection.close()


def export_header() -> list[str]:
    """Return the header of a real export file, in order."""
    return list(EXPORT_COLUMNS)
