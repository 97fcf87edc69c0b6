"""Hand-written export rows for the reader's unit tests (independent of the simulator)."""

from __future__ import annotations

from loader.schema import EXPORT_COLUMNS

SAMPLE = {
    "ORGANIZATION_ID": "org-1",
    "ORGANIZATION_NAME": "acme",
    "ORGANIZATION_CREATED_DATE": "2020-01-02",
    "PROJECT_ID": "proj-1",
    "PROJECT_NAME": "api",
    "PROJECT_CREATED_DATE": "2021-03-04",
    "LAST_BUILD_FINISHED_AT": "2026-11-24 23:00:00.000",
    "VCS_NAME": "github",
    "VCS_URL": "https://github.com/acme/api",
    "VCS_BRANCH": "main",
    "PIPELINE_ID": "pipe-1",
    "PIPELINE_CREATED_AT": "2026-11-20 10:00:00.000",
    "PIPELINE_NUMBER": "42",
    "IS_UNREGISTERED_USER": "false",
    "PIPELINE_TRIGGER_SOURCE": "webhook",
    "PIPELINE_TRIGGER_USER_ID": "user-1",
    "WORKFLOW_ID": "wf-1",
    "WORKFLOW_NAME": "build",
    "WORKFLOW_FIRST_JOB_QUEUED_AT": "2026-11-20 10:00:01.000",
    "WORKFLOW_FIRST_JOB_STARTED_AT": "2026-11-20 10:00:05.000",
    "WORKFLOW_STOPPED_AT": "2026-11-20 10:10:00.000",
    "IS_WORKFLOW_SUCCESSFUL": "true",
    "JOB_NAME": "test",
    "JOB_RUN_NUMBER": "7",
    "JOB_ID": "job-1",
    "JOB_RUN_DATE": "2026-11-20",
    "JOB_RUN_QUEUED_AT": "2026-11-20 10:00:01.000",
    "JOB_RUN_STARTED_AT": "2026-11-20 10:00:05.250",
    "JOB_RUN_STOPPED_AT": "2026-11-20 10:05:05.250",
    "JOB_BUILD_STATUS": "success",
    "RESOURCE_CLASS": "medium",
    "OPERATING_SYSTEM": "linux",
    "EXECUTOR": "docker",
    "PARALLELISM": "1",
    "JOB_RUN_SECONDS": "300",
    "MEDIAN_CPU_UTILIZATION_PCT": "41.5",
    "MAX_CPU_UTILIZATION_PCT": "97.0",
    "MEDIAN_RAM_UTILIZATION_PCT": "20.25",
    "MAX_RAM_UTILIZATION_PCT": "33.0",
    "COMPUTE_CREDITS": "50",
    "DLC_CREDITS": "0",
    "USER_CREDITS": "0",
    "STORAGE_CREDITS": "1.5",
    "NETWORK_CREDITS": "0.25",
    "LEASE_CREDITS": "0",
    "LEASE_OVERAGE_CREDITS": "0",
    "IPRANGES_CREDITS": "0",
    "TOTAL_CREDITS": "51.75",
}
assert list(SAMPLE) == list(EXPORT_COLUMNS)


def row(**changes: str) -> dict[str, str]:
    """A sample export row with some fields changed (values as CSV text)."""
    data = dict(SAMPLE)
    data.update(changes)
    return data


def seat_row(**changes: str) -> dict[str, str]:
    """An org-level seat charge: no job, project, pipeline or workflow identifiers."""
    data = {column: "\\N" for column in SAMPLE}
    data.update(
        ORGANIZATION_ID="org-1",
        ORGANIZATION_NAME="acme",
        ORGANIZATION_CREATED_DATE="2020-01-02",
        JOB_RUN_DATE="2026-11-01",
        USER_CREDITS="25000",
        TOTAL_CREDITS="25000",
    )
    data.update(changes)
    return data


def csv_text(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    columns = columns or list(SAMPLE)
    lines = [",".join(columns)]
    for data in rows:
        lines.append(",".join(_quote(data.get(c, "\\N")) for c in columns))
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value
