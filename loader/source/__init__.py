"""The CircleCI Usage Export as a dlt source.

`usage_export` wires the resources together: the usage rows and the ledger of export windows.
The API path (`loader.circleci_api.load`) calls it once per completed export window with the
parts it downloaded and that window's ledger row; the files path (`python -m loader files`) calls it
with files on disk and their content hashes, recorded in `loaded_files` with their rows. Both
go through the same reader and the same merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import dlt
from dlt.extract.resource import DltResource

from loader.source.ledger import WindowRecord
from loader.source.resources import ExportParts, RowCount, export_windows, usage_job_runs


@dlt.source(name="circleci", max_table_nesting=0)
def usage_export(
    exports: Sequence[ExportParts] = (),
    windows: Sequence[WindowRecord] = (),
    count: RowCount | None = None,
) -> Sequence[DltResource]:
    """The usage export source.

    Args:
        exports: Export files grouped by export (one group per window or folder), each with
            the ledger row to commit along with its rows, if any.
        windows: Ledger rows to record on their own (export jobs created, windows failed).
        count: Filled with the rows and files read from `exports`.
    """
    return (usage_job_runs(exports, count), export_windows(windows))


__all__ = ["usage_export", "ExportParts", "RowCount", "WindowRecord"]
