r"""Detect which of the two CSV dialects an export part is written in, and hand Arrow RFC 4180.

Real export parts come in two dialects, and a reader must take both without being told:

- **backslash**: fields are never enclosed; a backslash escapes the delimiter (`\,`), the
  record delimiter (an escaped line break) and itself (`\\`); a `"` is an ordinary character,
  even first in a field; the NULL marker is a bare `\N`. This is a warehouse unload's default
  for unenclosed fields (its NULL marker is `\N` too). Evidence: CircleCI's own MCP server
  relaxed its export parser for "edge case naming conventions" (CircleCI-Public/
  mcp-server-circleci, commit f49f9a3, `relax_column_count` and `skip_records_with_error`),
  and CircleCI-Labs/circleci-usage-reporter reads exports with `escapechar="\\"` and
  `na_values=["\\N"]` (src/analysis.py).
- **rfc4180**: fields are enclosed in double quotes (all of them, or only those that need it)
  and a `"` inside is doubled (`""`); `"\N"` is still NULL. Evidence: the fully quoted export
  in CircleCI-Labs/circleci-usage-reporter's `.circleci/test-data.csv`.

Most parts hold neither a `"` nor a backslash other than `\N`; both dialects read such text
the same way, so it goes to Arrow untouched (the fast path). The dialect is decided at the
first block that holds one, from the header (a quoted header is rfc4180) and from which
reading gives more records of the block the header's number of fields; when both fit as
well, from which writer's marks are more frequent: escape sequences (`\,`, `\\`, an escaped
line break) or quotes only RFC 4180 needs (around a comma, a line break or a doubled quote).
Quotes alone, with neither mark, are ordinary characters. Once decided, the dialect holds for
the rest of the file. A backslash part's records that hold a `"` or an escape are rewritten
as RFC 4180; the others pass as they are. Arrow then always reads RFC 4180 with line breaks
allowed inside quoted values, which keeps its chunking correct for parts of any size.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from typing import BinaryIO

import numpy as np

BACKSLASH = "backslash"
RFC4180 = "rfc4180"
PLAIN = "plain"  # nothing seen yet that tells the dialects apart

_NULL = b"\\N"
_SPECIAL = re.compile(rb'"|\\[^N]', re.S)
_FIELD = re.compile(rb"(?:[^,\\]|\\.)*", re.S)
_ESCAPE = re.compile(rb"\\(.)", re.S)
_NEEDS_QUOTES = re.compile(rb'[,"\r\n]')
_ESCAPE_SEQUENCE = re.compile(rb"\\[,\\\r\n]")
# quotes only an RFC 4180 writer needs: around a comma or a line break, or with a doubled quote
_NECESSARY_QUOTES = re.compile(
    rb'(?:^|(?<=,))"(?:[^"]|"")*(?:,|\n|"")(?:[^"]|"")*"(?=,|\r?$)', re.M
)
_SAMPLE_BYTES = 64 << 10
_BACKSLASH, _N, _LF = ord("\\"), ord("N"), ord("\n")
READ_BYTES = 4 << 20


def split_backslash_fields(record: bytes) -> list[bytes | None]:
    r"""Split one backslash-dialect record (no line terminator) into unescaped values.

    Returns:
        The values; None for the NULL marker `\N`.
    """
    fields: list[bytes | None] = []
    position = 0
    while True:
        match = _FIELD.match(record, position)
        assert match is not None  # the pattern matches the empty string
        raw = match.group()
        position = match.end()
        if position < len(record) and record[position] != ord(","):
            raw += record[position:]  # a backslash that ends the record escapes nothing
            position = len(record)
        if raw == _NULL:
            fields.append(None)
        else:
            fields.append(_ESCAPE.sub(rb"\1", raw) if b"\\" in raw else raw)
        if position >= len(record):
            return fields
        position += 1


def to_rfc4180(fields: list[bytes | None]) -> bytes:
    r"""Render values as one RFC 4180 record (no terminator); None as the bare `\N`."""
    out = []
    for value in fields:
        if value is None:
            out.append(_NULL)
        elif _NEEDS_QUOTES.search(value) or value == _NULL:
            out.append(b'"' + value.replace(b'"', b'""') + b'"')
        else:
            out.append(value)
    return b",".join(out)


def _escapes_besides_null(codes: np.ndarray) -> bool:
    r"""Whether a backslash in `codes` (bytes as uint8) is followed by anything but `N`."""
    backslashes = np.flatnonzero(codes == _BACKSLASH)
    if not len(backslashes):
        return False
    following = np.minimum(backslashes + 1, len(codes) - 1)
    return bool(np.any(codes[following] != _N) or backslashes[-1] == len(codes) - 1)


def _strip_terminator(record: bytes) -> bytes:
    if record.endswith(b"\n"):
        record = record[:-1]
        if record.endswith(b"\r") and not _escaped(record, len(record) - 1):
            record = record[:-1]
    return record


def _escaped(data: bytes, index: int) -> bool:
    """Whether the byte at `index` is preceded by an odd run of backslashes."""
    run = 0
    while index - run - 1 >= 0 and data[index - run - 1] == 0x5C:
        run += 1
    return run % 2 == 1


def _rfc4180_counts(sample: bytes) -> list[int]:
    """Fields per record of `sample` read as RFC 4180 (stops at a quote that never closes)."""
    counts: list[int] = []
    reader = csv.reader(io.StringIO(sample.decode("utf-8", "replace"), newline=""), strict=True)
    try:
        counts.extend(len(record) for record in reader)
    except csv.Error:
        counts.append(-1)
    return counts


def _backslash_counts(sample: bytes) -> list[int]:
    """Fields per record of `sample` read in the backslash dialect."""
    unescaped = _ESCAPE.sub(b"", sample)  # drop every escape pair, escaped line breaks too
    records = unescaped.split(b"\n")
    if records and not records[-1]:
        records.pop()
    return [record.count(b",") + 1 for record in records]


def choose_dialect(header: bytes, block: bytes, columns: int) -> str:
    """Decide the dialect of a file from its header and a block that holds a quote or escape.

    Args:
        header: The header line.
        block: Whole records, at least one of them holding a `"` or a backslash escape.
        columns: Fields per record (the header's).

    Returns:
        `BACKSLASH` or `RFC4180`.
    """
    if header.lstrip(b"\xef\xbb\xbf").startswith(b'"'):
        return RFC4180
    first = _SPECIAL.search(block)
    start = block.rfind(b"\n", 0, first.start() if first else 0) + 1
    end = block.rfind(b"\n", start, start + _SAMPLE_BYTES) + 1 or len(block)
    sample = block[start:end]
    # a sample cut short may end inside a record in one reading: leave the last one out
    whole = None if end == len(block) else -1
    backslash_ok = sum(n == columns for n in _backslash_counts(sample)[:whole])
    rfc4180_ok = sum(n == columns for n in _rfc4180_counts(sample)[:whole])
    if backslash_ok != rfc4180_ok:
        return BACKSLASH if backslash_ok > rfc4180_ok else RFC4180
    # both readings fit: count what each writer produces and the other rarely does
    escapes = len(_ESCAPE_SEQUENCE.findall(sample))
    quotes = len(_NECESSARY_QUOTES.findall(sample))
    return RFC4180 if quotes > escapes else BACKSLASH


class Rfc4180Stream(io.RawIOBase):
    r"""A file-like view of an export part's text as RFC 4180, for Arrow's CSV reader.

    Reads the decompressed part in blocks and decides its dialect at the first block that
    tells them apart (see the module docstring). Records of a backslash part that cannot be
    split into the header's number of fields are passed on (Arrow then reports them) and
    their original text is kept in `damaged`, by row number (the header is row 1).
    """

    def __init__(self, source: BinaryIO, read_bytes: int = READ_BYTES) -> None:
        super().__init__()
        self._source = source
        self._read_bytes = read_bytes
        self._carry = b""
        self._out: deque[memoryview] = deque()
        self._eof = False
        self._header: bytes | None = None
        self._columns = 0
        self.dialect = PLAIN
        self.rows_seen = 0  # records passed on, the header included (backslash and plain only)
        self.damaged: dict[int, bytes] = {}

    def close(self) -> None:
        """Close the underlying part too."""
        if not self.closed:
            self._source.close()
        super().close()

    def readable(self) -> bool:
        """Always true."""
        return True

    def read(self, size: int | None = -1) -> memoryview | bytes:
        """Up to `size` bytes of RFC 4180 text (fewer at a block's end); empty at the end."""
        if size is None or size < 0:
            while not self._eof:
                self._fill()
            rest = b"".join(self._out)
            self._out.clear()
            return rest
        while not self._out and not self._eof:
            self._fill()
        if not self._out:
            return b""
        head = self._out[0]
        if len(head) <= size:
            return self._out.popleft()
        self._out[0] = head[size:]
        return head[:size]

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill `buffer` with the next RFC 4180 bytes; 0 at the end."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _put(self, data: bytes | memoryview) -> None:
        if len(data):
            self._out.append(memoryview(data))

    def _fill(self) -> None:
        chunk = self._source.read(self._read_bytes)
        if not chunk:
            self._eof = True
            data, self._carry = self._carry, b""
            if data:
                self._emit(data)
            return
        data = self._carry + chunk
        if self.dialect == RFC4180:
            self._carry = b""
            self._put(data)
            return
        cut = data.rfind(b"\n")
        while cut > 0 and _escaped(data, cut):
            cut = data.rfind(b"\n", 0, cut)
        if cut < 0:
            self._carry = data
            return
        self._carry = data[cut + 1 :]
        self._emit(data[: cut + 1])

    def _emit(self, data: bytes) -> None:
        """Pass on whole records in the decided dialect (deciding it if this block tells)."""
        if self._header is None:
            end = data.find(b"\n")
            header = data[: end + 1] if end >= 0 else data
            self._header = header
            self._columns = len(next(csv.reader([header.decode("utf-8-sig", "replace")]), []))
            if header.lstrip(b"\xef\xbb\xbf").startswith(b'"'):
                self.dialect = RFC4180
                self._put(data)
                return
            self._put(header)
            self.rows_seen = 1
            data = data[len(header) :]
        if self.dialect == PLAIN:
            codes = np.frombuffer(data, np.uint8)
            if b'"' not in data and not _escapes_besides_null(codes):
                self._put(data)
                self.rows_seen += int(np.count_nonzero(codes == _LF)) + (
                    0 if data.endswith(b"\n") else 1
                )
                return
            self.dialect = choose_dialect(self._header, data, self._columns)
        if self.dialect == RFC4180:
            self._put(data)
        else:
            self._rewrite(data)

    def _rewrite(self, data: bytes) -> None:
        """Pass on backslash records, rewriting those with a quote or an escape as RFC 4180."""
        position = 0
        for match in _SPECIAL.finditer(data):
            if match.start() < position:
                continue
            start = data.rfind(b"\n", position, match.start()) + 1 or position
            start = max(start, position)
            end = start
            while True:  # the record ends at the first line break that is not escaped
                end = data.find(b"\n", end)
                if end < 0:
                    end = len(data)
                    break
                if not _escaped(data, end):
                    end += 1
                    break
                end += 1
            plain = data[position:start]
            self._put(plain)
            self.rows_seen += plain.count(b"\n")
            record = data[start:end]
            fields = split_backslash_fields(_strip_terminator(record))
            self.rows_seen += 1
            if len(fields) != self._columns:
                self.damaged[self.rows_seen] = _strip_terminator(record)
            self._put(to_rfc4180(fields) + (b"\n" if record.endswith(b"\n") else b""))
            position = end
        rest = data[position:]
        self._put(rest)
        self.rows_seen += rest.count(b"\n") + (0 if not rest or rest.endswith(b"\n") else 1)
