"""Where the published copy lives: `CIRCLECI_COSTS_PUBLISH_DIR`, else `data/published/`."""

from __future__ import annotations

import os
from pathlib import Path

from loader.settings import DEFAULT_PUBLISH_DIR, PUBLISH_DIR_ENV, PUBLISHED_DB_NAME
from loader.source.pipeline import REPO_ROOT

CURRENT = "current"
VERSIONS = "versions"


def publish_dir(explicit: str | Path | None = None) -> Path:
    """The publish folder: `explicit`, else `$CIRCLECI_COSTS_PUBLISH_DIR`, else the default."""
    chosen = explicit or os.environ.get(PUBLISH_DIR_ENV) or REPO_ROOT / DEFAULT_PUBLISH_DIR
    return Path(chosen).expanduser().absolute()


def published_db_path(explicit: str | Path | None = None) -> Path:
    """The DuckDB file of views readers open: `<publish dir>/circleci_costs.duckdb`."""
    return publish_dir(explicit) / PUBLISHED_DB_NAME
