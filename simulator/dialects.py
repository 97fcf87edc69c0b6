r"""The quirks of real export files: odd branch names, two CSV dialects, a damaged row.

- **Odd names.** People push branches with commas, double quotes (leading ones too), emoji and
  CJK text; git allows all of them in a ref name (it forbids backslashes, spaces and control
  characters, so those are left to the reader's own tests). About one pipeline in 40 of a
  feature branch gets one of `ODD_BRANCHES`, chosen by its pipeline number, so the same rows
  get the same names in every export.
- **Two dialects.** Real parts come either with unenclosed fields and backslash escapes (a
  warehouse unload's default, NULL as `\N`) or RFC 4180 double-quoted (only where needed, or
  every field); see `loader.source.csv_dialect` for the evidence. The parts of one export take
  `DIALECTS` in turn, so every export of two parts or more mixes them.
- **A damaged row** (optional, `SimulatorConfig.damaged_rows`): the last row of an export's
  first part gets one field too many, as a writer that forgot to escape a comma would.
- **A repeated row** (optional, `SimulatorConfig.repeated_rows`): the last row of an export's
  first part appears twice, the same `JOB_ID` in one export.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ODD_BRANCHES: tuple[str, ...] = (
    "fix/a,b",
    '"quoted"-release',
    '"leading-quote',
    "feature/🚀-launch",
    "機能/日本語-対応",
    'say-"hi",-world',
)
ODD_EVERY = 40  # one feature-branch pipeline in this many gets an odd name
_GOLDEN = 2_654_435_761

BACKSLASH = "backslash"
RFC4180 = "rfc4180"
RFC4180_QUOTED = "rfc4180-quoted"
DIALECTS: tuple[str, ...] = (RFC4180, BACKSLASH, RFC4180_QUOTED)


def odd_branch_index(branch: np.ndarray, pipeline_number: np.ndarray, names: int) -> np.ndarray:
    """Branch indexes with one feature-branch pipeline in `ODD_EVERY` moved to an odd name.

    Args:
        branch: index of each row's branch in the branch list (0 is the default branch).
        pipeline_number: each row's pipeline number.
        names: length of the branch list; odd names are appended after it.

    Returns:
        Indexes into the branch list followed by `ODD_BRANCHES`.
    """
    # pipeline numbers are not consecutive within a day: spread them with a multiplicative hash
    mixed = (pipeline_number.astype(np.int64) * _GOLDEN) >> 8
    odd = (branch > 0) & (mixed % ODD_EVERY == 0)
    pick = (mixed // ODD_EVERY) % len(ODD_BRANCHES)
    return np.where(odd, names + pick, branch)


def dialect_of_part(index: int, dialects: Sequence[str] = DIALECTS) -> str:
    """The dialect of an export's `index`-th part."""
    return dialects[index % len(dialects)]


def prepare(table: pa.Table, dialect: str) -> pa.Table:
    r"""The table's text escaped for `dialect` (backslash: `\`, `,` and line breaks)."""
    if dialect != BACKSLASH:
        return table
    for index, field in enumerate(table.schema):
        if not pa.types.is_string(field.type):
            continue
        column = table.column(index)
        for plain, escaped in (("\\", "\\\\"), (",", "\\,"), ("\n", "\\\n"), ("\r", "\\\r")):
            column = pc.replace_substring(column, plain, escaped)
        table = table.set_column(index, field, column)
    return table


def copy_options(dialect: str, null_text: str) -> str:
    """DuckDB `COPY ... TO` options that write `dialect` (header row included)."""
    base = f"FORMAT csv, HEADER true, NULLSTR '{null_text}'"
    if dialect == BACKSLASH:
        return base + ", QUOTE '', ESCAPE ''"
    if dialect == RFC4180_QUOTED:
        return base + ", FORCE_QUOTE *"
    return base


def damage_last_row(path: Path) -> None:
    """Give the last row of a gzip part one field too many (a comma nobody escaped)."""
    text = gzip.decompress(path.read_bytes())
    body = text.rstrip(b"\r\n")
    ending = text[len(body) :]
    if body.count(b"\n") < 1:
        return  # a header alone: nothing to damage
    with gzip.GzipFile(path, mode="wb", compresslevel=3, mtime=0) as out:
        out.write(body + b",unescaped" + ending)


def repeat_last_row(path: Path) -> None:
    """Write the last row of a gzip part a second time (its `JOB_ID` then appears twice)."""
    text = gzip.decompress(path.read_bytes())
    body = text.rstrip(b"\r\n")
    ending = text[len(body) :] or b"\n"
    last = body[body.rfind(b"\n") + 1 :]
    if body.count(b"\n") < 1 or b'"' in last or b"\\" in last:
        return  # a header alone, or a row that may span lines: leave the part as it is
    with gzip.GzipFile(path, mode="wb", compresslevel=3, mtime=0) as out:
        out.write(body + ending + last + ending)
