"""Score `marts.cost_shift_correlations` against the simulator's labelled cloud shifts.

`python -m bench.evaluate_correlations [--db PATH] [--truth PATH]` reads a database built by
`make demo` (or `make evaluate`) and the cloud truth file the demo writes beside it
(`demo_cloud_shifts.csv`), builds nothing, prints one line per labelled shift and the two
counts, and exits 0.

The rule, fixed before any tuning: a labelled shift is *linked* when a `ci_with_cloud` row
with moved_with_ci is on its scope (provider, sub-account, service) and its days overlap the
shift's days. A shift a CI incident caused should be linked (counted in `caused linked`); an
unrelated one should not (counted in `unrelated wrongly linked`), and should show as a
`cloud_without_ci` row instead.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO / "data" / "circleci_costs.duckdb"
DEFAULT_TRUTH = REPO / "data" / "demo_cloud_shifts.csv"


def evaluate(db: Path, truth: Path) -> list[str]:
    """The report's lines."""
    with truth.open(newline="") as handle:
        shifts = list(csv.DictReader(handle))
    lines = []
    caused = caused_linked = unrelated = wrongly_linked = 0
    with duckdb.connect(str(db), read_only=True) as con:
        for shift in shifts:
            scope = [shift["provider"], shift["sub_account_id"], shift["service"]]
            days = [date.fromisoformat(shift["first_day"]), date.fromisoformat(shift["last_day"])]
            linked = con.execute(
                """select description from marts.cost_shift_correlations
                   where correlation_kind = 'ci_with_cloud' and moved_with_ci
                       and provider_name = ? and sub_account_id = ? and service_name = ?
                       and first_day <= ? and last_day >= ?
                   order by correlation desc nulls last""",
                [*scope, days[1], days[0]],
            ).fetchall()
            alone = con.execute(
                """select count(*) from marts.cost_shift_correlations
                   where correlation_kind = 'cloud_without_ci'
                       and provider_name = ? and sub_account_id = ? and service_name = ?
                       and first_day <= ? and last_day >= ?""",
                [*scope, days[1], days[0]],
            ).fetchone()
            is_caused = bool(shift["caused_by_incident"])
            if is_caused:
                caused += 1
                caused_linked += bool(linked)
            else:
                unrelated += 1
                wrongly_linked += bool(linked)
            cause = f"caused by {shift['caused_by_incident']}" if is_caused else "unrelated"
            found = (
                f"linked: {linked[0][0]}"
                if linked
                else "shown as a cloud shift without CI change"
                if alone and alone[0]
                else "not found"
            )
            lines.append(
                f"{shift['shift_id']} ({cause}, {shift['first_day']}..{shift['last_day']}): {found}"
            )
    lines.append(f"caused shifts linked: {caused_linked} of {caused}")
    lines.append(f"unrelated shifts wrongly linked: {wrongly_linked} of {unrelated}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evaluation."""
    parser = argparse.ArgumentParser(prog="python -m bench.evaluate_correlations")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--truth", type=Path, default=DEFAULT_TRUTH)
    args = parser.parse_args(argv)
    print("CI and cloud cost shifts (marts.cost_shift_correlations) against the labelled ones:")
    for line in evaluate(args.db, args.truth):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
