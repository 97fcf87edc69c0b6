"""HTTP calls to the CircleCI Usage Export API: create an export job, read its state.

Transport comes from dlt's requests helper (timeouts, connection pooling). Its retry policy is
switched off here on purpose: it has no jitter and it would retry a refused POST within
seconds, while CircleCI's POST budget is 10 an hour. Retries, backoff with jitter, `Retry-After`
and the per-organization budgets are handled below instead.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from dlt.sources.helpers.requests import Client

from loader import settings
from loader.circleci_api.ratelimit import RequestBudget
from loader.errors import AuthenticationError, ExportRequestError, LoaderError
from loader.redact import redact, register_secret
from loader.windows import Window

log = logging.getLogger("loader")

USER_AGENT = "circleci-costs (+https://github.com/circleci-costs)"
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
WAIT_STATES = frozenset({"created", "processing"})


@dataclass(frozen=True)
class ExportJob:
    """What CircleCI says about one export job. The URLs are secrets and never printed."""

    job_id: str
    state: str
    download_urls: tuple[str, ...] | None = field(default=None, repr=False)
    error_reason: str | None = None


class RateLimited(Exception):
    """CircleCI answered 429, or the loader's own budget is spent."""

    def __init__(self, org_id: str, method: str, retry_after: float | None) -> None:
        super().__init__(f"{method} rate limit reached for organization {org_id}")
        self.org_id = org_id
        self.method = method
        self.retry_after = retry_after


class ExportRejected(Exception):
    """CircleCI refused an export request with 400; `message` is CircleCI's reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JobNotFound(Exception):
    """CircleCI does not know this export job (404 on GET)."""


class ServiceUnavailable(LoaderError):
    """CircleCI kept failing (5xx, dropped connections) after every retry."""


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with a `Z`, as CircleCI expects."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: half fixed, half random, so clients spread out."""
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta seconds or an HTTP date), if usable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class UsageExportClient:
    """The two endpoints of the Usage Export API, with per-organization budgets.

    Args:
        api_url: Base URL, e.g. `https://circleci.com/api/v2`.
        token: The personal API token (sent only to `api_url`, as `Circle-Token`).
        posts_per_hour: POST budget per organization.
        gets_per_minute: GET budget per organization.
        request_attempts: Tries for a request that fails transiently (5xx, dropped connection).
        backoff_seconds: First backoff delay; it doubles per attempt, with jitter.
        max_backoff_seconds: Longest single backoff delay.
        timeout_seconds: Connect and read timeout of each request.
        sleep: Sleep function (tests pass a fast one).
        clock: Epoch-seconds clock shared with the budgets.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        posts_per_hour: int = settings.POSTS_PER_HOUR,
        gets_per_minute: int = settings.GETS_PER_MINUTE,
        request_attempts: int = settings.REQUEST_ATTEMPTS,
        backoff_seconds: float = settings.BACKOFF_SECONDS,
        max_backoff_seconds: float = settings.MAX_BACKOFF_SECONDS,
        timeout_seconds: float = settings.REQUEST_TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        register_secret(token)
        self.api_url = api_url.rstrip("/")
        self._posts_per_hour = posts_per_hour
        self._gets_per_minute = gets_per_minute
        self._attempts = request_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep
        self._clock = clock
        self._post_budgets: dict[str, RequestBudget] = {}
        self._get_budgets: dict[str, RequestBudget] = {}
        self.requests_sent: dict[str, int] = {"POST": 0, "GET": 0}
        self._client = Client(
            request_timeout=timeout_seconds,
            raise_for_status=False,
            status_codes=(),
            exceptions=(),
            request_max_attempts=1,
            session_attrs={
                "headers": {
                    "Circle-Token": token,
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                }
            },
        )

    def post_budget(self, org_id: str) -> RequestBudget:
        """The POST budget of one organization."""
        if org_id not in self._post_budgets:
            self._post_budgets[org_id] = RequestBudget(self._posts_per_hour, 3600, self._clock)
        return self._post_budgets[org_id]

    def get_budget(self, org_id: str) -> RequestBudget:
        """The GET budget of one organization."""
        if org_id not in self._get_budgets:
            self._get_budgets[org_id] = RequestBudget(self._gets_per_minute, 60, self._clock)
        return self._get_budgets[org_id]

    def create_export(
        self, org_id: str, window: Window, shared_org_ids: list[str] | None = None
    ) -> ExportJob:
        """Create an export job for `window` (POST).

        Raises:
            RateLimited: CircleCI answered 429, or the POST budget is spent; nothing was created.
            ExportRejected: CircleCI refused the request (400), with its reason.
            AuthenticationError: Bad token (401), not an admin (403), unknown org (404).
            ServiceUnavailable: Transient failures persisted through every retry.
        """
        body: dict[str, Any] = {
            "start": format_timestamp(window.start),
            "end": format_timestamp(window.end),
        }
        if shared_org_ids:
            body["shared_org_ids"] = list(shared_org_ids)
        url = f"{self.api_url}/organizations/{org_id}/usage_export_job"
        budget = self.post_budget(org_id)
        for attempt in range(1, self._attempts + 1):
            wait = budget.wait_seconds()
            if wait > 0:
                raise RateLimited(org_id, "POST", wait)
            budget.record()
            response = self._send("POST", url, org_id, json_body=body)
            if response is None or response.status_code >= 500:
                self._pause_after_failure(attempt, response, "POST", org_id)
                continue
            if response.status_code == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                budget.block_for(
                    retry_after
                    if retry_after is not None
                    else backoff_delay(attempt, self._backoff, self._max_backoff)
                )
                raise RateLimited(org_id, "POST", retry_after)
            if response.status_code == 201 or response.status_code == 200:
                return self._job(response, org_id)
            self._raise_for_client_error(response, org_id, window)
        raise ServiceUnavailable(
            f"CircleCI kept failing to create exports for organization {org_id} "
            f"({self._attempts} tries); try again later, nothing already loaded is lost."
        )

    def get_export(self, org_id: str, job_id: str) -> ExportJob:
        """Read an export job's state (GET), waiting for the GET budget and through 429s.

        Raises:
            JobNotFound: CircleCI does not know the job (404).
            AuthenticationError: Bad token (401) or not an admin (403).
            ExportRequestError: CircleCI refused the request (400).
            ServiceUnavailable: Failures or 429s persisted through every retry.
        """
        url = f"{self.api_url}/organizations/{org_id}/usage_export_job/{job_id}"
        budget = self.get_budget(org_id)
        failures = 0
        throttled = 0
        while failures < self._attempts and throttled < self._attempts * 2:
            self._sleep(budget.wait_seconds())
            budget.record()
            response = self._send("GET", url, org_id)
            if response is None or response.status_code >= 500:
                failures += 1
                if failures < self._attempts:
                    self._pause_after_failure(failures, response, "GET", org_id)
                continue
            if response.status_code == 429:
                throttled += 1
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = (
                    retry_after
                    if retry_after is not None
                    else backoff_delay(throttled, self._backoff, self._max_backoff)
                )
                log.info("CircleCI rate limit (GET, %s): waiting %.1f s", org_id, delay)
                budget.block_for(delay)
                continue
            if response.status_code == 200:
                return self._job(response, org_id)
            if response.status_code == 404:
                raise JobNotFound(job_id)
            if response.status_code == 400:
                raise ExportRequestError(
                    f"CircleCI refused to report export job {job_id} of organization {org_id} "
                    f"(400: {_server_message(response)}); the next run creates the export "
                    "again, nothing already loaded is lost."
                )
            self._raise_for_client_error(response, org_id, None)
        raise ServiceUnavailable(
            f"CircleCI kept failing to report export job {job_id} of organization {org_id}; "
            "try again later, nothing already loaded is lost."
        )

    def _send(
        self, method: str, url: str, org_id: str, json_body: Any = None
    ) -> requests.Response | None:
        self.requests_sent[method] = self.requests_sent.get(method, 0) + 1
        try:
            # No redirects: a redirect elsewhere would carry the Circle-Token header along.
            return self._client.session.request(method, url, json=json_body, allow_redirects=False)
        except _TRANSIENT as error:
            log.info(
                "%s for organization %s failed: %s", method, org_id, redact(type(error).__name__)
            )
            return None

    def _pause_after_failure(
        self, attempt: int, response: requests.Response | None, method: str, org_id: str
    ) -> None:
        what = f"HTTP {response.status_code}" if response is not None else "connection failed"
        delay = backoff_delay(attempt, self._backoff, self._max_backoff)
        log.warning(
            "CircleCI %s for organization %s: %s; retrying in %.1f s (try %d of %d)",
            method,
            org_id,
            what,
            delay,
            attempt + 1,
            self._attempts,
        )
        if attempt < self._attempts:
            self._sleep(delay)

    def _job(self, response: requests.Response, org_id: str) -> ExportJob:
        try:
            payload = response.json()
            job_id = str(payload["usage_export_job_id"])
            state = str(payload["state"])
        except (ValueError, KeyError, TypeError):
            raise ServiceUnavailable(
                f"CircleCI sent an unexpected answer for organization {org_id} "
                f"(HTTP {response.status_code}, not a usage export job)."
            ) from None
        urls = payload.get("download_urls")
        if urls is not None:
            urls = tuple(str(u) for u in urls)
            for url in urls:
                register_secret(url)
        reason = payload.get("error_reason")
        return ExportJob(job_id, state, urls, str(reason) if reason is not None else None)

    def _raise_for_client_error(
        self, response: requests.Response, org_id: str, window: Window | None
    ) -> None:
        message = _server_message(response)
        status = response.status_code
        if status == 401:
            raise AuthenticationError(
                f"CircleCI rejected the API token (401: {message}). Set CIRCLECI_TOKEN to a "
                "personal API token from User Settings > Personal API Tokens; project tokens "
                "and tokens created before 2023-06-23 are refused."
            )
        if status == 403:
            raise AuthenticationError(
                f"The token's user is not an admin of organization {org_id} (403): CircleCI "
                "only exports usage to organization admins; use an admin's personal API token."
            )
        if status == 404:
            # CircleCI also answers 404 for an organization the token's user cannot see
            # (faros-ai/airbyte-connectors#2186: 404s on create for some visible orgs only).
            raise AuthenticationError(
                f"CircleCI does not know organization {org_id} (404: {message}). Check the ID "
                "under Organization Settings > Overview and that the token's user is a member "
                "of that organization; the other organizations are loaded regardless."
            )
        if status == 400:
            raise ExportRejected(message)
        raise ServiceUnavailable(
            f"CircleCI answered HTTP {status} for organization {org_id}"
            + (f" and window {window.label()}" if window else "")
            + f": {message}"
        )


def _server_message(response: requests.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    if not message:
        message = response.text.strip()[:200] or response.reason or "no details"
    return redact(" ".join(str(message).split()))[:300]


def job_summary(job: ExportJob) -> str:
    """Describe a job without its URLs."""
    parts = len(job.download_urls) if job.download_urls is not None else 0
    return json.dumps({"id": job.job_id, "state": job.state, "parts": parts})
