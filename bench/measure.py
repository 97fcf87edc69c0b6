"""Run a command in its own process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    """One measured process."""

    seconds: float
    peak_rss_mb: float
    stdout: str


def run(command: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Run `command` to completion; fail loudly if it fails.

    Peak memory is the process's own maximum resident set size, from `wait4`, so the
    measurement neither samples nor includes the benchmark itself.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, output)


def median_of(repetitions: int, make_run: Callable[[int], Run]) -> tuple[Run, list[float]]:
    """Run `make_run(i)` `repetitions` times; return the median run and every time."""
    runs = [make_run(i) for i in range(repetitions)]
    times = [r.seconds for r in runs]
    middle = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
    return Run(statistics.median(times), max(r.peak_rss_mb for r in runs), middle.stdout), times
