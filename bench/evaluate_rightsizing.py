"""Score `marts.rightsizing_recommendations` against the simulator's true job needs.

`python -m bench.evaluate_rightsizing [--db PATH]` reads a database built by `make demo` (or
`make evaluate`), builds nothing, prints how many of the simulator's oversized and undersized
jobs the mart found, how many it missed and how many right jobs it wrongly flagged, and exits
0. The truth is computed from the simulator's catalog (simulator.rightsizing.truth):
every job of the catalog on its catalog class is oversized, right or undersized.

Rule, fixed before any tuning: a mart row is scored when its org, project, workflow, job,
executor and class are a job of the catalog on its catalog class (a row on another class, after
an incident moved the job, is counted apart). `downsize` on an oversized job is found, on any
other job wrongly flagged; `upsize` on an undersized job is found, on any other wrongly
flagged; `keep` on an oversized or undersized job is missed; `no_data` (no utilisation to
judge by: macOS, jobs under 15 s) is counted apart. Jobs with too few runs in the period have
no row and are counted as not judged.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from simulator.rightsizing import truth

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO / "data" / "circleci_costs.duckdb"
KEY = ("org_id", "project_name", "workflow_name", "job_name", "executor", "resource_class")


@dataclass
class Scores:
    """The evaluation's counts, by the simulator's fit."""

    truth: dict[str, int] = field(default_factory=dict)  # fit -> jobs in the catalog
    judged: dict[str, int] = field(default_factory=dict)  # fit -> jobs with a mart row
    found: dict[str, int] = field(default_factory=dict)  # oversized/undersized -> found
    missed: dict[str, int] = field(default_factory=dict)
    wrongly_flagged: dict[str, int] = field(default_factory=dict)  # downsize/upsize -> rows
    no_data: int = 0
    unobservable: int = 0  # oversized or undersized jobs with no utilisation (no_data)
    other_class: int = 0


def evaluate(con: duckdb.DuckDBPyConnection) -> Scores:
    """Score the mart in `con` against the simulator's truth."""
    fits = {tuple(row[k] for k in KEY): row["fit"] for row in truth()}
    scores = Scores()
    for each in fits.values():
        scores.truth[each] = scores.truth.get(each, 0) + 1
    rows = con.execute(
        f"select {', '.join(KEY)}, action from marts.rightsizing_recommendations"
    ).fetchall()
    for *key, action in rows:
        fit = fits.get(tuple(key))
        if fit is None:
            scores.other_class += 1
            continue
        scores.judged[fit] = scores.judged.get(fit, 0) + 1
        wanted = {"oversized": "downsize", "undersized": "upsize"}.get(fit)
        if action == "no_data":
            scores.no_data += 1
            scores.unobservable += wanted is not None
            continue
        if wanted is not None and action == wanted:
            scores.found[fit] = scores.found.get(fit, 0) + 1
        elif wanted is not None:
            scores.missed[fit] = scores.missed.get(fit, 0) + 1
        if action in ("downsize", "upsize") and action != wanted:
            scores.wrongly_flagged[action] = scores.wrongly_flagged.get(action, 0) + 1
    return scores


def report(scores: Scores) -> str:
    """The evaluation as lines of text."""
    lines = ["Right-sizing against the simulator's job needs:"]
    for fit, action in (("oversized", "downsize"), ("undersized", "upsize")):
        lines.append(
            f"  {fit:<10} {scores.truth.get(fit, 0):>3} jobs, {scores.judged.get(fit, 0):>3} judged"
            f" (enough runs): found {scores.found.get(fit, 0)} ({action}),"
            f" missed {scores.missed.get(fit, 0)}"
        )
    lines.append(
        f"  wrongly flagged: downsize {scores.wrongly_flagged.get('downsize', 0)},"
        f" upsize {scores.wrongly_flagged.get('upsize', 0)}"
        f" (of {scores.judged.get('right', 0)} right jobs judged and the others)"
    )
    lines.append(
        f"  no_data (no utilisation: macOS, short jobs): {scores.no_data}, of which"
        f" {scores.unobservable} oversized or undersized;"
        f" rows on a class an incident moved the job to: {scores.other_class}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evaluation of the database's rightsizing_recommendations."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.evaluate_rightsizing",
        description="Score marts.rightsizing_recommendations against the simulator's job needs.",
    )
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"default {DEFAULT_DB}")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"error: {args.db} does not exist: run `make demo` first")
        return 2
    with duckdb.connect(str(args.db), read_only=True) as con:
        print(report(evaluate(con)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
