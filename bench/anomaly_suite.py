"""The anomaly suite: the method and a baseline detector across many simulated histories.

`python -m bench.anomaly_suite` (what `make evaluate` runs):

1. generates one organization per history (a noise profile and a seed, see
   `simulator.histories`): 12 projects over 14 months with seven labelled incidents,
   written as gzip CSV export files like CircleCI's, and the incidents' ground-truth CSV;
2. loads the files into a fresh DuckDB with the real files path (`python -m loader files`);
3. builds the monitoring marts with dbt, without their data tests (`make test` runs those;
   `--vars` passes settings to try);
4. scores the project-level episodes of `marts.cost_anomalies`, and those of a 28-day
   z-score detector on the same daily costs (`bench.zscore_detector`), against the incidents
   (`bench.suite_scoring`), and prints, per profile and per half of the suite, precision,
   recall, detection delay and false alarms per org and month.

The suite is split by seed: settings are chosen on the tuning seeds and reported on the
held-out ones, which nobody looked at while choosing. Everything is written under
`--work` (default `data/anomaly_suite`); `--skip-load` rebuilds and scores what is there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench.evaluate_anomalies import read_incidents
from bench.suite_scoring import Tally, score_history
from bench.zscore_detector import zscore_episodes
from simulator.export_files import write_parts
from simulator.generator import UsageGenerator
from simulator.histories import History, history_world, parse_histories

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = REPO / "data" / "anomaly_suite"
DEFAULT_HISTORIES = ",".join(
    f"{profile}:{seed}" for profile in ("gentle", "bursty", "rough") for seed in (1, 2, 3, 4)
)
DEFAULT_TUNING_SEEDS = "1,2"
DEFAULT_DAYS = 425  # 14 months
DEFAULT_SCALE = 1.0
# A fixed last day, so the suite's histories are the same whatever the day it runs.
DEFAULT_END = date(2026, 11, 30)
WINDOW_DAYS = 31
PARTS_PER_WINDOW = 2  # fewer, larger files than CircleCI writes: the same code path, less overhead


def generate(
    histories: Sequence[History], work: Path, days: int, scale: float, end: date
) -> tuple[Path, Path]:
    """Write the histories' export files and ground truth; return (exports folder, truth)."""
    exports = work / "exports"
    if exports.exists():
        shutil.rmtree(exports)
    exports.mkdir(parents=True)
    world = history_world(histories, days, end)
    gen = UsageGenerator(seed=0, end_date=end, days=days, scale=scale, world=world)
    rows = 0
    for org in gen.organizations:
        window_end = gen.end_date
        while window_end >= gen.start_date:
            window_start = max(gen.start_date, window_end - timedelta(days=WINDOW_DAYS - 1))
            table = gen.table(
                [org.id],
                datetime.combine(window_start, datetime.min.time(), UTC),
                datetime.combine(window_end, datetime.max.time(), UTC),
            )
            prefix = f"usage_{org.name}_{window_start:%Y%m%d}_{window_end:%Y%m%d}"
            write_parts(table, exports, PARTS_PER_WINDOW, prefix=prefix)
            rows += table.num_rows
            window_end = window_start - timedelta(days=1)
        print(f"  generated {org.name}", flush=True)
    truth = work / "incidents.csv"
    gen.write_ground_truth(truth)
    print(f"  {rows:,} rows, {len(gen.incidents)} incidents", flush=True)
    return exports, truth


def _environment(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "CIRCLECI_COSTS_DB": str(db),
            "DLT_PROJECT_DIR": str(REPO),
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    env.pop("CIRCLECI_COSTS_SEEDS", None)  # the default seeds: the list price for every org
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        sys.stdout.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{what} failed (exit {done.returncode}): {' '.join(command)}")
    print(f"  {what} in {time.perf_counter() - started:.0f} s", flush=True)


def load(exports: Path, db: Path) -> None:
    """Load the export files into a fresh database with `python -m loader files`."""
    for leftover in (db, db.with_name(db.name + ".wal"), db.parent / f".{db.stem}.dlt"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()
    command = [sys.executable, "-m", "loader", "files", str(exports), "--db", str(db)]
    _run(command, _environment(db), "load")


def build(db: Path, work: Path, dbt_vars: str | None) -> None:
    """Build the monitoring marts (and what they need) with dbt."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt),
        "build",
        "--project-dir",
        "dbt_project",
        "--profiles-dir",
        "dbt_project",
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--select",
        "+cost_anomalies",
        "+cost_daily_series",
        "--exclude-resource-type",
        "unit_test",
        "test",
        "--quiet",
    ]
    if dbt_vars:
        command += ["--vars", dbt_vars]
    _run(command, _environment(db), "dbt build")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def score(
    db: Path, truth: Path, histories: Sequence[History], tuning_seeds: set[int]
) -> dict[tuple[str, str, str], Tally]:
    """Score both detectors per history; return tallies by (profile, half, detector)."""
    incidents = read_incidents(truth)
    with duckdb.connect(str(db), read_only=True) as con:
        spans = {
            r["org_id"]: (r["first_day"], r["last_day"])
            for r in _rows(
                con,
                "select org_id, min(usage_date) as first_day, max(usage_date) as last_day "
                "from marts.cost_daily_series group by org_id",
            )
        }
        method = _rows(
            con,
            "select org_id, project_name, direction, first_day, detected_day, last_day, "
            "impact_cost, peak_score from marts.cost_anomalies where scope_type = 'project'",
        )
        days = con.execute(
            "select org_id, project_name, usage_date, cast(actual_cost as double) "
            "from marts.cost_daily_series where scope_type = 'project'"
        ).fetchall()
    baseline = zscore_episodes(days)
    tallies: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    for history in histories:
        if history.org_id not in spans:
            raise SystemExit(f"{history.org_name} has no series: was it loaded?")
        first, last = spans[history.org_id]
        mine = [i for i in incidents if i.org_id == history.org_id]
        half = "tuning" if history.seed in tuning_seeds else "held-out"
        for name, episodes in (("method", method), ("z-score 28d", baseline)):
            own = [e for e in episodes if e["org_id"] == history.org_id]
            tally = score_history(own, mine, first, last)
            for profile in (history.profile, "all"):
                tallies[(profile, half, name)].add(tally)
    return tallies


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def report(tallies: dict[tuple[str, str, str], Tally], verbose: bool) -> None:
    """Print the suite's table (and, verbose, the misses and false alarms)."""
    header = [
        "profile", "half", "detector", "episodes", "false", "precision", "found", "recall",
        "<=2 days", "delay median/max", "false/org-month",
    ]  # fmt: skip
    rows = []
    order = {"gentle": 0, "bursty": 1, "rough": 2, "all": 9}
    for (profile, half, name), t in sorted(
        tallies.items(), key=lambda kv: (order.get(kv[0][0], 5), kv[0][1] != "tuning", kv[0][2])
    ):
        delays = sorted(t.delays)
        rows.append(
            [
                profile,
                half,
                name,
                str(t.episodes),
                str(t.episodes - t.matched),
                _fmt(t.precision),
                f"{t.found}/{t.incidents}",
                _fmt(t.recall),
                f"{t.on_time}/{t.incidents}",
                f"{delays[len(delays) // 2]:+d}/{delays[-1]:+d}" if delays else "-",
                _fmt(t.false_per_org_month),
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print("\nProject-level episodes against the labelled incidents (tolerance 2 days):")
    for index, row in enumerate([header, *rows]):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths))
    if verbose:
        for (profile, half, name), t in sorted(tallies.items()):
            if profile == "all" or name != "method":
                continue
            for miss in t.missed:
                print(f"  missed ({profile}, {half}): {miss}")
            for e in t.false_alarms:
                print(
                    f"  false alarm ({profile}, {half}): {e['project_name']} {e['direction']} "
                    f"{e['first_day']}..{e['last_day']} impact {e.get('impact_cost', 0):+.2f} "
                    f"score {e.get('peak_score', 0):+.1f}"
                )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.anomaly_suite",
        description="The anomaly method and a 28-day z-score across simulated histories.",
    )
    parser.add_argument("--histories", default=DEFAULT_HISTORIES, help="profile:seed,...")
    parser.add_argument("--tuning-seeds", default=DEFAULT_TUNING_SEEDS, help="seeds to tune on")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    parser.add_argument("--end-date", type=date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--vars", default=None, help="dbt --vars, e.g. '{anomaly_min_amount: 5}'")
    parser.add_argument("--skip-load", action="store_true", help="rebuild and score only")
    parser.add_argument("--skip-build", action="store_true", help="score only")
    parser.add_argument("--verbose", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    try:
        histories = parse_histories(args.histories)
    except ValueError as exc:
        print(f"--histories: {exc}", file=sys.stderr)
        return 2
    tuning = {int(s) for s in args.tuning_seeds.split(",") if s.strip()}
    work: Path = args.work
    db = work / "suite.duckdb"
    truth = work / "incidents.csv"
    started = time.perf_counter()
    print(f"Anomaly suite: {len(histories)} histories in {work}", flush=True)
    if not args.skip_load:
        exports, truth = generate(histories, work, args.days, args.scale, args.end_date)
        load(exports, db)
    if not args.skip_build:
        build(db, work, args.vars)
    report(score(db, truth, histories, tuning), args.verbose)
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
