"""The commands of the published copy: `publish`, `report` and `check-lock`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from loader.publish.lock import check_writable
from loader.publish.marts import publish
from loader.publish.paths import publish_dir, published_db_path
from loader.settings import DEFAULT_REPORT_PATH, PUBLISH_KEEP_VERSIONS
from loader.source.pipeline import database_path


def add_commands(commands: Any) -> None:
    """Add the subcommands to `python -m loader`'s subparsers."""
    publish = commands.add_parser(
        "publish",
        help="publish the marts read-only for BI tools (Parquet + a DuckDB file of views)",
        description=(
            "Write every mart as Parquet and a DuckDB file of views over them to a new version "
            "folder under the publish folder, then switch to it atomically. BI tools and the "
            "report read that copy, never the database a refresh writes."
        ),
    )
    publish.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")
    publish.add_argument(
        "--to", type=Path, help="publish folder (default CIRCLECI_COSTS_PUBLISH_DIR)"
    )
    publish.add_argument(
        "--keep",
        type=int,
        default=PUBLISH_KEEP_VERSIONS,
        help=f"older versions to keep (default {PUBLISH_KEEP_VERSIONS})",
    )
    publish.set_defaults(run=publish_command)

    report = commands.add_parser(
        "report",
        help="write the self-contained HTML cost report from the published marts",
        description="Write one HTML file (scripts and data inlined, works offline).",
    )
    report.add_argument(
        "--published", type=Path, help="publish folder (default CIRCLECI_COSTS_PUBLISH_DIR)"
    )
    report.add_argument("--out", type=Path, help=f"HTML file (default {DEFAULT_REPORT_PATH})")
    report.set_defaults(run=report_command)

    check = commands.add_parser(
        "check-lock",
        help="fail with one line if another process holds the database open",
    )
    check.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")
    check.set_defaults(run=check_lock_command)


def publish_command(args: argparse.Namespace) -> int:
    """`python -m loader publish`: publish the marts and say where."""
    root = publish_dir(args.to)
    done = publish(database_path(args.db), root, keep=max(args.keep, 0))
    rows = sum(mart.rows for mart in done.marts)
    print(
        f"Published {len(done.marts)} marts ({rows:,} rows) as {done.version} in "
        f"{done.seconds:.1f} s: open {published_db_path(args.to)} read-only, or the Parquet "
        f"files in {root / 'current'}."
    )
    return 0


def report_command(args: argparse.Namespace) -> int:
    """`python -m loader report`: write the HTML report and print its path."""
    # Imported here: plotly is heavy, and only this command draws.
    from loader.report.build import write_report

    out = write_report(published_db_path(args.published), args.out)
    print(f"Report: {out}")
    return 0


def check_lock_command(args: argparse.Namespace) -> int:
    """`python -m loader check-lock`: exit 1 with one line if the database is held open."""
    check_writable(database_path(args.db))
    return 0
