"""The order in which `make test`'s two workers take the test modules.

`make test` runs pytest-xdist with two workers, each taking whole modules (`--dist loadfile`,
so a module's own dbt build runs once) in collection order (`--no-loadscope-reorder`). The
modules below take minutes each (a chain of dbt builds; the benchmark's quick run): they go
first, one to each worker, so that neither worker is left with one of them at the end while
the other waits. On a loaded machine they have come close to the 300 s that pytest-timeout
allows a test (pyproject.toml): they get 900 s.
"""

from __future__ import annotations

import pytest

LONG_MODULES = ("tests/dbt/test_incremental.py", "tests/bench/test_bench_runs.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::")[0]
        return LONG_MODULES.index(module) if module in LONG_MODULES else len(LONG_MODULES)

    items.sort(key=rank)  # stable: the other modules keep their order
    for item in items:
        if rank(item) < len(LONG_MODULES):
            item.add_marker(pytest.mark.timeout(900))
