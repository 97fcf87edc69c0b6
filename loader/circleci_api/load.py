"""Load the Usage Export API into DuckDB: plan, export, download, commit window by window."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from loader.circleci_api.client import UsageExportClient
from loader.circleci_api.config import CircleCIConfig, check_org_ids
from loader.circleci_api.progress import Progress
from loader.circleci_api.runner import ExportRunner, RunnerSettings, RunOutcome, WindowTask
from loader.errors import ConfigurationError
from loader.source import usage_export
from loader.source.ledger import WindowRecord, read_ledger
from loader.source.pipeline import create_pipeline, finish_pending, run
from loader.source.quarantine import clear_replaced
from loader.source.resources import ExportParts, RowCount
from loader.states import COMPLETED, CREATED, EXPORTING, FAILED, PLANNED, SKIPPED, WAITING
from loader.windows import plan_windows

log = logging.getLogger("loader")

SIMULATOR = "simulator"
# Export jobs older than this are not resumed: their results may be gone.
RESUME_HORIZON = timedelta(hours=24)


@dataclass
class LoadSummary:
    """What `load_from_api` did."""

    outcome: RunOutcome
    rows: int
    seconds: float
    posts: int
    gets: int
    rejected: int = 0

    @property
    def failed(self) -> list[WindowTask]:
        """Windows that could not be loaded."""
        return self.outcome.with_state(FAILED)

    @property
    def failed_orgs(self) -> dict[str, str]:
        """Organizations CircleCI refused, with the reason (their windows are in `failed`)."""
        return self.outcome.failed_orgs

    @property
    def remaining(self) -> list[WindowTask]:
        """Windows left for the next run (stopped by `no_wait`)."""
        return [t for t in self.outcome.tasks if t.state in (WAITING, EXPORTING)]


def source_label(api_url: str) -> str:
    """`simulator` for a loopback API (the demo and tests), else the API host."""
    host = urlparse(api_url).hostname or ""
    return SIMULATOR if host in ("127.0.0.1", "localhost", "::1") else host


def load_from_api(
    config: CircleCIConfig,
    db_path: Path,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    no_wait: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    progress: Callable[[list[WindowTask]], None] | None = None,
) -> LoadSummary:
    """Export and load every window the organizations need.

    Each window is committed (rows first, then its ledger row) as soon as it is downloaded,
    so an interruption loses nothing already loaded and the next run continues.

    Args:
        config: Resolved settings (token, organizations, limits).
        db_path: The DuckDB file.
        start: Explicit start of the range to (re)load.
        end: Explicit end of the range.
        no_wait: Stop instead of waiting when the hourly POST budget is spent.
        sleep: Sleep function (tests pass a fast one).
        clock: Epoch seconds.
        progress: Called with the tasks whenever their states change.

    Returns:
        What was loaded, what failed and what remains.
    """
    started = time.monotonic()
    assert config.org_ids
    check_org_ids(config.org_ids, config.shared_org_ids)
    now = datetime.fromtimestamp(clock(), UTC)
    source = source_label(config.api_url)
    pipeline = create_pipeline(db_path)
    finish_pending(pipeline)
    ledger = read_ledger(pipeline)
    _check_same_source(ledger, source, db_path)

    client = UsageExportClient(
        config.api_url,
        str(config.api_token),
        posts_per_hour=config.posts_per_hour,
        gets_per_minute=config.gets_per_minute,
        request_attempts=config.request_attempts,
        backoff_seconds=config.backoff_seconds,
        max_backoff_seconds=config.max_backoff_seconds,
        timeout_seconds=config.request_timeout_seconds,
        sleep=sleep,
        clock=clock,
    )
    tasks: list[WindowTask] = []
    planned: list[WindowRecord] = []
    known = {(r.org_id, r.window_start, r.window_end) for r in ledger}
    for org_id in config.org_ids:
        mine = [r for r in ledger if r.org_id == org_id]
        wanted = [r.window_start for r in mine if r.state != SKIPPED]
        client.post_budget(org_id).preload(
            r.created_at.timestamp() for r in mine if r.created_at is not None
        )
        loaded = [r.window for r in mine if r.state == COMPLETED]
        plan = plan_windows(
            now,
            loaded,
            start=start,
            end=end,
            since=min(wanted) if wanted else None,
            backfill_days=config.backfill_days,
            lag_days=config.reexport_lag_days,
            max_days=config.max_window_days,
        )
        log.info("Organization %s: %s, %d window(s)", org_id, plan.reason, len(plan.windows))
        org_tasks = [WindowTask(org_id, window) for window in plan.windows]
        _resume_pending(org_tasks, mine, now, clock)
        tasks.extend(org_tasks)
        planned.extend(
            _record(t, PLANNED, source)
            for t in org_tasks
            if (org_id, t.window.start, t.window.end) not in known
        )
    if planned:
        # Remember the whole plan first: a run stopped before its oldest windows leaves
        # them as gaps that the next run fills.
        run(pipeline, usage_export(windows=planned))

    if not tasks:
        log.info("Nothing to export: every day up to the end of yesterday (UTC) is loaded.")

    def on_created(created: list[WindowTask]) -> None:
        records = [_record(t, CREATED, source) for t in created]
        run(pipeline, usage_export(windows=records))

    rejected: list[int] = []

    def on_ready(task: WindowTask, parts: list[Path]) -> int:
        record = _record(task, COMPLETED, source)
        record.loaded_at = datetime.fromtimestamp(clock(), UTC)
        export = ExportParts(parts, record)
        started = datetime.now(UTC)
        count = RowCount()
        run(pipeline, usage_export(exports=[export], count=count))
        rejected.append(count.rejected)
        # the window is loaded again: what earlier exports of its days set aside goes
        clear_replaced(pipeline, [export.source()], started)
        task.rows, task.parts = record.rows or 0, len(parts)
        log.info("Loaded %s: %d part(s), %s rows", task.describe(), len(parts), f"{task.rows:,}")
        return task.rows

    settings = RunnerSettings(
        max_in_flight=config.max_in_flight,
        poll_interval=config.poll_interval_seconds,
        max_poll_interval=config.max_poll_interval_seconds,
        max_export_attempts=config.max_export_attempts,
        no_wait=no_wait,
        shared_org_ids=list(config.shared_org_ids or []),
        backoff_seconds=config.backoff_seconds,
        max_backoff_seconds=config.max_backoff_seconds,
        request_timeout=config.request_timeout_seconds,
    )
    with tempfile.TemporaryDirectory(prefix="circleci-export-", dir=db_path.parent) as workdir:
        runner = ExportRunner(
            client,
            tasks,
            settings,
            Path(workdir),
            on_created=on_created,
            on_ready=on_ready,
            status=progress or Progress(),
            sleep=sleep,
            clock=clock,
        )
        outcome = runner.run()
    outcomes = [_record(t, FAILED, source) for t in outcome.with_state(FAILED)]
    outcomes += [_record(t, SKIPPED, source) for t in outcome.with_state(SKIPPED)]
    outcomes += [
        WindowRecord(
            t.org_id,
            t.original_start,
            t.window.end,
            None,
            SKIPPED,
            error_reason=f"older than CircleCI keeps; loaded from {t.window.start:%Y-%m-%d}",
            source=source,
        )
        for t in outcome.tasks
        if t.original_start is not None
    ]
    if outcomes:
        run(pipeline, usage_export(windows=outcomes))
    return LoadSummary(
        outcome=outcome,
        rows=sum(t.rows for t in outcome.tasks),
        seconds=time.monotonic() - started,
        posts=client.requests_sent.get("POST", 0),
        gets=client.requests_sent.get("GET", 0),
        rejected=sum(rejected),
    )


def _record(task: WindowTask, state: str, source: str) -> WindowRecord:
    return WindowRecord(
        org_id=task.org_id,
        window_start=task.window.start,
        window_end=task.window.end,
        usage_export_job_id=task.job_id,
        state=state,
        parts=task.parts if state == COMPLETED else None,
        rows=task.rows if state == COMPLETED else None,
        attempts=task.attempts,
        error_reason=task.error if state in (FAILED, SKIPPED) else None,
        source=source,
        created_at=task.created_at,
    )


def _resume_pending(
    tasks: list[WindowTask],
    ledger: list[WindowRecord],
    now: datetime,
    clock: Callable[[], float],
) -> None:
    """Reuse export jobs an earlier run created but did not collect (saves POST budget)."""
    pending = {
        (r.window_start, r.window_end): r
        for r in ledger
        if r.state == CREATED
        and r.usage_export_job_id
        and r.created_at is not None
        and now - r.created_at < RESUME_HORIZON
    }
    for task in tasks:
        record = pending.get((task.window.start, task.window.end))
        if record is not None:
            task.job_id = record.usage_export_job_id
            task.created_at = record.created_at
            task.attempts = record.attempts
            task.state = EXPORTING
            task.resumed = True
            task.next_poll = clock()
            log.info("Resuming export job %s for %s", task.job_id, task.describe())


def _check_same_source(ledger: list[WindowRecord], source: str, db_path: Path) -> None:
    """Refuse to mix simulated demo data and real CircleCI data in one database."""
    sources = {r.source for r in ledger if r.source}
    if source == SIMULATOR and sources - {SIMULATOR}:
        raise ConfigurationError(
            f"{db_path} holds data loaded from CircleCI; the demo will not mix simulated data "
            "into it. Set CIRCLECI_COSTS_DB to another file (for example data/demo.duckdb)."
        )
    if source != SIMULATOR and SIMULATOR in sources:
        raise ConfigurationError(
            f"{db_path} holds the demo's simulated data. Delete it (rm {db_path}) or set "
            "CIRCLECI_COSTS_DB to another file before loading from CircleCI."
        )
