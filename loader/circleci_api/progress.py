"""Progress of long loads: windows done, in flight and waiting, and rows loaded."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

from loader.settings import PROGRESS_SECONDS
from loader.states import FAILED

log = logging.getLogger("loader")


class _Task(Protocol):
    org_id: str
    state: str
    rows: int


class Progress:
    """Logs a status line when the numbers change, at most every `interval` seconds."""

    def __init__(
        self, interval: float = PROGRESS_SECONDS, clock: Callable[[], float] = time.monotonic
    ):
        self._interval = interval
        self._clock = clock
        self._last_line = ""
        self._last_time = -interval

    def __call__(self, tasks: Sequence[_Task]) -> None:
        """Report the state of `tasks` (called by the runner on every change)."""
        line = self.line(tasks)
        final = all(t.state not in ("waiting", "exporting") for t in tasks)
        now = self._clock()
        if line != self._last_line and (final or now - self._last_time >= self._interval):
            log.info("%s", line)
            self._last_line, self._last_time = line, now

    @staticmethod
    def line(tasks: Sequence[_Task]) -> str:
        """One line: windows by state and rows loaded, per organization when there are several."""
        parts = []
        orgs = list(dict.fromkeys(t.org_id for t in tasks))
        for org_id in orgs:
            mine = [t for t in tasks if t.org_id == org_id]
            states = Counter(t.state for t in mine)
            text = (
                f"{states['done']}/{len(mine)} windows loaded, {states['exporting']} in flight, "
                f"{states['waiting']} waiting"
            )
            if states[FAILED]:
                text += f", {states[FAILED]} failed"
            if states["skipped"]:
                text += f", {states['skipped']} skipped"
            text += f"; {sum(t.rows for t in mine):,} rows"
            parts.append(f"{org_id[:8]}: {text}" if len(orgs) > 1 else text)
        return " | ".join(parts)
