"""The marts, built once per test run, for the publish tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.loader.built_marts import built_marts
from tests.run_once import made_once


@pytest.fixture(scope="session")
def marts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every mart built (do not change it: copy it)."""
    made = made_once(tmp_path_factory, "marts", lambda work: {"db": str(built_marts(work))})
    return Path(made["db"])
