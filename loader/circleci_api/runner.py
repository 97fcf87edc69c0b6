"""Run many export windows at once inside CircleCI's rate limits.

CircleCI takes tens of seconds to produce an export and allows 10 creations an hour and 10
reads a minute per organization. So the runner keeps several export jobs in flight, polls the
most promising ones within the GET budget, collects each window as soon as it completes and
hands it to the caller to commit. A failed export is created again a bounded number of times;
a window CircleCI refuses as too old is shortened to what it accepts; when the hourly POST
budget is spent the runner waits with a countdown, or with `no_wait` stops and reports the
windows that remain for the next run. An organization CircleCI refuses (401, 403, 404, or
failures through every retry) fails on its own: its windows are reported with the reason and
the other organizations load to the end. A status request CircleCI refuses (400) fails its
window only.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from loader import settings
from loader.circleci_api.client import (
    WAIT_STATES,
    ExportJob,
    ExportRejected,
    JobNotFound,
    RateLimited,
    ServiceUnavailable,
    UsageExportClient,
    backoff_delay,
)
from loader.circleci_api.downloads import PartDamaged, UrlRejected, download_part, download_session
from loader.errors import AuthenticationError, ExportRequestError, FileFormatError, LoaderError
from loader.states import DONE, EXPORTING, FAILED, SKIPPED, WAITING
from loader.windows import Window, ceil_day, oldest_allowed_start

log = logging.getLogger("loader")

# Windows are planned inside CircleCI's 366 days and checked again just before their POST.
# Should CircleCI still refuse an old start (a clock ahead of ours), the window is moved to
# the stricter reading of its docs, "no more than one year ago".
ONE_YEAR = timedelta(days=365)
# What CircleCI says about one organization makes that organization fail, not the run.
ORG_ERRORS = (AuthenticationError, ServiceUnavailable)
# Waits shorter than this are sat out even with no_wait: stopping would cost more than waiting.
SHORT_WAIT_SECONDS = 60.0
MAX_PART_ATTEMPTS = 4
# Each unanswered poll of an export waits this much longer than the last: exports take tens
# of seconds (slow growth finds them soon after they finish) up to hours (the gaps reach
# max_poll_interval).
POLL_GROWTH = 1.25
# Never spin: a wait rounded down to nothing would poll the budgets in a busy loop.
MIN_SLEEP_SECONDS = 0.01


@dataclass
class WindowTask:
    """One window of one organization on its way from CircleCI to the database."""

    org_id: str
    window: Window
    job_id: str | None = None
    state: str = WAITING
    attempts: int = 0
    created_at: datetime | None = None
    next_poll: float = 0.0
    polls: int = 0
    error: str | None = None
    rows: int = 0
    parts: int = 0
    original_start: datetime | None = None
    resumed: bool = False

    def describe(self) -> str:
        """`org window` for messages."""
        return f"{self.org_id} {self.window.label()}"


@dataclass
class RunnerSettings:
    """How the runner paces itself (see `.dlt/config.toml` for each setting)."""

    max_in_flight: int = settings.MAX_IN_FLIGHT
    poll_interval: float = settings.POLL_INTERVAL_SECONDS
    max_poll_interval: float = settings.MAX_POLL_INTERVAL_SECONDS
    max_export_attempts: int = settings.MAX_EXPORT_ATTEMPTS
    no_wait: bool = False
    shared_org_ids: list[str] = field(default_factory=list)
    backoff_seconds: float = settings.BACKOFF_SECONDS
    max_backoff_seconds: float = settings.MAX_BACKOFF_SECONDS
    request_timeout: float = settings.REQUEST_TIMEOUT_SECONDS


@dataclass
class RunOutcome:
    """What a run achieved."""

    tasks: list[WindowTask]
    stopped_early: bool = False
    resume_at: datetime | None = None
    failed_orgs: dict[str, str] = field(default_factory=dict)

    def with_state(self, state: str) -> list[WindowTask]:
        """Tasks in `state`."""
        return [t for t in self.tasks if t.state == state]


OnCreated = Callable[[list[WindowTask]], None]
OnReady = Callable[[WindowTask, list[Path]], int]


class ExportRunner:
    """Drive a set of window tasks to completion.

    Args:
        client: The API client (owns the per-organization budgets).
        tasks: Windows to export, newest first within each organization.
        settings: Pacing.
        workdir: Folder for downloaded parts; each window's parts are deleted once committed.
        on_created: Called with tasks whose export jobs were just created (to persist job ids).
        on_ready: Called with a completed task and its downloaded parts; commits them and
            returns the number of rows loaded.
        status: Called whenever the tasks' states change (progress display).
        sleep: Sleep function.
        clock: Epoch seconds.
    """

    def __init__(
        self,
        client: UsageExportClient,
        tasks: list[WindowTask],
        settings: RunnerSettings,
        workdir: Path,
        *,
        on_created: OnCreated,
        on_ready: OnReady,
        status: Callable[[list[WindowTask]], None] = lambda tasks: None,
        countdown: Callable[[str, float], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.tasks = tasks
        self.settings = settings
        self.workdir = workdir
        self._on_created = on_created
        self._on_ready = on_ready
        self._status = status
        self._countdown = countdown or _print_countdown
        self._sleep = sleep
        self._clock = clock
        self._downloads: requests.Session | None = None
        # seconds from creation to the first answer `completed`, per organization, this run
        self._durations: dict[str, list[float]] = {}
        # organizations CircleCI refused this run, with the reason
        self.failed_orgs: dict[str, str] = {}

    def now(self) -> datetime:
        """The runner's clock as a UTC datetime."""
        return datetime.fromtimestamp(self._clock(), UTC)

    def run(self) -> RunOutcome:
        """Export, collect and hand over every task; return what happened."""
        self._status(self.tasks)
        while True:
            created = self._create_exports()
            collected = self._poll_due()
            if created or collected:
                self._status(self.tasks)
            active = [t for t in self.tasks if t.state in (WAITING, EXPORTING)]
            if not active:
                return RunOutcome(self.tasks, failed_orgs=dict(self.failed_orgs))
            if created or collected:
                continue
            wait, post_bound = self._next_event()
            if post_bound and wait > SHORT_WAIT_SECONDS:
                resume_at = self.now() + timedelta(seconds=wait)
                if self.settings.no_wait:
                    return RunOutcome(
                        self.tasks,
                        stopped_early=True,
                        resume_at=resume_at,
                        failed_orgs=dict(self.failed_orgs),
                    )
                self._wait_with_countdown(wait, resume_at)
            else:
                self._sleep(min(max(wait, MIN_SLEEP_SECONDS), 5.0))

    def _in_flight(self, org_id: str) -> int:
        return sum(1 for t in self.tasks if t.org_id == org_id and t.state == EXPORTING)

    def _create_exports(self) -> list[WindowTask]:
        created: list[WindowTask] = []
        for org_id in dict.fromkeys(t.org_id for t in self.tasks):
            budget = self.client.post_budget(org_id)
            for task in [t for t in self.tasks if t.org_id == org_id and t.state == WAITING]:
                if self._in_flight(org_id) >= self.settings.max_in_flight:
                    break
                if budget.wait_seconds() > 0:
                    break
                if not self._inside_history(task):
                    continue
                try:
                    job = self.client.create_export(
                        org_id, task.window, self.settings.shared_org_ids
                    )
                except ORG_ERRORS as refused:
                    self._org_failed(org_id, str(refused))
                    break
                except RateLimited as limited:
                    log.info(
                        "CircleCI's POST limit for %s is reached%s",
                        org_id,
                        f" (retry after {limited.retry_after:.0f} s)"
                        if limited.retry_after
                        else "",
                    )
                    break
                except ExportRejected as rejected:
                    self._rejected(task, rejected.message)
                    continue
                task.job_id = job.job_id
                task.state = EXPORTING
                task.attempts += 1
                task.created_at = self.now()
                task.polls = 0
                task.next_poll = self._clock() + self._expected_duration(org_id)
                created.append(task)
                log.info("Export created for %s (job %s)", task.describe(), job.job_id)
        if created:
            self._on_created(created)
        return created

    def _inside_history(self, task: WindowTask) -> bool:
        """Move a window's start inside CircleCI's 366 days before its POST; False to skip it.

        The plan is made inside the limit, but a window may wait an hour or more for the POST
        budget while the limit moves on: checking again here spends no POST on a refusal.
        """
        oldest = oldest_allowed_start(self.now())
        if task.window.start >= oldest:
            return True
        if task.window.end <= oldest:
            task.state = SKIPPED
            task.error = f"older than CircleCI keeps (366 days before {self.now():%Y-%m-%d})"
            log.warning("Skipping %s: %s", task.describe(), task.error)
            return False
        log.info("Moving the start of %s to %s (CircleCI keeps 366 days)", task.describe(), oldest)
        task.original_start = task.original_start or task.window.start
        task.window = Window(oldest, task.window.end)
        return True

    def _org_failed(self, org_id: str, reason: str) -> None:
        """CircleCI refused the organization: fail its open windows, keep the others going."""
        if org_id not in self.failed_orgs:
            log.error("Organization %s failed: %s", org_id, reason)
        self.failed_orgs.setdefault(org_id, reason)
        for task in self.tasks:
            if task.org_id == org_id and task.state in (WAITING, EXPORTING):
                task.state = FAILED
                task.error = reason

    def _rejected(self, task: WindowTask, message: str) -> None:
        oldest_allowed = ceil_day(self.now() - ONE_YEAR + timedelta(hours=1))
        if task.original_start is None and task.window.start < oldest_allowed:
            if oldest_allowed >= task.window.end:
                task.state = SKIPPED
                task.error = f"older than CircleCI keeps ({message})"
                log.warning(
                    "CircleCI refused %s as too old (%s); skipping it: the API keeps about a "
                    "year of history.",
                    task.describe(),
                    message,
                )
                return
            log.warning(
                "CircleCI refused %s (%s); moving the window's start forward to %s, the "
                "oldest day it documents (one year ago).",
                task.describe(),
                message,
                oldest_allowed.date(),
            )
            task.original_start = task.window.start
            task.window = Window(oldest_allowed, task.window.end)
            return
        task.state = FAILED
        task.error = f"CircleCI refused the export: {message}"
        log.error("%s: %s", task.describe(), task.error)

    def _expected_duration(self, org_id: str) -> float:
        """How long an export takes, as seen this run (median), at least `poll_interval`."""
        seen = sorted(self._durations.get(org_id, []))
        typical = seen[len(seen) // 2] if seen else 0.0
        return max(self.settings.poll_interval, min(typical, self.settings.max_poll_interval))

    def _pollable(self) -> list[WindowTask]:
        """Exporting tasks worth a GET, oldest export first.

        The GET budget (10 a minute) is the scarce resource: until one export of an
        organization has completed this run, only its oldest export is polled (the others,
        created about the same time, are not done either), except exports that have waited
        longer than `max_poll_interval`. Once one completes, its duration tells when the
        others will be ready.
        """
        now = self._clock()
        exporting = sorted(
            (t for t in self.tasks if t.state == EXPORTING),
            key=lambda t: (t.created_at or datetime.min.replace(tzinfo=UTC), t.window.start),
        )
        pollable: list[WindowTask] = []
        for org_id in dict.fromkeys(t.org_id for t in exporting):
            mine = [t for t in exporting if t.org_id == org_id]
            if self._durations.get(org_id):
                pollable.extend(mine)
                continue
            pollable.append(mine[0])
            pollable.extend(t for t in mine[1:] if self._ungated_at(t) <= now)
        return pollable

    def _ungated_at(self, task: WindowTask) -> float:
        """When an export that is not its organization's oldest gets polled regardless."""
        if task.created_at is None:
            return 0.0
        return task.created_at.timestamp() + self.settings.max_poll_interval

    def _poll_due(self) -> list[WindowTask]:
        collected: list[WindowTask] = []
        now = self._clock()
        due = [t for t in self._pollable() if t.next_poll <= now]
        for task in due:
            if self.client.get_budget(task.org_id).wait_seconds() > 0:
                continue
            if task.state != EXPORTING:
                continue  # its organization failed earlier in this round
            assert task.job_id is not None
            try:
                job = self.client.get_export(task.org_id, task.job_id)
            except JobNotFound:
                log.warning("CircleCI lost export job of %s; creating it again", task.describe())
                task.state, task.job_id = WAITING, None
                continue
            except ORG_ERRORS as refused:
                self._org_failed(task.org_id, str(refused))
                continue
            except ExportRequestError as refused:
                task.state, task.error = FAILED, str(refused)
                log.error("%s: %s", task.describe(), task.error)
                continue
            if job.state in WAIT_STATES:
                task.polls += 1
                delay = self.settings.poll_interval * (POLL_GROWTH ** min(task.polls, 30))
                task.next_poll = self._clock() + min(self.settings.max_poll_interval, delay)
            elif job.state == "completed":
                self._completed(task)
                try:
                    self._collect(task, job)
                except ORG_ERRORS as refused:  # refreshing the download URLs was refused
                    self._org_failed(task.org_id, str(refused))
                    continue
                except ExportRequestError as refused:
                    task.state, task.error = FAILED, str(refused)
                    log.error("%s: %s", task.describe(), task.error)
                    continue
                collected.append(task)
            elif job.state == "failed":
                self._failed(task, job.error_reason)
            else:
                log.warning("Export of %s is in unknown state %r", task.describe(), job.state)
                task.next_poll = self._clock() + self.settings.max_poll_interval
        return collected

    def _completed(self, task: WindowTask) -> None:
        """Learn how long exports take; bring forward the polls of exports as old."""
        if task.created_at is None or task.resumed:
            return
        duration = self._clock() - task.created_at.timestamp()
        self._durations.setdefault(task.org_id, []).append(duration)
        expected = self._expected_duration(task.org_id)
        for other in self.tasks:
            if other.org_id == task.org_id and other.state == EXPORTING and other.created_at:
                ready = other.created_at.timestamp() + expected
                other.next_poll = min(other.next_poll, max(ready, self._clock()))

    def _failed(self, task: WindowTask, reason: str | None) -> None:
        task.error = reason or "no reason given"
        if task.attempts < self.settings.max_export_attempts:
            log.warning(
                "Export of %s failed (%s); creating it again (attempt %d of %d)",
                task.describe(),
                task.error,
                task.attempts + 1,
                self.settings.max_export_attempts,
            )
            task.state, task.job_id = WAITING, None
        else:
            task.state = FAILED
            log.error(
                "Export of %s failed %d times; last reason: %s",
                task.describe(),
                task.attempts,
                task.error,
            )

    def _collect(self, task: WindowTask, job: ExportJob) -> None:
        folder = self.workdir / f"{task.org_id}-{task.window.start:%Y%m%d}-{task.window.end:%Y%m%d}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            urls = list(job.download_urls or [])
            parts: list[Path] = []
            for index in range(len(urls)):
                path = folder / f"part-{index:04d}.csv.gz"
                self._download(task, urls, index, path)
                parts.append(path)
            task.parts = len(parts)
            task.rows = self._on_ready(task, parts)
            task.state = DONE
            task.error = None
        except (_PartLost, FileFormatError) as lost:
            task.state = FAILED
            task.error = str(lost).replace(f"{folder}/", "")
            log.error("%s: %s", task.describe(), task.error)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _download(self, task: WindowTask, urls: list[str], index: int, path: Path) -> None:
        if self._downloads is None:
            self._downloads = download_session(self.settings.request_timeout)
        for attempt in range(1, MAX_PART_ATTEMPTS + 1):
            try:
                download_part(self._downloads, urls[index], path)
                return
            except (UrlRejected, PartDamaged) as problem:
                if attempt == MAX_PART_ATTEMPTS:
                    raise _PartLost(
                        f"part {index + 1} of {len(urls)} could not be downloaded "
                        f"({problem}) after {attempt} tries; the next run exports it again"
                    ) from None
                log.warning(
                    "Part %d of %d of %s: %s; fetching fresh download URLs and retrying",
                    index + 1,
                    len(urls),
                    task.describe(),
                    problem,
                )
                self._sleep(
                    backoff_delay(
                        attempt, self.settings.backoff_seconds, self.settings.max_backoff_seconds
                    )
                )
                assert task.job_id is not None
                fresh = self.client.get_export(task.org_id, task.job_id)
                if fresh.download_urls is None or len(fresh.download_urls) != len(urls):
                    raise _PartLost(
                        "CircleCI returned a different set of download URLs on refresh"
                    ) from None
                urls[:] = fresh.download_urls

    def _next_event(self) -> tuple[float, bool]:
        """Seconds until something can happen, and whether only the POST budget blocks."""
        now = self._clock()
        pollable = {id(t) for t in self._pollable()}
        polls = [
            max(
                t.next_poll,
                self.client.get_budget(t.org_id).available_at(),
                now if id(t) in pollable else self._ungated_at(t),
            )
            - now
            for t in self.tasks
            if t.state == EXPORTING
        ]
        creations = [
            self.client.post_budget(org_id).available_at() - now
            for org_id in {t.org_id for t in self.tasks if t.state == WAITING}
            if self._in_flight(org_id) < self.settings.max_in_flight
        ]
        if polls:
            return max(0.0, min(polls + creations)), False
        if creations:
            return max(0.0, min(creations)), True
        return 0.0, False

    def _wait_with_countdown(self, seconds: float, resume_at: datetime) -> None:
        waiting = sum(1 for t in self.tasks if t.state == WAITING)
        message = (
            f"CircleCI allows {self.client.post_budget(self.tasks[0].org_id).limit} exports an "
            f"hour per organization and that budget is spent; {waiting} window(s) wait. "
            f"Continuing at {resume_at:%H:%M:%S} UTC (Ctrl-C stops; the next run continues; "
            "--no-wait stops instead of waiting)"
        )
        log.warning(message)
        end = self._clock() + seconds
        while (left := end - self._clock()) > 0:
            self._countdown(message, left)
            self._sleep(min(left, 1.0 if sys.stderr.isatty() else 60.0))
        self._countdown("", 0)


class _PartLost(LoaderError):
    """A part could not be downloaded after every retry."""


def _print_countdown(message: str, seconds_left: float) -> None:
    if not sys.stderr.isatty():
        if message:
            minutes, seconds = divmod(int(seconds_left), 60)
            log.info("Next export in %d:%02d", minutes, seconds)
        return
    if not message:
        sys.stderr.write("\r" + " " * 40 + "\r")
    else:
        minutes, seconds = divmod(int(seconds_left), 60)
        sys.stderr.write(f"\r  next export in {minutes:d}:{seconds:02d} ")
    sys.stderr.flush()
