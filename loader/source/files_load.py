"""Load export files already on disk (`python -m loader files`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from loader.settings import FILES_BATCH_BYTES
from loader.source import usage_export
from loader.source.csv_reader import RowIdAssigner, check_header, find_export_files
from loader.source.fingerprints import file_sha256, files_to_load
from loader.source.ledger import read_loaded_files
from loader.source.pipeline import create_pipeline, finish_pending, run
from loader.source.quarantine import clear_replaced
from loader.source.resources import ExportParts, RowCount

log = logging.getLogger("loader")


@dataclass
class FilesSummary:
    """What `load_files` did."""

    files: int
    rows: int
    seconds: float
    skipped: int = 0
    rejected: int = 0


def load_files(
    paths: list[str | Path],
    db_path: Path,
    batch_bytes: int = FILES_BATCH_BYTES,
    force: bool = False,
) -> FilesSummary:
    """Load `.csv`/`.csv.gz` export files (or folders of them) into `circleci_raw`.

    Files in one folder are treated as the parts of one export (they share the numbering of
    identical job-less rows). Every header is checked before anything is loaded; the files
    are then committed in batches of about `batch_bytes` on disk, merged on `usage_row_id`,
    so memory stays bounded however many files there are, and a failure keeps the batches
    already committed (loading the same files again is harmless). A file whose exact content
    was loaded before (`circleci_raw.loaded_files`) is skipped unless `force` is set, so a
    folder that collects a new export every day loads only what is new.

    Raises:
        FileFormatError: A path is missing or a file is not a usage export.
    """
    started = time.monotonic()
    files = find_export_files(paths)
    for path in files:
        check_header(path)
    pipeline = create_pipeline(db_path)
    finish_pending(pipeline)
    hashes = {path: file_sha256(path) for path in files}
    known = set() if force else read_loaded_files(pipeline)
    todo = files_to_load(files, hashes, known)
    batches = plan_batches(todo, batch_bytes, hashes) if todo else []
    log.info("Loading %d file(s) into %s in %d batch(es)", len(todo), db_path, len(batches))
    count = RowCount(total_files=len(todo))
    for batch in batches:
        done = len(count.sources)
        run(pipeline, usage_export(exports=batch, count=count))
        # these files are loaded again: what they set aside before goes
        clear_replaced(pipeline, count.sources[done:], count.started_at)
    return FilesSummary(
        files=count.files,
        rows=count.rows,
        seconds=time.monotonic() - started,
        skipped=len(files) - len(todo),
        rejected=count.rejected,
    )


def plan_batches(
    files: list[Path], batch_bytes: int, hashes: Mapping[Path, str] | None = None
) -> list[list[ExportParts]]:
    """Cut the files into loads of about `batch_bytes`, keeping each folder's numbering.

    With `hashes` (each file's content hash), every file is recorded in `loaded_files` in the
    same load as its rows.
    """
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
            ExportParts(list(group), row_ids=assigners[folder], file_hashes=hashes or {})
            for folder, group in groupby(batch, key=lambda p: p.parent)
        ]
        for batch in batches
    ]
