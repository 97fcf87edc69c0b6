"""Deterministic, vectorised UUID-like identifiers as Arrow strings."""

from __future__ import annotations

import uuid

import numpy as np
import pyarrow as pa

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# Byte positions of the 32 hex digits inside the 36-character canonical form.
_DIGIT_POS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)], dtype=np.intp)
_DASH = ord("-")

_NAMESPACE = uuid.UUID("0b3c6a52-5a3c-4f0e-9a55-6b1f0f7a3d21")


def stable_uuid(*parts: object) -> str:
    """Return a UUID (version 5) derived from the parts, stable across runs and machines.

    Args:
        *parts: values whose text identifies the thing named.

    Returns:
        The canonical lower-case UUID string.
    """
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def random_uuid_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw n version-4-shaped UUIDs as an (n, 36) uint8 array of ASCII text.

    Args:
        rng: the generator to draw from (deterministic for a seeded generator).
        n: how many.

    Returns:
        An (n, 36) array of ASCII codes: hex digits and dashes.
    """
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2] = _HEX[raw >> 4]
    digits[:, 1::2] = _HEX[raw & 0x0F]
    text = np.full((n, 36), _DASH, dtype=np.uint8)
    text[:, _DIGIT_POS] = digits
    return text


def uuid_text_to_arrow(text: np.ndarray) -> pa.StringArray:
    """Wrap an (n, 36) ASCII array from `random_uuid_bytes` as an Arrow string array.

    Args:
        text: (n, 36) uint8 array.

    Returns:
        A string array of n UUIDs, built without a Python loop.
    """
    n = int(text.shape[0])
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    data = np.ascontiguousarray(text).reshape(-1)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
