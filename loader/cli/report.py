"""What an API load prints: windows loaded, skipped, remaining and failed, failed orgs."""

from __future__ import annotations

import sys

from loader.circleci_api.load import LoadSummary
from loader.redact import redact
from loader.states import DONE, SKIPPED


def report(summary: LoadSummary, db: object) -> int:
    """Print the outcome of an API load; return the exit code (1 if an org or a window failed)."""
    tasks = summary.outcome.tasks
    done = summary.outcome.with_state(DONE)
    print(
        f"Loaded {len(done)} of {len(tasks)} window(s), {summary.rows:,} rows, into {db} "
        f"in {summary.seconds:.0f} s ({summary.posts} export(s) created, {summary.gets} "
        "status request(s))."
    )
    if summary.rejected:
        print(
            f"{summary.rejected:,} row(s) could not be loaded and were set aside in "
            "circleci_raw.rejected_rows (python -m loader status lists them)."
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
