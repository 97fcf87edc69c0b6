r"""Read CircleCI usage export files (`.csv` or `.csv.gz`) into Arrow, column by name.

The export's quirks are handled here and only here: the literal `\N` is NULL (the reader
does no backslash escaping, which would turn it into `N`), `true`/`false` are booleans,
timestamps carry no zone and are UTC, columns are bound by header name because real files
do not follow the documented order, and columns CircleCI adds later are kept as text.
Files are streamed in blocks, so memory does not grow with the size of an export.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from loader.errors import FileFormatError
from loader.schema import (
    EXPORT_COLUMNS,
    ROW_ID_COLUMN,
    TIMESTAMP,
    UNSTABLE_COLUMNS,
    raw_name,
)
from loader.source.csv_dialect import Rfc4180Stream
from loader.source.csv_rescue import Rejection, render_row, rescue_rows

NULL_VALUES = ["\\N", ""]
TRUE_VALUES = ["true", "TRUE", "True", "Y"]
FALSE_VALUES = ["false", "FALSE", "False", "N"]
# Arrow parses timestamps into naive values; the export's are UTC and get the zone afterwards.
_PARSE_TYPES: dict[str, pa.DataType] = {
    name: (pa.timestamp("us") if dtype == TIMESTAMP else dtype)
    for name, dtype in EXPORT_COLUMNS.items()
}
_HASHED_COLUMNS = [c for c in EXPORT_COLUMNS if c not in UNSTABLE_COLUMNS]
_GZIP_MAGIC = b"\x1f\x8b"
BLOCK_SIZE = 16 << 20
_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): (.*)", re.DOTALL)


def find_export_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the export files they hold, in a stable order.

    Args:
        paths: Files (`.csv`, `.csv.gz`) or folders searched recursively for them.

    Returns:
        The files, sorted within each folder.

    Raises:
        FileFormatError: A path does not exist, or no export file was found.
    """
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.name.endswith((".csv", ".csv.gz"))
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileFormatError(f"{path}: no such file or folder.")
    if not found:
        raise FileFormatError(
            "No export files (.csv or .csv.gz) found in " + ", ".join(str(p) for p in paths) + "."
        )
    return found


def normalize_column_name(header: str) -> str:
    """Return the snake_case raw-table name of a header, including headers CircleCI adds later."""
    return re.sub(r"[^0-9a-z]+", "_", raw_name(header)).strip("_") or "unnamed"


class RowIdAssigner:
    """Give every row its merge key, `usage_row_id`.

    A row with a `JOB_ID` is keyed by it. A row without one (org-level charges such as seats)
    is keyed by a hash of its stable content plus its occurrence number among identical rows
    of the same export, so that re-exporting a window dedupes it while identical rows inside
    one export stay distinct. Use one assigner per export (all parts of one window).
    """

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def assign(self, batch: pa.RecordBatch) -> pa.Array:
        """Return the `usage_row_id` column for `batch` (columns still named by header)."""
        job_id = batch.column("JOB_ID")
        missing = pc.is_null(job_id)
        if not pc.any(missing).as_py():
            return job_id
        rows = batch.filter(missing).select(_HASHED_COLUMNS).to_pylist()
        keys = []
        for row in rows:
            content = json.dumps([row[c] for c in _HASHED_COLUMNS], default=str)
            digest = hashlib.blake2b(content.encode(), digest_size=16).hexdigest()
            keys.append(f"row:{digest}:{self._seen[digest]}")
            self._seen[digest] += 1
        return pc.replace_with_mask(job_id, missing, pa.array(keys, pa.string()))


def _open(path: Path) -> pa.NativeFile:
    with path.open("rb") as handle:
        compressed = handle.read(2) == _GZIP_MAGIC
    return pa.input_stream(str(path), compression="gzip" if compressed else None)


def read_header(path: Path) -> list[str]:
    """Return the header row of an export file (gzip or plain), stripped of a BOM."""
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == _GZIP_MAGIC
        opener = gzip.open if compressed else open
        with opener(path, "rb") as handle:
            first = handle.readline()
    except (OSError, EOFError) as error:
        raise FileFormatError(f"{path}: cannot read the file ({error}).") from None
    text = first.decode("utf-8-sig", errors="replace").strip("\r\n")
    if not text:
        raise FileFormatError(f"{path}: the file is empty; an export part starts with a header.")
    return next(csv.reader(io.StringIO(text)))


def check_header(path: Path) -> list[str]:
    """Return the header of an export file after checking it has every expected column once.

    Raises:
        FileFormatError: The file cannot be read, is empty, lacks a column of the export or
            repeats one.
    """
    header = read_header(path)
    names = [h.strip().upper() for h in header]
    missing = [c for c in EXPORT_COLUMNS if c not in names]
    if missing:
        raise FileFormatError(
            f"{path}: column {missing[0]} is missing"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + "; is this a CircleCI usage export?"
        )
    duplicates = [h for h, n in Counter(names).items() if n > 1]
    if duplicates:
        raise FileFormatError(f"{path}: column {duplicates[0]} appears twice in the header.")
    return header


def read_export_file(
    path: Path,
    row_ids: RowIdAssigner | None = None,
    block_size: int = BLOCK_SIZE,
    rejected: list[Rejection] | None = None,
    job_ids: set[str] | None = None,
) -> Iterator[pa.Table]:
    """Stream one export file as Arrow tables in the raw table's layout.

    Both CSV dialects are read (see `csv_dialect`). A row that cannot be read (a wrong number
    of fields, a value not of its column's type) or that repeats a `JOB_ID` already seen in
    `job_ids` is not loaded: it is appended to `rejected` and the rest of the file is read.

    Args:
        path: A `.csv` or `.csv.gz` export part with its header row.
        row_ids: The export's row-id assigner; a fresh one when the file stands alone.
        block_size: Bytes parsed per block (bounds memory).
        rejected: Receives the rows set aside; without it, a damaged row is an error.
        job_ids: The `JOB_ID`s already read in the same export; updated.

    Yields:
        Tables with the contract's columns (snake_case, typed, timestamps in UTC) in contract
        order, then any columns the contract does not know (as text), then `usage_row_id`.

    Raises:
        FileFormatError: A required column is missing, the file is damaged (for example a
            truncated gzip), or a row cannot be read and `rejected` is not given.
    """
    row_ids = row_ids or RowIdAssigner()
    job_ids = job_ids if job_ids is not None else set()
    header = check_header(path)
    present = {h.strip().upper(): h for h in header}
    extras = [h for h in header if h.strip().upper() not in EXPORT_COLUMNS]
    column_types = {present[c]: t for c, t in _PARSE_TYPES.items()}
    column_types.update({h: pa.string() for h in extras})
    convert = pacsv.ConvertOptions(
        column_types=column_types,
        null_values=NULL_VALUES,
        strings_can_be_null=True,
        true_values=TRUE_VALUES,
        false_values=FALSE_VALUES,
    )
    read = pacsv.ReadOptions(block_size=block_size, use_threads=True)
    # Arrow always reads RFC 4180: backslash-escaped parts are rewritten on the way in, and
    # line breaks inside quoted values keep Arrow's chunker in step however large the part.
    parse = pacsv.ParseOptions(escape_char=False, newlines_in_values=True)
    rows_read = 0
    try:
        with _open(path) as stream:
            reader: pacsv.CSVStreamingReader | None = None
            try:
                reader = pacsv.open_csv(
                    Rfc4180Stream(stream),
                    read_options=read,
                    parse_options=parse,
                    convert_options=convert,
                )
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        return
                    first_row = rows_read + 2
                    rows_read += batch.num_rows
                    table = _checked(
                        batch, present, extras, row_ids, job_ids, first_row.__add__, rejected
                    )
                    if table is not None:
                        yield table
            except pa.ArrowInvalid:
                # a row Arrow cannot read: the rest of the file is read row by row below
                if rejected is None:
                    raise
            finally:
                if reader is not None:
                    reader.close()  # stops Arrow's read-ahead before the file closes
        assert rejected is not None

        def reopen() -> Rfc4180Stream:
            return Rfc4180Stream(_open(path))

        rescued = rescue_rows(
            reopen, column_types, header, NULL_VALUES, TRUE_VALUES, FALSE_VALUES, rows_read
        )
        for batch_or_none, numbers, rows_set_aside in rescued:
            rejected.extend(rows_set_aside)
            if batch_or_none is not None:
                table = _checked(
                    batch_or_none, present, extras, row_ids, job_ids, numbers.__getitem__, rejected
                )
                if table is not None:
                    yield table
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise FileFormatError(_describe(path, header, error)) from None


def _checked(
    batch: pa.RecordBatch,
    present: dict[str, str],
    extras: list[str],
    row_ids: RowIdAssigner,
    job_ids: set[str],
    row_number: Callable[[int], int],
    rejected: list[Rejection] | None,
) -> pa.Table | None:
    """The batch in the raw layout, without rows whose `JOB_ID` was already read."""
    repeated = _repeated_jobs(batch.column(present["JOB_ID"]), job_ids)
    if repeated:
        if rejected is None:
            job = batch.column(present["JOB_ID"])[repeated[0]].as_py()
            raise FileFormatError(f"JOB_ID {job} appears twice in one export.")
        for index in repeated:
            job = batch.column(present["JOB_ID"])[index].as_py()
            rejected.append(
                Rejection(
                    row_number(index),
                    _row_text(batch.slice(index, 1)),
                    f"JOB_ID {job} appears again in the same export; the first row is loaded "
                    "and this one set aside, so its credits are not counted twice",
                )
            )
        keep = np.ones(batch.num_rows, dtype=bool)
        keep[repeated] = False
        batch = batch.filter(pa.array(keep))
        if not batch.num_rows:
            return None
    return _to_raw_layout(batch, present, extras, row_ids)


def _repeated_jobs(job_id: pa.Array, seen: set[str]) -> list[int]:
    """Indexes of job ids already in `seen` (or earlier in the array); adds the new ones."""
    ids = job_id.to_pylist()
    present = [i for i in ids if i is not None]
    fresh = set(present)
    if len(fresh) == len(present) and seen.isdisjoint(fresh):
        seen |= fresh
        return []
    repeated = []
    for index, value in enumerate(ids):
        if value is None:
            continue
        if value in seen:
            repeated.append(index)
        seen.add(value)
    return repeated


def _row_text(row: pa.RecordBatch) -> str:
    r"""A typed row as export text again (credits without trailing zeros, NULL as `\N`)."""
    return render_row([_as_text(v) for v in row.to_pylist()[0].values()])


def _as_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return str(value)


def _to_raw_layout(
    batch: pa.RecordBatch, present: dict[str, str], extras: list[str], row_ids: RowIdAssigner
) -> pa.Table:
    renamed = batch.rename_columns([h.strip().upper() for h in batch.schema.names])
    arrays: list[pa.Array] = []
    names: list[str] = []
    for column, dtype in EXPORT_COLUMNS.items():
        array = renamed.column(column)
        if dtype == TIMESTAMP:
            array = array.cast(TIMESTAMP)
        arrays.append(array)
        names.append(raw_name(column))
    for header in extras:
        arrays.append(renamed.column(header.strip().upper()))
        names.append(normalize_column_name(header))
    arrays.append(row_ids.assign(renamed))
    fields = [pa.field(name, array.type) for name, array in zip(names, arrays, strict=False)]
    fields.append(pa.field(ROW_ID_COLUMN, pa.string(), nullable=False))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _describe(path: Path, header: list[str], error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    match = _CONVERSION_ERROR.match(message)
    if match:
        index = int(match.group(1))
        column = header[index] if index < len(header) else f"#{index}"
        detail = match.group(2).strip()
        return f"{path}: column {column.strip().upper()}: {detail}."
    if "gzip" in message.lower() or "truncated" in message.lower() or isinstance(error, EOFError):
        return f"{path}: the file is damaged or truncated ({message}); download it again."
    return f"{path}: cannot be read as a CircleCI usage export ({message})."
