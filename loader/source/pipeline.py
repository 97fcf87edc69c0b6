"""The dlt pipeline: where the database lives and how a load is committed."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from loader.errors import LoaderError
from loader.settings import DB_PATH_ENV, DEFAULT_DB_PATH, PIPELINE_NAME, RAW_DATASET

REPO_ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_ENV = "CIRCLECI_COSTS_LOADER_MEMORY"
DEFAULT_MEMORY_LIMIT = "512MB"
log = logging.getLogger("loader")


def database_path(explicit: str | Path | None = None) -> Path:
    """The DuckDB file: `explicit`, else `$CIRCLECI_COSTS_DB`, else `data/` in the repository."""
    chosen = explicit or os.environ.get(DB_PATH_ENV) or REPO_ROOT / DEFAULT_DB_PATH
    return Path(chosen).expanduser().resolve()


def create_pipeline(
    db_path: Path, pipeline_name: str = PIPELINE_NAME, dataset_name: str = RAW_DATASET
) -> dlt.Pipeline:
    """A dlt pipeline writing `dataset_name` (default `circleci_raw`) in `db_path`.

    dlt's working folder (pending load packages, local state) sits beside the database, so
    a database and its unfinished loads travel together and tests stay isolated.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    credentials = {
        "database": str(db_path),
        # DuckDB takes 80 % of the machine's memory by default; a merge of millions of rows
        # then holds gigabytes. Capped, it spills to disk beside the database instead.
        "global_config": {
            "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT),
            "preserve_insertion_order": False,
        },
    }
    return dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=dlt.destinations.duckdb(credentials=credentials),
        dataset_name=dataset_name,
        pipelines_dir=str(db_path.parent / f".{db_path.stem}.dlt"),
    )


def finish_pending(pipeline: dlt.Pipeline) -> None:
    """Load what an interrupted run extracted but did not commit, before anything new.

    dlt keeps extracted and normalized packages in its working folder; `run` would load
    them and silently skip the new data, so they are completed here first.
    """
    if not pipeline.has_pending_data:
        return
    log.info("Completing a load that an earlier run left unfinished")
    try:
        if pipeline.list_extracted_load_packages():
            pipeline.normalize()
        if pipeline.list_normalized_load_packages():
            pipeline.load()
    except PipelineStepFailed as error:
        raise LoaderError(
            f"An unfinished load from an earlier run cannot be completed ({cause(error)}). "
            f"Delete {pipeline.pipelines_dir} to discard it; the next run re-exports its days."
        ) from None


def run(pipeline: dlt.Pipeline, source: Any) -> None:
    """Extract, normalize and load `source` in one committed step.

    Raises:
        LoaderError: The load failed; the message names the cause (a bad file, a locked
            database) without a traceback.
    """
    try:
        pipeline.run(source)
    except PipelineStepFailed as error:
        for link in _chain(error):
            if isinstance(link, LoaderError):
                raise link from None
        raise LoaderError(f"Loading failed at the {error.step} step: {cause(error)}") from None


def _chain(error: BaseException) -> list[BaseException]:
    links: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in links:
        links.append(current)
        current = current.__cause__ or current.__context__
    return links


def cause(error: BaseException) -> str:
    """The message of the innermost meaningful exception in a chain, on one line."""
    for link in reversed(_chain(error)):
        text = " ".join(str(link).split())
        if text and not isinstance(link, StopIteration | GeneratorExit):
            return text[:300]
    return type(error).__name__
