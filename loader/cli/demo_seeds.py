"""Render the demo's seeds with dates relative to the simulated data.

The demo's price list, team rules and budgets must fall inside its year (366 days) of simulated
usage whatever the day the demo runs, so `demo/seeds/*.csv` write dates as tokens relative to
the last simulated day: `@M-7` is the first day of the month seven months before it, `@M-7e`
the last day of that month, `@D-40` the day forty days before it. Everything else is copied
as is.
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

TOKEN = re.compile(r"^@([MD])([+-]\d+)(e?)$")


def render_token(value: str, end_date: date) -> str:
    """Return `value` with a relative-date token replaced by an ISO date."""
    match = TOKEN.match(value.strip())
    if not match:
        return value
    unit, offset, month_end = match.group(1), int(match.group(2)), match.group(3)
    if unit == "D":
        return (end_date + timedelta(days=offset)).isoformat()
    index = end_date.year * 12 + end_date.month - 1 + offset
    first = date(index // 12, index % 12 + 1, 1)
    if not month_end:
        return first.isoformat()
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (following - timedelta(days=1)).isoformat()


def render_seeds(template_dir: Path, out_dir: Path, end_date: date) -> list[Path]:
    """Write every CSV of `template_dir` to `out_dir` with its date tokens rendered."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    written = []
    for template in sorted(template_dir.glob("*.csv")):
        with template.open(newline="") as source:
            rows = list(csv.reader(source))
        target = out_dir / template.name
        with target.open("w", newline="") as sink:
            writer = csv.writer(sink, lineterminator="\n")
            writer.writerow(rows[0])
            for row in rows[1:]:
                writer.writerow([render_token(cell, end_date) for cell in row])
        written.append(target)
    return written
