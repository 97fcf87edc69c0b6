"""Load export files already on disk (`python -m loader files`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from loader import usage_export
from loader.csv_reader import RowIdAssigner, check_header, find_export_files
from loader.pipeline import create_pipeline, finish_pending, run
from loader.resources import ExportParts, RowCount
from loader.settings import FILES_BATCH_BYTES

log = logging.getLogger("loader")


@dataclass
class FilesSummary:
    """What `load_files` did."""

    files: int
    rows: int
    seconds: float


def load_files(
    paths: list[str | Path], db_path: Path, batch_bytes: int = FILES_BATCH_BYTES
) -> FilesSummary:
    """Load `.csv`/`.csv.gz` export files (or folders of them) into `circleci_raw`.

    Files in one folder are treated as the parts of one export (they share the numbering of
    identical job-less rows). Every header is checked before anything is loaded; the files
    are then committed in batches of about `batch_bytes` on disk, merged on `usage_row_id`,
    so memory stays bounded however many files there are, and a failure keeps the batches
    already committed (loading the same files again is harmless).

    Raises:
        FileFormatError: A path is missing or a file is not a usage export.
    """
    started = time.monotonic()
    files = find_export_files(paths)
    for path in files:
        check_header(path)
    batches = plan_batches(files, batch_bytes)
    log.info("Loading %d file(s) into %s in %d batch(es)", len(files), db_path, len(batches))
    pipeline = create_pipeline(db_path)
    finish_pending(pipeline)
    count = RowCount(total_files=len(files))
    for batch in batches:
        run(pipeline, usage_export(exports=batch, count=count))
    return FilesSummary(files=count.files, rows=count.rows, seconds=time.monotonic() - started)


def plan_batches(files: list[Path], batch_bytes: int) -> list[list[ExportParts]]:
    """Cut the files into loads of about `batch_bytes`, keeping each folder's numbering."""
    assigners = {folder: RowIdAssigner() for folder in dict.fromkeys(p.parent for p in files)}
    batches: list[list[Path]] = [[]]
    size = 0
    for path in files:
        file_bytes = path.stat().st_size
        if batches[-1] and size + file_bytes > batch_bytes:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += file_bytes
    return [
        [
            ExportParts(list(group), row_ids=assigners[folder])
            for folder, group in groupby(batch, key=lambda p: p.parent)
        ]
        for batch in batches
    ]
