"""A deterministic stand-in for the loader: `circleci_raw.usage_job_runs` with the real schema.

`make_raw_usage(con)` is the one place the dbt tests get their raw data from. It builds the
table from `loader.schema.EXPORT_COLUMNS` (so a change of the contract reaches these tests) and
fills it from a seeded numpy generator: about four thousand usage rows over 13 months, two
orgs, several projects, workflows, jobs and resource classes, failed and never-started runs,
fractional network/storage credits, and monthly seat rows with NULL job, workflow and project
fields and no start time.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa

from loader.schema import CREDIT_COLUMNS, EXPORT_COLUMNS, ROW_ID_COLUMN, raw_name

FIRST_DAY = date(2025, 10, 1)
LAST_DAY = date(2026, 10, 31)
NANO = Decimal("0.000000001")


def _uid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "circleci-costs-test/" + "/".join(map(str, parts))))


ORGS = {
    _uid("org", "acme"): "acme",
    _uid("org", "globex"): "globex",
}
ORG_A, ORG_B = ORGS

# project -> (org, {workflow: [(job, resource class, executor, os, credits per minute)]})
PROJECTS: dict[str, tuple[str, dict[str, list[tuple[str, str, str, str, int]]]]] = {
    "api": (
        ORG_A,
        {
            "build-and-test": [
                ("lint", "small", "docker", "linux", 5),
                ("unit-tests", "medium", "docker", "linux", 10),
                ("integration-tests", "large", "machine", "linux", 20),
            ],
            "deploy": [("deploy", "medium", "docker", "linux", 10)],
        },
    ),
    "web": (
        ORG_A,
        {
            "ci": [
                ("build", "medium+", "docker", "linux", 15),
                ("e2e", "xlarge", "docker", "linux", 40),
            ],
        },
    ),
    "ios-app": (
        ORG_A,
        {
            "ios": [("build-ios", "macos.m1.medium.gen1", "macos", "macos", 150)],
        },
    ),
    "infra": (
        ORG_A,
        {
            "plan-apply": [("terraform", "arm.medium", "machine", "linux", 10)],
        },
    ),
    "data-pipeline": (
        ORG_B,
        {
            "main": [
                ("test", "medium", "docker", "linux", 10),
                ("package", "windows.medium", "windows", "windows", 40),
            ],
        },
    ),
    "ml": (
        ORG_B,
        {
            "train": [("train", "gpu.nvidia.small", "machine", "linux", 160)],
        },
    ),
}

STATUSES = np.array(["success", "failed", "canceled", "infrastructure_fail", "timedout"])
STATUS_P = [0.86, 0.09, 0.03, 0.01, 0.01]
TRIGGERS = np.array(["webhook", "api", "scheduled_pipeline"])
BRANCHES = np.array(["main", "main", "feature/login", "fix/flaky-test", "release/2026"])


def _credits(value: float | int | Decimal) -> Decimal:
    return Decimal(value).quantize(NANO)


def usage_rows(*, seed: int = 20261125, pipelines: int = 1300) -> list[dict[str, object]]:
    """Return the usage rows as dicts keyed by export column (UPPERCASE) plus usage_row_id."""
    rng = np.random.default_rng(seed)
    days = (LAST_DAY - FIRST_DAY).days + 1
    project_names = list(PROJECTS)
    # usage grows over the year, so months differ
    day_weights = np.linspace(1.0, 2.0, days)
    day_weights /= day_weights.sum()
    rows: list[dict[str, object]] = []
    pipeline_numbers: dict[str, int] = {}
    for p in range(pipelines):
        project = project_names[rng.choice(len(project_names), p=[0.3, 0.2, 0.1, 0.1, 0.2, 0.1])]
        org_id, workflows = PROJECTS[project]
        day = FIRST_DAY + timedelta(days=int(rng.choice(days, p=day_weights)))
        # a few pipelines start in the last minutes of a UTC day
        second = (
            int(rng.integers(86_400 - 600, 86_400)) if p % 40 == 0 else int(rng.integers(0, 86_400))
        )
        created = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=second)
        pipeline_numbers[project] = pipeline_numbers.get(project, 0) + 1
        pipeline_id = _uid("pipeline", p)
        trigger = str(rng.choice(TRIGGERS, p=[0.8, 0.1, 0.1]))
        branch = str(rng.choice(BRANCHES))
        for w, (workflow, jobs) in enumerate(workflows.items()):
            workflow_id = _uid("workflow", p, w)
            start = created + timedelta(seconds=int(rng.integers(2, 30)))
            workflow_rows = []
            for j, (job, resource_class, executor, os_name, per_minute) in enumerate(jobs):
                status = str(rng.choice(STATUSES, p=STATUS_P))
                never_started = status == "canceled" and rng.random() < 0.3
                seconds = 0 if never_started else int(rng.gamma(2.0, 150.0)) + 1
                parallelism = int(rng.choice([1, 1, 1, 2, 4]))
                compute = 0 if never_started else -(-seconds * per_minute * parallelism // 60)
                dlc = 200 if executor == "docker" and rng.random() < 0.1 else 0
                network = _credits(rng.random() * 3) if rng.random() < 0.2 else _credits(0)
                storage = _credits(rng.random() * 2) if rng.random() < 0.1 else _credits(0)
                queued = start
                started = (
                    None if never_started else queued + timedelta(seconds=int(rng.integers(1, 20)))
                )
                stopped = None if started is None else started + timedelta(seconds=seconds)
                start = stopped or start
                measured = seconds >= 15
                job_id = _uid("job", p, w, j)
                credits = {
                    "COMPUTE_CREDITS": _credits(compute),
                    "DLC_CREDITS": _credits(dlc),
                    "USER_CREDITS": _credits(0),
                    "STORAGE_CREDITS": storage,
                    "NETWORK_CREDITS": network,
                    "LEASE_CREDITS": _credits(0),
                    "LEASE_OVERAGE_CREDITS": _credits(0),
                    "IPRANGES_CREDITS": _credits(0),
                }
                credits["TOTAL_CREDITS"] = sum(credits.values(), Decimal(0))
                workflow_rows.append(
                    {
                        "ORGANIZATION_ID": org_id,
                        "ORGANIZATION_NAME": ORGS[org_id],
                        "ORGANIZATION_CREATED_DATE": date(2019, 3, 1),
                        "PROJECT_ID": _uid("project", project),
                        "PROJECT_NAME": project,
                        "PROJECT_CREATED_DATE": date(2020, 1, 15),
                        "LAST_BUILD_FINISHED_AT": datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
                        "VCS_NAME": "github",
                        "VCS_URL": f"https://github.com/{ORGS[org_id]}/{project}",
                        "VCS_BRANCH": branch,
                        "PIPELINE_ID": pipeline_id,
                        "PIPELINE_CREATED_AT": created,
                        "PIPELINE_NUMBER": pipeline_numbers[project],
                        "IS_UNREGISTERED_USER": False,
                        "PIPELINE_TRIGGER_SOURCE": trigger,
                        "PIPELINE_TRIGGER_USER_ID": _uid("user", p % 17),
                        "WORKFLOW_ID": workflow_id,
                        "WORKFLOW_NAME": workflow,
                        "JOB_NAME": job,
                        "JOB_RUN_NUMBER": p * 10 + j,
                        "JOB_ID": job_id,
                        # the export's own date column: the UTC day the job was queued
                        "JOB_RUN_DATE": queued.date(),
                        "JOB_RUN_QUEUED_AT": queued,
                        "JOB_RUN_STARTED_AT": started,
                        "JOB_RUN_STOPPED_AT": stopped,
                        "JOB_BUILD_STATUS": status,
                        "RESOURCE_CLASS": resource_class,
                        "OPERATING_SYSTEM": os_name,
                        "EXECUTOR": executor,
                        "PARALLELISM": parallelism,
                        "JOB_RUN_SECONDS": seconds,
                        "MEDIAN_CPU_UTILIZATION_PCT": float(rng.uniform(5, 90))
                        if measured
                        else None,
                        "MAX_CPU_UTILIZATION_PCT": float(rng.uniform(50, 100))
                        if measured
                        else None,
                        "MEDIAN_RAM_UTILIZATION_PCT": float(rng.uniform(5, 70))
                        if measured
                        else None,
                        "MAX_RAM_UTILIZATION_PCT": float(rng.uniform(30, 100))
                        if measured
                        else None,
                        **credits,
                        ROW_ID_COLUMN: job_id,
                    }
                )
            stopped_at = max(
                (r["JOB_RUN_STOPPED_AT"] for r in workflow_rows if r["JOB_RUN_STOPPED_AT"]),
                default=None,
            )
            for r in workflow_rows:
                r["WORKFLOW_FIRST_JOB_QUEUED_AT"] = workflow_rows[0]["JOB_RUN_QUEUED_AT"]
                r["WORKFLOW_FIRST_JOB_STARTED_AT"] = workflow_rows[0]["JOB_RUN_STARTED_AT"]
                r["WORKFLOW_STOPPED_AT"] = stopped_at
                r["IS_WORKFLOW_SUCCESSFUL"] = all(
                    x["JOB_BUILD_STATUS"] == "success" for x in workflow_rows
                )
            rows.extend(workflow_rows)
    rows.extend(seat_rows())
    return rows


def seat_rows() -> list[dict[str, object]]:
    """Monthly seat charges: org-level rows with no job, workflow, project or start time."""
    rows = []
    month = FIRST_DAY
    while month <= LAST_DAY:
        for n, (org_id, org_name) in enumerate(ORGS.items()):
            seats = 2 + n + month.month % 3
            row: dict[str, object] = {column: None for column in EXPORT_COLUMNS}
            row |= {column: _credits(0) for column in CREDIT_COLUMNS}
            row |= {
                "ORGANIZATION_ID": org_id,
                "ORGANIZATION_NAME": org_name,
                "ORGANIZATION_CREATED_DATE": date(2019, 3, 1),
                "JOB_RUN_DATE": month,
                "USER_CREDITS": _credits(25_000 * seats),
                "TOTAL_CREDITS": _credits(25_000 * seats),
            }
            row[ROW_ID_COLUMN] = row_hash(row)
            rows.append(row)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return rows


def row_hash(row: dict[str, object]) -> str:
    """A deterministic id for a row without JOB_ID (the loader has its own; any stable one does)."""
    text = "|".join("" if row.get(c) is None else str(row[c]) for c in EXPORT_COLUMNS)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def arrow_table(rows: list[dict[str, object]]) -> pa.Table:
    """The rows as Arrow, typed by the contract, plus two columns the contract does not know."""
    columns = {
        raw_name(c): pa.array([r[c] for r in rows], type=t) for c, t in EXPORT_COLUMNS.items()
    }
    columns[ROW_ID_COLUMN] = pa.array([r[ROW_ID_COLUMN] for r in rows], pa.string())
    # extra columns may appear (dlt's own, or new export columns): dbt must ignore them
    columns["_dlt_load_id"] = pa.array(["1764000000.0"] * len(rows), pa.string())
    columns["future_export_column"] = pa.array([None] * len(rows), pa.string())
    return pa.table(columns)


def make_raw_usage(
    con: duckdb.DuckDBPyConnection, *, seed: int = 20261125, pipelines: int = 1300
) -> int:
    """Create `circleci_raw.usage_job_runs` in `con` and return its row count."""
    table = arrow_table(usage_rows(seed=seed, pipelines=pipelines))
    con.execute("create schema if not exists circleci_raw")
    con.register("generated_usage", table)
    con.execute(
        "create or replace table circleci_raw.usage_job_runs as select * from generated_usage"
    )
    con.unregister("generated_usage")
    return table.num_rows
