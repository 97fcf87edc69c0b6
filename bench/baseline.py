"""The physical baseline: DuckDB's own best equivalent of the loader's files path.

`python -m bench.baseline FOLDER DB` reads every gzip CSV part with DuckDB's `read_csv`
(multi-threaded, typed, `\\N` as NULL) into a table keyed on the usage row id (the job id, or
a hash of the row where there is none) with `INSERT OR REPLACE`: what a careful engineer
would write by hand with DuckDB alone, without dlt, a ledger or a merge history.
"""

from __future__ import annotations

import sys
import time

import duckdb

from loader.schema import CREDITS, EXPORT_COLUMNS, TIMESTAMP

_TYPES = {"string": "VARCHAR", "date32[day]": "DATE", "int64": "BIGINT", "bool": "BOOLEAN"}


def duckdb_type(arrow_type: object) -> str:
    """The DuckDB type of an export column."""
    if arrow_type == TIMESTAMP:
        return "TIMESTAMP"
    if arrow_type == CREDITS:
        return "DECIMAL(38, 9)"
    if str(arrow_type) == "double":
        return "DOUBLE"
    return _TYPES[str(arrow_type)]


def load(folder: str, database: str) -> int:
    """Load every `*.csv.gz` under `folder` into `database`; return the rows stored."""
    columns = ", ".join(f"'{c}': '{duckdb_type(t)}'" for c, t in EXPORT_COLUMNS.items())
    names = ", ".join(EXPORT_COLUMNS)
    definitions = ", ".join(f"{c.lower()} {duckdb_type(t)}" for c, t in EXPORT_COLUMNS.items())
    key = f"case when JOB_ID is null then md5(concat_ws('|', {names})) else JOB_ID end"
    with duckdb.connect(database) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create table usage ({definitions}, usage_row_id varchar primary key)")
        con.execute(
            f"insert or replace into usage select {names}, {key} from read_csv("
            f"'{folder}/**/*.csv.gz', header = true, nullstr = '\\N', quote = '\"', escape = '\"', "
            f"columns = {{{columns}}}, timestampformat = '%Y-%m-%d %H:%M:%S.%g')"
        )
        return int(con.sql("select count(*) from usage").fetchall()[0][0])


if __name__ == "__main__":
    started = time.perf_counter()
    rows = load(sys.argv[1], sys.argv[2])
    print(f"{rows} rows in {time.perf_counter() - started:.2f} s")
