"""Write one version of the published copy: every mart as Parquet, and a DuckDB file of views.

Every table or view in the schema `marts` is published, so a mart added to the dbt project is
published without a change here. A large mart is written partitioned by month (a folder per
`usage_month=YYYY-MM`, DuckDB's Hive partitioning), so that a reader filtering on a month reads
only that month; the views give every mart exactly the columns it has in the database.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from loader.errors import LoaderError
from loader.publish.lock import explain_lock_error
from loader.publish.versions import (
    MANIFEST,
    clean_up,
    new_version_name,
    publisher_lock,
    switch_to,
)
from loader.settings import PUBLISH_PARTITION_ROWS, PUBLISHED_DB_NAME

MARTS_SCHEMA = "marts"
# One row per usage row: the mart that grows with usage is always split by month.
ALWAYS_PARTITIONED = frozenset({"fct_job_run_costs"})
PARTITION_DAY_COLUMN = "usage_date"
PARTITION_COLUMN = "usage_month"
log = logging.getLogger("loader")


@dataclass(frozen=True)
class PublishedMart:
    """One mart in a publication."""

    name: str
    rows: int
    path: str  # relative to the version folder
    partitioned: bool


@dataclass(frozen=True)
class Publication:
    """What `publish` wrote."""

    version: str
    folder: Path
    marts: list[PublishedMart]
    deleted: list[str]
    seconds: float


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1",
        [MARTS_SCHEMA],
    ).fetchall()
    return [str(row[0]) for row in rows]


def _columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[tuple[str, str]]:
    """The mart's columns and their DuckDB types, in order."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [MARTS_SCHEMA, mart],
    ).fetchall()
    return [(str(row[0]), str(row[1])) for row in rows]


def _parquet_safe(columns: list[tuple[str, str]]) -> str:
    """The select list that writes every column to Parquet without loss.

    Parquet has no 128-bit integer: DuckDB would write HUGEINT (what `sum` of integers gives)
    as a double, so it is written as DECIMAL(38, 0) and cast back by the view.
    """
    return ", ".join(
        f"cast({_quote(name)} as decimal(38, 0)) as {_quote(name)}"
        if kind in {"HUGEINT", "UHUGEINT"}
        else _quote(name)
        for name, kind in columns
    )


def _write_mart(
    con: duckdb.DuckDBPyConnection, mart: str, folder: Path, partition_rows: int
) -> PublishedMart:
    columns = _columns(con, mart)
    relation = f"{MARTS_SCHEMA}.{_quote(mart)}"
    selected = _parquet_safe(columns)
    rows = int(con.execute(f"select count(*) from {relation}").fetchall()[0][0])
    # an empty mart has no month to partition by: one (empty) file keeps its schema readable
    partitioned = (
        rows > 0
        and PARTITION_DAY_COLUMN in dict(columns)
        and (mart in ALWAYS_PARTITIONED or rows > partition_rows)
    )
    if partitioned:
        target = folder / mart
        month = f"strftime({_quote(PARTITION_DAY_COLUMN)}, '%Y-%m')"
        con.execute(
            f"copy (select {selected}, {month} as {PARTITION_COLUMN} from {relation}) "
            f"to {_literal(str(target))} "
            f"(format parquet, compression zstd, partition_by ({PARTITION_COLUMN}))"
        )
        path = f"{mart}/*/*.parquet"
    else:
        target = folder / f"{mart}.parquet"
        con.execute(
            f"copy (select {selected} from {relation}) to {_literal(str(target))} "
            "(format parquet, compression zstd)"
        )
        path = f"{mart}.parquet"
    return PublishedMart(name=mart, rows=rows, path=path, partitioned=partitioned)


def _scan(folder: Path, mart: PublishedMart) -> str:
    options = ", hive_partitioning = true" if mart.partitioned else ""
    return f"read_parquet({_literal(str(folder / mart.path))}{options})"


def _write_views(
    folder: Path,
    marts: list[PublishedMart],
    columns: dict[str, list[tuple[str, str]]],
    version: str,
) -> None:
    """The DuckDB file of views over the Parquet files, and a table that says what it holds."""
    with duckdb.connect(str(folder / PUBLISHED_DB_NAME)) as views:
        views.execute(f"create schema {MARTS_SCHEMA}")
        for mart in marts:
            # each column cast to its type in the database, so the view has the mart's schema
            selected = ", ".join(
                f"cast({_quote(name)} as {kind}) as {_quote(name)}"
                for name, kind in columns[mart.name]
            )
            views.execute(
                f"create view {MARTS_SCHEMA}.{_quote(mart.name)} as "
                f"select {selected} from {_scan(folder, mart)}"
            )
            count = views.execute(
                f"select count(*) from {MARTS_SCHEMA}.{_quote(mart.name)}"
            ).fetchall()[0][0]
            if count != mart.rows:
                raise LoaderError(
                    f"Publishing {mart.name}: {count} rows read back, {mart.rows} written."
                )
        views.execute(
            "create table main.publication "
            "(version varchar, published_at timestamptz, mart varchar, row_count bigint)"
        )
        views.executemany(
            "insert into main.publication values (?, now(), ?, ?)",
            [[version, mart.name, mart.rows] for mart in marts],
        )
        views.execute("checkpoint")


def publish(
    db: Path, root: Path, *, keep: int, partition_rows: int = PUBLISH_PARTITION_ROWS
) -> Publication:
    """Publish every mart of `db` as a new version under `root` and make it current.

    Nothing becomes visible until the whole version is written and read back; a failure
    deletes the unfinished folder and leaves the current publication as it was.

    Raises:
        LoaderError: The database is missing, has no marts, is locked by a writer, or a mart
            could not be written.
    """
    started = time.monotonic()
    if not db.exists():
        raise LoaderError(f"{db} does not exist: run `make demo` or `make refresh` first.")
    with publisher_lock(root):
        version = new_version_name()
        folder = root / "versions" / version
        folder.mkdir(parents=True)
        try:
            marts, columns = _write_parquet(db, folder, partition_rows)
            _write_views(folder, marts, columns, version)
            manifest = {
                "version": version,
                "published_at": datetime.now(UTC).isoformat(),
                "source": str(db),
                "marts": [asdict(mart) for mart in marts],
            }
            (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        except duckdb.Error as error:
            shutil.rmtree(folder, ignore_errors=True)
            reason = " ".join(str(error).split())
            raise LoaderError(
                f"Publishing failed, the published copy is unchanged: {reason}"
            ) from None
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        switch_to(root, version)
        deleted = clean_up(root, keep)
    return Publication(version, folder, marts, deleted, time.monotonic() - started)


def _write_parquet(
    db: Path, folder: Path, partition_rows: int
) -> tuple[list[PublishedMart], dict[str, list[tuple[str, str]]]]:
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.IOException as error:
        locked = explain_lock_error(db, str(error))
        if locked:
            raise locked from None
        raise LoaderError(f"Cannot open {db}: {' '.join(str(error).split())}") from None
    with con:
        names = _marts(con)
        if not names:
            raise LoaderError(
                f"{db} has no marts yet: build them with `make transform` (or `make demo`)."
            )
        marts = []
        columns = {}
        for name in names:
            columns[name] = _columns(con, name)
            marts.append(_write_mart(con, name, folder, partition_rows))
            log.info("Published %s (%s rows)", name, f"{marts[-1].rows:,}")
    return marts, columns
