"""Versions of the published copy: a new folder per publication, one atomic pointer swap.

The layout under the publish folder::

    versions/v20261202T053000123456Z/   one complete publication (Parquet + views + manifest)
    current -> versions/v...            symlink, replaced atomically by rename(2)
    circleci_costs.duckdb -> current/circleci_costs.duckdb

A reader resolves `current` when it opens a file, so it sees one whole version: the file it
holds open keeps pointing at its own version's Parquet (the views use absolute paths), while
the next version appears beside it. Old versions are deleted only when no process holds their
DuckDB file open (DuckDB keeps a shared lock on a file it reads), and a few are always kept for
readers of the Parquet files, who hold no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from loader.publish.paths import CURRENT, VERSIONS
from loader.settings import PUBLISHED_DB_NAME

MANIFEST = "manifest.json"
log = logging.getLogger("loader")


def new_version_name(now: datetime | None = None) -> str:
    """A version folder name that sorts by publication time (UTC, microseconds)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("v%Y%m%dT%H%M%S%fZ")


@contextlib.contextmanager
def publisher_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the publish folder so that two publications never interleave."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".publish.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _point(link: Path, target: str) -> None:
    """Make `link` a symlink to `target`, atomically: a reader sees the old link or the new."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def switch_to(root: Path, version: str) -> None:
    """Make `version` the current publication (one rename) and keep the DuckDB link in place."""
    _point(root / CURRENT, f"{VERSIONS}/{version}")
    db_link = root / PUBLISHED_DB_NAME
    wanted = f"{CURRENT}/{PUBLISHED_DB_NAME}"
    if not (db_link.is_symlink() and os.readlink(db_link) == wanted):
        _point(db_link, wanted)


def current_version(root: Path) -> str | None:
    """The name of the current version, or None before the first publication."""
    link = root / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


def delete_unless_in_use(version_dir: Path) -> bool:
    """Delete a version folder unless a process holds its DuckDB file open; True if deleted.

    DuckDB locks a whole database file with fcntl (a shared lock for a reader). An exclusive
    lock on the same file fails while any other process reads it; held during the deletion, it
    also keeps a reader from opening the file half-deleted.
    """
    db = version_dir / PUBLISHED_DB_NAME
    if not db.exists():
        shutil.rmtree(version_dir, ignore_errors=True)
        return True
    # an exclusive fcntl lock needs a descriptor open for writing; nothing is written
    with open(db, "r+b") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        shutil.rmtree(version_dir, ignore_errors=True)
    return True


def clean_up(root: Path, keep: int) -> list[str]:
    """Delete old versions: keep the current one, the `keep` newest before it, any in use.

    An unfinished version (no manifest) older than the current one is a publication that
    failed; it is deleted too. Returns the names deleted.
    """
    current = current_version(root)
    folder = root / VERSIONS
    if current is None or not folder.is_dir():
        return []
    older = sorted((p for p in folder.iterdir() if p.is_dir() and p.name < current), reverse=True)
    complete = [p for p in older if (p / MANIFEST).exists()]
    kept = set(complete[:keep])
    deleted = []
    for path in older:
        if path in kept:
            continue
        if delete_unless_in_use(path):
            deleted.append(path.name)
        else:
            log.info("Keeping published version %s: a reader has it open", path.name)
    return deleted
