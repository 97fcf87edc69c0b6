"""`python -m loader export focus`: write marts.focus_circleci_costs as FOCUS files.

One file per billing period (UTC calendar month), named `focus_circleci_costs_<YYYY-MM>` with
the format's suffix, so a FinOps tool can ingest a month at a time and a re-export replaces a
month whole. Each file is written beside its final name and renamed into place: a reader never
sees half a file, and a failed export leaves the previous files as they were.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from loader.errors import ConfigurationError, LoaderError
from loader.settings import FOCUS_MART

log = logging.getLogger("loader")

FORMATS = ("parquet", "csv")
FILE_STEM = "focus_circleci_costs"


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    files: list[Path]
    rows: int
    seconds: float


def _connect(db: Path) -> duckdb.DuckDBPyConnection:
    if not db.exists():
        raise ConfigurationError(
            f"{db} does not exist: run `make demo` or `make refresh` first, or pass --db."
        )
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.IOException as error:
        raise LoaderError(
            f"cannot open {db} ({str(error).splitlines()[0]}); if a load or dbt build is "
            "running, wait for it to finish and try again."
        ) from None
    found = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'marts' and table_name = 'focus_circleci_costs'"
    ).fetchone()
    if not found or not found[0]:
        con.close()
        raise ConfigurationError(
            f"{db} has no {FOCUS_MART}: build the marts first (`make transform`)."
        )
    return con


def _select(file_format: str, con: duckdb.DuckDBPyConnection) -> str:
    """The mart's columns in order; for CSV, times as FOCUS's `YYYY-MM-DDTHH:mm:ssZ`."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and table_name = 'focus_circleci_costs'"
        " order by ordinal_position"
    ).fetchall()
    parts = []
    for name, data_type in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        if file_format == "csv" and str(data_type).startswith("TIMESTAMP"):
            parts.append(f"strftime({quoted} at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as {quoted}")
        else:
            parts.append(quoted)
    return ", ".join(parts)


def export_focus(db: Path, out: Path, file_format: str) -> ExportSummary:
    """Write the FOCUS rows of `db` into `out`, one file per billing period.

    Args:
        db: the DuckDB file holding marts.focus_circleci_costs.
        out: the folder to write into (created if missing).
        file_format: `parquet` or `csv`.

    Returns:
        The files written, the rows in them and the time taken.

    Raises:
        ConfigurationError: the database or the mart is missing, or the format is unknown.
        LoaderError: the database is locked or the folder cannot be written.
    """
    if file_format not in FORMATS:
        raise ConfigurationError(f"unknown format {file_format!r}: use {' or '.join(FORMATS)}.")
    started = time.monotonic()
    con = _connect(db)
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LoaderError(
                f"cannot create {out}: {error.strerror}; pass another --out."
            ) from None
        periods: list[date] = [
            row[0]
            for row in con.execute(
                "select distinct cast(\"BillingPeriodStart\" at time zone 'UTC' as date)"
                f" from {FOCUS_MART} order by 1"
            ).fetchall()
        ]
        select = _select(file_format, con)
        options = "format parquet, compression zstd" if file_format == "parquet" else "header"
        files: list[Path] = []
        rows = 0
        for period in periods:
            target = out / f"{FILE_STEM}_{period:%Y-%m}.{file_format}"
            partial = target.with_name(f".{target.name}.partial")
            query = (
                f"select {select} from {FOCUS_MART}"
                f" where cast(\"BillingPeriodStart\" at time zone 'UTC' as date) = date '{period}'"
                ' order by "ChargePeriodStart", "BillingAccountId", "ResourceId", "SkuId",'
                ' "x_WorkflowName", "x_JobName", "x_ResourceClass", "x_Team"'
            )
            try:
                written = con.execute(
                    f"copy ({query}) to '{_sql_path(partial)}' ({options})"
                ).fetchone()
                os.replace(partial, target)
            except (duckdb.IOException, OSError) as error:
                partial.unlink(missing_ok=True)
                raise LoaderError(
                    f"cannot write {target}: {str(error).splitlines()[0]}; check the folder."
                ) from None
            count = int(written[0]) if written else 0
            rows += count
            files.append(target)
            log.info("Wrote %s (%s rows)", target, f"{count:,}")
    finally:
        con.close()
    return ExportSummary(files=files, rows=rows, seconds=time.monotonic() - started)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
