"""Who holds the database: the one-line error a writer gives when another process has it open.

DuckDB takes an exclusive lock on a database file for a writer and a shared one for readers
(https://duckdb.org/docs/stable/connect/concurrency), and names the holder's process in its
error: "Conflicting lock is held in /usr/bin/python3 (PID 1234)".
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from loader.errors import LoaderError
from loader.publish.paths import published_db_path

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class DatabaseLockedError(LoaderError):
    """Another process holds the database open, so it cannot be written."""


def is_lock_conflict(text: str) -> bool:
    """Whether an error message is DuckDB's conflicting-lock error."""
    return "Conflicting lock is held" in text or "Could not set lock on file" in text


def locked_message(db: Path, text: str) -> str:
    """The one-line explanation of DuckDB's lock error `text` about `db`."""
    found = _HOLDER.search(text)
    holder = (
        f"process {found['pid']} ({Path(found['program']).name})" if found else "another process"
    )
    return (
        f"{db} is locked by {holder}: close it (or stop that process) and run again. "
        f"Readers such as BI tools should open the published copy {published_db_path()} "
        "instead, which a refresh never locks."
    )


def check_writable(db: Path) -> None:
    """Raise a one-line error when another process holds `db` open.

    A database that does not exist yet is writable. The check opens and closes the file for
    writing; a reader that opens it right after still makes the write fail, with the same
    message through `explain_lock_error`.

    Raises:
        DatabaseLockedError: Another process (a BI tool, a notebook, a second refresh) has it.
    """
    if not db.exists():
        return
    try:
        duckdb.connect(str(db)).close()
    except duckdb.IOException as error:
        if is_lock_conflict(str(error)):
            raise DatabaseLockedError(locked_message(db, str(error))) from None
        raise


def explain_lock_error(db: Path, text: str) -> DatabaseLockedError | None:
    """The one-line error for `text` if it is DuckDB's lock error, else None."""
    return DatabaseLockedError(locked_message(db, text)) if is_lock_conflict(text) else None
