"""Read the rest of an export part that Arrow refused, row by row, setting damaged rows aside.

Arrow reads a part in blocks and stops at the first row it cannot read: a wrong number of
fields or a value that is not of its column's type. The reader then comes here for the rows
after those it has already passed on. They are split by Python's `csv` module (from the same
RFC 4180 view of the part, see `csv_dialect`), and typed column by column with Arrow's own
casts; a cast that fails is narrowed down by halving to the rows that make it fail, so a
damaged row costs a few extra casts, not a Python loop over every value. Each damaged row is
returned with its row number, its text and the reason; the others are returned typed, in
batches, exactly as Arrow would have read them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loader.source.csv_dialect import Rfc4180Stream

RESCUE_BATCH_ROWS = 50_000
MAX_RAW_TEXT = 10_000
_SHOWN_VALUE = 80


@dataclass(frozen=True)
class Rejection:
    """One row that could not be read: its row number (the header is 1), text and reason."""

    line_number: int
    raw_text: str
    reason: str


def render_row(values: list[str]) -> str:
    """A row as one line of CSV text (RFC 4180 quoting where a value needs it)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()[:MAX_RAW_TEXT]


def rescue_rows(
    open_stream: Callable[[], Rfc4180Stream],
    column_types: dict[str, pa.DataType],
    header: list[str],
    null_values: list[str],
    true_values: list[str],
    false_values: list[str],
    skip_rows: int,
) -> Iterator[tuple[pa.RecordBatch | None, list[int], list[Rejection]]]:
    """Read the rows of a part after the first `skip_rows`, setting damaged ones aside.

    Args:
        open_stream: Opens the part afresh as an RFC 4180 stream.
        column_types: Arrow type of each header name.
        header: The header's names, in file order.
        null_values: Texts that are NULL.
        true_values: Texts that are true (boolean columns).
        false_values: Texts that are false.
        skip_rows: Data rows already read by Arrow.

    Yields:
        Batches of typed rows (None when a stretch held only damaged rows), the row number
        of each row of the batch, and the rows set aside since the previous batch.
    """
    stream = open_stream()
    buffered = io.BufferedReader(cast(io.RawIOBase, stream))
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=False)
    nulls = set(null_values)
    rows: list[list[str]] = []
    numbers: list[int] = []
    rejected: list[Rejection] = []
    row_number = 1
    try:
        next(reader)
        for record in reader:
            row_number += 1
            if row_number - 1 <= skip_rows:
                continue
            if len(record) != len(header):
                raw = stream.damaged.get(row_number)
                rejected.append(
                    Rejection(
                        row_number,
                        raw.decode("utf-8", "replace")[:MAX_RAW_TEXT]
                        if raw
                        else render_row(record),
                        f"{len(record)} fields where the header has {len(header)}",
                    )
                )
                continue
            rows.append(record)
            numbers.append(row_number)
            if len(rows) >= RESCUE_BATCH_ROWS:
                yield _typed(
                    rows, numbers, header, column_types, nulls, true_values, false_values, rejected
                )
                rows, numbers, rejected = [], [], []
    except csv.Error as error:
        rejected.append(
            Rejection(row_number, "", f"the rest of the file cannot be split into rows ({error})")
        )
    if rows or rejected:
        yield _typed(
            rows, numbers, header, column_types, nulls, true_values, false_values, rejected
        )


def _typed(
    rows: list[list[str]],
    numbers: list[int],
    header: list[str],
    column_types: dict[str, pa.DataType],
    nulls: set[str],
    true_values: list[str],
    false_values: list[str],
    rejected: list[Rejection],
) -> tuple[pa.RecordBatch | None, list[int], list[Rejection]]:
    if not rows:
        return None, [], rejected
    texts = [
        pa.array([None if v in nulls else v for v in column], pa.string())
        for column in zip(*rows, strict=True)
    ]
    bad = np.zeros(len(rows), dtype=bool)
    reasons: dict[int, str] = {}
    for name, array in zip(header, texts, strict=True):
        dtype = column_types[name]
        for index in _bad_rows(array, dtype, true_values, false_values):
            if not bad[index]:
                bad[index] = True
                value = str(array[index].as_py())[:_SHOWN_VALUE]
                reasons[index] = f"column {name.strip().upper()}: {value!r} is not a valid {dtype}"
    for position in sorted(reasons):
        rejected.append(Rejection(numbers[position], render_row(rows[position]), reasons[position]))
    keep = pa.array(~bad)
    arrays = []
    for name, array in zip(header, texts, strict=True):
        kept = array.filter(keep)
        arrays.append(_convert(kept, column_types[name], true_values, false_values))
    batch = pa.RecordBatch.from_arrays(arrays, names=header)
    kept_numbers = [n for n, b in zip(numbers, bad, strict=True) if not b]
    rejected.sort(key=lambda r: r.line_number)
    return (batch if batch.num_rows else None), kept_numbers, rejected


def _convert(
    array: pa.Array, dtype: pa.DataType, true_values: list[str], false_values: list[str]
) -> pa.Array:
    if pa.types.is_boolean(dtype):
        is_true = pc.is_in(array, pa.array(true_values))
        is_false = pc.is_in(array, pa.array(false_values))
        none = pa.scalar(None, pa.bool_())
        return pc.if_else(is_true, True, pc.if_else(is_false, False, none))
    return pc.cast(array, dtype)


def _bad_rows(
    array: pa.Array, dtype: pa.DataType, true_values: list[str], false_values: list[str]
) -> list[int]:
    """Indexes of the values that do not convert to `dtype`."""
    if pa.types.is_string(dtype):
        return []
    if pa.types.is_boolean(dtype):
        known = pc.or_(
            pc.is_in(array, pa.array(true_values)), pc.is_in(array, pa.array(false_values))
        )
        unknown = pc.and_(pc.is_valid(array), pc.invert(known))
        return [int(i) for i in np.flatnonzero(unknown.to_numpy(zero_copy_only=False))]
    return _bisect(array, dtype, 0)


def _bisect(array: pa.Array, dtype: pa.DataType, offset: int) -> list[int]:
    try:
        pc.cast(array, dtype)
        return []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(array) == 1:
            return [offset]
    half = len(array) // 2
    return _bisect(array.slice(0, half), dtype, offset) + _bisect(
        array.slice(half), dtype, offset + half
    )
