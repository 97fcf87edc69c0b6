"""Settings of the API loader, resolved the dlt way.

Values come, in order of precedence, from the explicit overrides the command line passes
(`CIRCLECI_TOKEN`, `CIRCLECI_ORG_ID`, `CIRCLECI_API_URL`, flags), then dlt's providers:
environment variables such as `SOURCES__CIRCLECI__POSTS_PER_HOUR`, `.dlt/secrets.toml`
and `.dlt/config.toml` (section `[sources.circleci]`), then the defaults below.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigValueCannotBeCoercedException,
)
from dlt.common.configuration.specs import BaseConfiguration
from dlt.common.typing import TSecretStrValue

from loader import settings
from loader.errors import ConfigurationError
from loader.redact import register_secret

TOKEN_ENV = "CIRCLECI_TOKEN"
ORG_ENV = "CIRCLECI_ORG_ID"
API_URL_ENV = "CIRCLECI_API_URL"
MISSING_CREDENTIALS = (
    f"No CircleCI credentials: set {TOKEN_ENV} (a personal API token) and {ORG_ENV} "
    "(your organization ID), or run `make demo` to try circleci-costs on simulated data."
)


@configspec
class CircleCIConfig(BaseConfiguration):
    """Everything the API loader needs; see `.dlt/config.toml` for the meaning of each."""

    api_token: TSecretStrValue | None = None
    org_ids: list[str] | None = None
    shared_org_ids: list[str] | None = None
    api_url: str = settings.DEFAULT_API_URL
    backfill_days: int = settings.BACKFILL_DAYS
    reexport_lag_days: int = settings.REEXPORT_LAG_DAYS
    max_window_days: int = settings.MAX_WINDOW_DAYS
    posts_per_hour: int = settings.POSTS_PER_HOUR
    gets_per_minute: int = settings.GETS_PER_MINUTE
    max_in_flight: int = settings.MAX_IN_FLIGHT
    poll_interval_seconds: float = settings.POLL_INTERVAL_SECONDS
    max_poll_interval_seconds: float = settings.MAX_POLL_INTERVAL_SECONDS
    max_export_attempts: int = settings.MAX_EXPORT_ATTEMPTS
    request_attempts: int = settings.REQUEST_ATTEMPTS
    backoff_seconds: float = settings.BACKOFF_SECONDS
    max_backoff_seconds: float = settings.MAX_BACKOFF_SECONDS
    request_timeout_seconds: float = settings.REQUEST_TIMEOUT_SECONDS


def split_ids(value: str | list[str] | None) -> list[str]:
    """Turn `"a, b"` or `["a", "b"]` into a clean list of ids."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip() for item in items if item and item.strip()]


def resolve(overrides: dict[str, Any] | None = None) -> CircleCIConfig:
    """Resolve the loader's settings.

    Args:
        overrides: Values that win over every provider (from flags); `None` values are ignored.

    Returns:
        The resolved settings, with `org_ids` a non-empty list.

    Raises:
        ConfigurationError: The token or the organizations are missing, or a value is invalid.
    """
    explicit: dict[str, Any] = {}
    if os.environ.get(TOKEN_ENV, "").strip():
        explicit["api_token"] = os.environ[TOKEN_ENV].strip()
    if os.environ.get(ORG_ENV, "").strip():
        explicit["org_ids"] = split_ids(os.environ[ORG_ENV])
    if os.environ.get(API_URL_ENV, "").strip():
        explicit["api_url"] = os.environ[API_URL_ENV].strip()
    explicit.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        config = resolve_configuration(
            CircleCIConfig(), sections=("sources", "circleci"), explicit_value=explicit
        )
    except ConfigFieldMissingException:
        raise ConfigurationError(MISSING_CREDENTIALS) from None
    except ConfigValueCannotBeCoercedException as error:
        example = (
            ' (a list: ["00000000-0000-0000-0000-000000000000"])'
            if "ids" in error.field_name
            else ""
        )
        raise ConfigurationError(
            f"Setting {error.field_name} cannot be read{example}; see .dlt/config.toml."
        ) from None
    register_secret(str(config.api_token))  # hidden even in a message about a misplaced value
    config.org_ids = split_ids(config.org_ids)
    config.shared_org_ids = split_ids(config.shared_org_ids)
    if not config.org_ids:
        raise ConfigurationError(MISSING_CREDENTIALS)
    _check(config)
    check_org_ids(config.org_ids, config.shared_org_ids)
    return config


def check_org_ids(org_ids: list[str], shared_org_ids: list[str] | None = None) -> None:
    """Refuse organization ids that are not UUIDs, before any request is sent.

    CircleCI answers a non-UUID organization or shared organization id with a generic 400
    ("malformed request body") that names no value, for every window
    (CircleCI-Labs/terraform-provider-circleci binds `shared_org_ids` to UUIDs and checks
    them before sending for that reason).

    Raises:
        ConfigurationError: One line naming the first bad value and where to find the right one.
    """
    for name, values in (("CIRCLECI_ORG_ID", org_ids), ("shared_org_ids", shared_org_ids or [])):
        for value in values:
            if not _is_uuid(value):
                raise ConfigurationError(
                    f"{name} holds {value!r}, which is not an organization ID: use the UUID "
                    "under Organization Settings > Overview (not the gh/name slug)."
                )


def _is_uuid(value: str) -> bool:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return str(parsed) == value.lower()


def _check(config: CircleCIConfig) -> None:
    positive = {
        "max_window_days": config.max_window_days,
        "posts_per_hour": config.posts_per_hour,
        "gets_per_minute": config.gets_per_minute,
        "max_in_flight": config.max_in_flight,
        "max_export_attempts": config.max_export_attempts,
        "request_attempts": config.request_attempts,
        "backfill_days": config.backfill_days,
    }
    for name, value in positive.items():
        if value < 1:
            raise ConfigurationError(f"Setting {name} must be at least 1 (it is {value}).")
    if config.max_window_days > settings.MAX_WINDOW_DAYS:
        raise ConfigurationError(
            f"Setting max_window_days cannot exceed {settings.MAX_WINDOW_DAYS}: "
            "CircleCI refuses longer windows."
        )
    if config.backfill_days > settings.MAX_HISTORY_DAYS:
        raise ConfigurationError(
            f"Setting backfill_days cannot exceed {settings.MAX_HISTORY_DAYS}: CircleCI refuses "
            f"exports that start more than {settings.MAX_HISTORY_DAYS} days ago."
        )
    if config.reexport_lag_days < 0:
        raise ConfigurationError("Setting reexport_lag_days cannot be negative.")
    if not config.api_url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"{API_URL_ENV} must be an http(s) URL such as {settings.DEFAULT_API_URL}."
        )
