"""Pre-signed download URLs: an expiry and an HMAC over the object path, like S3's."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from typing import Literal
from urllib.parse import urlencode

SignatureCheck = Literal["ok", "expired", "invalid"]


class UrlSigner:
    """Signs object paths and checks signed requests.

    "Expire every URL issued so far" retires the signing key: a URL signed with a retired key
    answers as expired, one signed with no known key as invalid.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._retired: list[bytes] = []
        self._lock = threading.Lock()

    def query(self, path: str, expires_epoch: int) -> str:
        """Return the query string that makes `path` downloadable until `expires_epoch`.

        Args:
            path: the object path (starting with /objects/).
            expires_epoch: expiry, seconds since the epoch.

        Returns:
            `X-Expires=...&X-Signature=...`.
        """
        with self._lock:
            key = self._key
        return urlencode(
            {"X-Expires": expires_epoch, "X-Signature": _sign(key, path, expires_epoch)}
        )

    def check(self, path: str, params: dict[str, list[str]], now_epoch: float) -> SignatureCheck:
        """Check a download request's signature and expiry.

        Args:
            path: the requested object path.
            params: its parsed query string.
            now_epoch: the current time.

        Returns:
            "ok", "expired" or "invalid".
        """
        try:
            expires = int(params["X-Expires"][0])
            signature = params["X-Signature"][0]
        except (KeyError, IndexError, ValueError):
            return "invalid"
        with self._lock:
            current, retired = self._key, list(self._retired)
        if hmac.compare_digest(signature, _sign(current, path, expires)):
            return "expired" if now_epoch > expires else "ok"
        if any(hmac.compare_digest(signature, _sign(k, path, expires)) for k in retired):
            return "expired"
        return "invalid"

    def expire_all(self) -> None:
        """Make every URL issued so far answer as expired."""
        with self._lock:
            self._retired.append(self._key)
            self._key = secrets.token_bytes(32)


def _sign(key: bytes, path: str, expires: int) -> str:
    return hmac.new(key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()
