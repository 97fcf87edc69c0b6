"""Export jobs of the simulated API: their state over time and their files on disk."""

from __future__ import annotations

import shutil
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import pyarrow as pa

from simulator.config import SimulatorConfig
from simulator.dialects import damage_last_row, repeat_last_row
from simulator.export_files import PartFile, parts_for_window, write_parts
from simulator.generator import EXPORT_SCHEMA, UsageGenerator

ExportState = Literal["created", "processing", "completed", "failed"]

# Longest a GET waits for files that should be ready by now (the real API would say
# "processing" for longer; waiting keeps tests with zero delays deterministic).
_MATERIALIZE_WAIT_SECONDS = 300.0


@dataclass
class ExportJob:
    """One export job."""

    id: str
    org_id: str
    start: datetime
    end: datetime
    org_ids: tuple[str, ...]  # the organization and the known shared organizations
    created_at: datetime
    error_reason: str | None
    files: Future[list[PartFile]] | None = None
    finished: bool = field(default=False)  # a GET has returned it completed or failed

    def state(self, now: datetime, config: SimulatorConfig) -> ExportState:
        """Return the state at `now`; once `completed` is due, wait for the files.

        Args:
            now: the current time.
            config: the delays.

        Returns:
            The state.
        """
        elapsed = (now - self.created_at).total_seconds()
        if elapsed < config.created_seconds:
            return "created"
        if elapsed < config.created_seconds + config.processing_seconds:
            return "processing"
        if self.error_reason is not None:
            return "failed"
        assert self.files is not None
        try:
            self.files.result(timeout=_MATERIALIZE_WAIT_SECONDS)
        except Exception as exc:  # noqa: BLE001 - reported to the client as a failed export
            self.error_reason = f"Export failed: {type(exc).__name__}"
            return "failed"
        return "completed"

    def parts(self) -> list[PartFile]:
        """Return the written parts (empty for an empty window); only once completed."""
        assert self.files is not None and self.files.done()
        return self.files.result()


class ExportStore:
    """Creates export jobs, writes their files in the background, and finds them again."""

    def __init__(self, config: SimulatorConfig, generator: UsageGenerator, root: Path) -> None:
        self._config = config
        self._generator = generator
        self._root = root
        self._jobs: dict[str, ExportJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sim-export")

    def create(
        self,
        org_id: str,
        start: datetime,
        end: datetime,
        org_ids: tuple[str, ...],
        now: datetime,
        error_reason: str | None,
    ) -> ExportJob:
        """Create an export and start writing its files (unless it is doomed to fail).

        Args:
            org_id: the organization in the path.
            start: window start (UTC).
            end: window end (UTC, inclusive).
            org_ids: organizations whose rows are exported.
            now: creation time.
            error_reason: set when fault injection makes it fail.

        Returns:
            The new export job.
        """
        job = ExportJob(str(uuid.uuid4()), org_id, start, end, org_ids, now, error_reason)
        if error_reason is None:
            job.files = self._pool.submit(self._materialize, job)
        with self._lock:
            self._jobs[job.id] = job
        return job

    def get(self, org_id: str, export_id: str) -> ExportJob | None:
        """Return an organization's export by id, or None."""
        with self._lock:
            job = self._jobs.get(export_id)
        return job if job is not None and job.org_id == org_id else None

    def part_path(self, export_id: str, name: str) -> Path | None:
        """Return the file of a part of a completed export, or None."""
        with self._lock:
            job = self._jobs.get(export_id)
        if job is None or job.files is None or not job.files.done():
            return None
        if job.files.exception() is not None:
            return None
        for part in job.files.result():
            if part.path.name == name:
                return part.path
        return None

    def close(self) -> None:
        """Stop the background writers and remove written files."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._root, ignore_errors=True)

    def _materialize(self, job: ExportJob) -> list[PartFile]:
        tables = list(self._generator.iter_tables(job.org_ids, job.start, job.end))
        table = pa.concat_tables(tables) if tables else EXPORT_SCHEMA.empty_table()
        if table.num_rows == 0:
            return []
        days = (job.end - job.start).total_seconds() / 86_400
        cfg = self._config
        parts = parts_for_window(days, cfg.parts_per_day, cfg.min_parts, cfg.max_parts)
        written = write_parts(table, self._root / job.id, parts, prefix="part")
        if cfg.repeated_rows:
            repeat_last_row(written[0].path)
        if cfg.damaged_rows:
            damage_last_row(written[0].path)
        return written
