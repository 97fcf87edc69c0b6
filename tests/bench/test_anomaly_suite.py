"""The anomaly suite: its matching and scoring rule on hand-made episodes, the z-score
baseline on hand-made series, and one tiny run through generation, load, build and report."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from bench.evaluate_anomalies import Incident
from bench.suite_scoring import score_history
from bench.zscore_detector import zscore_episodes

REPO = Path(__file__).resolve().parents[2]
ORG = "org-1"


def _incident(incident_id: str, project: str, shape: str, first: str, last: str | None) -> Incident:
    return Incident(
        incident_id, ORG, project, None, None, "kind", "up", shape,
        date.fromisoformat(first), date.fromisoformat(last) if last else None,
    )  # fmt: skip


def _episode(project: str, first: str, last: str, detected: str | None = None, org: str = ORG):
    return {
        "org_id": org,
        "project_name": project,
        "first_day": date.fromisoformat(first),
        "detected_day": date.fromisoformat(detected or first),
        "last_day": date.fromisoformat(last),
    }


def test_scoring_matches_by_org_project_and_widened_days():
    spike = _incident("SPIKE", "api", "spike", "2026-03-10", "2026-03-11")
    step = _incident("STEP", "web", "step", "2026-04-06", None)
    late = _incident("LATER", "docs", "spike", "2026-06-10", "2026-06-10")  # after the end
    episodes = [
        _episode("api", "2026-03-12", "2026-03-13", detected="2026-03-13"),  # match, +3 days
        _episode("api", "2026-03-14", "2026-03-14"),  # ends 3 days after: still inside +2? no
        _episode("api", "2026-03-08", "2026-03-08"),  # first day - 2: match
        _episode("api", "2026-03-11", "2026-03-11", org="org-2"),  # another org
        _episode("web", "2026-04-08", "2026-05-01"),  # a step caught 2 days late: match
        _episode("web", "2026-04-09", "2026-05-01"),  # 3 days late: not that step
        _episode("ops", "2026-03-10", "2026-03-10"),  # another project
    ]
    tally = score_history(
        episodes, [spike, step, late], date(2026, 1, 1), date(2026, 5, 31), tolerance=2
    )
    assert tally.episodes == 7 and tally.matched == 3
    assert tally.incidents == 2 and tally.found == 2  # LATER starts after the last day
    # SPIKE's first flag is the episode detected on 03-08 (-2), STEP's on 04-08 (+2)
    assert sorted(tally.delays) == [-2, 2]
    assert tally.on_time == 2
    months = ((date(2026, 5, 31) - date(2026, 1, 1)).days + 1 - 56) / (365.25 / 12)
    assert abs(tally.org_months - months) < 1e-9
    assert tally.false_per_org_month == 4 / months
    assert [e["project_name"] for e in tally.false_alarms] == ["api", "api", "web", "ops"]


def test_a_late_flag_is_found_but_not_on_time():
    spike = _incident("SPIKE", "api", "spike", "2026-03-10", "2026-03-16")
    episode = _episode("api", "2026-03-10", "2026-03-16", detected="2026-03-14")
    tally = score_history([episode], [spike], date(2026, 1, 1), date(2026, 5, 31))
    assert tally.found == 1 and tally.delays == [4] and tally.on_time == 0
    assert tally.missed == [] and tally.precision == 1.0


def test_zscore_flags_a_spike_and_not_a_flat_series():
    start = date(2026, 1, 1)
    days = []
    for n in range(60):
        day = start + timedelta(days=n)
        days.append((ORG, "api", day, 10.0 + (n % 3)))  # 10, 11, 12, ...
        days.append((ORG, "flat", day, 5.0))
    days[2 * 40] = (ORG, "api", start + timedelta(days=40), 40.0)
    days[2 * 41] = (ORG, "api", start + timedelta(days=41), 40.0)
    episodes = zscore_episodes(days)
    assert [
        (e["project_name"], e["first_day"], e["last_day"], e["direction"]) for e in episodes
    ] == [("api", start + timedelta(days=40), start + timedelta(days=41), "up")]


def test_the_suite_runs_end_to_end(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.anomaly_suite",
            "--histories",
            "rough:5",
            "--tuning-seeds",
            "5",
            "--days",
            "200",
            "--scale",
            "0.1",
            "--work",
            str(tmp_path),
        ],  # fmt: skip
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = result.stdout.split("against the labelled incidents")[1]
    lines = [line.split() for line in table.splitlines() if line.strip().startswith("rough")]
    assert [line[2] for line in lines] == ["method", "z-score"]
    for line in lines:
        found, incidents = line[6 if line[2] == "method" else 7].split("/")
        assert incidents == "7" and 0 <= int(found) <= 7
    assert (tmp_path / "incidents.csv").read_text().count("\n") == 8
