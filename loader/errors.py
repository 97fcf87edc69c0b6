"""Errors a user can act on.

Each carries one sentence that says what is wrong and how to fix it; the command line prints
that sentence and exits non-zero without a traceback. None of them ever holds the API token or
a download URL.
"""

from __future__ import annotations


class LoaderError(Exception):
    """A problem the user can fix; `str(error)` is the whole message."""


class ConfigurationError(LoaderError):
    """Missing or invalid settings (token, organization ids, dates, paths)."""


class AuthenticationError(LoaderError):
    """CircleCI refused the token, the user's rights, or the organization id."""


class FileFormatError(LoaderError):
    """An export file cannot be read as a CircleCI usage export."""


class ExportRequestError(LoaderError):
    """CircleCI refused an export request for a reason the loader cannot work around."""
