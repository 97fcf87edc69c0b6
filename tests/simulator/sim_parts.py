"""Parsing helpers for export parts, shared by the simulator tests."""

from __future__ import annotations

import gzip
import io

import pyarrow as pa
import pyarrow.csv as pcsv

from loader.schema import EXPORT_COLUMNS


def parse_part(data: bytes) -> pa.Table:
    """Parse a gzip CSV part the way the loader should: by name, \\N as NULL, no escapes."""
    text = gzip.decompress(data)
    types = {
        name: pa.timestamp("ms") if pa.types.is_timestamp(typ) else typ
        for name, typ in EXPORT_COLUMNS.items()
        if not pa.types.is_decimal(typ)
    }
    return pcsv.read_csv(
        io.BytesIO(text),
        convert_options=pcsv.ConvertOptions(
            column_types=types,
            null_values=["\\N"],
            strings_can_be_null=True,
            true_values=["true"],
            false_values=["false"],
        ),
    )


def header_of(data: bytes) -> list[str]:
    return gzip.decompress(data).split(b"\n", 1)[0].decode().split(",")
