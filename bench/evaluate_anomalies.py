"""Score `marts.cost_anomalies` against the simulator's labelled incidents.

`python -m bench.evaluate_anomalies [--db PATH] [--truth PATH]` reads a database built by
`make demo` (or `make evaluate`) and the ground-truth file the demo writes beside it, builds
nothing, prints precision and recall overall and per scope type, and exits 0.

The matching rule, fixed before any tuning and applied to every episode in the mart:

An episode matches an incident when all of these hold.
1. Organization: the same org.
2. Lineage: the episode's scope holds the incident's scope.
   - org: any scope of the org;
   - project: the incident's project;
   - workflow: the incident's workflow, or any workflow of the incident's project when the
     incident is about the whole project;
   - resource_class: the incident's scope (its project, narrowed to its workflow and job
     when given) has cost on that resource class during the episode or in the
     `--lineage-days` days before it (the baseline it was compared with);
   - team: the team had cost from the incident's project (fct_team_costs_daily, after team
     rules and shared-cost policies) during the episode or the `--lineage-days` days before.
3. Time: the episode's days overlap the incident's days widened by `--tolerance-days` on
   both sides. A `spike`'s days run from its first to its last day; a `step` is a change on
   its first day (its label stays open for ever, but what a detector can catch is the
   change), so its days are that first day alone: an episode starting more than the
   tolerance after a step began is not that step being caught.

Precision is the share of episodes that match at least one incident: an episode that
matches none is a false alarm, whatever its size. An episode's days start where the change
began, which can be before the day it was flagged (`detected_day`): the `delay` column gives
the first flag of each incident, and the last line counts the matching episodes flagged
after the incident's days plus the tolerance (late, though dated right).

Recall is the share of incidents that at least one episode matches (incidents starting
after the last complete day cannot be seen and are left out, and listed). Per scope type,
precision counts that type's episodes, and recall counts the incidents found at that level
(an incident on a small project need not show at org level, so per-type recall is expected
to be lower than the overall figure).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO / "data" / "circleci_costs.duckdb"
DEFAULT_TRUTH = REPO / "data" / "demo_incidents.csv"
SCOPE_TYPES = ("org", "project", "workflow", "resource_class", "team")


@dataclass(frozen=True)
class Incident:
    """A labelled incident of the ground-truth file."""

    incident_id: str
    org_id: str
    project: str
    workflow: str | None
    job: str | None
    kind: str
    direction: str
    shape: str
    first_day: date
    last_day: date | None

    def window(self, tolerance: int, series_end: date) -> tuple[date, date]:
        """The incident's days (rule 3) widened by the tolerance: first and last day."""
        end = self.first_day if self.shape == "step" else (self.last_day or series_end)
        return self.first_day - timedelta(days=tolerance), end + timedelta(days=tolerance)

    def label(self) -> str:
        """The incident's scope as project / workflow / job."""
        return " / ".join(p for p in (self.project, self.workflow, self.job) if p)


@dataclass
class Episode:
    """A row of marts.cost_anomalies, with the incidents it matches."""

    row: dict[str, Any]
    matches: list[str] = field(default_factory=list)

    @property
    def scope_type(self) -> str:
        """The episode's scope type."""
        return str(self.row["scope_type"])


def read_incidents(path: Path) -> list[Incident]:
    """Read the ground-truth CSV written by the simulator."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Incident(
                incident_id=row["incident_id"],
                org_id=row["org_id"],
                project=row["project"],
                workflow=row["workflow"] or None,
                job=row["job"] or None,
                kind=row["kind"],
                direction=row["direction"],
                shape=row["shape"],
                first_day=date.fromisoformat(row["first_day"]),
                last_day=date.fromisoformat(row["last_day"]) if row["last_day"] else None,
            )
            for row in csv.DictReader(handle)
        ]


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


class Lineage:
    """Which resource classes and teams hold an incident's scope over a date range."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lineage_days: int) -> None:
        self.con = con
        self.lineage_days = lineage_days
        self.has_teams = _table_exists(con, "marts", "fct_team_costs_daily")

    def holds(self, episode: dict[str, Any], incident: Incident) -> bool:
        """Whether the episode's scope holds the incident's scope (rule 2)."""
        kind = episode["scope_type"]
        if kind == "org":
            return True
        if kind == "project":
            return bool(episode["project_name"] == incident.project)
        if kind == "workflow":
            return episode["project_name"] == incident.project and (
                incident.workflow is None or episode["workflow_name"] == incident.workflow
            )
        start = episode["first_day"] - timedelta(days=self.lineage_days)
        end = episode["last_day"]
        if kind == "resource_class":
            return self._has_cost(
                incident, start, end, "resource_class = ?", [episode["resource_class"]]
            )
        if kind == "team" and self.has_teams:
            found = self.con.execute(
                """
                select count(*) from marts.fct_team_costs_daily
                where org_id = ? and project_name = ? and team = ? and total_credits <> 0
                    and usage_date between ? and ?
                """,
                [incident.org_id, incident.project, episode["team_name"], start, end],
            ).fetchone()
            return bool(found and found[0])
        return False

    def _has_cost(
        self, incident: Incident, start: date, end: date, condition: str, values: list[Any]
    ) -> bool:
        narrow = ""
        params: list[Any] = [incident.org_id, incident.project, start, end]
        if incident.workflow:
            narrow += " and workflow_name = ?"
            params.append(incident.workflow)
        if incident.job:
            narrow += " and job_name = ?"
            params.append(incident.job)
        found = self.con.execute(
            f"""
            select count(*) from marts.agg_daily_costs
            where org_id = ? and project_name = ? and usage_date between ? and ?
                and total_cost - user_cost > 0 {narrow} and {condition}
            """,
            params + values,
        ).fetchone()
        return bool(found and found[0])


def match(
    episodes: list[Episode],
    incidents: list[Incident],
    lineage: Lineage,
    tolerance: int,
    series_end: dict[str, date],
) -> None:
    """Fill each episode's `matches` with the ids of the incidents it matches."""
    for episode in episodes:
        row = episode.row
        for incident in incidents:
            if row["org_id"] != incident.org_id:
                continue
            earliest, latest = incident.window(tolerance, series_end[incident.org_id])
            if row["first_day"] > latest or row["last_day"] < earliest:
                continue
            if lineage.holds(row, incident):
                episode.matches.append(incident.incident_id)


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "n/a"


def _print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _driver_names(row: dict[str, Any], incident: Incident) -> bool:
    """Whether the episode's driver lies inside the incident's scope."""
    if row.get("driver_project_name") != incident.project:
        return False
    if incident.workflow and row.get("driver_workflow_name") != incident.workflow:
        return False
    return not (incident.job and row.get("driver_job_name") != incident.job)


def evaluate(db: Path, truth: Path, tolerance: int, lineage_days: int) -> int:
    """Print the evaluation of the anomalies in `db` against `truth`; return the exit code."""
    if not db.exists() or not truth.exists():
        missing = db if not db.exists() else truth
        print(f"{missing} does not exist: run `make evaluate` (or `make demo`) first.")
        return 0
    incidents = read_incidents(truth)
    with duckdb.connect(str(db), read_only=True) as con:
        if not _table_exists(con, "marts", "cost_anomalies"):
            print(f"{db} has no marts.cost_anomalies: build the dbt project first.")
            return 0
        series_end = {
            r["org_id"]: r["last_day"]
            for r in _rows(
                con,
                "select org_id, max(usage_date) as last_day from marts.cost_daily_series "
                "group by org_id",
            )
        }
        episodes = [
            Episode(r)
            for r in _rows(con, "select * from marts.cost_anomalies order by first_day, scope_key")
        ]
        visible = [i for i in incidents if i.first_day <= series_end.get(i.org_id, date.min)]
        hidden = [i for i in incidents if i not in visible]
        match(episodes, visible, Lineage(con, lineage_days), tolerance, series_end)

    by_incident: dict[str, list[Episode]] = {i.incident_id: [] for i in visible}
    for episode in episodes:
        for incident_id in episode.matches:
            by_incident[incident_id].append(episode)

    incident_rows = []
    for incident in visible:
        found = by_incident[incident.incident_id]
        levels = [t for t in SCOPE_TYPES if any(e.scope_type == t for e in found)]
        delay = min(
            ((e.row["detected_day"] - incident.first_day).days for e in found), default=None
        )
        named = sum(_driver_names(e.row, incident) for e in found)
        incident_rows.append(
            [
                incident.incident_id,
                incident.kind,
                f"{incident.direction}/{incident.shape}",
                incident.label(),
                incident.first_day,
                incident.last_day or "ongoing",
                "yes" if found else "NO",
                ", ".join(levels) or "-",
                "-" if delay is None else f"{delay:+d}",
                f"{named}/{len(found)}" if found else "-",
            ]
        )
    _print_table(
        f"Incidents ({truth.name}; an episode may start {tolerance} day(s) either side):",
        [
            "incident",
            "kind",
            "direction",
            "scope",
            "first day",
            "last day",
            "found",
            "found at",
            "delay",
            "driver in scope",
        ],
        incident_rows,
    )
    for incident in hidden:
        print(f"  (left out: {incident.incident_id} starts after the last complete day)")

    type_rows = []
    for scope_type in SCOPE_TYPES:
        typed = [e for e in episodes if e.scope_type == scope_type]
        if not typed and scope_type == "team":
            continue
        matched = sum(bool(e.matches) for e in typed)
        found_here = sum(
            any(e.scope_type == scope_type for e in by_incident[i.incident_id]) for i in visible
        )
        type_rows.append(
            [
                scope_type,
                len(typed),
                matched,
                len(typed) - matched,
                _ratio(matched, len(typed)),
                f"{found_here}/{len(visible)}",
                _ratio(found_here, len(visible)),
            ]
        )
    matched_all = sum(bool(e.matches) for e in episodes)
    found_all = sum(bool(by_incident[i.incident_id]) for i in visible)
    type_rows.append(
        [
            "all",
            len(episodes),
            matched_all,
            len(episodes) - matched_all,
            _ratio(matched_all, len(episodes)),
            f"{found_all}/{len(visible)}",
            _ratio(found_all, len(visible)),
        ]
    )
    _print_table(
        "Episodes of marts.cost_anomalies by scope type:",
        ["scope type", "episodes", "match", "false", "precision", "incidents found", "recall"],
        type_rows,
    )

    false_alarms = [e for e in episodes if not e.matches]
    if false_alarms:
        _print_table(
            "Episodes that match no incident (false alarms):",
            ["scope type", "scope", "direction", "first day", "days", "impact", "peak score"],
            [
                [
                    e.scope_type,
                    e.row["scope_name"],
                    e.row["direction"],
                    e.row["first_day"],
                    e.row["duration_days"],
                    f"{e.row['impact_cost']:+.2f} {e.row['currency']}",
                    f"{e.row['peak_score']:+.1f}",
                ]
                for e in false_alarms
            ],
        )
    incidents_by_id = {i.incident_id: i for i in visible}
    flagged = [e for e in episodes if e.matches]
    on_time = sum(
        any(
            e.row["detected_day"]
            <= incidents_by_id[i].window(tolerance, series_end[incidents_by_id[i].org_id])[1]
            for i in e.matches
        )
        for e in flagged
    )
    print(
        f"\nprecision {_ratio(matched_all, len(episodes))} "
        f"({matched_all} of {len(episodes)} episodes match an incident), "
        f"recall {_ratio(found_all, len(visible))} "
        f"({found_all} of {len(visible)} incidents found); "
        f"{on_time} of {len(flagged)} matching episodes were flagged on time (by the end of the "
        "incident's days plus the tolerance), the others later but dated back to the change"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and print the evaluation."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.evaluate_anomalies",
        description="Precision and recall of marts.cost_anomalies against labelled incidents.",
    )
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"default {DEFAULT_DB}")
    parser.add_argument(
        "--truth", type=Path, default=DEFAULT_TRUTH, help=f"default {DEFAULT_TRUTH}"
    )
    parser.add_argument("--tolerance-days", type=int, default=2, help="default 2")
    parser.add_argument(
        "--lineage-days",
        type=int,
        default=56,
        help="days before an episode in which the incident's scope must have had cost in the "
        "episode's resource class or team (default 56, the default baseline)",
    )
    args = parser.parse_args(argv)
    return evaluate(args.db, args.truth, args.tolerance_days, args.lineage_days)


if __name__ == "__main__":
    sys.exit(main())
