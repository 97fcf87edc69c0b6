"""bench.evaluate_correlations counts linked and wrongly linked labelled cloud shifts."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.evaluate_correlations import evaluate

TRUTH = (
    "shift_id,provider,sub_account_id,service,team,first_day,last_day,factor,"
    "caused_by_incident,description\n"
    """SHIFT-1,AWS,111,EC2,checkout,2026-11-27,2026-11-30,3.0,INC-6,caused
SHIFT-2,Google Cloud,ana,BigQuery,data,2026-11-06,2026-11-14,2.5,,unrelated
SHIFT-3,AWS,222,RDS,catalog,2026-10-01,2026-10-03,2.0,INC-9,caused but missed
"""
)


def test_counts_follow_the_rows(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            """create table marts.cost_shift_correlations as select * from (values
                ('ci_with_cloud', true, 'AWS', '111', 'EC2', date '2026-11-29',
                 date '2026-11-30', 0.9, 'ci +100 %; EC2 +190 %'),
                ('ci_with_cloud', true, 'Google Cloud', 'ana', 'BigQuery', date '2026-11-10',
                 date '2026-11-11', 0.7, 'wrong link'),
                ('ci_with_cloud', false, 'AWS', '222', 'RDS', date '2026-10-01',
                 date '2026-10-02', 0.1, 'did not move')
            ) as t(correlation_kind, moved_with_ci, provider_name, sub_account_id,
                   service_name, first_day, last_day, correlation, description)"""
        )
    truth = tmp_path / "truth.csv"
    truth.write_text(TRUTH)
    lines = evaluate(db, truth)
    assert lines[-2:] == [
        "caused shifts linked: 1 of 2",
        "unrelated shifts wrongly linked: 1 of 1",
    ]
    assert lines[0].startswith("SHIFT-1 (caused by INC-6, 2026-11-27..2026-11-30): linked: ci")
    assert lines[2].endswith("not found")
