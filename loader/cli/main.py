"""The command line of `python -m loader`: api, files, demo, status, export, focus, publish."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from loader.source.pipeline import REPO_ROOT, database_path

# dlt reads `.dlt/config.toml` from its project folder: the repository, wherever we run from.
os.environ.setdefault("DLT_PROJECT_DIR", str(REPO_ROOT))

import duckdb  # noqa: E402

from loader import settings  # noqa: E402
from loader.cli.commands import (  # noqa: E402
    api_command,
    demo_command,
    files_command,
    status_command,
)
from loader.errors import ConfigurationError, LoaderError  # noqa: E402
from loader.focus.commands import (  # noqa: E402
    add_focus_commands,
    export_command,
    focus_command,
)
from loader.publish.cli import add_commands as add_publish_commands  # noqa: E402
from loader.publish.lock import check_writable, is_lock_conflict, locked_message  # noqa: E402
from loader.redact import install_filter, redact  # noqa: E402

log = logging.getLogger("loader")

EPILOG = f"""
environment:
  CIRCLECI_TOKEN      personal API token of an organization admin (or .dlt/secrets.toml)
  CIRCLECI_ORG_ID     organization ID(s), comma-separated (Organization Settings > Overview)
  CIRCLECI_API_URL    API base URL (default {settings.DEFAULT_API_URL})
  CIRCLECI_COSTS_DB   DuckDB file (default {settings.DEFAULT_DB_PATH} in the repository)
  CIRCLECI_COSTS_PUBLISH_DIR  published read-only copy (default {settings.DEFAULT_PUBLISH_DIR})
"""


def parse_moment(text: str) -> datetime:
    """Parse `YYYY-MM-DD` or an ISO timestamp as UTC (argparse type)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m loader`."""
    parser = argparse.ArgumentParser(
        prog="python -m loader",
        description="Load the CircleCI Usage Export into DuckDB (circleci_raw).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    api = commands.add_parser(
        "api",
        help="load from the CircleCI Usage Export API",
        description=(
            "Export usage from CircleCI and load it. The first run backfills as far as CircleCI "
            f"allows ({settings.MAX_HISTORY_DAYS} days); later runs load from the last complete "
            "day minus the re-export lag to the end of yesterday (UTC), and fill any gap an "
            "earlier run left. An "
            "organization CircleCI refuses fails alone: the others are loaded."
        ),
    )
    api.add_argument("--start", type=parse_moment, help="start of the range (UTC date)")
    api.add_argument("--end", type=parse_moment, help="end of the range (exclusive, UTC date)")
    api.add_argument(
        "--org", action="append", help="organization ID (repeatable; default CIRCLECI_ORG_ID)"
    )
    api.add_argument(
        "--no-wait",
        action="store_true",
        help="stop instead of waiting when the hourly export budget is spent",
    )
    api.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")

    files = commands.add_parser(
        "files",
        help="load export files already on disk",
        description="Load .csv or .csv.gz usage export files, or folders of them.",
    )
    files.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    files.add_argument(
        "--force", action="store_true", help="load files again even if loaded before unchanged"
    )
    files.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")

    demo = commands.add_parser(
        "demo",
        help="load simulated usage through the real HTTP path",
        description=(
            "Start the built-in simulator of the Usage Export API on a free loopback port and "
            f"load a year ({settings.MAX_HISTORY_DAYS} days) of synthetic usage from it through "
            "the real HTTP path."
        ),
    )
    demo.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")
    demo.add_argument("--seed", type=int, default=42, help="seed of the synthetic data")
    demo.add_argument("--scale", type=float, default=1.0, help="data volume multiplier")
    demo.add_argument(
        "--ground-truth",
        type=Path,
        help="where to write the simulator's incident list (default beside the database)",
    )

    status = commands.add_parser("status", help="show what is loaded, per organization")
    status.add_argument("--db", type=Path, help="DuckDB file (default CIRCLECI_COSTS_DB)")
    add_focus_commands(commands)
    add_publish_commands(commands)
    return parser


def configure_logging(verbose: bool, quiet: bool) -> None:
    """Log to stderr with times, secrets redacted, dlt kept quiet unless verbose."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(level)
    if verbose:
        logging.getLogger("urllib3").setLevel(logging.DEBUG)
    install_filter()


def _explained(error: Exception, args: argparse.Namespace) -> str:
    """The error's message, or the one-line lock message when another process holds the DB."""
    text = str(error)
    if is_lock_conflict(text) and "published copy" not in text:
        return locked_message(database_path(getattr(args, "db", None)), text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, args.quiet)
    try:
        if args.command in {"api", "files", "demo"}:
            check_writable(database_path(args.db))
        if hasattr(args, "run"):
            return int(args.run(args))
        if args.command == "api":
            return api_command(args)
        if args.command == "files":
            return files_command(args)
        if args.command == "demo":
            return demo_command(args)
        if args.command == "export":
            return export_command(args)
        if args.command == "focus":
            return focus_command(args)
        return status_command(args)
    except ConfigurationError as error:
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return 2
    except LoaderError as error:
        print(f"error: {redact(_explained(error, args))}", file=sys.stderr)
        return 1
    except duckdb.IOException as error:
        if not is_lock_conflict(str(error)):
            raise
        print(f"error: {_explained(error, args)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\nInterrupted. Every window loaded so far is kept; run the same command again "
            "to continue.",
            file=sys.stderr,
        )
        return 130
