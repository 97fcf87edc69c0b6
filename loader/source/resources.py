"""The dlt resources: usage rows and ledger rows, both yielded as Arrow tables."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TDeleteInsertStrategyDict
from dlt.extract.resource import DltResource

from loader.schema import ROW_ID_COLUMN
from loader.settings import FILES_TABLE, REJECTED_TABLE, USAGE_TABLE, WINDOWS_TABLE
from loader.source.csv_reader import RowIdAssigner, read_export_file
from loader.source.csv_rescue import Rejection
from loader.source.ledger import FileRecord, WindowRecord, files_to_arrow, to_arrow
from loader.source.quarantine import RejectedRow, SourceKey
from loader.source.quarantine import to_arrow as rejected_to_arrow

log = logging.getLogger("loader")


@dataclass
class RowCount:
    """Rows and files read by `usage_job_runs`, filled in while dlt extracts.

    With `total_files` set, each finished file is logged (progress of a long files load).
    """

    rows: int = 0
    files: int = 0
    total_files: int | None = None
    rejected: int = 0
    sources: list[SourceKey] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def file_done(self, path: Path) -> None:
        """Count a finished file and report progress."""
        self.files += 1
        if self.total_files:
            log.info(
                "Read %d/%d files, %s rows (%s)",
                self.files,
                self.total_files,
                f"{self.rows:,}",
                path.name,
            )


WINDOW_KEY = ("org_id", "window_start", "window_end")
# Each load is deduplicated on its way in (`FirstOccurrence`), so dlt's merge can skip its own
# deduplication, a window function over every column that made a large load several times
# slower and costlier in memory. Delete-insert then replaces rows already stored.
USAGE_DISPOSITION: TDeleteInsertStrategyDict = {
    "disposition": "merge",
    "strategy": "delete-insert",
    "deduplicated": True,
}


class FirstOccurrence:
    """Keep the first row of each `usage_row_id` within one load.

    One export holds each key once; a load of several exports (overlapping files on disk)
    can hold a key twice. Memory grows with the keys of one load, which the callers bound.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, table: pa.Table) -> pa.Table:
        """Return `table` without rows whose key this load has already had."""
        keys = table.column(ROW_ID_COLUMN).to_pylist()
        fresh = set(keys)
        if len(fresh) == len(keys) and self._seen.isdisjoint(fresh):
            self._seen |= fresh
            return table
        keep = []
        for key in keys:
            keep.append(key not in self._seen)
            self._seen.add(key)
        return table.filter(pa.array(keep, pa.bool_()))


@dataclass
class ExportParts:
    """Files of one export, and the ledger rows to commit with them.

    `record` is the export window's ledger row (API path); `file_hashes` the content hash of
    each file (files path), recorded in `loaded_files`. `row_ids` numbers identical job-less
    rows across the export's files; pass the same one when an export's files are loaded in
    several batches.
    """

    files: Sequence[Path]
    record: WindowRecord | None = None
    row_ids: RowIdAssigner = field(default_factory=RowIdAssigner)
    file_hashes: Mapping[Path, str] = field(default_factory=dict)

    def source(self, path: Path | None = None) -> SourceKey:
        """Where rows of `path` set aside come from: the file, or the export window."""
        if self.record is None:
            return SourceKey(str(path))
        record = self.record
        return SourceKey(
            f"{record.org_id} {record.window.label()}",
            record.org_id,
            record.window_start,
            record.window_end,
        )


def usage_job_runs(exports: Sequence[ExportParts], count: RowCount | None = None) -> DltResource:
    """Usage rows of export files, merged on `usage_row_id`.

    Args:
        exports: Files grouped by export: the parts of one export share one row-id assigner,
            so identical job-less rows inside an export stay distinct. An export that carries
            a ledger row gets it written after its last row, with its row count, into
            `export_windows` in the same load package: a window's rows and its ledger row
            commit together. Files with a content hash are recorded in `loaded_files` the
            same way.
        count: Filled with the number of rows and files read.
    """
    tally = count if count is not None else RowCount()
    window_hints = dlt.mark.make_hints(
        table_name=WINDOWS_TABLE, write_disposition="merge", primary_key=list(WINDOW_KEY)
    )
    # table variants: without one, dlt would give the usage resource itself these hints, and
    # the usage rows that follow a ledger row would go to the ledger's table
    file_hints = dlt.mark.make_hints(
        table_name=FILES_TABLE, write_disposition="merge", primary_key="file_sha256"
    )
    rejected_hints = dlt.mark.make_hints(
        table_name=REJECTED_TABLE, write_disposition="append", primary_key=[]
    )

    def rows() -> Iterator[Any]:
        first_occurrence = FirstOccurrence()
        for export in exports:
            rows_in_export = 0
            files_read: list[FileRecord] = []
            # a JOB_ID is read once per export: per window on the API path; per file on the
            # files path, where a folder can hold overlapping exports that repeat a job run
            export_jobs: set[str] = set()
            for path in export.files:
                rows_in_file = 0
                rejected: list[Rejection] = []
                jobs = export_jobs if export.record is not None else set()
                for table in read_export_file(
                    path, export.row_ids, rejected=rejected, job_ids=jobs
                ):
                    rows_in_file += table.num_rows
                    table = first_occurrence(table)
                    tally.rows += table.num_rows
                    yield table
                source = export.source(path)
                tally.sources.append(source)
                if rejected:
                    tally.rejected += len(rejected)
                    log.warning(
                        "%s: %d row(s) could not be loaded and were set aside in "
                        "circleci_raw.rejected_rows (first: row %d, %s)",
                        source.source if export.record is None else f"{source.source}, {path.name}",
                        len(rejected),
                        rejected[0].line_number,
                        rejected[0].reason,
                    )
                    yield dlt.mark.with_hints(
                        rejected_to_arrow(
                            [
                                RejectedRow(
                                    source.source,
                                    source.org_id,
                                    source.window_start,
                                    source.window_end,
                                    path.name,
                                    r.line_number,
                                    r.raw_text,
                                    r.reason,
                                    tally.started_at,
                                )
                                for r in rejected
                            ]
                        ),
                        rejected_hints,
                        create_table_variant=True,
                    )
                tally.file_done(path)
                rows_in_export += rows_in_file
                if path in export.file_hashes:
                    files_read.append(
                        FileRecord(
                            export.file_hashes[path],
                            str(path),
                            path.stat().st_size,
                            rows_in_file,
                            datetime.now(UTC),
                        )
                    )
            if files_read:
                yield dlt.mark.with_hints(
                    files_to_arrow(files_read), file_hints, create_table_variant=True
                )
            if export.record is not None:
                export.record.rows = rows_in_export
                export.record.parts = len(export.files)
                yield dlt.mark.with_hints(
                    to_arrow([export.record]), window_hints, create_table_variant=True
                )

    return dlt.resource(
        rows,
        name=USAGE_TABLE,
        write_disposition=USAGE_DISPOSITION,
        primary_key=ROW_ID_COLUMN,
    )


def export_windows(records: Sequence[WindowRecord]) -> DltResource:
    """Ledger rows, merged on (organization, window start, window end)."""

    def rows() -> Iterator[pa.Table]:
        if records:
            yield to_arrow(list(records))

    return dlt.resource(
        rows,
        name=WINDOWS_TABLE,
        write_disposition="merge",
        primary_key=list(WINDOW_KEY),
    )
