"""Evaluation histories: one organization per (noise profile, seed), with labelled incidents.

The default world (`catalog.ORGANIZATIONS`, six fixed incidents) is one history. To measure an
anomaly detector across many, `history_world` builds a world of one organization per
(profile, seed): twelve projects of every size (busy services, sparse small projects, a
nightly fuzzer, an ML project training on some days), their activity, growth and time zone
drawn from the seed, noise from the profile (`noise.PROFILES`), and seven incidents of every
kind placed on random projects and days:

| kind | shape | what happens |
| --- | --- | --- |
| `pipeline_loop` | spike, 1 day | a job's push re-triggers its pipeline: 3x the pushes, 1 branch |
| `flaky_rerun_storm` | spike, 2 days | a job turns flaky and slow; failed workflows re-run |
| `parallelism_increase` | step up | a parallel test job runs on 3x the containers from a day on |
| `runaway_schedule` | spike, 4 days | a nightly workflow runs 12 times a day until noticed |
| `workload_paused` | spike down, 7 days | a project's pipelines stop for a week |
| `project_archived` | step down | a project stops for good |
| `resource_class_upgrade` | step up | a build job moves to a class 2 to 5 times the price |

Each incident is on its own project, so a project-level episode has one incident to match.

A pipeline loop is what public reports of CI loops describe: a job commits (a version bump,
a changelog, a tag) and pushes to the branch it built, with a credential whose pushes trigger
CI, so every pipeline starts the next, one after another on that one branch, by one bot user,
until someone stops it (a release workflow that pushed 119 self-generated bump commits in
three weeks: brtkwr.com/posts/2026-05-09-how-a-tidy-refactor-caused-a-release-loop; a bump
pushed with an admin token re-triggered its workflow every 15 to 20 seconds:
github.com/skyflowapi/skyflow-java/pull/377; about 800 successive builds overnight from a
release tag push: blog.markhepburn.com/posts/github-and-infinite-builds; the usual fix,
`[skip ci]` in the bot's commit message, which CircleCI honours: codenote.net/en/posts/3184).
Here the loop's pipelines run on the default branch, by one bot user, about every twenty
minutes from the morning: three times the project's usual pushes of a working day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from simulator.catalog import (
    JobSpec,
    OrgSpec,
    ProjectSpec,
    WorkflowSpec,
    _android,
    _docs,
    _firmware,
    _go_service,
    _infra,
    _ios,
    _ml,
    _node_web,
    _python_service,
)
from simulator.ids import stable_uuid
from simulator.incidents import IncidentPlan
from simulator.noise import PLAIN, PROFILES, NoiseProfile, ProjectShape

HISTORY_PROJECTS = 12


@dataclass(frozen=True)
class World:
    """Organizations, their incidents and their noise, for `UsageGenerator(world=...)`."""

    organizations: tuple[OrgSpec, ...]
    incident_plans: tuple[IncidentPlan, ...]
    noise: Mapping[str, NoiseProfile] = field(default_factory=dict)  # by org id
    shapes: Mapping[str, tuple[ProjectShape, ...]] = field(default_factory=dict)  # by org id

    def profile(self, org_id: str) -> NoiseProfile | None:
        """Return the organization's noise profile (None: the generator's own draws)."""
        return self.noise.get(org_id)


@dataclass(frozen=True)
class History:
    """One evaluation history: a noise profile and a seed, as one organization."""

    profile: str
    seed: int

    @property
    def org_id(self) -> str:
        """The organization's id (stable for the profile and seed)."""
        return stable_uuid("history", self.profile, self.seed)

    @property
    def org_name(self) -> str:
        """The organization's name, e.g. `rough-3`."""
        return f"{self.profile}-{self.seed}"


def parse_histories(text: str) -> list[History]:
    """Parse `profile:seed,...` (e.g. `gentle:1,rough:1,rough:2`) into histories.

    Raises:
        ValueError: an unknown profile or a seed that is not a number.
    """
    histories = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        profile, _, seed = item.partition(":")
        if profile not in PROFILES or not seed.isdigit():
            raise ValueError(
                f"{item!r} is not profile:seed with a profile among {', '.join(PROFILES)}"
            )
        histories.append(History(profile, int(seed)))
    return histories


# name, pushes per working day, workflows, API pipelines a day, shape under the `shapes` flag
_SPARSE = ProjectShape(weekend_scale=0.25)
_FUZZER = ProjectShape(weekend_scale=0.5, schedule_probability=0.45, schedule_extra_runs=0.6)
_TRAINING = ProjectShape(weekend_scale=0.3, schedule_probability=0.35, schedule_extra_runs=1.2)


def _training() -> tuple[WorkflowSpec, ...]:
    """An ML project whose nightly training runs on some days only, on a GPU, for hours."""
    ci, _ = _ml()
    return (
        ci,
        WorkflowSpec(
            "train",
            "schedule",
            (JobSpec("train-model", "machine", "gpu.nvidia.medium", 5400, stage=0),),
            schedule_hour=22,
        ),
    )


_PROJECTS: tuple[tuple[str, float, tuple[WorkflowSpec, ...], float, ProjectShape], ...] = (
    ("web-app", 24, _node_web(), 0.0, PLAIN),
    ("orders-api", 20, _python_service(), 0.0, PLAIN),
    ("payments", 12, _go_service(), 1.0, _FUZZER),
    ("ml-training", 3, _training(), 0.0, _TRAINING),
    ("ios-app", 6, _ios(), 0.0, PLAIN),
    ("android-app", 5, _android(), 0.0, PLAIN),
    ("firmware", 5, _firmware(), 0.0, PLAIN),
    ("infra", 10, _infra(), 0.0, PLAIN),
    ("docs", 3, _docs(), 0.0, _SPARSE),
    ("cli", 2, _go_service(0.6), 0.3, _FUZZER),
    ("design-system", 3, _node_web(0.6, 2), 0.0, _SPARSE),
    ("data-etl", 8, _python_service(1.2), 0.0, PLAIN),
)
assert len(_PROJECTS) == HISTORY_PROJECTS

# Where each incident kind can happen: jobs and workflows that carry a large share of their
# project's cost, so that every incident changes its project's day by about +/-100 % or more.
_PARALLEL = (
    ("web-app", "ci", "e2e-tests", 4, 3),
    ("ios-app", "build-test", "ui-tests", 1, 3),
)
_UPGRADES = (
    ("orders-api", "build-test", "integration-tests", "2xlarge+"),
    ("data-etl", "build-test", "integration-tests", "2xlarge+"),
    ("web-app", "ci", "e2e-tests", "2xlarge+"),
)
_STORMS = (
    ("web-app", "ci", "e2e-tests"),
    ("orders-api", "build-test", "integration-tests"),
    ("data-etl", "build-test", "integration-tests"),
)
_RUNAWAYS = (
    ("firmware", "nightly", "static-analysis"),
    ("android-app", "nightly", "device-farm"),
    ("data-etl", "nightly", "full-regression"),
    ("payments", "nightly", "fuzz"),
    ("orders-api", "nightly", "full-regression"),
)
_WHOLE = ("web-app", "orders-api", "payments", "ios-app", "android-app", "data-etl", "firmware")


def _history_org(history: History) -> OrgSpec:
    rng = np.random.default_rng([history.seed, 1])
    projects = tuple(
        ProjectSpec(
            name,
            date(2021, 1, 4),
            round(float(pushes * rng.uniform(0.6, 1.5)), 2),
            workflows,
            api_per_day=api,
        )
        for name, pushes, workflows, api, _ in _PROJECTS
    )
    return OrgSpec(
        id=history.org_id,
        name=history.org_name,
        created=date(2020, 11, 2),
        utc_offset_hours=int(rng.choice([-8, -5, 0, 1])),
        growth_per_year=round(float(rng.uniform(0.05, 0.6)), 2),
        users_start=20,
        users_end=28,
        included_users=5,
        projects=projects,
    )


def _history_incidents(history: History, days: int, end: date) -> tuple[IncidentPlan, ...]:
    """Seven incidents on seven different projects, on random days of the last ten months.

    Incidents start on a working day (a two-day storm on Monday to Thursday): people change
    schedules, jobs and projects at work, and at a weekend there is little to re-run.
    """
    rng = np.random.default_rng([history.seed, 2])
    taken: set[str] = set()

    def pick(projects: Sequence[str]) -> int:
        choice = int(rng.choice([i for i, p in enumerate(projects) if p not in taken]))
        taken.add(projects[choice])
        return choice

    org = history.org_id
    # (plan, extra days of a spike after its first; None for a step)
    plans: list[tuple[IncidentPlan, int | None]] = []
    project, workflow, job, old, times = _PARALLEL[pick([o[0] for o in _PARALLEL])]
    plans.append((
        IncidentPlan(
            "", org, "job", project, workflow, job, "parallelism_increase", "up", "step",
            0, None, f"{job} goes from parallelism {old} to {times * old}.",
            new_parallelism=times * old,
        ), None,
    ))  # fmt: skip
    project, workflow, job, new_class = _UPGRADES[pick([o[0] for o in _UPGRADES])]
    plans.append((
        IncidentPlan(
            "", org, "job", project, workflow, job, "resource_class_upgrade", "up", "step",
            0, None, f"{job} moves to the {new_class} resource class.",
            resource_class=new_class, new_resource_class=new_class, duration_factor=0.85,
        ), None,
    ))  # fmt: skip
    project, workflow, job = _STORMS[pick([o[0] for o in _STORMS])]
    plans.append((
        IncidentPlan(
            "", org, "job", project, workflow, job, "flaky_rerun_storm", "up", "spike",
            0, None, f"{job} turns flaky and slow for two days; failed workflows are re-run.",
            fail_rate=0.7, rerun_rate=1.0, duration_factor=2.0,
        ), 1,
    ))  # fmt: skip
    project, workflow, job = _RUNAWAYS[pick([o[0] for o in _RUNAWAYS])]
    plans.append((
        IncidentPlan(
            "", org, "workflow", project, workflow, job, "runaway_schedule", "up", "spike",
            0, None, f"The {workflow} schedule runs every two hours for four days.",
            schedule_factor=12,
        ), 3,
    ))  # fmt: skip
    project = _WHOLE[pick(_WHOLE)]
    plans.append((
        IncidentPlan(
            "", org, "project", project, None, None, "pipeline_loop", "up", "spike",
            0, None, "A job pushes a commit that triggers the next pipeline: a loop for a day.",
            loop_factor=3.0,
        ), 0,
    ))  # fmt: skip
    project = _WHOLE[pick(_WHOLE)]
    plans.append((
        IncidentPlan(
            "", org, "project", project, None, None, "workload_paused", "down", "spike",
            0, None, "The project's pipelines are paused for a week.",
            push_factor=0.03, schedule_factor=0,
        ), 6,
    ))  # fmt: skip
    project = _WHOLE[pick(_WHOLE)]
    plans.append((
        IncidentPlan(
            "", org, "project", project, None, None, "project_archived", "down", "step",
            0, None, "The project is archived: no pipelines from this day on.",
            push_factor=0.0, schedule_factor=0,
        ), None,
    ))  # fmt: skip
    # first days, in days before the end: from about ten months back to a month back
    latest = min(days - 130, 300)
    starts = rng.choice(np.arange(30, latest), size=len(plans), replace=False)
    placed = []
    for (plan, extra), start in zip(plans, starts, strict=True):
        first = int(start)
        last_weekday = 4 - (extra or 0) if plan.kind == "flaky_rerun_storm" else 4
        while (end - timedelta(days=first)).weekday() > last_weekday:
            first += 1
        placed.append(
            dataclasses.replace(
                plan,
                first_days_before_end=first,
                last_days_before_end=None if extra is None else first - extra,
            )
        )
    placed.sort(key=lambda p: -p.first_days_before_end)
    return tuple(
        dataclasses.replace(plan, incident_id=f"{history.org_name}-{n}")
        for n, plan in enumerate(placed, start=1)
    )


def history_world(histories: Sequence[History], days: int, end: date) -> World:
    """Return the world of the given histories, one organization each.

    Args:
        histories: the (profile, seed) pairs, each a distinct organization.
        days: the history length the incidents are placed in (at least 200).
        end: the history's last day (the incidents' days are counted back from it).

    Returns:
        The world to generate with `UsageGenerator(world=...)`.
    """
    if days < 200:
        raise ValueError("an evaluation history needs at least 200 days")
    orgs: list[OrgSpec] = []
    plans: list[IncidentPlan] = []
    noise: dict[str, NoiseProfile] = {}
    shapes: dict[str, tuple[ProjectShape, ...]] = {}
    for history in histories:
        spec = _history_org(history)
        orgs.append(spec)
        plans.extend(_history_incidents(history, days, end))
        noise[spec.id] = PROFILES[history.profile]
        shapes[spec.id] = tuple(shape for *_, shape in _PROJECTS)
    return World(tuple(orgs), tuple(plans), noise, shapes)
