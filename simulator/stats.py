"""What the simulator saw: request counts, downloads, concurrency, and a request log."""

from __future__ import annotations

import copy
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RequestRecord:
    """One request, with its query string stripped (download signatures are never kept)."""

    at: datetime
    method: str
    path: str
    status: int | None  # None: the connection was dropped without a response
    org_id: str | None


@dataclass
class SimulatorStats:
    """A snapshot of the simulator's counters (see `Simulator.stats`).

    Attributes:
        api_requests: API requests by (org id, method, status); status 0 = dropped.
        download_responses: download requests by status (0 = dropped).
        downloads: complete, successful part downloads.
        download_bytes: bytes of part bodies sent.
        exports_created: exports created.
        max_concurrent_exports: most exports in flight at once (created, and no GET has yet
            returned them completed or failed), over all organizations.
        max_concurrent_exports_by_org: the same per organization.
        credential_leaks: download paths requested with a Circle-Token or Authorization header.
        requests: every request in order.
    """

    api_requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    download_responses: Counter[int] = field(default_factory=Counter)
    downloads: int = 0
    download_bytes: int = 0
    exports_created: int = 0
    max_concurrent_exports: int = 0
    max_concurrent_exports_by_org: dict[str, int] = field(default_factory=dict)
    credential_leaks: list[str] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)

    def count(
        self, org_id: str | None = None, method: str | None = None, status: int | None = None
    ) -> int:
        """Return how many API requests match all the given filters.

        Args:
            org_id: organization id.
            method: "GET" or "POST".
            status: HTTP status (0 = dropped).

        Returns:
            The number of requests.
        """
        return sum(
            n
            for (o, m, s), n in self.api_requests.items()
            if org_id in (None, o) and method in (None, m) and status in (None, s)
        )


class StatsRecorder:
    """Thread-safe recorder behind `SimulatorStats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats = SimulatorStats()
        self._in_flight: dict[str, set[str]] = {}

    def request(self, record: RequestRecord, api: bool) -> None:
        """Count a finished request (API or download)."""
        with self._lock:
            self._stats.requests.append(record)
            status = record.status or 0
            if api:
                self._stats.api_requests[(record.org_id or "", record.method, status)] += 1
            else:
                self._stats.download_responses[status] += 1

    def download(self, sent_bytes: int, complete: bool) -> None:
        """Count the bytes of a part body sent, and whether the part was sent whole."""
        with self._lock:
            self._stats.download_bytes += sent_bytes
            if complete:
                self._stats.downloads += 1

    def credential_leak(self, path: str) -> None:
        """Note a download request that carried a token."""
        with self._lock:
            self._stats.credential_leaks.append(path)

    def export_created(self, org_id: str, export_id: str) -> None:
        """Note a new export in flight."""
        with self._lock:
            self._stats.exports_created += 1
            self._in_flight.setdefault(org_id, set()).add(export_id)
            total = sum(len(s) for s in self._in_flight.values())
            s = self._stats
            s.max_concurrent_exports = max(s.max_concurrent_exports, total)
            by_org = s.max_concurrent_exports_by_org
            by_org[org_id] = max(by_org.get(org_id, 0), len(self._in_flight[org_id]))

    def export_finished(self, org_id: str, export_id: str) -> None:
        """Note that a GET returned an export completed or failed."""
        with self._lock:
            self._in_flight.get(org_id, set()).discard(export_id)

    def snapshot(self) -> SimulatorStats:
        """Return a deep copy of the counters."""
        with self._lock:
            return copy.deepcopy(self._stats)
