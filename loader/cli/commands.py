"""What each subcommand of `python -m loader` does, and what it prints."""

from __future__ import annotations

import argparse
from collections import defaultdict

from loader.circleci_api import config
from loader.circleci_api.load import load_from_api
from loader.cli.demo import run_demo
from loader.cli.report import report
from loader.source.files_load import load_files
from loader.source.ledger import read_ledger
from loader.source.pipeline import create_pipeline, database_path
from loader.source.quarantine import count_rejected
from loader.states import COMPLETED, FAILED
from loader.windows import Window, merge


def api_command(args: argparse.Namespace) -> int:
    """`python -m loader api`: export from CircleCI and load."""
    overrides = {"org_ids": args.org} if args.org else {}
    settings = config.resolve(overrides)
    db = database_path(args.db)
    summary = load_from_api(settings, db, start=args.start, end=args.end, no_wait=args.no_wait)
    return report(summary, db)


def files_command(args: argparse.Namespace) -> int:
    """`python -m loader files PATH...`: load export files from disk."""
    db = database_path(args.db)
    summary = load_files(args.paths, db, force=args.force)
    skipped = f" ({summary.skipped} unchanged file(s) skipped)" if summary.skipped else ""
    print(
        f"Loaded {summary.files} file(s), {summary.rows:,} rows, into {db} "
        f"in {summary.seconds:.1f} s{skipped}."
    )
    if summary.rejected:
        print(
            f"{summary.rejected:,} row(s) could not be loaded and were set aside in "
            "circleci_raw.rejected_rows (python -m loader status lists them)."
        )
    return 0


def status_command(args: argparse.Namespace) -> int:
    """`python -m loader status`: the loaded days per organization, from the ledger."""
    db = database_path(args.db)
    if not db.exists():
        print(f"{db} does not exist yet: run `make demo` or `make refresh`.")
        return 0
    ledger = read_ledger(create_pipeline(db))
    by_org = defaultdict(list)
    for record in ledger:
        by_org[record.org_id].append(record)
    if not by_org:
        print(f"{db}: no export windows recorded (files loads are not windowed).")
    for org_id, records in sorted(by_org.items()):
        loaded = merge(r.window for r in records if r.state == COMPLETED)
        rows = sum(r.rows or 0 for r in records if r.state == COMPLETED)
        spans = ", ".join(w.label() for w in loaded) or "nothing"
        failed: dict[str | None, list[Window]] = defaultdict(list)
        for record in records:
            if record.state == FAILED:
                failed[record.error_reason].append(record.window)
        print(f"{org_id}: {spans}; {rows:,} rows exported")
        for reason, windows in failed.items():  # one line per reason (a refused org: one line)
            print(f"  failed {', '.join(w.label() for w in merge(windows))}: {reason}")
    rejected = count_rejected(create_pipeline(db))
    if rejected:
        total = sum(count for _, count, _ in rejected)
        print(f"{total:,} row(s) set aside in circleci_raw.rejected_rows, not loaded:")
        for source, count, reason in rejected:
            print(f"  {source}: {count:,} row(s), e.g. {reason}")
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """`python -m loader demo`: the simulator, loaded through the real HTTP path."""
    return run_demo(args)
