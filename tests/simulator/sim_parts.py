"""Parsing helpers for export parts, shared by the simulator tests."""

from __future__ import annotations

import csv
import gzip
import io

import pyarrow as pa
import pyarrow.csv as pcsv

from loader.schema import EXPORT_COLUMNS
from loader.source.csv_dialect import Rfc4180Stream


def parse_part(data: bytes) -> pa.Table:
    """Parse a gzip CSV part the way the loader should: by name, \\N as NULL, either dialect."""
    text = Rfc4180Stream(pa.BufferReader(gzip.decompress(data))).read()
    types = {
        name: pa.timestamp("ms") if pa.types.is_timestamp(typ) else typ
        for name, typ in EXPORT_COLUMNS.items()
        if not pa.types.is_decimal(typ)
    }
    return pcsv.read_csv(
        io.BytesIO(text),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=types,
            null_values=["\\N"],
            strings_can_be_null=True,
            true_values=["true"],
            false_values=["false"],
        ),
    )


def header_of(data: bytes) -> list[str]:
    """The header row of a gzip CSV part (quoted or not)."""
    first = gzip.decompress(data).split(b"\n", 1)[0].decode()
    return next(csv.reader([first]))
