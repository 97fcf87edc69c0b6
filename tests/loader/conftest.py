"""Fixtures for the loader's unit tests."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.loader.samples import csv_text


@pytest.fixture
def write_export(tmp_path: Path):
    """Write rows as a gzip (or plain) export part and return its path."""
    counter = iter(range(10_000))

    def write(
        rows: list[dict[str, str]],
        columns: list[str] | None = None,
        name: str | None = None,
        compress: bool = True,
    ) -> Path:
        text = csv_text(rows, columns)
        name = name or f"part-{next(counter):04d}.csv" + (".gz" if compress else "")
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(text.encode()) if compress else text.encode())
        return path

    return write
