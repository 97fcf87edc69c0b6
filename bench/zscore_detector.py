"""The baseline detector the anomaly suite compares against: a trailing 28-day z-score.

This is what common dbt anomaly tests do (Elementary's volume and column anomalies: a day is
an outlier when it lies more than `anomaly_sensitivity` (default 3) standard deviations from
the mean of a training window, https://docs.elementary-data.com/data-tests/data-anomaly-detection).
Here, per project and day: the mean and the (population) standard deviation of the project's
cost over the 28 days before; a day with at least 28 days before it is anomalous when its
|z| passes 3 (a flat window, standard deviation zero, raises nothing). Anomalous days in the
same direction with at most one day between them form one episode.

It reads the same daily cost the method reads (`marts.cost_daily_series`, project scope,
`actual_cost`), so the two are compared on the same data.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

WINDOW_DAYS = 28
THRESHOLD = 3.0
MAX_GAP_DAYS = 1


def zscore_episodes(
    days: Iterable[tuple[str, str, date, float]],
    window: int = WINDOW_DAYS,
    threshold: float = THRESHOLD,
) -> list[dict[str, Any]]:
    """Return the baseline detector's project episodes.

    Args:
        days: (org id, project name, day, cost) for every day of each project's series,
            zeros included.
        window: days of the trailing window.
        threshold: the |z| a day must pass.

    Returns:
        Episodes as dicts with the columns of `marts.cost_anomalies` the suite reads:
        scope_type, org_id, project_name, direction, first_day, detected_day, last_day.
    """
    series: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
    for org_id, project, day, cost in days:
        series[(org_id, project)].append((day, float(cost)))
    episodes: list[dict[str, Any]] = []
    for (org_id, project), points in series.items():
        points.sort()
        flagged: list[tuple[date, str]] = []
        for index in range(window, len(points)):
            past = [cost for _, cost in points[index - window : index]]
            mean = sum(past) / window
            spread = math.sqrt(sum((c - mean) ** 2 for c in past) / window)
            day, cost = points[index]
            if spread > 0 and abs(cost - mean) / spread > threshold:
                flagged.append((day, "up" if cost > mean else "down"))
        current: dict[str, Any] | None = None
        for day, direction in flagged:
            if (
                current is not None
                and current["direction"] == direction
                and (day - current["last_day"]).days <= MAX_GAP_DAYS + 1
            ):
                current["last_day"] = day
                continue
            current = {
                "scope_type": "project",
                "org_id": org_id,
                "project_name": project,
                "direction": direction,
                "first_day": day,
                "detected_day": day,
                "last_day": day,
            }
            episodes.append(current)
    return episodes
