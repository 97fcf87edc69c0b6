from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from simulator import ManualClock, Simulator, SimulatorConfig

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
