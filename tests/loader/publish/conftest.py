"""The marts, built once per session, for the publish tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.loader.built_marts import built_marts


@pytest.fixture(scope="session")
def marts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every mart built (do not change it: copy it)."""
    return built_marts(tmp_path_factory.mktemp("marts"))
