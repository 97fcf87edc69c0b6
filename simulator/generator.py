"""Synthetic CircleCI usage, deterministic from a seed, one (organization, UTC day) at a time.

Every (organization, day) draws from its own random stream seeded by (seed, organization,
day), so any window can be produced on demand, in any order or batching, with identical rows.
The work per day is vectorised with numpy; Arrow arrays are built once per batch of days.

How a day is made: each project starts pipelines (push pipelines on feature branches and on
main, API-triggered and scheduled ones) at a rate shaped by the weekday, the working hours of
the organization, gradual growth and a little noise. Each pipeline runs the project's workflows
for its trigger; each workflow runs its jobs stage by stage, stops at the first failing stage,
and a failed workflow is sometimes re-run (same pipeline, new workflow and job ids). Jobs are
priced at their resource class rate. Seats (the first of each month) and a leased host (daily)
are rows without job identifiers. Labelled incidents bend the usage of a few projects.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loader.schema import CREDIT_COLUMNS, CREDITS, EXPORT_COLUMNS
from simulator.catalog import (
    DLC_CREDITS_PER_JOB,
    FEATURE_BRANCH_TOPICS,
    IPRANGES_CREDITS_PER_GB,
    NETWORK_CREDITS_PER_GB,
    ORGANIZATIONS,
    RESOURCE_CLASS_INDEX,
    RESOURCE_CLASSES,
    SEAT_CREDITS_PER_USER,
    STORAGE_CREDITS_PER_GB,
    TRIGGER_SOURCES,
    UNREGISTERED_BRANCH_PREFIX,
    OrgSpec,
)
from simulator.config import DEFAULT_DAYS
from simulator.dialects import ODD_BRANCHES, odd_branch_index
from simulator.histories import World
from simulator.ids import random_uuid_bytes, stable_uuid, uuid_text_to_arrow
from simulator.incidents import (
    INCIDENT_PLANS,
    Incident,
    MeasuredEffect,
    place_incidents,
    write_ground_truth_csv,
)
from simulator.rightsizing import job_need, utilisation

EXPORT_SCHEMA = pa.schema(list(EXPORT_COLUMNS.items()))

_DAY_MS = 86_400_000
_EPOCH = date(1970, 1, 1)

# Working-day shape: Monday .. Sunday factors for push and API pipelines.
_DOW_FACTOR = np.array([0.97, 1.0, 1.0, 0.98, 0.87, 0.11, 0.08])
# Pipelines per local hour on working days and at weekends (relative weights).
_HOURS_WORKDAY = np.array(
    [0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.9, 2.0, 4.5, 7.5, 8.5, 8.0]
    + [6.0, 7.0, 8.5, 8.5, 7.5, 5.5, 3.5, 2.2, 1.6, 1.1, 0.7, 0.45]
)
_HOURS_WEEKEND = np.array(
    [0.5, 0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.2, 1.8, 2.2, 2.5]
    + [2.5, 2.5, 2.5, 2.4, 2.2, 2.0, 1.8, 1.6, 1.4, 1.1, 0.9, 0.7]
)
_MAIN_SHARE = 0.28  # share of push pipelines on the default branch
_PROJECT_NOISE = 0.07  # sigma of the daily lognormal activity noise per project
_DURATION_NOISE = 0.18  # sigma of the lognormal job duration noise
_RERUN_RATE = 0.3  # chance that a failed workflow is re-run by someone
_MAX_RERUN_ROUNDS = 3
# A pipeline loop (a job pushes a commit that triggers the next pipeline): one bot user (the
# API bot is user 0, people from 2), a new pipeline about every 20 minutes
_LOOP_BOT_USER = 1
_LOOP_EVERY_S = 1_200.0
_STATUSES = ("success", "failed", "canceled", "infrastructure_fail", "timedout")
_CANCEL_RATE = 0.012
_INFRA_FAIL_RATE = 0.003
_TIMEOUT_RATE = 0.002
_NO_STAGE = 1_000
# Mean wait in the queue by executor, in seconds.
_QUEUE_SECONDS = {"docker": 4.0, "machine": 18.0, "macos": 45.0, "windows": 30.0}
_BATCH_ROWS = 200_000
_TEMPLATE_FIELDS: tuple[str, ...] = (
    "name", "stage", "rc", "par", "median", "fail", "dlc", "storage", "network", "ipr", "cpu",
    "ram", "queue",
)  # fmt: skip
_TRIGGER_CODE = {"push": 0, "schedule": 1, "api": 2}


@dataclass(frozen=True)
class Organization:
    """An organization of the simulated world."""

    id: str
    name: str
    created: date
    projects: tuple[str, ...]


def _excl_cumsum(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=out[1:])
    return out


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (owner index, position within owner) for each of counts.sum() children."""
    owner = np.repeat(np.arange(len(counts)), counts)
    pos = np.arange(len(owner)) - np.repeat(_excl_cumsum(counts), counts)
    return owner, pos


def _rank_within(groups: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """Return each element's 0-based rank inside its group when sorted by order_key."""
    order = np.lexsort((order_key, groups))
    sorted_groups = groups[order]
    first = np.searchsorted(sorted_groups, sorted_groups, side="left")
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = np.arange(len(groups)) - first
    return ranks


class _OrgModel:
    """An organization's catalog flattened into numpy arrays for vectorised generation."""

    def __init__(self, spec: OrgSpec, index: int, strings: _Strings) -> None:
        self.spec = spec
        self.index = index
        self.project_ids = [stable_uuid("project", spec.id, p.name) for p in spec.projects]
        wt_project, wt_name, wt_trigger, wt_main, wt_hour, wt_start, wt_count = (
            [] for _ in range(7)
        )
        jt: dict[str, list[float]] = {k: [] for k in _TEMPLATE_FIELDS}
        for p_idx, project in enumerate(spec.projects):
            for wf in project.workflows:
                stages = [j.stage for j in wf.jobs]
                assert stages == sorted(stages), (
                    f"{project.name}/{wf.name}: jobs out of stage order"
                )
                wt_project.append(p_idx)
                wt_name.append(strings.workflow(wf.name))
                wt_trigger.append(_TRIGGER_CODE[wf.trigger])
                wt_main.append(wf.main_only)
                wt_hour.append(wf.schedule_hour)
                wt_start.append(len(jt["name"]))
                wt_count.append(len(wf.jobs))
                for job in wf.jobs:
                    # The job's true peak vCPUs and GiB: its utilisation follows from them.
                    need = job_need(
                        spec.id, project.name, wf.name, job.name, job.executor, job.resource_class
                    )
                    jt["name"].append(strings.job(job.name))
                    jt["stage"].append(job.stage)
                    jt["rc"].append(RESOURCE_CLASS_INDEX[(job.executor, job.resource_class)])
                    jt["par"].append(job.parallelism)
                    jt["median"].append(job.median_seconds)
                    jt["fail"].append(job.fail_rate)
                    jt["dlc"].append(job.dlc)
                    jt["storage"].append(job.storage_gb)
                    jt["network"].append(job.network_gb)
                    jt["ipr"].append(job.ipranges_gb)
                    jt["cpu"].append(need.vcpus)
                    jt["ram"].append(need.ram_gib)
                    jt["queue"].append(_QUEUE_SECONDS[job.executor] * 1000)
        self.wt_project = np.array(wt_project, dtype=np.int64)
        self.wt_name = np.array(wt_name, dtype=np.int32)
        self.wt_trigger = np.array(wt_trigger, dtype=np.int8)
        self.wt_main_only = np.array(wt_main, dtype=bool)
        self.wt_hour = np.array(wt_hour, dtype=np.int64)
        self.wt_job_start = np.array(wt_start, dtype=np.int64)
        self.wt_job_count = np.array(wt_count, dtype=np.int64)
        self.jt_name = np.array(jt["name"], dtype=np.int32)
        self.jt_stage = np.array(jt["stage"], dtype=np.int64)
        self.jt_rc = np.array(jt["rc"], dtype=np.int64)
        self.jt_par = np.array(jt["par"], dtype=np.int64)
        self.jt_median = np.array(jt["median"], dtype=np.float64)
        self.jt_fail = np.array(jt["fail"], dtype=np.float64)
        self.jt_dlc = np.array(jt["dlc"], dtype=bool)
        self.jt_storage = np.array(jt["storage"], dtype=np.float64)
        self.jt_network = np.array(jt["network"], dtype=np.float64)
        self.jt_ipr = np.array(jt["ipr"], dtype=np.float64)
        self.jt_cpu = np.array(jt["cpu"], dtype=np.float64)
        self.jt_ram = np.array(jt["ram"], dtype=np.float64)
        self.jt_queue_ms = np.array(jt["queue"], dtype=np.float64)
        self.jt_wt = np.repeat(np.arange(len(wt_start)), self.wt_job_count)

        # Pipeline kinds: what a pipeline of a project runs, by trigger and branch.
        k_project, k_trigger, k_main, k_base, k_wt_owner, k_wts = [], [], [], [], [], []
        k_sched_offset: list[int] = []
        for p_idx, project in enumerate(spec.projects):
            wts = [int(w) for w in np.flatnonzero(self.wt_project == p_idx)]
            push = [w for w in wts if self.wt_trigger[w] == 0]
            candidates: list[tuple[int, bool, float, list[int], int]] = [
                (
                    0,
                    False,
                    project.pushes_per_day * (1 - _MAIN_SHARE),
                    [w for w in push if not self.wt_main_only[w]],
                    -1,
                ),
                (0, True, project.pushes_per_day * _MAIN_SHARE, push, -1),
                (2, True, project.api_per_day, [w for w in wts if self.wt_trigger[w] == 2], -1),
            ]
            for w in wts:
                if self.wt_trigger[w] == 1:
                    candidates.append((1, True, 1.0, [w], w))
            for trigger, main, base, members, owner in candidates:
                if not members or base <= 0:
                    continue
                k_project.append(p_idx)
                k_trigger.append(trigger)
                k_main.append(main)
                k_base.append(base)
                k_wt_owner.append(owner)
                k_wts.append(members)
                name = f"{spec.id}/{project.name}/{owner}"
                k_sched_offset.append(int(stable_uuid(name)[:6], 16) % 3000)
        self.kind_project = np.array(k_project, dtype=np.int64)
        self.kind_trigger = np.array(k_trigger, dtype=np.int8)
        self.kind_main = np.array(k_main, dtype=bool)
        self.kind_base = np.array(k_base, dtype=np.float64)
        self.kind_sched_wt = np.array(k_wt_owner, dtype=np.int64)
        self.kind_sched_offset_s = np.array(k_sched_offset, dtype=np.int64)
        self.kind_wf_count = np.array([len(m) for m in k_wts], dtype=np.int64)
        self.kind_wf_start = _excl_cumsum(self.kind_wf_count)
        self.kind_wf_flat = np.array([w for m in k_wts for w in m], dtype=np.int64)
        self.kind_jobs = np.array(
            [sum(int(self.wt_job_count[w]) for w in m) for m in k_wts], dtype=np.int64
        )

        offset = spec.utc_offset_hours
        self.hour_cdf = [
            np.cumsum(np.roll(w, -offset) / w.sum()) for w in (_HOURS_WORKDAY, _HOURS_WEEKEND)
        ]
        n_users = spec.users_end + 2
        self.user_ids = pa.array([stable_uuid("user", spec.id, i) for i in range(n_users)])
        # A project's scheduled pipelines belong to one engineer; API ones to a bot (user 0).
        self.project_sched_user = np.array(
            [2 + int(stable_uuid(spec.id, p.name)[:4], 16) % spec.users_end for p in spec.projects],
            dtype=np.int64,
        )
        self.project_id_arr = pa.array(self.project_ids)
        self.project_name_arr = pa.array([p.name for p in spec.projects])
        self.vcs_url_arr = pa.array(
            [f"https://github.com/{spec.name}/{p.name}" for p in spec.projects]
        )
        self.project_created_days = np.array(
            [(p.created - _EPOCH).days for p in spec.projects], dtype=np.int32
        )
        # Pipeline and job numbers grow by a fixed stride per day since the project's creation.
        max_pipes = np.zeros(len(spec.projects))
        max_jobs = np.zeros(len(spec.projects))
        for k in range(len(k_project)):
            runs = 2.0 * self.kind_base[k] + 3 if k_trigger[k] != 1 else 12.0
            max_pipes[k_project[k]] += runs
            max_jobs[k_project[k]] += runs * self.kind_jobs[k]
        self.pipe_stride = np.ceil(max_pipes + 10).astype(np.int64)
        self.job_stride = np.ceil(max_jobs * (_MAX_RERUN_ROUNDS + 1) + 50).astype(np.int64)


class _Strings:
    """Global string tables shared by all organizations (Arrow arrays built once)."""

    def __init__(self) -> None:
        self._workflows: dict[str, int] = {}
        self._jobs: dict[str, int] = {}
        self.branches = pa.array(["main", *FEATURE_BRANCH_TOPICS, *ODD_BRANCHES])
        self.branch_unregistered = np.array(
            [False] + [b.startswith(UNREGISTERED_BRANCH_PREFIX) for b in FEATURE_BRANCH_TOPICS]
        )
        self.triggers = pa.array([TRIGGER_SOURCES[t] for t in ("push", "schedule", "api")])
        self.statuses = pa.array(list(_STATUSES))
        self.rc_names = pa.array([rc.name for rc in RESOURCE_CLASSES])
        self.rc_os = pa.array([rc.operating_system for rc in RESOURCE_CLASSES])
        self.rc_executor = pa.array([rc.executor for rc in RESOURCE_CLASSES])
        self.rc_rate = np.array([rc.credits_per_minute for rc in RESOURCE_CLASSES], np.int64)
        self.workflow_arr = pa.array([], pa.string())
        self.job_arr = pa.array([], pa.string())

    def workflow(self, name: str) -> int:
        return self._workflows.setdefault(name, len(self._workflows))

    def job(self, name: str) -> int:
        return self._jobs.setdefault(name, len(self._jobs))

    def workflow_index(self, name: str) -> int:
        return self._workflows[name]

    def job_index(self, name: str) -> int:
        return self._jobs[name]

    def freeze(self) -> None:
        self.workflow_arr = pa.array(list(self._workflows))
        self.job_arr = pa.array(list(self._jobs))


@dataclass
class _Runs:
    """Job rows of a set of workflow runs (one rerun round), with per-workflow summaries."""

    row_wf: np.ndarray
    row_jt: np.ndarray
    status: np.ndarray
    seconds: np.ndarray
    queued: np.ndarray
    started: np.ndarray
    stopped: np.ndarray
    wf_first_queued: np.ndarray
    wf_first_started: np.ndarray
    wf_stopped: np.ndarray
    wf_success: np.ndarray
    wf_rerun_p: np.ndarray

    def shift(self, wf_shift: np.ndarray) -> None:
        row_shift = wf_shift[self.row_wf]
        self.queued -= row_shift
        self.started -= row_shift
        self.stopped -= row_shift
        self.wf_first_queued -= wf_shift
        self.wf_first_started -= wf_shift
        self.wf_stopped -= wf_shift


@dataclass
class _JobOverrides:
    """Per job-template values for one day, after active incidents are applied."""

    rc: np.ndarray
    par: np.ndarray
    fail: np.ndarray
    rerun: np.ndarray
    duration: np.ndarray


@dataclass
class _DayFrame:
    """A day's job rows as numpy arrays, plus its job-less rows as a small Arrow table."""

    org: int
    day: date
    project: np.ndarray
    pipe_uuid: np.ndarray
    pipe_created: np.ndarray
    pipe_number: np.ndarray
    unregistered: np.ndarray
    trigger: np.ndarray
    user: np.ndarray
    branch: np.ndarray
    wf_uuid: np.ndarray
    wf_name: np.ndarray
    wf_first_queued: np.ndarray
    wf_first_started: np.ndarray
    wf_stopped: np.ndarray
    wf_success: np.ndarray
    job_name: np.ndarray
    job_number: np.ndarray
    job_uuid: np.ndarray
    queued: np.ndarray
    started: np.ndarray
    stopped: np.ndarray
    status: np.ndarray
    rc: np.ndarray
    par: np.ndarray
    seconds: np.ndarray
    utilization: np.ndarray  # (n, 4): median cpu, max cpu, median ram, max ram; NaN = NULL
    compute: np.ndarray  # whole credits
    dlc: np.ndarray  # whole credits
    storage_milli: np.ndarray
    network_milli: np.ndarray
    ipranges_milli: np.ndarray
    jobless: pa.Table

    def __len__(self) -> int:
        return int(len(self.project) + self.jobless.num_rows)

    def total_nano(self) -> np.ndarray:
        """Return the TOTAL_CREDITS of each job row in nano-credits."""
        whole = (self.compute + self.dlc) * 1_000_000_000
        milli = self.storage_milli + self.network_milli + self.ipranges_milli
        total: np.ndarray = whole + milli * 1_000_000
        return total


class UsageGenerator:
    """Deterministic synthetic CircleCI usage for the simulated organizations.

    Args:
        seed: the random seed; the same seed (and end date, days, scale) gives the same rows.
        end_date: last UTC day with usage; default: yesterday (UTC).
        days: length of the history in days, ending at end_date.
        scale: activity multiplier; 1.0 gives about 1,000 rows per day for both
            organizations together (about 405,000 rows for 400 days).
        incidents: plant the labelled incidents (switch off to measure their effect).
        world: organizations, incidents and noise profiles instead of the default world
            (`histories.history_world` builds the evaluation histories).
    """

    def __init__(
        self,
        seed: int = 42,
        end_date: date | None = None,
        days: int = DEFAULT_DAYS,
        scale: float = 1.0,
        incidents: bool = True,
        world: World | None = None,
    ) -> None:
        if days < 1:
            raise ValueError("days must be at least 1")
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed = seed
        self.end_date = end_date or (datetime.now(UTC).date() - timedelta(days=1))
        self.days = days
        self.start_date = self.end_date - timedelta(days=days - 1)
        self.scale = scale
        self.incidents_enabled = incidents
        self._strings = _Strings()
        self.world = world
        specs = world.organizations if world else ORGANIZATIONS
        self._models = [_OrgModel(spec, i, self._strings) for i, spec in enumerate(specs)]
        self._strings.freeze()
        self._by_id = {m.spec.id: m for m in self._models}
        self.organizations: tuple[Organization, ...] = tuple(
            Organization(
                m.spec.id, m.spec.name, m.spec.created, tuple(p.name for p in m.spec.projects)
            )
            for m in self._models
        )
        placed = place_incidents(
            self.end_date,
            self.start_date,
            {o.id: o.name for o in self.organizations},
            world.incident_plans if world else INCIDENT_PLANS,
        )
        self.incidents: tuple[Incident, ...] = placed
        self._active_incidents = placed if incidents else ()
        self._last_build = {m.spec.id: self._last_build_us(m) for m in self._models}
        self._n_sched = max(1, round(scale))
        self._default_overrides: dict[int, _JobOverrides] = {}
        self._jobless_template: dict[int, pa.Table] = {}

    def organization(self, key: str) -> Organization:
        """Return an organization by id or name.

        Args:
            key: the organization UUID or its name (e.g. "acme-robotics").

        Returns:
            The organization.

        Raises:
            KeyError: no such organization.
        """
        for org in self.organizations:
            if key in (org.id, org.name):
                return org
        raise KeyError(key)

    def day_table(self, org_id: str, day: date) -> pa.Table:
        """Return all usage rows of an organization whose job ran (or was billed) on a UTC day.

        Args:
            org_id: organization UUID.
            day: the UTC day.

        Returns:
            A table with exactly the export columns and types; empty outside the history.
        """
        return self._to_table([self._frame(self._by_id[org_id], day)])

    def iter_tables(
        self, org_ids: Iterable[str], start: datetime, end: datetime
    ) -> Iterator[pa.Table]:
        """Yield the rows of a window, a batch of days at a time.

        A row belongs to the window when its JOB_RUN_STARTED_AT (for a job-less row: its
        JOB_RUN_DATE at 00:00 UTC) lies in [start, end], both inclusive.

        Args:
            org_ids: organization UUIDs.
            start: window start (timezone-aware; naive means UTC).
            end: window end, inclusive.

        Yields:
            Tables with the export columns; together they hold each row of the window once.
        """
        start_us, end_us = _to_us(start), _to_us(end)
        first = max(_as_utc(start).date(), self.start_date)
        last = min(_as_utc(end).date(), self.end_date)
        for org_id in org_ids:
            model = self._by_id[org_id]
            batch: list[_DayFrame] = []
            rows = 0
            day = first
            while day <= last:
                frame = self._frame(model, day)
                frame = _filter_frame(frame, start_us, end_us)
                if len(frame):
                    batch.append(frame)
                    rows += len(frame)
                if rows >= _BATCH_ROWS:
                    yield self._to_table(batch)
                    batch, rows = [], 0
                day += timedelta(days=1)
            if batch:
                yield self._to_table(batch)

    def table(self, org_ids: Iterable[str], start: datetime, end: datetime) -> pa.Table:
        """Return the rows of a window as one table (see `iter_tables`)."""
        tables = list(self.iter_tables(org_ids, start, end))
        if not tables:
            return EXPORT_SCHEMA.empty_table()
        return pa.concat_tables(tables)

    def history_bounds(self) -> tuple[datetime, datetime]:
        """Return the first and last instant of the generated history (UTC)."""
        start = datetime.combine(self.start_date, datetime.min.time(), UTC)
        end = datetime.combine(self.end_date, datetime.max.time(), UTC)
        return start, end

    @classmethod
    def scale_for_rows(
        cls,
        rows: int,
        *,
        seed: int = 42,
        end_date: date | None = None,
        days: int = DEFAULT_DAYS,
        org_ids: Sequence[str] | None = None,
        world: World | None = None,
        last_days: int | None = None,
    ) -> float:
        """Return the scale at which the history (or its last days) holds about `rows` rows.

        Args:
            rows: the wanted number of rows.
            seed: seed of the generator to size.
            end_date: its end date (default yesterday UTC).
            days: its history length.
            org_ids: organizations counted (default: all).
            world: the world generated (default: the default one).
            last_days: count the rows of this many last days only (default: the whole
                history). The organizations grow from the history's first day, so a longer
                history at one scale has busier recent days: sizing its last days as a
                shorter history's keeps them as busy.

        Returns:
            A scale for `UsageGenerator` (within a few percent of the target).
        """
        probe = cls(seed=seed, end_date=end_date, days=days, scale=1.0, world=world)
        ids = list(org_ids) if org_ids else [o.id for o in probe.organizations]
        counted_days = min(last_days or days, days)
        first = days - counted_days
        sample_days = [
            probe.start_date + timedelta(days=int(d))
            for d in np.linspace(first, days - 1, min(counted_days, 42)).round()
        ]
        counted = sum(len(probe._frame(probe._by_id[i], d)) for i in ids for d in sample_days)
        per_day = counted / len(sample_days)
        return max(rows / (per_day * counted_days), 1e-3)

    def measure_incident_effects(self, max_days: int = 7) -> dict[str, MeasuredEffect]:
        """Measure each incident's effect on its project's daily credits.

        Args:
            max_days: affected days rendered per incident (from the first).

        Returns:
            Baseline and signed change of project credits per day, by incident id.
        """
        twin = UsageGenerator(
            self.seed, self.end_date, self.days, self.scale, incidents=False, world=self.world
        )
        effects = {}
        for inc in self.incidents:
            last = inc.last_day or self.end_date
            n = min(max_days, (last - inc.first_day).days + 1)
            days = [inc.first_day + timedelta(days=i) for i in range(n)]
            model = self._by_id[inc.plan.org_id]
            p_idx = [p.name for p in model.spec.projects].index(inc.plan.project)
            with_inc = sum(self._project_credits(model, d, p_idx) for d in days) / n
            without = sum(twin._project_credits(model, d, p_idx) for d in days) / n
            effects[inc.incident_id] = MeasuredEffect(without, with_inc - without)
        return effects

    def write_ground_truth(self, path: str | Path) -> None:
        """Write the incidents' ground-truth CSV (format: `simulator.incidents`).

        Args:
            path: the file to write.
        """
        write_ground_truth_csv(Path(path), self.incidents, self.measure_incident_effects())

    def _project_credits(self, model: _OrgModel, day: date, project: int) -> float:
        frame = self._frame(model, day)
        mask = frame.project == project
        return float(frame.total_nano()[mask].sum()) / 1e9

    def _last_build_us(self, model: _OrgModel) -> np.ndarray:
        """LAST_BUILD_FINISHED_AT per project: the evening of its last active day."""
        out = []
        for p in model.spec.projects:
            last_day = self.end_date
            for inc in self.incidents:
                if (
                    inc.plan.org_id == model.spec.id
                    and inc.plan.project == p.name
                    and inc.plan.kind == "project_archived"
                    and inc.last_day is None
                ):
                    last_day = inc.first_day - timedelta(days=1)
            minutes = int(stable_uuid(model.spec.id, p.name, "last")[:4], 16) % 300
            ms = (last_day - _EPOCH).days * _DAY_MS + (23 * 60 - minutes) * 60_000 + 417
            out.append(ms * 1000)
        return np.array(out, dtype=np.int64)

    def _job_overrides(self, model: _OrgModel, active: list[Incident]) -> _JobOverrides:
        if not active and model.index in self._default_overrides:
            return self._default_overrides[model.index]
        ov = _JobOverrides(
            rc=model.jt_rc,
            par=model.jt_par,
            fail=model.jt_fail,
            rerun=np.full(len(model.jt_rc), _RERUN_RATE),
            duration=np.ones(len(model.jt_rc)),
        )
        names = [p.name for p in model.spec.projects]
        for inc in active:
            plan = inc.plan
            if plan.job is None or plan.scope_type != "job":
                continue
            p_idx = names.index(plan.project)
            wf_name = self._strings.workflow_index(plan.workflow or "")
            job_name = self._strings.job_index(plan.job)
            hit = (
                (model.wt_project[model.jt_wt] == p_idx)
                & (model.wt_name[model.jt_wt] == wf_name)
                & (model.jt_name == job_name)
            )
            if plan.new_resource_class:
                executor = RESOURCE_CLASSES[int(model.jt_rc[hit][0])].executor
                ov.rc = np.where(
                    hit, RESOURCE_CLASS_INDEX[(executor, plan.new_resource_class)], ov.rc
                )
            if plan.new_parallelism:
                ov.par = np.where(hit, plan.new_parallelism, ov.par)
            if plan.fail_rate is not None:
                ov.fail = np.where(hit, plan.fail_rate, ov.fail)
            if plan.rerun_rate is not None:
                ov.rerun = np.where(hit, plan.rerun_rate, ov.rerun)
            ov.duration = np.where(hit, ov.duration * plan.duration_factor, ov.duration)
        if not active:
            self._default_overrides[model.index] = ov
        return ov

    def _kind_factors(self, model: _OrgModel, active: list[Incident]) -> np.ndarray:
        factors = np.ones(len(model.kind_base))
        names = [p.name for p in model.spec.projects]
        for inc in active:
            plan = inc.plan
            in_project = model.kind_project == names.index(plan.project)
            scheduled = model.kind_trigger == 1
            factors[in_project & ~scheduled] *= plan.push_factor
            if plan.schedule_factor != 1:
                target = in_project & scheduled
                if plan.workflow is not None and plan.scope_type != "project":
                    wf_name = self._strings.workflow_index(plan.workflow)
                    target &= model.wt_name[np.maximum(model.kind_sched_wt, 0)] == wf_name
                factors[target] *= plan.schedule_factor
        return factors

    def _loop_pipelines(
        self, model: _OrgModel, active: list[Incident], growth: float, counts: np.ndarray
    ) -> tuple[list[int], list[int]]:
        """Add an active pipeline loop's pipelines to its project's default-branch pushes.

        Returns the pipeline kinds that carry a loop and, for each, the position from which
        its pipelines are the loop's (the ones before are the day's own pushes).
        """
        kinds, starts = [], []
        names = [p.name for p in model.spec.projects]
        for inc in active:
            if inc.plan.loop_factor <= 0:
                continue
            in_project = model.kind_project == names.index(inc.plan.project)
            pushes = in_project & (model.kind_trigger == 0)
            main = np.flatnonzero(pushes & model.kind_main)
            if not len(main):
                continue
            usual = float(model.kind_base[pushes].sum()) * self.scale * growth
            k = int(main[0])
            kinds.append(k)
            starts.append(int(counts[k]))
            counts[k] += round(inc.plan.loop_factor * usual)
        return kinds, starts

    def _frame(self, model: _OrgModel, day: date) -> _DayFrame:
        spec = model.spec
        day_index = (day - self.start_date).days
        in_range = 0 <= day_index < self.days
        rng = np.random.default_rng([self.seed, model.index, day.toordinal()])
        active = [
            i for i in self._active_incidents if i.plan.org_id == spec.id and i.active_on(day)
        ]
        weekday = day.weekday()
        years = day_index / 365.25
        growth = math.exp(spec.growth_per_year * years)

        # 1. How many pipelines of each kind start today.
        noise = np.exp(rng.normal(0.0, _PROJECT_NOISE, len(spec.projects)))
        factors = self._kind_factors(model, active)
        scheduled = model.kind_trigger == 1
        mu = (
            model.kind_base
            * self.scale
            * growth
            * _DOW_FACTOR[weekday]
            * noise[model.kind_project]
            * factors
        )
        counts = np.floor(mu + rng.random(len(mu))).astype(np.int64)
        counts[scheduled] = np.round(self._n_sched * factors[scheduled]).astype(np.int64)
        profile = self.world.profile(spec.id) if self.world else None
        tail = None
        if profile is not None and not profile.is_gentle and self.world:
            noisy = np.random.default_rng([self.seed, model.index, day.toordinal(), 1])
            counts = profile.pipeline_counts(
                f"{self.seed}/{spec.id}", day, noisy, mu, counts, factors, model.kind_project,
                scheduled, self._n_sched, self.world.shapes[spec.id],
            )  # fmt: skip
            tail = profile.duration_factors(noisy)
        loop_kinds, loop_from = self._loop_pipelines(model, active, growth, counts)
        if not in_range:
            counts[:] = 0
        pipe_kind, pipe_pos = _expand(counts)
        n_pipe = len(pipe_kind)

        # 2. When they start (seconds of the UTC day) and on which branch.
        cdf = model.hour_cdf[1 if weekday >= 5 else 0]
        hours = np.minimum(np.searchsorted(cdf, rng.random(n_pipe), side="right"), 23)
        pipe_sec = (hours + rng.random(n_pipe)) * 3600.0
        sched = scheduled[pipe_kind]
        if sched.any():
            k = pipe_kind[sched]
            every = 86_400.0 / np.maximum(counts[k], 1)
            base = model.wt_hour[model.kind_sched_wt[k]] * 3600.0 + model.kind_sched_offset_s[k]
            pipe_sec[sched] = (base + pipe_pos[sched] * every) % 86_400.0 + rng.random(
                int(sched.sum())
            ) * 20.0
        # A pipeline loop's pipelines: each pushed by the bot when the one before finished
        looped = np.zeros(n_pipe, dtype=bool)
        for k, start in zip(loop_kinds, loop_from, strict=True):
            mine = (pipe_kind == k) & (pipe_pos >= start)
            n_loop = int(mine.sum())
            if n_loop:
                looped |= mine
                first_s = 3600.0 * ((10 - spec.utc_offset_hours) % 24)
                every = min(_LOOP_EVERY_S, (86_400.0 - 1_800.0 - first_s) / n_loop)
                if every < 60.0:  # the loop started too late in the UTC day: from midnight
                    first_s, every = 0.0, (86_400.0 - 1_800.0) / n_loop
                pipe_sec[mine] = first_s + every * (pipe_pos[mine] - start)
        pipe_ms = np.minimum(pipe_sec * 1000.0, _DAY_MS - 600_000).astype(np.int64)
        feature = ~model.kind_main[pipe_kind]
        branch = np.where(feature, 1 + rng.integers(0, len(FEATURE_BRANCH_TOPICS), n_pipe), 0)
        trigger = model.kind_trigger[pipe_kind]
        pipe_project = model.kind_project[pipe_kind]
        n_users = spec.users_end
        user = np.where(
            trigger == 0,
            2 + (rng.random(n_pipe) ** 2 * n_users).astype(np.int64),
            np.where(trigger == 1, model.project_sched_user[pipe_project], 0),
        )
        user[looped] = _LOOP_BOT_USER
        pipe_uuid = random_uuid_bytes(rng, n_pipe)

        # 3. Workflows of each pipeline, then their jobs, then re-runs of failed workflows.
        wf_pipe, wf_pos = _expand(model.kind_wf_count[pipe_kind])
        wf_tpl = model.kind_wf_flat[model.kind_wf_start[pipe_kind][wf_pipe] + wf_pos]
        wf_start = pipe_ms[wf_pipe] + rng.integers(500, 4_000, len(wf_pipe))
        ov = self._job_overrides(model, active)
        first = self._run(model, rng, ov, wf_tpl, wf_start, tail)
        # Keep every job start inside the day: move late pipelines earlier as a whole.
        overflow = np.zeros(n_pipe, dtype=np.int64)
        if len(first.row_wf):
            late = np.maximum.reduceat(
                first.started, np.searchsorted(first.row_wf, np.arange(len(wf_tpl)))
            )
            np.maximum.at(overflow, wf_pipe, np.maximum(late - (_DAY_MS - 1_000), 0))
        if overflow.any():
            pipe_ms -= overflow
            first.shift(overflow[wf_pipe])
        rounds = [(first, wf_pipe, wf_tpl)]
        prev, prev_pipe, prev_tpl = first, wf_pipe, wf_tpl
        for _ in range(_MAX_RERUN_ROUNDS):
            again = ~prev.wf_success & (rng.random(len(prev_tpl)) < prev.wf_rerun_p)
            if not again.any():
                break
            r_tpl, r_pipe = prev_tpl[again], prev_pipe[again]
            r_start = prev.wf_stopped[again] + rng.integers(120_000, 1_500_000, int(again.sum()))
            runs = self._run(model, rng, ov, r_tpl, r_start, tail)
            late_wf = np.zeros(len(r_tpl), dtype=bool)
            late_wf[runs.row_wf[runs.started >= _DAY_MS - 1_000]] = True
            if late_wf.any():
                runs, r_tpl, r_pipe = (
                    _drop_workflows(runs, late_wf),
                    r_tpl[~late_wf],
                    r_pipe[~late_wf],
                )
            if not len(r_tpl):
                break
            rounds.append((runs, r_pipe, r_tpl))
            prev, prev_pipe, prev_tpl = runs, r_pipe, r_tpl

        # 4. Flatten the rounds into job rows.
        row_pipe = np.concatenate([r[1][r[0].row_wf] for r in rounds])
        row_tpl = np.concatenate([r[2][r[0].row_wf] for r in rounds])
        wf_uuid_parts, wf_rows = [], []
        for runs, _, tpl in rounds:
            wf_uuid_parts.append(random_uuid_bytes(rng, len(tpl))[runs.row_wf])
            wf_rows.append(runs.row_wf)
        row_jt = np.concatenate([r[0].row_jt for r in rounds])
        n = len(row_jt)

        def cat(attr: str, per_wf: bool = False) -> np.ndarray:
            if per_wf:
                return np.concatenate([getattr(r[0], attr)[r[0].row_wf] for r in rounds])
            return np.concatenate([getattr(r[0], attr) for r in rounds])

        started = cat("started")
        order = np.argsort(started, kind="stable")
        seconds = cat("seconds")[order]
        row_jt = row_jt[order]
        row_pipe = row_pipe[order]
        rc = ov.rc[row_jt]
        par = ov.par[row_jt]
        status = cat("status")[order]
        project = pipe_project[row_pipe]

        # 5. Utilization (none under 15 s) and credits.
        util = utilisation(model.jt_cpu[row_jt], model.jt_ram[row_jt], rc, seconds, rng)
        compute = (seconds * self._strings.rc_rate[rc] * par + 59) // 60
        ran = status != 3  # an infrastructure failure does not use the cache or the network
        dlc = np.where(model.jt_dlc[row_jt] & ran, DLC_CREDITS_PER_JOB, 0).astype(np.int64)
        spread = np.exp(rng.normal(0, 0.3, (n, 3)))
        storage = _milli(model.jt_storage[row_jt] * spread[:, 0] * STORAGE_CREDITS_PER_GB * ran)
        network = _milli(model.jt_network[row_jt] * spread[:, 1] * NETWORK_CREDITS_PER_GB * ran)
        ipranges = _milli(model.jt_ipr[row_jt] * spread[:, 2] * IPRANGES_CREDITS_PER_GB * ran)

        day_ms = (day - _EPOCH).days * _DAY_MS
        days_since = (day - _EPOCH).days - model.project_created_days.astype(np.int64)
        pipe_number = (
            model.pipe_stride[pipe_project] * days_since[pipe_project]
            + _rank_within(pipe_project, pipe_ms)
            + 1
        )
        job_number = (
            model.job_stride[project] * days_since[project]
            + _rank_within(project, np.arange(n))
            + 1
        )
        return _DayFrame(
            org=model.index,
            day=day,
            project=project,
            pipe_uuid=pipe_uuid[row_pipe],
            pipe_created=day_ms + pipe_ms[row_pipe],
            pipe_number=pipe_number[row_pipe],
            unregistered=self._strings.branch_unregistered[branch[row_pipe]],
            trigger=trigger[row_pipe],
            user=user[row_pipe],
            branch=branch[row_pipe],
            wf_uuid=np.concatenate(wf_uuid_parts)[order],
            wf_name=model.wt_name[row_tpl[order]],
            wf_first_queued=day_ms + cat("wf_first_queued", True)[order],
            wf_first_started=day_ms + cat("wf_first_started", True)[order],
            wf_stopped=day_ms + cat("wf_stopped", True)[order],
            wf_success=cat("wf_success", True)[order],
            job_name=model.jt_name[row_jt],
            job_number=job_number,
            job_uuid=random_uuid_bytes(rng, n),
            queued=day_ms + cat("queued")[order],
            started=day_ms + started[order],
            stopped=day_ms + cat("stopped")[order],
            status=status,
            rc=rc,
            par=par,
            seconds=seconds,
            utilization=util,
            compute=compute,
            dlc=dlc,
            storage_milli=storage,
            network_milli=network,
            ipranges_milli=ipranges,
            jobless=self._jobless_rows(model, day, rng) if in_range else _EMPTY_JOBLESS,
        )

    def _run(
        self,
        model: _OrgModel,
        rng: np.random.Generator,
        ov: _JobOverrides,
        wf_tpl: np.ndarray,
        wf_start: np.ndarray,
        tail: Callable[[int], np.ndarray] | None = None,
    ) -> _Runs:
        """Run workflows: expand jobs, draw outcomes, stop at the first bad stage, time them."""
        n_wf = len(wf_tpl)
        row_wf, pos = _expand(model.wt_job_count[wf_tpl])
        row_jt = model.wt_job_start[wf_tpl][row_wf] + pos
        stage = model.jt_stage[row_jt]
        u = rng.random(len(row_jt))
        fail = ov.fail[row_jt]
        status = np.zeros(len(row_jt), dtype=np.int8)
        edges = fail + np.cumsum([_CANCEL_RATE, _INFRA_FAIL_RATE, _TIMEOUT_RATE])[:, None]
        status[u < edges[2]] = 4
        status[u < edges[1]] = 3
        status[u < edges[0]] = 2
        status[u < fail] = 1
        wf_first_row = _excl_cumsum(model.wt_job_count[wf_tpl])
        first_bad = (
            np.minimum.reduceat(np.where(status != 0, stage, _NO_STAGE), wf_first_row)
            if n_wf
            else np.zeros(0, dtype=np.int64)
        )
        keep = stage <= first_bad[row_wf]
        row_wf, row_jt, status, stage = row_wf[keep], row_jt[keep], status[keep], stage[keep]
        m = len(row_jt)

        median = model.jt_median[row_jt] * ov.duration[row_jt]
        dur = median * np.exp(rng.normal(0.0, _DURATION_NOISE, m))
        if tail is not None:
            dur = dur * tail(m)
        partial = rng.uniform(0.05, 1.0, m)
        dur = np.where(status == 1, dur * np.maximum(partial, 0.2), dur)
        dur = np.where(status == 2, dur * partial * 0.6, dur)
        dur = np.where(status == 3, 3.0 + partial * 40.0, dur)
        dur = np.where(status == 4, median * 3.0, dur)
        seconds = np.maximum(np.ceil(dur), 1).astype(np.int64)
        dur_ms = seconds * 1000 - rng.integers(0, 1000, m)
        queue_ms = (rng.exponential(1.0, m) * model.jt_queue_ms[row_jt]).astype(np.int64) + 150

        # Stages run one after another; jobs of a stage run side by side.
        new_group = np.ones(m, dtype=bool)
        new_group[1:] = (row_wf[1:] != row_wf[:-1]) | (stage[1:] != stage[:-1])
        g_start = np.flatnonzero(new_group)
        group = np.cumsum(new_group) - 1
        if m:
            g_span = np.maximum.reduceat(queue_ms + dur_ms, g_start) + 1_500
        else:
            g_span = np.zeros(0, dtype=np.int64)
        g_wf = row_wf[g_start]
        g_excl = np.cumsum(g_span) - g_span
        wf_g0 = np.searchsorted(g_wf, np.arange(n_wf))
        g_offset = g_excl - g_excl[np.minimum(wf_g0, max(len(g_excl) - 1, 0))[g_wf]]
        queued = wf_start[row_wf] + g_offset[group]
        started = queued + queue_ms
        stopped = started + dur_ms
        wf_rows0 = np.searchsorted(row_wf, np.arange(n_wf))
        if m:
            wf_first_queued = np.minimum.reduceat(queued, wf_rows0)
            wf_first_started = np.minimum.reduceat(started, wf_rows0)
            wf_stopped = np.maximum.reduceat(stopped, wf_rows0)
            rerunnable = (status != 0) & (status != 2)
            wf_rerun_p = np.maximum.reduceat(np.where(rerunnable, ov.rerun[row_jt], 0.0), wf_rows0)
        else:
            wf_first_queued = wf_first_started = wf_stopped = np.zeros(0, dtype=np.int64)
            wf_rerun_p = np.zeros(0)
        return _Runs(
            row_wf=row_wf,
            row_jt=row_jt,
            status=status,
            seconds=seconds,
            queued=queued,
            started=started,
            stopped=stopped,
            wf_first_queued=wf_first_queued,
            wf_first_started=wf_first_started,
            wf_stopped=wf_stopped,
            wf_success=first_bad >= _NO_STAGE,
            wf_rerun_p=wf_rerun_p,
        )

    def _jobless_rows(self, model: _OrgModel, day: date, rng: np.random.Generator) -> pa.Table:
        spec = model.spec
        rows: list[dict[str, int]] = []
        if day.day == 1:
            progress = (day - self.start_date).days / max(self.days - 1, 1)
            users = round(spec.users_start + (spec.users_end - spec.users_start) * progress)
            extra = max(users - spec.included_users, 0)
            rows.append({"USER_CREDITS": extra * SEAT_CREDITS_PER_USER})
        if spec.daily_lease_credits:
            overage = int(rng.integers(100, 600)) if rng.random() < 0.15 else 0
            rows.append(
                {"LEASE_CREDITS": spec.daily_lease_credits, "LEASE_OVERAGE_CREDITS": overage}
            )
        if not rows:
            return _EMPTY_JOBLESS
        n = len(rows)
        key = model.index * 8 + n
        if key not in self._jobless_template:
            self._jobless_template[key] = pa.table(
                {
                    name: pa.array([spec.id] * n, typ)
                    if name == "ORGANIZATION_ID"
                    else pa.array([spec.name] * n, typ)
                    if name == "ORGANIZATION_NAME"
                    else pa.array([spec.created] * n, typ)
                    if name == "ORGANIZATION_CREATED_DATE"
                    else pa.nulls(n, typ)
                    for name, typ in EXPORT_COLUMNS.items()
                },
                schema=EXPORT_SCHEMA,
            )
        table = self._jobless_template[key]
        table = table.set_column(
            table.schema.get_field_index("JOB_RUN_DATE"), "JOB_RUN_DATE", pa.array([day] * n)
        )
        for name in CREDIT_COLUMNS:
            if name == "TOTAL_CREDITS":
                values = np.array([sum(r.values()) for r in rows], dtype=np.int64)
            else:
                values = np.array([r.get(name, 0) for r in rows], dtype=np.int64)
            table = table.set_column(
                table.schema.get_field_index(name), name, _decimal_array(values * 1_000_000_000)
            )
        return table

    def _to_table(self, frames: list[_DayFrame]) -> pa.Table:
        """Build one Arrow table from day frames (job-less rows first)."""
        jobless = [f.jobless for f in frames if f.jobless.num_rows]
        frames = [f for f in frames if len(f.project)]
        if not frames:
            return pa.concat_tables(jobless) if jobless else EXPORT_SCHEMA.empty_table()
        s = self._strings

        def cat(attr: str) -> np.ndarray:
            return np.concatenate([getattr(f, attr) for f in frames])

        org_idx = np.concatenate([np.full(len(f.project), f.org) for f in frames])
        n_branches = len(s.branches) - len(ODD_BRANCHES)
        models = self._models
        # Per-row project index into the concatenation of every org's project tables.
        p_offset = np.cumsum([0] + [len(m.spec.projects) for m in models])
        project = cat("project") + p_offset[org_idx]
        project_ids = pa.concat_arrays([m.project_id_arr for m in models])
        project_names = pa.concat_arrays([m.project_name_arr for m in models])
        vcs_urls = pa.concat_arrays([m.vcs_url_arr for m in models])
        project_created = np.concatenate([m.project_created_days for m in models])
        last_build = np.concatenate([self._last_build[m.spec.id] for m in models])
        u_offset = np.cumsum([0] + [len(m.user_ids) for m in models])
        user_ids = pa.concat_arrays([m.user_ids for m in models])
        org_ids = pa.array([m.spec.id for m in models])
        org_names = pa.array([m.spec.name for m in models])
        org_created = np.array([(m.spec.created - _EPOCH).days for m in models], np.int32)
        n = len(project)
        util = cat("utilization")
        util_null = np.isnan(util)
        total = np.concatenate([f.total_nano() for f in frames])
        rc = cat("rc")
        zero = _decimal_array(np.zeros(n, dtype=np.int64))
        day_days = np.concatenate(
            [np.full(len(f.project), (f.day - _EPOCH).days, np.int32) for f in frames]
        )
        cols: list[pa.Array] = [
            pc.take(org_ids, org_idx),
            pc.take(org_names, org_idx),
            pa.array(org_created[org_idx], pa.date32()),
            pc.take(project_ids, project),
            pc.take(project_names, project),
            pa.array(project_created[project], pa.date32()),
            _ts(last_build[project], already_us=True),
            pa.array(np.full(n, "github", dtype=object), pa.string()),
            pc.take(vcs_urls, project),
            pc.take(s.branches, odd_branch_index(cat("branch"), cat("pipe_number"), n_branches)),
            uuid_text_to_arrow(cat("pipe_uuid")),
            _ts(cat("pipe_created")),
            pa.array(cat("pipe_number")),
            pa.array(cat("unregistered")),
            pc.take(s.triggers, cat("trigger")),
            pc.take(user_ids, cat("user") + u_offset[org_idx]),
            uuid_text_to_arrow(cat("wf_uuid")),
            pc.take(s.workflow_arr, cat("wf_name")),
            _ts(cat("wf_first_queued")),
            _ts(cat("wf_first_started")),
            _ts(cat("wf_stopped")),
            pa.array(cat("wf_success")),
            pc.take(s.job_arr, cat("job_name")),
            pa.array(cat("job_number")),
            uuid_text_to_arrow(cat("job_uuid")),
            pa.array(day_days, pa.date32()),
            _ts(cat("queued")),
            _ts(cat("started")),
            _ts(cat("stopped")),
            pc.take(s.statuses, cat("status")),
            pc.take(s.rc_names, rc),
            pc.take(s.rc_os, rc),
            pc.take(s.rc_executor, rc),
            pa.array(cat("par").astype(np.int64)),
            pa.array(cat("seconds")),
            *(pa.array(util[:, i], mask=util_null[:, i]) for i in range(4)),
            _decimal_array(cat("compute") * 1_000_000_000),
            _decimal_array(cat("dlc") * 1_000_000_000),
            zero,
            _decimal_array(cat("storage_milli") * 1_000_000),
            _decimal_array(cat("network_milli") * 1_000_000),
            zero,
            zero,
            _decimal_array(cat("ipranges_milli") * 1_000_000),
            _decimal_array(total),
        ]
        jobs = pa.Table.from_arrays(cols, schema=EXPORT_SCHEMA)
        return pa.concat_tables([*jobless, jobs]) if jobless else jobs


_EMPTY_JOBLESS = EXPORT_SCHEMA.empty_table()


def _milli(credits: np.ndarray) -> np.ndarray:
    return np.round(credits * 1000.0).astype(np.int64)


def _decimal_array(nano: np.ndarray) -> pa.Array:
    """Wrap int64 nano-credits as decimal128(38, 9) without a Python loop."""
    n = len(nano)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = nano
    words[:, 1] = nano >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(CREDITS, n, [None, pa.py_buffer(words)])


def _ts(values: np.ndarray, already_us: bool = False) -> pa.Array:
    us = values if already_us else values * 1000
    return pa.array(us.astype(np.int64), pa.timestamp("us", tz="UTC"))


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _to_us(moment: datetime) -> int:
    delta = _as_utc(moment) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _drop_workflows(runs: _Runs, drop: np.ndarray) -> _Runs:
    """Remove whole workflows from a round and renumber the rest."""
    keep_rows = ~drop[runs.row_wf]
    new_index = np.cumsum(~drop) - 1
    keep = ~drop
    return _Runs(
        row_wf=new_index[runs.row_wf[keep_rows]],
        row_jt=runs.row_jt[keep_rows],
        status=runs.status[keep_rows],
        seconds=runs.seconds[keep_rows],
        queued=runs.queued[keep_rows],
        started=runs.started[keep_rows],
        stopped=runs.stopped[keep_rows],
        wf_first_queued=runs.wf_first_queued[keep],
        wf_first_started=runs.wf_first_started[keep],
        wf_stopped=runs.wf_stopped[keep],
        wf_success=runs.wf_success[keep],
        wf_rerun_p=runs.wf_rerun_p[keep],
    )


def _filter_frame(frame: _DayFrame, start_us: int, end_us: int) -> _DayFrame:
    """Keep the rows of a frame inside [start_us, end_us]."""
    day_start_us = (frame.day - _EPOCH).days * _DAY_MS * 1000
    day_end_us = day_start_us + _DAY_MS * 1000 - 1
    if start_us <= day_start_us and day_end_us <= end_us:
        return frame
    started_us = frame.started * 1000
    keep = (started_us >= start_us) & (started_us <= end_us)
    jobless = frame.jobless if start_us <= day_start_us <= end_us else _EMPTY_JOBLESS
    changes: dict[str, Any] = {"jobless": jobless}
    for name in frame.__dataclass_fields__:
        value = getattr(frame, name)
        if isinstance(value, np.ndarray):
            changes[name] = value[keep]
    return dataclasses.replace(frame, **changes)
