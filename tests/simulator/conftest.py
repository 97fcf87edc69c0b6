from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
import requests

from loader.schema import EXPORT_COLUMNS
from loader.simulator import ManualClock, Simulator, SimulatorConfig

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def make_sim(clock: ManualClock) -> Iterator[Callable[..., Simulator]]:
    """Start simulators with small, fast defaults; stopped at the end of the test."""
    started: list[Simulator] = []

    def make(**overrides: Any) -> Simulator:
        settings: dict[str, Any] = {"scale": 0.2, "days": 60, "clock": clock}
        settings.update(overrides)
        sim = Simulator(SimulatorConfig(**settings)).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(make_sim: Callable[..., Simulator]) -> Simulator:
    return make_sim()


@pytest.fixture
def http(sim: Simulator) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Circle-Token"] = sim.admin_token
        yield session


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
