"""Expensive session fixtures made once per test run, also when pytest-xdist runs several workers.

`make test` runs the tests in two worker processes (pytest-xdist). A session-scoped fixture is
made once per worker, so a dbt build that every dbt test module reads would be built twice.
`made_once` makes it once: the first worker to ask builds it in the folder the workers of the
run share (the parent of their temporary folders), under a file lock, and writes what it
returns as JSON; the others wait for the lock and read it. This is the recipe of pytest-xdist's
documentation ("Making session-scoped fixtures execute only once"), with the standard
library's `fcntl.flock` in place of the filelock package. Without xdist it simply makes it.
What it makes must not be changed by the tests: they copy it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def made_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], dict[str, Any]]
) -> dict[str, Any]:
    """`make(folder)` run once per test run (JSON-serialisable result), shared by all workers."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, one per run
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        result = shared / f"{name}.json"
        if not result.exists():  # a worker whose make() failed wrote nothing: try again
            folder = shared / name
            folder.mkdir(exist_ok=True)
            result.write_text(json.dumps(make(folder)))
        loaded: dict[str, Any] = json.loads(result.read_text())
        return loaded
