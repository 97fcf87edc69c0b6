"""Fault injection for tests and the benchmark: each fault hits the next N matching requests.

Thread-safe. Targets: "post" (create an export), "get" (read an export), "download" (a part).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

FaultTarget = Literal["post", "get", "download"]
FaultKind = Literal["status", "drop", "short_body", "cut_gzip"]


@dataclass
class Fault:
    """One armed fault."""

    kind: FaultKind
    target: FaultTarget
    remaining: int
    org_id: str | None = None
    status: int = 500
    retry_after: int | None = None


@dataclass
class _ExportFailure:
    reason: str
    remaining: int | None  # None: every matching export
    org_id: str | None
    day: date | None


class Faults:
    """The faults armed on a simulator; `Simulator.faults` is the instance to use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._export_failures: list[_ExportFailure] = []

    def http_error(
        self, target: FaultTarget, status: int = 500, times: int = 1, org_id: str | None = None
    ) -> None:
        """Answer the next matching requests with an HTTP error status (e.g. 500, 502, 503).

        Args:
            target: which requests.
            status: the status code.
            times: how many requests.
            org_id: only requests for this organization (API targets only).
        """
        self._add(Fault("status", target, times, org_id, status))

    def rate_limit(
        self,
        target: FaultTarget,
        times: int = 1,
        retry_after: int | None = 1,
        org_id: str | None = None,
    ) -> None:
        """Answer the next matching requests with 429, with or without a Retry-After header.

        Args:
            target: which requests.
            times: how many requests.
            retry_after: seconds for the Retry-After header; None sends no header.
            org_id: only requests for this organization.
        """
        self._add(Fault("status", target, times, org_id, 429, retry_after))

    def drop_connection(
        self, target: FaultTarget, times: int = 1, org_id: str | None = None
    ) -> None:
        """Close the connection without any response for the next matching requests.

        Args:
            target: which requests.
            times: how many requests.
            org_id: only requests for this organization.
        """
        self._add(Fault("drop", target, times, org_id))

    def truncate_download(
        self, mode: Literal["short_body", "cut_gzip"] = "short_body", times: int = 1
    ) -> None:
        """Truncate the next part downloads.

        Args:
            mode: "short_body" stops the transfer before Content-Length bytes and closes the
                connection; "cut_gzip" sends a complete, well-formed HTTP response whose body
                is the gzip file cut in half (Content-Length matches the cut body).
            times: how many downloads.
        """
        self._add(Fault(mode, "download", times))

    def fail_exports(
        self, org_id: str | None = None, times: int = 1, reason: str = "Query execution failed."
    ) -> None:
        """Make the next exports created (of an organization, or any) end as `failed`.

        Args:
            org_id: only exports of this organization.
            times: how many exports.
            reason: the `error_reason` reported.
        """
        with self._lock:
            self._export_failures.append(_ExportFailure(reason, times, org_id, None))

    def fail_exports_containing(
        self,
        day: date,
        org_id: str | None = None,
        times: int | None = None,
        reason: str = "Query execution failed.",
    ) -> None:
        """Make exports whose window contains a UTC day end as `failed`.

        Args:
            day: the poisoned day.
            org_id: only exports of this organization.
            times: how many exports; None for every one until `clear`.
            reason: the `error_reason` reported.
        """
        with self._lock:
            self._export_failures.append(_ExportFailure(reason, times, org_id, day))

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()
            self._export_failures.clear()

    def pending(self) -> int:
        """Return how many request faults are still armed (sum of remaining hits)."""
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def take(self, target: FaultTarget, org_id: str | None) -> Fault | None:
        """Consume and return the first fault matching a request, if any.

        Args:
            target: the request's kind.
            org_id: the organization in the request path, if any.

        Returns:
            The fault to apply, or None.
        """
        with self._lock:
            for fault in self._faults:
                if fault.target == target and fault.org_id in (None, org_id):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def take_export_failure(self, org_id: str, start: datetime, end: datetime) -> str | None:
        """Return the error reason if a new export must fail (consuming one hit).

        Args:
            org_id: the export's organization.
            start: window start.
            end: window end.

        Returns:
            The error reason, or None when the export succeeds.
        """
        with self._lock:
            for failure in self._export_failures:
                if failure.org_id not in (None, org_id):
                    continue
                if failure.day is not None and not (start.date() <= failure.day <= end.date()):
                    continue
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._export_failures.remove(failure)
                return failure.reason
        return None

    def _add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(fault)
