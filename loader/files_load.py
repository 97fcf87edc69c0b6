"""Load export files already on disk (`python -m loader files`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from loader import usage_export
from loader.csv_reader import find_export_files
from loader.pipeline import create_pipeline, finish_pending, run
from loader.resources import ExportParts, RowCount

log = logging.getLogger("loader")


@dataclass
class FilesSummary:
    """What `load_files` did."""

    files: int
    rows: int
    seconds: float


def load_files(paths: list[str | Path], db_path: Path) -> FilesSummary:
    """Load `.csv`/`.csv.gz` export files (or folders of them) into `circleci_raw`.

    Files in one folder are treated as the parts of one export (they share the numbering of
    identical job-less rows); all files are committed together, merged on `usage_row_id`.

    Raises:
        FileFormatError: A path is missing or a file is not a usage export; nothing is loaded.
    """
    started = time.monotonic()
    files = find_export_files(paths)
    exports = [ExportParts(list(group)) for _, group in groupby(files, key=lambda p: p.parent)]
    log.info("Loading %d file(s) into %s", len(files), db_path)
    pipeline = create_pipeline(db_path)
    finish_pending(pipeline)
    count = RowCount(total_files=len(files))
    run(pipeline, usage_export(exports=exports, count=count))
    return FilesSummary(files=count.files, rows=count.rows, seconds=time.monotonic() - started)
