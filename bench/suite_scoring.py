"""Score project-level episodes against labelled incidents, per history, as the suite reports.

The matching rule is `bench.evaluate_anomalies`' (fixed before any tuning) at project level:
an episode matches an incident when it is in the same org and the same project, and its days
(first to last) overlap the incident's days widened by the tolerance (2 days) on each side,
where a spike's days run from its first to its last day and a step's days are its first day.

Per group of histories (a profile, one half of the suite):

- precision: episodes matching an incident / all episodes;
- recall: incidents matched by at least one episode / incidents;
- delay: for each found incident, the first matching episode's `detected_day` minus the
  incident's first day (the day whose data raised it; it is reported once that day is
  complete); `on time` counts incidents flagged within the tolerance of their first day;
- false alarms per org-month: episodes matching nothing, over the months in which the
  detector could raise (each history's series minus its first `warmup_days`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench.evaluate_anomalies import Incident

DAYS_PER_MONTH = 365.25 / 12


def matches(episode: dict[str, Any], incident: Incident, tolerance: int, end: date) -> bool:
    """Whether a project-level episode matches an incident (the module's rule)."""
    if episode["org_id"] != incident.org_id or episode["project_name"] != incident.project:
        return False
    earliest, latest = incident.window(tolerance, end)
    return bool(episode["first_day"] <= latest and episode["last_day"] >= earliest)


@dataclass
class Tally:
    """Counts of one detector on a group of histories."""

    episodes: int = 0
    matched: int = 0
    incidents: int = 0
    found: int = 0
    on_time: int = 0
    delays: list[int] = field(default_factory=list)
    org_months: float = 0.0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.episodes += other.episodes
        self.matched += other.matched
        self.incidents += other.incidents
        self.found += other.found
        self.on_time += other.on_time
        self.delays += other.delays
        self.org_months += other.org_months
        self.missed += other.missed
        self.false_alarms += other.false_alarms

    @property
    def precision(self) -> float | None:
        """Episodes that match an incident, as a share of all episodes."""
        return self.matched / self.episodes if self.episodes else None

    @property
    def recall(self) -> float | None:
        """Incidents found, as a share of all incidents."""
        return self.found / self.incidents if self.incidents else None

    @property
    def false_per_org_month(self) -> float | None:
        """False alarms per org and month."""
        return (self.episodes - self.matched) / self.org_months if self.org_months else None


def score_history(
    episodes: Sequence[dict[str, Any]],
    incidents: Iterable[Incident],
    first_day: date,
    last_day: date,
    tolerance: int = 2,
    warmup_days: int = 56,
) -> Tally:
    """Score one history's project episodes against its incidents.

    Args:
        episodes: the history's project-level episodes (first_day, detected_day, last_day,
            org_id, project_name).
        incidents: the history's incidents.
        first_day: the first day of the history's series.
        last_day: its last complete day; incidents starting later are left out.
        tolerance: days either side of an incident's days.
        warmup_days: days at the start in which no detector can raise (not counted as months).

    Returns:
        The tally.
    """
    visible = [i for i in incidents if i.first_day <= last_day]
    tally = Tally(
        episodes=len(episodes),
        incidents=len(visible),
        org_months=max((last_day - first_day).days + 1 - warmup_days, 0) / DAYS_PER_MONTH,
    )
    for episode in episodes:
        if any(matches(episode, i, tolerance, last_day) for i in visible):
            tally.matched += 1
        else:
            tally.false_alarms.append(dict(episode))
    for incident in visible:
        found = [e for e in episodes if matches(e, incident, tolerance, last_day)]
        if not found:
            tally.missed.append(f"{incident.incident_id} {incident.kind} {incident.project}")
            continue
        tally.found += 1
        delay = min((e["detected_day"] - incident.first_day).days for e in found)
        tally.delays.append(delay)
        if incident.first_day + timedelta(days=tolerance) >= min(e["detected_day"] for e in found):
            tally.on_time += 1
    return tally
