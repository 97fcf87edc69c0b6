"""Download the gzip CSV parts of a completed export, streamed to disk and verified.

Pre-signed URLs are bearer credentials for the object store: they are fetched by a session
that carries no `Circle-Token`, never logged, and never put in an error message. A part is
checked while it streams: the byte count must match `Content-Length` and the gzip stream
must end properly, so a truncated part is caught here and fetched again instead of being
half loaded.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path

import requests
from dlt.sources.helpers.requests import Client

log = logging.getLogger("loader")

CHUNK_BYTES = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


class UrlRejected(Exception):
    """The object store refused the URL (expired or badly signed): ask CircleCI for new ones."""


class PartDamaged(Exception):
    """The transfer broke off or the gzip stream is incomplete."""


class _GzipCheck:
    """Inflate a (possibly multi-member) gzip stream chunk by chunk, keeping nothing.

    Tells at the end whether the last member was closed by its trailer: a part cut short
    leaves a member open.
    """

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj(wbits=31)
        self._member_open = False
        self.is_gzip: bool | None = None

    def feed(self, chunk: bytes) -> None:
        if self.is_gzip is None:
            self.is_gzip = chunk[:2] == _GZIP_MAGIC
        if not self.is_gzip:
            return
        data = chunk
        while data:
            try:
                self._inflater.decompress(data)
            except zlib.error as error:
                raise PartDamaged(f"corrupt gzip data ({error})") from None
            if self._inflater.eof:
                data = self._inflater.unused_data
                self._inflater = zlib.decompressobj(wbits=31)
                self._member_open = False
                if data and data[:2] != _GZIP_MAGIC:
                    raise PartDamaged("unexpected bytes after the end of the gzip stream")
            else:
                self._member_open = True
                data = b""

    def complete(self) -> bool:
        if self.is_gzip is None:
            return False
        return not (self.is_gzip and self._member_open)


def download_session(timeout_seconds: float) -> requests.Session:
    """A session for object-store downloads: no token header, no retries (the caller retries)."""
    client = Client(
        request_timeout=timeout_seconds,
        raise_for_status=False,
        status_codes=(),
        exceptions=(),
        request_max_attempts=1,
    )
    return client.session


def download_part(session: requests.Session, url: str, destination: Path) -> int:
    """Stream one part to `destination` and verify it.

    Args:
        session: A session without credentials (see `download_session`).
        url: The pre-signed URL (a secret).
        destination: File to write; replaced if it exists.

    Returns:
        Bytes written.

    Raises:
        UrlRejected: The object store refused the URL (4xx): it expired or is invalid.
        PartDamaged: The transfer or the gzip stream is incomplete, or the connection failed.
    """
    try:
        response = session.get(url, stream=True, allow_redirects=True)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise PartDamaged(f"connection failed ({type(error).__name__})") from None
    with response:
        if 400 <= response.status_code < 500:
            raise UrlRejected(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise PartDamaged(f"HTTP {response.status_code}")
        expected = response.headers.get("Content-Length")
        check = _GzipCheck()
        written = 0
        try:
            with destination.open("wb") as out:
                for chunk in response.iter_content(CHUNK_BYTES):
                    check.feed(chunk)
                    out.write(chunk)
                    written += len(chunk)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as error:
            raise PartDamaged(f"transfer broke off ({type(error).__name__})") from None
    if expected is not None and expected.isdigit() and int(expected) != written:
        raise PartDamaged(f"received {written} of {expected} bytes")
    if not check.complete():
        raise PartDamaged("the gzip stream ends early (truncated part)")
    return written
