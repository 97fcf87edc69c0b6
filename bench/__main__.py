"""`python -m bench` (`make bench`): time the loader and the marts against DuckDB's own speed.

Every figure is measured in this run on this machine, and every ratio divides by the
physical baseline measured in the same run (see `bench/baseline.py`), so the figures compare
like with like whatever the machine. Nothing here asserts a time: it prints and records.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.measure import Run, median_of, run
from loader.source.pipeline import REPO_ROOT
from simulator.config import DEFAULT_DAYS as HISTORY_DAYS  # the simulator's default history

PYTHON = sys.executable
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class Figure:
    """One line of the results table."""

    name: str
    value: float
    unit: str
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)


def environment(db: Path, **extra: str) -> dict[str, str]:
    """The environment of a measured process: the repository's, a given database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCLECI_", "SOURCES__"))}
    env.update(
        CIRCLECI_COSTS_DB=str(db),
        DLT_PROJECT_DIR=str(REPO_ROOT),
        RUNTIME__DLTHUB_TELEMETRY="false",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        PYTHONPATH=str(REPO_ROOT),
    )
    env.update(extra)
    return env


def generate(rows: int, folder: Path, seed: int, days: int = HISTORY_DAYS) -> Path:
    """Export files generated once and reused (gzip CSV parts).

    `days` of history whose last HISTORY_DAYS hold about `rows` job runs: a longer history
    has recent days as busy as the default one's.
    """
    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    command = [PYTHON, "-m", "simulator", "generate", "--rows", str(rows), "--days", str(days)]
    command += ["--rows-in-last-days", str(HISTORY_DAYS)]
    command += ["--out", str(folder), "--seed", str(seed)]
    # RFC 4180 parts only: DuckDB's reader, the baseline, cannot read the backslash dialect
    # (its escape works only inside quotes), so those parts would have no baseline to compare
    command += ["--dialects", "rfc4180,rfc4180-quoted"]
    print(f"  generating {rows:,} rows into {folder} ...", flush=True)
    print("  " + run(command, environment(folder / "unused.duckdb"), REPO_ROOT).stdout.strip())
    marker.write_text(str(rows))
    return folder


def new_day(folder: Path, rows: int, seed: int, days: int = HISTORY_DAYS) -> Path:
    """The export of the day after the generated history, for an incremental load."""
    from simulator import UsageGenerator, write_parts

    end = datetime.now(UTC).date() - timedelta(days=1)
    scale = UsageGenerator.scale_for_rows(
        rows, seed=seed, end_date=end, days=days, last_days=HISTORY_DAYS
    )
    generator = UsageGenerator(
        seed=seed, end_date=end + timedelta(days=1), days=days + 1, scale=scale
    )
    folder.mkdir(parents=True, exist_ok=True)
    for org in generator.organizations:
        table = generator.day_table(org.id, generator.end_date)
        write_parts(table, folder, 2, prefix=f"usage_{org.name}_newday")
    return folder


def load_files(files: Path, db: Path, *extra: str) -> Run:
    """`python -m loader files` into `db`."""
    command = [PYTHON, "-m", "loader", "-q", "files", str(files), *extra]
    return run(command, environment(db), REPO_ROOT)


def baseline(files: Path, db: Path) -> Run:
    """DuckDB alone into a fresh `db`."""
    return run([PYTHON, "-m", "bench.baseline", str(files), str(db)], environment(db), REPO_ROOT)


def dbt_command(*arguments: str) -> list[str]:
    """A dbt command line for the project, run from the repository root."""
    return [DBT, *arguments, "--project-dir", "dbt_project", "--profiles-dir", "dbt_project"]


def count_job_runs(db: Path) -> int:
    """The usage rows loaded into `db`."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("select count(*) from circleci_raw.usage_job_runs").fetchone()
    return int(row[0]) if row else 0


def dbt_build(db: Path, *extra: str) -> Run:
    """`dbt build` of the project on `db`."""
    return run(dbt_command("build", "--quiet", *extra), environment(db), REPO_ROOT)


def fresh(workdir: Path, name: str) -> Path:
    """A database path in a new empty folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=workdir))
    return folder / "costs.duckdb"


def measure_loads(
    args: argparse.Namespace, workdir: Path, figures: list[Figure]
) -> dict[str, Path]:
    """Steps 1 to 3 and 5: the files path against the physical baseline, memory at two sizes."""
    files = generate(args.rows, workdir / f"files-{args.rows}-seed{args.seed}", args.seed)
    small = generate(
        args.small_rows, workdir / f"files-{args.small_rows}-seed{args.seed}", args.seed
    )
    if args.skip_loads:  # the histories the dbt step needs, loaded once and not timed
        print("  loading the history (not timed: --skip-loads) ...", flush=True)
        history = fresh(workdir, "loader")
        load_files(files, history)
        day = new_day(workdir / f"newday-{args.rows}-seed{args.seed}", args.rows, args.seed)
        return {"history_db": history, "small_files": small, "day": day}

    print("  physical baseline (DuckDB read_csv, INSERT OR REPLACE on the key) ...", flush=True)
    base, base_times = median_of(args.reps, lambda i: baseline(files, fresh(workdir, "base")))
    print(f"    {base.seconds:.1f} s", flush=True)
    print("  loader, first load ...", flush=True)
    dbs: list[Path] = []

    def first_load(i: int) -> Run:
        dbs.append(fresh(workdir, "loader"))
        return load_files(files, dbs[-1])

    first, first_times = median_of(args.reps, first_load)
    history = dbs[-1]
    print(f"    {first.seconds:.1f} s, peak {first.peak_rss_mb:.0f} MB", flush=True)
    print("  loader, the same files again ...", flush=True)
    again, again_times = median_of(args.reps, lambda i: load_files(files, history))
    print("  loader, the same files again, --force ...", flush=True)
    forced, forced_times = median_of(args.reps, lambda i: load_files(files, history, "--force"))
    day = new_day(workdir / f"newday-{args.rows}-seed{args.seed}", args.rows, args.seed)
    print("  loader, one new day on the full history ...", flush=True)
    one_day = load_files(day, history)
    print("  loader, smaller input (memory) ...", flush=True)
    small_run, _ = median_of(1, lambda i: load_files(small, fresh(workdir, "small")))

    ratio = first.seconds / base.seconds
    figures += [
        Figure(
            "baseline: DuckDB read_csv + insert or replace",
            base.seconds,
            "s",
            1.0,
            samples=base_times,
            note=f"{args.rows:,} rows, peak {base.peak_rss_mb:.0f} MB",
        ),
        Figure(
            "loader: first load (python -m loader files)",
            first.seconds,
            "s",
            ratio,
            "<= 1.5",
            ratio <= 1.5,
            samples=first_times,
        ),
        Figure(
            "loader: second load of the same files",
            again.seconds,
            "s",
            again.seconds / base.seconds,
            samples=again_times,
            note="recognised by content, skipped",
        ),
        Figure(
            "loader: the same files again, --force",
            forced.seconds,
            "s",
            forced.seconds / base.seconds,
            samples=forced_times,
            note="parsed and merged again: nothing changes",
        ),
        Figure(
            "loader: one new day on the full history",
            one_day.seconds,
            "s",
            one_day.seconds / base.seconds,
        ),
        Figure(f"loader peak memory, {args.small_rows:,} rows", small_run.peak_rss_mb, "MB"),
        Figure(
            f"loader peak memory, {args.rows:,} rows",
            first.peak_rss_mb,
            "MB",
            first.peak_rss_mb / max(small_run.peak_rss_mb, 1),
            "< 1024 MB",
            first.peak_rss_mb < 1024,
            note="ratio: against the smaller input",
        ),
    ]
    return {"history_db": history, "small_files": small, "day": day}


def measure_dbt(
    args: argparse.Namespace, workdir: Path, figures: list[Figure], loads: dict[str, Path]
) -> None:
    """Step 4: full build against an incremental build after one new day, at four sizes.

    The history of --rows job runs over 400 days (13 months) is compared with three others.
    The longer one has --longer-days days (1,600 by default), its last 400 as busy as the
    default history's (the simulated organizations grow, so its older days are quieter): its
    daily build against the default one's is the figure that shows whether the daily build
    grows with the history (the target). The denser one has --large-rows job runs (4 x --rows
    by default) over the same 400 days, as many scopes and jobs: a daily build rebuilds the
    changed days, which then hold that many times the runs, so it shows the cost of a busier
    day, not of a longer history (no target). The smaller one has --small-rows.

    Both builds run as `make transform` does: unit tests (which test the SQL, not the data,
    and run on every `make test`) are left out of routine builds. Each incremental build
    starts from a copy of the database as it stood after the full build and the new day's
    load, so the repetitions all do the same work; the median is reported. dbt's start-up (import,
    parse, no node run: `dbt ls`) is measured beside it: it is the part of a routine run no
    model can make smaller.
    """
    routine = ("--exclude-resource-type", "unit_test")
    results: dict[str, tuple[Run, Run, list[float]]] = {}
    # (label, database or the files and new day to load into a fresh one)
    sizes: list[tuple[str, Path | None, Path, Path]] = [
        ("full history", loads["history_db"], Path(), loads["day"])
    ]
    if not args.quick:  # a quick run checks that the steps work: one size is enough
        sizes.append(("smaller history", None, loads["small_files"], loads["day"]))
    if args.longer_days:  # the daily build must not grow with the history
        longer = workdir / f"files-{args.rows}-days{args.longer_days}-seed{args.seed}"
        longer_day = workdir / f"newday-{args.rows}-days{args.longer_days}-seed{args.seed}"
        sizes.append(
            (
                "longer history",
                None,
                generate(args.rows, longer, args.seed, args.longer_days),
                new_day(longer_day, args.rows, args.seed, args.longer_days),
            )
        )
    if args.large_rows:  # a busier day: the same days with more job runs each
        denser = workdir / f"files-{args.large_rows}-seed{args.seed}"
        denser_day = workdir / f"newday-{args.large_rows}-seed{args.seed}"
        sizes.append(
            (
                "denser history",
                None,
                generate(args.large_rows, denser, args.seed),
                new_day(denser_day, args.large_rows, args.seed),
            )
        )
    job_runs: dict[str, int] = {}
    for label, given, history_files, day in sizes:
        if given is None:
            db = fresh(workdir, "dbt-" + label.split()[0])
            print(f"  loading the {label} (not timed) ...", flush=True)
            load_files(history_files, db)
        else:
            db = given
        print(f"  dbt build, {label} ...", flush=True)
        # dbt parses the whole project again when the database path (an env var of its profile)
        # changes, as it does between these databases; a user's path does not, so parse first
        run(dbt_command("parse", "--quiet"), environment(db), REPO_ROOT)
        full = dbt_build(db, "--full-refresh", *routine)
        job_runs[label] = count_job_runs(db)
        load_files(day, db)
        # every repetition starts from the state after the new day's load, at the same path
        after_load = db.with_name(db.name + ".after-load")
        os.replace(db, after_load)

        def incremental_build(i: int, db: Path = db, after_load: Path = after_load) -> Run:
            shutil.copyfile(after_load, db)
            return dbt_build(db, *routine)

        try:
            incremental_run, times = median_of(args.reps, incremental_build)
        finally:
            os.replace(after_load, db)
        results[label] = (full, incremental_run, times)
    full, incremental, times = results["full history"]
    startup, startup_times = median_of(
        args.reps,
        lambda i: run(dbt_command("ls", "--quiet"), environment(loads["history_db"]), REPO_ROOT),
    )
    ratio = incremental.seconds / full.seconds
    figures += [
        Figure("dbt build, full refresh, full history", full.seconds, "s"),
        Figure(
            "dbt build, incremental after one new day",
            incremental.seconds,
            "s",
            ratio,
            "<= 0.25",
            ratio <= 0.25,
            note="ratio: incremental / full",
            samples=times,
        ),
        Figure(
            "dbt start-up alone (dbt ls: import, parse)",
            startup.seconds,
            "s",
            startup.seconds / full.seconds,
            note="ratio: of the full build; part of every incremental run",
            samples=startup_times,
        ),
    ]
    if "smaller history" in results:
        small_full, small_incremental, small_times = results["smaller history"]
        figures.append(
            Figure(
                "dbt build, incremental, smaller history",
                small_incremental.seconds,
                "s",
                small_incremental.seconds / small_full.seconds,
                note=f"ratio: incremental / full ({small_full.seconds:.1f} s)",
                samples=small_times,
            )
        )
    for label in ("longer history", "denser history"):
        if label not in results:
            continue
        large_full, large_incremental, large_times = results[label]
        growth = large_incremental.seconds / incremental.seconds
        is_longer = label == "longer history"
        shape = (
            f"{args.longer_days:,} days, the last {HISTORY_DAYS} as busy as the shorter one's"
            if is_longer
            else f"{HISTORY_DAYS} days, {args.large_rows / args.rows:g} x the job runs a day"
        )
        name = f"{job_runs[label]:,}-job-run {label}"
        figures += [
            Figure(
                f"dbt build, full refresh, {name}",
                large_full.seconds,
                "s",
                large_full.seconds / full.seconds,
                note=f"{shape}; ratio: against the full build of {job_runs['full history']:,}",
            ),
            Figure(
                f"dbt build, incremental, {name}",
                large_incremental.seconds,
                "s",
                growth,
                "<= 1.2" if is_longer else "",
                growth <= 1.2 if is_longer else None,
                note=f"ratio: against the incremental build on {job_runs['full history']:,}"
                + ("" if is_longer else "; the changed days hold as many times the runs"),
                samples=large_times,
            ),
        ]


def measure_api(args: argparse.Namespace, workdir: Path, figures: list[Figure]) -> None:
    """Step 6: a 12-window backfill against one window, with realistic processing delays."""
    for delay in args.api_delay:
        one, many = api_backfills(args, workdir, delay)
        ratio = many[0] / one[0]
        # each export needs at least one GET that finds it completed: past 10 a minute, the
        # others wait for the budget's minute to slide. Without that wait the backfill would
        # take about as long as one window if the exports run side by side.
        forced_wait = 60 * ((args.api_windows - 1) // 10)
        side_by_side = (many[0] - forced_wait) / one[0]
        figures += [
            Figure(
                f"API: one window, {delay:.0f} s per export",
                one[0],
                "s",
                note=f"{one[1]} POST, {one[2]} GET",
            ),
            Figure(
                f"API: {args.api_windows}-window backfill, {delay:.0f} s per export",
                many[0],
                "s",
                ratio,
                "<= 2",
                ratio <= 2,
                note=f"{many[1]} POST, {many[2]} GET; less the {forced_wait} s the GET "
                f"limit (10/min) forces on exports 11-{args.api_windows}: {side_by_side:.2f}",
            ),
        ]


def api_backfills(
    args: argparse.Namespace, workdir: Path, delay: float
) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    """Seconds, POSTs and GETs of one window's load, then of `api_windows` windows'."""
    from simulator import Simulator, SimulatorConfig

    config = SimulatorConfig(
        seed=args.seed,
        scale=0.1,
        processing_seconds=delay,
        posts_per_hour=args.api_windows + 1,  # the single-window run spends one too
        gets_per_minute=10,
        work_dir=str(Path(tempfile.mkdtemp(prefix="sim-", dir=workdir))),
    )
    timings = {}
    with Simulator(config) as sim:
        org = sim.org_ids[0]
        today = datetime.now(UTC).date()
        for windows in (1, args.api_windows):
            start = today - timedelta(days=31 * windows)
            before = sim.stats()
            env = environment(
                fresh(workdir, "api"),
                CIRCLECI_TOKEN=sim.admin_token,
                CIRCLECI_ORG_ID=org,
                CIRCLECI_API_URL=sim.api_url,
                SOURCES__CIRCLECI__POSTS_PER_HOUR=str(args.api_windows + 1),
            )
            print(f"  API path, {windows} window(s), {delay:.0f} s per export ...", flush=True)
            command = [PYTHON, "-m", "loader", "-q", "api", "--start", str(start)]
            result = run(command, env, REPO_ROOT)
            after = sim.stats()
            posts = after.count(org_id=org, method="POST") - before.count(org_id=org, method="POST")
            gets = after.count(org_id=org, method="GET") - before.count(org_id=org, method="GET")
            timings[windows] = (result.seconds, posts, gets)
    return timings[1], timings[args.api_windows]


def print_table(figures: list[Figure]) -> None:
    """The results as an aligned table."""
    print()
    print(f"{'measure':<52} {'value':>10} {'ratio':>7}  {'target':<10} status  note")
    for f in figures:
        value = f"{f.value:,.1f} {f.unit}"
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
        status = "" if f.met is None else ("met" if f.met else "MISSED")
        print(f"{f.name:<52} {value:>10} {ratio:>7}  {f.target:<10} {status:<6}  {f.note}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; write the figures to a JSON file and print a table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000, help="job runs of the history")
    parser.add_argument("--small-rows", type=int, default=500_000, help="second size (memory)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of the load timings")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--api-delay",
        type=lambda text: [float(x) for x in text.split(",")],
        default=[30.0, 60.0],
        help="seconds per export, comma-separated (each is measured)",
    )
    parser.add_argument("--api-windows", type=int, default=12)
    parser.add_argument(
        "--longer-days",
        type=int,
        default=4 * HISTORY_DAYS,
        help="days of a longer history, its last days as busy as the --rows one's, whose daily "
        "build is compared (default 1600; 0 leaves it out)",
    )
    parser.add_argument(
        "--large-rows",
        type=int,
        default=None,
        help="job runs of a denser history (as many days, more job runs a day) whose daily "
        "build is compared (default 4 x --rows; 0 leaves it out)",
    )
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument(
        "--skip-loads",
        action="store_true",
        help="load the histories once without timing the loader (to time dbt alone)",
    )
    parser.add_argument("--skip-dbt", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and one dbt size, to check it runs"
    )
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / "data" / "bench")
    parser.add_argument("--out", type=Path, default=None, help="JSON results file")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.small_rows, args.reps, args.large_rows = 20_000, 10_000, 1, 0
        args.longer_days = 0
        args.api_delay, args.api_windows = [1.0], 3
    if args.large_rows is None:
        args.large_rows = 4 * args.rows
    args.workdir.mkdir(parents=True, exist_ok=True)
    out = args.out or args.workdir / "results.json"
    figures: list[Figure] = []
    print(f"circleci-costs benchmark: {args.rows:,} rows, {os.cpu_count()} CPUs", flush=True)
    loads = measure_loads(args, args.workdir, figures)
    if not args.skip_dbt:
        measure_dbt(args, args.workdir, figures, loads)
    if not args.skip_api:
        measure_api(args, args.workdir, figures)
    print_table(figures)
    out.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "settings": {k: str(v) for k, v in vars(args).items()},
                "figures": [asdict(f) for f in figures],
            },
            indent=2,
        )
    )
    print(f"\nfigures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
