"""Files recognised by content: a file loaded before with the same bytes is not loaded again."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Mapping
from pathlib import Path

log = logging.getLogger("loader")


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def files_to_load(
    files: list[Path], hashes: Mapping[Path, str], loaded: Collection[str]
) -> list[Path]:
    """The files whose content is not among `loaded` (fingerprints), logging how many are skipped.

    Args:
        files: The files found, in load order.
        hashes: Each file's SHA-256 (`file_sha256`).
        loaded: The fingerprints of the files loaded before (empty to load everything again).

    Returns:
        The files to load, in the order given.
    """
    todo = [path for path in files if hashes[path] not in loaded]
    if len(todo) < len(files):
        log.info(
            "%d of %d file(s) were loaded before with the same content: skipped "
            "(--force loads them again)",
            len(files) - len(todo),
            len(files),
        )
    return todo
