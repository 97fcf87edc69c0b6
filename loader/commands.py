"""What each subcommand of `python -m loader` does, and what it prints."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from loader import config
from loader.api_load import LoadSummary, load_from_api
from loader.exports import SKIPPED
from loader.files_load import load_files
from loader.ledger import COMPLETED, read_ledger
from loader.pipeline import create_pipeline, database_path
from loader.redact import redact
from loader.windows import Window, merge


def api_command(args: argparse.Namespace) -> int:
    """`python -m loader api`: export from CircleCI and load."""
    overrides = {"org_ids": args.org} if args.org else {}
    settings = config.resolve(overrides)
    db = database_path(args.db)
    summary = load_from_api(settings, db, start=args.start, end=args.end, no_wait=args.no_wait)
    return report(summary, db)


def report(summary: LoadSummary, db: object) -> int:
    """Print the outcome of an API load; return the exit code (1 if a window failed)."""
    tasks = summary.outcome.tasks
    done = summary.outcome.with_state("done")
    print(
        f"Loaded {len(done)} of {len(tasks)} window(s), {summary.rows:,} rows, into {db} "
        f"in {summary.seconds:.0f} s ({summary.posts} export(s) created, {summary.gets} "
        "status request(s))."
    )
    for task in summary.outcome.with_state(SKIPPED):
        print(f"  skipped {task.describe()}: {task.error}")
    if summary.remaining:
        resume = summary.outcome.resume_at
        when = f" after {resume:%H:%M} UTC" if resume else ""
        print(
            f"Stopped: CircleCI's hourly export budget is spent; {len(summary.remaining)} "
            f"window(s) remain. Run the same command again{when} to continue:"
        )
        for task in summary.remaining:
            print(f"  {task.describe()}")
    failed_orgs = summary.failed_orgs
    for org_id, reason in failed_orgs.items():
        print(f"  FAILED organization {org_id}: {redact(reason)}", file=sys.stderr)
    windows = [t for t in summary.failed if t.org_id not in failed_orgs]
    for task in windows:
        print(f"  FAILED {task.describe()}: {redact(task.error or '')}", file=sys.stderr)
    if failed_orgs or windows:
        what = [f"{len(failed_orgs)} organization(s)"] if failed_orgs else []
        what += [f"{len(windows)} window(s)"] if windows else []
        print(
            f"{' and '.join(what)} failed; everything else is loaded, and the next run tries "
            "them again.",
            file=sys.stderr,
        )
        return 1
    return 0


def files_command(args: argparse.Namespace) -> int:
    """`python -m loader files PATH...`: load export files from disk."""
    db = database_path(args.db)
    summary = load_files(args.paths, db, force=args.force)
    skipped = f" ({summary.skipped} unchanged file(s) skipped)" if summary.skipped else ""
    print(
        f"Loaded {summary.files} file(s), {summary.rows:,} rows, into {db} "
        f"in {summary.seconds:.1f} s{skipped}."
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
            if record.state == "failed":
                failed[record.error_reason].append(record.window)
        print(f"{org_id}: {spans}; {rows:,} rows exported")
        for reason, windows in failed.items():  # one line per reason (a refused org: one line)
            print(f"  failed {', '.join(w.label() for w in merge(windows))}: {reason}")
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """`python -m loader demo`: the simulator, loaded through the real HTTP path."""
    from loader.demo import run_demo

    return int(run_demo(args))
