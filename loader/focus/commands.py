"""The FOCUS subcommands of `python -m loader`: `export focus` and `focus PATH...`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from loader.settings import FOCUS_EXPORT_DIR, FOCUS_EXPORT_FORMAT, FOCUS_VERSION
from loader.source.pipeline import REPO_ROOT, database_path


def add_focus_commands(commands: Any) -> None:
    """Add `export` and `focus` to the subcommands of `python -m loader`."""
    export = commands.add_parser(
        "export",
        help="write the CircleCI costs for other tools (FOCUS)",
        description=(
            f"Write marts.focus_circleci_costs as FOCUS {FOCUS_VERSION} files, one per billing "
            "period (UTC month), for FinOps tools that ingest FOCUS. Build the marts first."
        ),
    )
    export.add_argument("what", choices=["focus"], help="what to export")
    export.add_argument(
        "--format",
        choices=["parquet", "csv"],
        default=FOCUS_EXPORT_FORMAT,
        help=f"file format (default {FOCUS_EXPORT_FORMAT})",
    )
    export.add_argument(
        "--out", type=Path, help=f"folder to write into (default {FOCUS_EXPORT_DIR})"
    )
    export.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")

    focus = commands.add_parser(
        "focus",
        help="load cloud FOCUS cost exports (AWS, Azure, Google Cloud, Oracle)",
        description=(
            "Load FOCUS 1.0-1.2 cost and usage exports (.csv, .csv.gz, .parquet, or folders "
            "of them) into focus_raw.charges. Files loaded before unchanged are skipped."
        ),
    )
    focus.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    focus.add_argument(
        "--force", action="store_true", help="load files again even if loaded before unchanged"
    )
    focus.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")


def export_command(args: argparse.Namespace) -> int:
    """`python -m loader export focus`: write the FOCUS files."""
    from loader.focus.export import export_focus

    db = database_path(args.db)
    out = (args.out or REPO_ROOT / FOCUS_EXPORT_DIR).expanduser().resolve()
    summary = export_focus(db, out, args.format)
    print(
        f"Wrote {len(summary.files)} FOCUS {FOCUS_VERSION} file(s), {summary.rows:,} rows, "
        f"into {out} in {summary.seconds:.1f} s."
    )
    return 0


def focus_command(args: argparse.Namespace) -> int:
    """`python -m loader focus PATH...`: load cloud FOCUS exports."""
    from loader.focus.load import load_focus_files

    db = database_path(args.db)
    summary = load_focus_files(args.paths, db, force=args.force)
    skipped = f" ({summary.skipped} unchanged file(s) skipped)" if summary.skipped else ""
    print(
        f"Loaded {summary.files} FOCUS file(s), {summary.rows:,} charges, into {db} "
        f"in {summary.seconds:.1f} s{skipped}."
    )
    if summary.rejected:
        print(
            f"{summary.rejected:,} row(s) could not be read and were set aside with the reason "
            "in focus_raw.rejected_charges."
        )
    return 0
