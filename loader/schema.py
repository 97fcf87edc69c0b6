"""The columns of the CircleCI usage export and how each is typed in `circleci_raw`.

This is the contract between the export files, the loader and the dbt project: the raw table
`circleci_raw.usage_job_runs` holds every export column under its snake_case name with the
Arrow type below, plus `usage_row_id`, the merge key.
"""

from __future__ import annotations

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")
# Credits are exact decimals: summing floats would make "to the cent" conservation fragile.
CREDITS = pa.decimal128(38, 9)

# Export columns in the order real files use (JOB_RUN_NUMBER before JOB_ID). Files are read by
# header name, never by position.
EXPORT_COLUMNS: dict[str, pa.DataType] = {
    "ORGANIZATION_ID": pa.string(),
    "ORGANIZATION_NAME": pa.string(),
    "ORGANIZATION_CREATED_DATE": pa.date32(),
    "PROJECT_ID": pa.string(),
    "PROJECT_NAME": pa.string(),
    "PROJECT_CREATED_DATE": pa.date32(),
    "LAST_BUILD_FINISHED_AT": TIMESTAMP,
    "VCS_NAME": pa.string(),
    "VCS_URL": pa.string(),
    "VCS_BRANCH": pa.string(),
    "PIPELINE_ID": pa.string(),
    "PIPELINE_CREATED_AT": TIMESTAMP,
    "PIPELINE_NUMBER": pa.int64(),
    "IS_UNREGISTERED_USER": pa.bool_(),
    "PIPELINE_TRIGGER_SOURCE": pa.string(),
    "PIPELINE_TRIGGER_USER_ID": pa.string(),
    "WORKFLOW_ID": pa.string(),
    "WORKFLOW_NAME": pa.string(),
    "WORKFLOW_FIRST_JOB_QUEUED_AT": TIMESTAMP,
    "WORKFLOW_FIRST_JOB_STARTED_AT": TIMESTAMP,
    "WORKFLOW_STOPPED_AT": TIMESTAMP,
    "IS_WORKFLOW_SUCCESSFUL": pa.bool_(),
    "JOB_NAME": pa.string(),
    "JOB_RUN_NUMBER": pa.int64(),
    "JOB_ID": pa.string(),
    "JOB_RUN_DATE": pa.date32(),
    "JOB_RUN_QUEUED_AT": TIMESTAMP,
    "JOB_RUN_STARTED_AT": TIMESTAMP,
    "JOB_RUN_STOPPED_AT": TIMESTAMP,
    "JOB_BUILD_STATUS": pa.string(),
    "RESOURCE_CLASS": pa.string(),
    "OPERATING_SYSTEM": pa.string(),
    "EXECUTOR": pa.string(),
    "PARALLELISM": pa.int64(),
    "JOB_RUN_SECONDS": pa.int64(),
    "MEDIAN_CPU_UTILIZATION_PCT": pa.float64(),
    "MAX_CPU_UTILIZATION_PCT": pa.float64(),
    "MEDIAN_RAM_UTILIZATION_PCT": pa.float64(),
    "MAX_RAM_UTILIZATION_PCT": pa.float64(),
    "COMPUTE_CREDITS": CREDITS,
    "DLC_CREDITS": CREDITS,
    "USER_CREDITS": CREDITS,
    "STORAGE_CREDITS": CREDITS,
    "NETWORK_CREDITS": CREDITS,
    "LEASE_CREDITS": CREDITS,
    "LEASE_OVERAGE_CREDITS": CREDITS,
    "IPRANGES_CREDITS": CREDITS,
    "TOTAL_CREDITS": CREDITS,
}

CREDIT_COLUMNS: tuple[str, ...] = tuple(c for c in EXPORT_COLUMNS if c.endswith("_CREDITS"))

# The merge key: JOB_ID where there is one, else a deterministic hash of the row.
ROW_ID_COLUMN = "usage_row_id"

# Columns left out of the row hash because a later export of the same row can change them:
# LAST_BUILD_FINISHED_AT is the project's latest pipeline, repeated on every row.
UNSTABLE_COLUMNS: frozenset[str] = frozenset({"LAST_BUILD_FINISHED_AT"})


def raw_name(export_column: str) -> str:
    """Return the raw-table column name of an export header (snake_case)."""
    return export_column.strip().lower()
