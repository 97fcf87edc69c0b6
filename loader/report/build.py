"""Write the report: the published marts' tables, Plotly's JavaScript and the page, in one file.

Plotly's Python package bundles plotly.js (`plotly.offline.get_plotlyjs`), so the page carries
its charting library inline and works offline, with nothing fetched at build or view time
(https://plotly.com/python/interactive-html-export/: `include_plotlyjs=True` "includes the
plotly.js source code ... in the output" for a file that works offline).
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
from plotly.offline import get_plotlyjs

from loader.errors import LoaderError
from loader.report.data import read_report_data
from loader.settings import DEFAULT_REPORT_PATH
from loader.source.pipeline import REPO_ROOT


def _asset(name: str) -> str:
    return resources.files("loader.report").joinpath(name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Text that cannot close the <script> element it is inlined in."""
    return text.replace("</", "<\\/")


def render(data: dict[str, Any]) -> str:
    """The whole HTML page for the report data."""
    page = _asset("page.html")
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    parts = {
        "/*STYLE*/": _asset("report.css"),
        "/*PLOTLY*/": _script_safe(get_plotlyjs()),
        "/*DATA*/": _script_safe(payload),
        "/*APP*/": _script_safe(_asset("report.js")),
    }
    for marker, text in parts.items():
        before, found, after = page.partition(marker)
        if not found:
            raise RuntimeError(f"page.html has no {marker}")
        page = before + text + after
    return page


def write_report(published_db: Path, out: Path | None = None) -> Path:
    """Build the report from the published copy `published_db`; return the file written.

    Raises:
        LoaderError: Nothing is published yet.
    """
    target = (out or REPO_ROOT / DEFAULT_REPORT_PATH).absolute()
    if not published_db.exists():
        raise LoaderError(
            f"No published marts at {published_db}: run `make demo` or `make transform` first "
            "(they publish after a successful build)."
        )
    started = time.monotonic()
    with duckdb.connect(str(published_db), read_only=True) as con:
        data = read_report_data(con)
    data["built_seconds"] = round(time.monotonic() - started, 2)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(render(data), encoding="utf-8")
    temporary.replace(target)
    return target
