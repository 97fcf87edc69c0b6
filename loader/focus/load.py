"""`python -m loader focus PATH...`: load cloud FOCUS cost exports into `focus_raw`.

Each file (CSV, gzip CSV or Parquet; FOCUS 1.0 to 1.2 from AWS, Azure, Google Cloud, Oracle)
is read by DuckDB, its columns matched to FOCUS 1.2's by name (any case, 1.0-preview names
too: see loader.focus.columns) and typed: costs, prices and quantities exact DECIMAL(38, 18),
periods UTC timestamps, Tags a JSON object, every other column (x_, oci_, ...) kept in one JSON
object, `provider_columns`. dlt writes the rows to `focus_raw.charges`, merged on the file's
SHA-256 and the row's number, and the file to `focus_raw.loaded_focus_files`: a file loaded
before with the same content is skipped, a second load changes nothing.

A row whose cost or period cannot be read goes to `focus_raw.rejected_charges` with the
reason; it never stops the rest. A file that is not FOCUS stops the command before anything is
loaded, with one line naming the file and the missing column.

Providers re-issue a billing period when its charges change (a refreshed export overwrites
the period's files). So the charges of a (provider, billing account, billing period) that this
command loads replace those stored from files it was not given: load a period's files together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pyarrow as pa

from loader.errors import ConfigurationError, FileFormatError, LoaderError
from loader.focus.columns import (
    DECIMAL,
    FOCUS_COLUMNS,
    JSON_TEXT,
    REQUIRED,
    TIMESTAMP,
    canonical_name,
    detect_version,
    snake_case,
)
from loader.settings import (
    FOCUS_DATASET,
    FOCUS_FILES_TABLE,
    FOCUS_TABLE,
    PIPELINE_NAME,
    PROGRESS_SECONDS,
)
from loader.source.fingerprints import file_sha256, files_to_load
from loader.source.pipeline import create_pipeline, finish_pending, run

log = logging.getLogger("loader")

SUFFIXES = (".csv", ".csv.gz", ".parquet")
FOCUS_PIPELINE = f"{PIPELINE_NAME}_focus"
REJECTED_TABLE = "rejected_charges"


@dataclass
class FocusSummary:
    """What `load_focus_files` did."""

    files: int
    rows: int
    rejected: int
    seconds: float
    skipped: int = 0


@dataclass
class FocusFile:
    """One export file, read and typed."""

    path: Path
    sha256: str
    version: str
    charges: pa.Table
    rejected: pa.Table
    partitions: set[tuple[Any, Any, Any]] = field(default_factory=set)


def find_focus_files(paths: list[Path]) -> list[Path]:
    """The export files named by `paths` (files, or folders searched recursively), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.name.endswith(SUFFIXES)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigurationError(f"{path} does not exist: give FOCUS export files or folders.")
    if not found:
        raise ConfigurationError(
            f"no FOCUS export files ({', '.join(SUFFIXES)}) in {', '.join(map(str, paths))}."
        )
    return found


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _scan(path: Path) -> str:
    literal = "'" + str(path).replace("'", "''") + "'"
    if path.name.endswith(".parquet"):
        return f"read_parquet({literal})"
    # every CSV field as text: the types are FOCUS's, decided below, not guessed per file
    return f"read_csv({literal}, header = true, all_varchar = true, auto_detect = true)"


def _typed(column: str, source_type: str, target: str) -> str:
    """The SQL expression reading `column` (of `source_type`) as `target`."""
    text = f"nullif(trim(cast({column} as varchar)), '')"
    if target == DECIMAL:
        return f"try_cast({text} as {DECIMAL})"
    if target == TIMESTAMP:
        if source_type.startswith("TIMESTAMP"):
            return f"cast({column} as timestamptz)"
        return f"try_cast({text} as timestamptz)"
    if target == JSON_TEXT:
        if source_type.startswith("MAP"):
            return f"cast(to_json({column}) as varchar)"
        if source_type.startswith("STRUCT") and "[]" in source_type:
            # BigQuery's repeated key/value records
            return (
                "cast(to_json(map_from_entries(list_transform("
                f"{column}, lambda tag: struct_pack(k := tag.key, v := tag.value)))) as varchar)"
            )
        if source_type.startswith("STRUCT"):
            return f"cast(to_json({column}) as varchar)"
        return f"case when json_valid({text}) then {text} end"
    return text


def read_focus_file(path: Path, sha256: str) -> FocusFile:
    """Read one export file into typed charges and rejected rows.

    Raises:
        FileFormatError: the file cannot be read, or it lacks a column FOCUS requires.
    """
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        scan = _scan(path)
        try:
            described = con.execute(f"describe select * from {scan}").fetchall()
        except duckdb.Error as error:
            kind = "Parquet" if path.name.endswith(".parquet") else "CSV"
            raise FileFormatError(
                f"{path}: cannot be read as {kind} ({str(error).splitlines()[0]}); "
                "give FOCUS exports (.csv, .csv.gz, .parquet)."
            ) from None
        headers = {str(row[0]): str(row[1]) for row in described}
        matched: dict[str, str] = {}
        for header in headers:
            name = canonical_name(header)
            # an exact FOCUS name wins over a 1.0-preview alias of the same column
            if name and (name not in matched or header == name):
                matched[name] = header
        for required in REQUIRED:
            if required not in matched:
                raise FileFormatError(
                    f"{path}: not a FOCUS cost export: column {required} is missing "
                    f"(FOCUS 1.0 to 1.2 require it; the file has {len(headers)} column(s))."
                )
        version = detect_version(set(matched), set(headers))
        extra = [h for h in headers if h not in matched.values()]
        selects = []
        for name, target in FOCUS_COLUMNS.items():
            if name in matched:
                header = matched[name]
                selects.append(
                    f"{_typed(_quote(header), headers[header], target)} as {snake_case(name)}"
                )
            else:
                null_type = "varchar" if target == JSON_TEXT else target
                selects.append(f"cast(null as {null_type}) as {snake_case(name)}")
        extra_json = (
            "cast(to_json(struct_pack("
            + ", ".join(f"{_quote(h)} := cast({_quote(h)} as varchar)" for h in extra)
            + ")) as varchar)"
            if extra
            else "'{}'"
        )
        problems = []
        for name in REQUIRED:
            header = _quote(matched[name])
            typed = snake_case(name)
            expected = {DECIMAL: "a number", TIMESTAMP: "a UTC date/time"}.get(
                FOCUS_COLUMNS[name], "a value"
            )
            problems.append(
                f"when {typed} is null then '{name}: ' || coalesce("
                f"'\"' || left(nullif(trim(cast({header} as varchar)), ''), 60)"
                f" || '\" is not {expected}'"
                ", 'missing')"
            )
        query = f"""
            with source as (
                select *, row_number() over () as source_row from {scan}
            ),
            typed as (
                select
                    '{sha256}' as source_sha256,
                    source_row,
                    '{str(path).replace("'", "''")}' as source_file,
                    '{version}' as focus_version,
                    {", ".join(selects)},
                    {extra_json} as provider_columns,
                    {", ".join(_quote(h) for h in (matched[n] for n in REQUIRED))}
                from source
            )
            select
                * exclude ({", ".join(_quote(matched[n]) for n in REQUIRED)}),
                case {" ".join(problems)} end as problem
            from typed
        """
        try:
            result = con.sql(query).to_arrow_table()
        except duckdb.Error as error:
            raise FileFormatError(
                f"{path}: cannot be read ({str(error).splitlines()[0]})."
            ) from None
    finally:
        con.close()
    # one schema for every file, as dlt's hints have it (only the merge key is not null)
    keys = ("source_sha256", "source_row")
    table: pa.Table = result.cast(
        pa.schema([f.with_nullable(f.name not in keys) for f in result.schema])
    )
    bad = pa.compute.is_valid(table["problem"])
    charges = table.filter(pa.compute.invert(bad)).drop_columns(["problem"])
    rejected = table.filter(bad).select(["source_sha256", "source_row", "source_file", "problem"])
    partitions = {
        (p, a, s)
        for p, a, s in zip(
            charges["provider_name"].to_pylist(),
            charges["billing_account_id"].to_pylist(),
            charges["billing_period_start"].to_pylist(),
            strict=True,
        )
    }
    return FocusFile(path, sha256, version, charges, rejected, partitions)


def _read_loaded(pipeline: dlt.Pipeline) -> set[str]:
    try:
        with pipeline.sql_client() as client:
            rows = client.execute_sql(f"select sha256 from {FOCUS_FILES_TABLE}")
    except Exception:  # noqa: BLE001 - no table yet: nothing loaded
        return set()
    return {str(row[0]) for row in rows or []}


@dlt.source(name="focus", max_table_nesting=0)
def focus_source(files: list[FocusFile]) -> Any:
    """The charges, the rejected rows and the ledger of `files`, as one load."""

    @dlt.resource(
        name=FOCUS_TABLE, write_disposition="merge", primary_key=("source_sha256", "source_row")
    )
    def charges() -> Iterator[pa.Table]:
        for focus_file in files:
            if focus_file.charges.num_rows:
                yield focus_file.charges

    @dlt.resource(
        name=REJECTED_TABLE,
        write_disposition="merge",
        primary_key=("source_sha256", "source_row"),
    )
    def rejected() -> Iterator[pa.Table]:
        for focus_file in files:
            if focus_file.rejected.num_rows:
                yield focus_file.rejected

    @dlt.resource(name=FOCUS_FILES_TABLE, write_disposition="merge", primary_key="sha256")
    def ledger() -> Iterator[dict[str, Any]]:
        for focus_file in files:
            yield {
                "sha256": focus_file.sha256,
                "path": str(focus_file.path),
                "focus_version": focus_file.version,
                "charges": focus_file.charges.num_rows,
                "rejected": focus_file.rejected.num_rows,
                "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }

    return charges, rejected, ledger


def _replace_superseded(
    db_path: Path, partitions: set[tuple[Any, Any, Any]], current: set[str]
) -> int:
    """Delete the charges of `partitions` that came from files other than `current`."""
    if not partitions:
        return 0
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.IOException as error:
        raise LoaderError(
            f"the charges are loaded, but {db_path} could not be opened to drop those the new "
            f"files replace ({str(error).splitlines()[0]}); run the same command again with "
            "--force."
        ) from None
    with con:
        con.execute("set timezone = 'UTC'")
        con.execute("create temp table touched (provider varchar, account varchar, period varchar)")
        con.executemany("insert into touched values (?, ?, ?)", [list(p) for p in partitions])
        con.execute("create temp table current_files (sha256 varchar)")
        con.executemany("insert into current_files values (?)", [[s] for s in sorted(current)])
        deleted = con.execute(
            f"""delete from {FOCUS_DATASET}.{FOCUS_TABLE} as charges
                using touched
                where charges.provider_name is not distinct from touched.provider
                    and charges.billing_account_id is not distinct from touched.account
                    and charges.billing_period_start is not distinct from touched.period
                    and charges.source_sha256 not in (select sha256 from current_files)"""
        ).fetchone()
    return int(deleted[0]) if deleted else 0


def load_focus_files(paths: list[Path], db_path: Path, force: bool = False) -> FocusSummary:
    """Load FOCUS export files (or folders of them) into `focus_raw.charges`.

    Every file is read and checked before anything is written; one load then writes them
    all with the ledger, and replaces what earlier files held for the same billing periods.

    Raises:
        ConfigurationError: a path is missing or holds no export file.
        FileFormatError: a file is not FOCUS (the message names the file and the column).
    """
    started = time.monotonic()
    found = find_focus_files(paths)
    hashes = {path: file_sha256(path) for path in found}
    pipeline = create_pipeline(db_path, FOCUS_PIPELINE, FOCUS_DATASET)
    finish_pending(pipeline)
    known = set() if force else _read_loaded(pipeline)
    todo = files_to_load(found, hashes, known)
    files = []
    last_line = -PROGRESS_SECONDS
    for number, path in enumerate(todo, 1):
        focus_file = read_focus_file(path, hashes[path])
        files.append(focus_file)
        # One line per file would bury the rest of the log on a folder of monthly files: a
        # line every few seconds, always the last file and any file with rejected rows.
        now = time.monotonic()
        shown = (
            number == len(todo)
            or focus_file.rejected.num_rows
            or now - last_line >= PROGRESS_SECONDS
        )
        (log.info if shown else log.debug)(
            "Read %s (%d/%d): FOCUS %s, %s charge(s)%s",
            path,
            number,
            len(todo),
            focus_file.version,
            f"{focus_file.charges.num_rows:,}",
            f", {focus_file.rejected.num_rows:,} rejected" if focus_file.rejected.num_rows else "",
        )
        if shown:
            last_line = now
    rows = sum(f.charges.num_rows for f in files)
    rejected = sum(f.rejected.num_rows for f in files)
    if files:
        run(pipeline, focus_source(files))
        partitions = set().union(*(f.partitions for f in files))
        replaced = _replace_superseded(db_path, partitions, set(hashes.values()))
        if replaced:
            log.info(
                "Replaced %s charge(s) of earlier files for the same billing periods",
                f"{replaced:,}",
            )
    if rejected:
        log.warning(
            "%s row(s) could not be read: see %s.%s", f"{rejected:,}", FOCUS_DATASET, REJECTED_TABLE
        )
    return FocusSummary(
        files=len(files),
        rows=rows,
        rejected=rejected,
        seconds=time.monotonic() - started,
        skipped=len(found) - len(todo),
    )
