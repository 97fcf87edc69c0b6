"""Labelled cost incidents planted in the synthetic usage, and their ground-truth file.

Incidents are placed relative to the generator's end date so that every history of the
default length holds all of them, including one that is still going on at the end. Each one
is large enough to be seen at the project level by a weekday-matched detector.

Ground-truth file (CSV, one row per incident, header row first):

| column | meaning |
| --- | --- |
| incident_id | stable id, e.g. `INC-1` |
| org_id, org_name | the organization |
| scope_type | `project`, `workflow` or `job`: the narrowest scope that explains it |
| project, workflow, job | the scope (blank above the scope's level) |
| resource_class | the resource class involved (for a resource-class change: the new one) |
| kind | what happened: `runaway_schedule`, `resource_class_upgrade`, `project_archived`, |
|  | `flaky_rerun_storm`, `workload_paused`, `parallelism_increase` or `pipeline_loop` |
| direction | `up` or `down` (the cost effect) |
| shape | `spike`: back to normal after `last_day`; `step`: a lasting change of level |
| first_day | first UTC day affected (YYYY-MM-DD) |
| last_day | last UTC day affected; blank = still in effect on the last generated day |
| description | one sentence for a human |
| baseline_daily_credits | mean credits per day of the project on the affected days without it |
| approx_daily_credits_effect | mean change of the project's credits per affected day (signed) |
| approx_daily_cost_usd_effect | the same at the list price, $0.0006 per credit |

The effects are measured, not assumed: the generator renders the affected days (up to the first
7) with and without the incident and compares the project's totals.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from simulator.catalog import ACME_ID, GLOBEX_ID

IncidentKind = Literal[
    "runaway_schedule",
    "resource_class_upgrade",
    "project_archived",
    "flaky_rerun_storm",
    "workload_paused",
    "parallelism_increase",
    "pipeline_loop",
]

LIST_PRICE_USD = 0.0006


@dataclass(frozen=True)
class IncidentPlan:
    """An incident relative to the end date, and how it bends the generated usage."""

    incident_id: str
    org_id: str
    scope_type: Literal["project", "workflow", "job"]
    project: str
    workflow: str | None
    job: str | None
    kind: IncidentKind
    direction: Literal["up", "down"]
    shape: Literal["spike", "step"]
    first_days_before_end: int
    last_days_before_end: int | None  # None: still in effect on the end date
    description: str
    resource_class: str | None = None
    # How generation changes while the incident is active:
    push_factor: float = 1.0  # multiplies the project's push and API pipelines
    schedule_factor: int = 1  # multiplies runs of the scheduled workflow `workflow`
    new_resource_class: str | None = None  # for job `job`
    new_parallelism: int | None = None
    fail_rate: float | None = None
    rerun_rate: float | None = None
    duration_factor: float = 1.0
    # A pipeline loop: extra pipelines on the default branch, triggered one after another by
    # one bot user, as a multiple of the project's usual push pipelines of a working day
    loop_factor: float = 0.0


@dataclass(frozen=True)
class Incident:
    """An incident placed on calendar days, as written to the ground-truth file."""

    plan: IncidentPlan
    org_name: str
    first_day: date
    last_day: date | None

    @property
    def incident_id(self) -> str:
        """Return the stable id, e.g. `INC-1`."""
        return self.plan.incident_id

    def active_on(self, day: date) -> bool:
        """Return whether the incident bends usage on this UTC day."""
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


INCIDENT_PLANS: tuple[IncidentPlan, ...] = (
    IncidentPlan(
        "INC-1",
        ACME_ID,
        "workflow",
        "fleet-telemetry",
        "nightly",
        "fuzz",
        "runaway_schedule",
        "up",
        "spike",
        75,
        70,
        "A schedule edited from daily to every two hours runs the nightly fuzz workflow "
        "12 times a day until someone notices.",
        resource_class="xlarge",
        schedule_factor=12,
    ),
    IncidentPlan(
        "INC-2",
        ACME_ID,
        "job",
        "sim-engine",
        "build-test",
        "build",
        "resource_class_upgrade",
        "up",
        "step",
        120,
        None,
        "The build job moves from Docker large to 2xlarge+: a little faster, five times the rate.",
        resource_class="2xlarge+",
        new_resource_class="2xlarge+",
        duration_factor=0.8,
    ),
    IncidentPlan(
        "INC-3",
        GLOBEX_ID,
        "project",
        "legacy-billing-api",
        None,
        None,
        "project_archived",
        "down",
        "step",
        150,
        None,
        "The legacy billing API is archived: no pipelines at all from this day on.",
        push_factor=0.0,
        schedule_factor=0,
    ),
    IncidentPlan(
        "INC-4",
        ACME_ID,
        "job",
        "robot-firmware",
        "build-test",
        "hil-tests",
        "flaky_rerun_storm",
        "up",
        "spike",
        40,
        33,
        "Hardware-in-the-loop tests turn flaky and slow; engineers re-run failed workflows "
        "again and again for a week.",
        resource_class="large",
        fail_rate=0.7,
        rerun_rate=1.0,
        duration_factor=1.6,
    ),
    IncidentPlan(
        "INC-5",
        GLOBEX_ID,
        "project",
        "globex-mobile",
        None,
        None,
        "workload_paused",
        "down",
        "spike",
        95,
        89,
        "The mobile team pauses iOS builds for a week while the app store account is migrated.",
        resource_class="macos.m1.medium.gen1",
        push_factor=0.08,
    ),
    IncidentPlan(
        "INC-6",
        GLOBEX_ID,
        "job",
        "checkout-web",
        "ci",
        "e2e-tests",
        "parallelism_increase",
        "up",
        "step",
        3,
        None,
        "End-to-end tests go from parallelism 4 to 12 to cut wall time; still in effect at "
        "the end of the data.",
        resource_class="large",
        new_parallelism=12,
    ),
)


def place_incidents(
    end_date: date,
    start_date: date,
    org_names: dict[str, str],
    plans: tuple[IncidentPlan, ...] = INCIDENT_PLANS,
) -> tuple[Incident, ...]:
    """Put the incident plans on calendar days.

    Args:
        end_date: last generated UTC day.
        start_date: first generated UTC day; incidents that would start before it are left out.
        org_names: organization id to name.
        plans: the plans (default: the default world's six incidents).

    Returns:
        The incidents that start inside the generated history.
    """
    placed = []
    for plan in plans:
        first = end_date - timedelta(days=plan.first_days_before_end)
        last = (
            None
            if plan.last_days_before_end is None
            else end_date - timedelta(days=plan.last_days_before_end)
        )
        if first < start_date or plan.org_id not in org_names:
            continue
        placed.append(Incident(plan, org_names[plan.org_id], first, last))
    return tuple(placed)


GROUND_TRUTH_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "org_id",
    "org_name",
    "scope_type",
    "project",
    "workflow",
    "job",
    "resource_class",
    "kind",
    "direction",
    "shape",
    "first_day",
    "last_day",
    "description",
    "baseline_daily_credits",
    "approx_daily_credits_effect",
    "approx_daily_cost_usd_effect",
)


@dataclass(frozen=True)
class MeasuredEffect:
    """An incident's measured effect on its project's daily credits."""

    baseline_daily_credits: float
    daily_credits_effect: float


def write_ground_truth_csv(
    path: Path, incidents: tuple[Incident, ...], effects: dict[str, MeasuredEffect]
) -> None:
    """Write the ground-truth CSV (columns: `GROUND_TRUTH_COLUMNS`).

    Args:
        path: file to write (parents are created).
        incidents: the placed incidents.
        effects: measured effect per incident id.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GROUND_TRUTH_COLUMNS)
        for inc in incidents:
            plan = inc.plan
            effect = effects[plan.incident_id]
            writer.writerow(
                [
                    plan.incident_id,
                    plan.org_id,
                    inc.org_name,
                    plan.scope_type,
                    plan.project,
                    plan.workflow if plan.scope_type != "project" else "",
                    plan.job if plan.scope_type == "job" else "",
                    plan.resource_class or "",
                    plan.kind,
                    plan.direction,
                    plan.shape,
                    inc.first_day.isoformat(),
                    inc.last_day.isoformat() if inc.last_day else "",
                    plan.description,
                    f"{effect.baseline_daily_credits:.0f}",
                    f"{effect.daily_credits_effect:.0f}",
                    f"{effect.daily_credits_effect * LIST_PRICE_USD:.2f}",
                ]
            )
