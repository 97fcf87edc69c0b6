"""Vectorised text rendering of timestamp and decimal columns in the export's exact format.

DuckDB and Arrow can format these, but slowly (about a microsecond per value); these numpy
routines render fixed-width timestamps and trimmed decimals an order of magnitude faster.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_ZERO = ord("0")
_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _string_array(chars: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """Build a string array from a left-aligned (n, width) char matrix and row lengths."""
    n = len(lengths)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    used = np.arange(chars.shape[1])[None, :] < lengths[:, None]
    data = np.ascontiguousarray(chars[used])
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _with_nulls(text: pa.Array, source: pa.Array) -> pa.Array:
    if source.null_count == 0:
        return text
    return pc.if_else(source.is_valid(), text, pa.scalar(None, pa.string()))


def format_timestamps(array: pa.Array) -> pa.Array:
    """Render a timestamp array as `YYYY-MM-DD HH:MM:SS.fff` text (UTC, no zone); NULL stays.

    Args:
        array: any Arrow timestamp array (its instants are rendered in UTC).

    Returns:
        A string array.
    """
    unit = array.type.unit
    raw = pc.fill_null(array.view(pa.int64()), 0).to_numpy()
    ms = raw * 1000 if unit == "s" else raw // {"ms": 1, "us": 1_000, "ns": 1_000_000}[unit]
    days, ms_of_day = np.divmod(ms, 86_400_000)
    # Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), vectorised.
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    hour, rest = np.divmod(ms_of_day, 3_600_000)
    minute, rest = np.divmod(rest, 60_000)
    second, milli = np.divmod(rest, 1000)
    chars = np.empty((len(ms), 23), dtype=np.uint8)
    for col, (value, width) in zip(
        (0, 5, 8, 11, 14, 17, 20),
        ((year, 4), (month, 2), (day, 2), (hour, 2), (minute, 2), (second, 2), (milli, 3)),
        strict=True,
    ):
        for k in range(width):
            chars[:, col + k] = _ZERO + (value // _POW10[width - 1 - k]) % 10
    chars[:, [4, 7]] = ord("-")
    chars[:, 10] = ord(" ")
    chars[:, [13, 16]] = ord(":")
    chars[:, 19] = ord(".")
    lengths = np.full(len(ms), 23, dtype=np.int64)
    return _with_nulls(_string_array(chars, lengths), array)


def format_decimals(array: pa.Array) -> pa.Array:
    """Render a decimal array as plain decimal text without trailing zeros (`61`, `19.738`).

    Args:
        array: a decimal128 array whose unscaled values fit in 64 bits.

    Returns:
        A string array; NULL stays NULL.
    """
    scale = array.type.scale
    n = len(array)
    words = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        2 * array.offset : 2 * (array.offset + n)
    ].reshape(n, 2)
    unscaled = words[:, 0]
    if not np.array_equal(words[:, 1], unscaled >> 63):
        raise ValueError("decimal values beyond 64 bits are not supported")
    magnitude = np.abs(unscaled)
    whole, frac = np.divmod(magnitude, _POW10[scale])
    text = pc.cast(pa.array(whole), pa.string())
    if scale and frac.any():
        # "1" + zero-padded fraction, then drop the "1" and the trailing zeros.
        padded = pc.cast(pa.array(frac + _POW10[scale]), pa.string())
        digits = pc.utf8_rtrim(pc.utf8_slice_codeunits(padded, 1), characters="0")
        joined = pc.binary_join_element_wise(text, digits, ".")
        text = pc.if_else(pa.array(frac > 0), joined, text)
    negative = unscaled < 0
    if negative.any():
        signed = pc.binary_join_element_wise("-", text, "")
        text = pc.if_else(pa.array(negative), signed, text)
    return _with_nulls(text, array)
