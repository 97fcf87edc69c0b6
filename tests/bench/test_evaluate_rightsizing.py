"""The right-sizing evaluation's rule, on a hand-made mart: what counts as found or wrong."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.evaluate_rightsizing import KEY, evaluate, report
from simulator.rightsizing import truth


def test_found_missed_and_wrongly_flagged(tmp_path: Path) -> None:
    jobs = truth()
    over = [j for j in jobs if j["fit"] == "oversized"][:3]
    under = [j for j in jobs if j["fit"] == "undersized"][:2]
    right = [j for j in jobs if j["fit"] == "right"][:3]
    rows = [
        (over[0], "downsize"),  # found
        (over[1], "keep"),  # missed
        (under[0], "upsize"),  # found
        (under[1], "downsize"),  # missed, and a wrong downsize
        (right[0], "downsize"),  # wrong
        (right[1], "upsize"),  # wrong
        (right[2], "no_data"),
        (over[2], "no_data"),  # not missed: nothing to judge it by
        ({**right[2], "resource_class": "2xlarge+"}, "downsize"),  # a class the job is not on
    ]
    db = tmp_path / "costs.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.rightsizing_recommendations ("
            + ", ".join(f"{k} varchar" for k in KEY)
            + ", action varchar)"
        )
        con.executemany(
            "insert into marts.rightsizing_recommendations values (?, ?, ?, ?, ?, ?, ?)",
            [[job[k] for k in KEY] + [action] for job, action in rows],
        )
        scores = evaluate(con)
    assert scores.found == {"oversized": 1, "undersized": 1}
    assert scores.missed == {"oversized": 1, "undersized": 1}
    assert scores.wrongly_flagged == {"downsize": 2, "upsize": 1}
    assert scores.judged == {"oversized": 3, "undersized": 2, "right": 3}
    assert (scores.no_data, scores.unobservable, scores.other_class) == (2, 1, 1)
    assert "found 1 (downsize), missed 1" in report(scores)
