"""What an API load prints: windows loaded, skipped, remaining and failed."""

from __future__ import annotations

import sys

from loader.circleci_api.load import LoadSummary
from loader.states import DONE, SKIPPED


def report(summary: LoadSummary, db: object) -> int:
    """Print the outcome of an API load; return the exit code (1 if a window failed)."""
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
    for task in summary.failed:
        print(f"  FAILED {task.describe()}: {task.error}", file=sys.stderr)
    if summary.failed:
        print(
            f"{len(summary.failed)} window(s) failed; the next run tries them again.",
            file=sys.stderr,
        )
        return 1
    return 0
