"""Command line of the simulator: `python -m simulator {serve,generate,ground-truth}`."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from simulator.config import DEFAULT_DAYS, SimulatorConfig
from simulator.dialects import DIALECTS
from simulator.export_files import parts_for_window, write_parts
from simulator.generator import UsageGenerator
from simulator.server import Simulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Local simulator of the CircleCI Usage Export API and its synthetic usage.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API on 127.0.0.1 until interrupted")
    serve.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--scale", type=float, default=1.0, help="activity (1.0: ~1,000 rows/day)")
    serve.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days of history")
    serve.add_argument("--created-delay", type=float, default=0.0, help="seconds in 'created'")
    serve.add_argument(
        "--processing-delay", type=float, default=5.0, help="seconds in 'processing'"
    )
    serve.add_argument("--posts-per-hour", type=int, default=10, help="0 = unlimited")
    serve.add_argument("--gets-per-minute", type=int, default=10, help="0 = unlimited")
    serve.add_argument(
        "--retry-after", action="store_true", help="send Retry-After with a 429 (CircleCI does not)"
    )
    serve.add_argument("--url-ttl", type=float, default=36 * 3600, help="URL lifetime, seconds")
    serve.add_argument(
        "--history-days", type=int, default=366, help="oldest start accepted, in days (366)"
    )
    serve.add_argument(
        "--not-found-org",
        action="store_true",
        help="list one more organization, which answers 404 (a token that cannot see it)",
    )
    serve.add_argument("--log-requests", action="store_true", help="one line per request")

    gen = sub.add_parser("generate", help="write export files (gzip CSV parts) to a folder")
    gen.add_argument("--rows", type=int, required=True, help="about how many rows in all")
    gen.add_argument("--out", type=Path, required=True, help="folder to write into")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--orgs", default="", help="organization names or ids, comma-separated")
    gen.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days of history")
    gen.add_argument(
        "--rows-in-last-days",
        type=int,
        default=None,
        help="--rows counts the rows of this many last days only (a longer history whose "
        "recent days are as busy as a shorter one's)",
    )
    gen.add_argument("--end-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    gen.add_argument("--window-days", type=int, default=31, help="days per export")
    gen.add_argument(
        "--dialects",
        default=",".join(DIALECTS),
        help=f"CSV dialects the parts take in turn, comma-separated (default {','.join(DIALECTS)})",
    )

    truth = sub.add_parser("ground-truth", help="write the labelled incidents as CSV")
    truth.add_argument("--out", type=Path, required=True)
    truth.add_argument("--seed", type=int, default=42)
    truth.add_argument("--days", type=int, default=DEFAULT_DAYS)
    truth.add_argument("--scale", type=float, default=1.0)
    truth.add_argument("--end-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator command line.

    Args:
        argv: arguments (default: sys.argv[1:]).

    Returns:
        The exit code.
    """
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "generate":
        return _generate(args)
    return _ground_truth(args)


def _serve(args: argparse.Namespace) -> int:
    config = SimulatorConfig(
        seed=args.seed,
        scale=args.scale,
        days=args.days,
        port=args.port,
        created_seconds=args.created_delay,
        processing_seconds=args.processing_delay,
        posts_per_hour=args.posts_per_hour or None,
        gets_per_minute=args.gets_per_minute or None,
        retry_after=args.retry_after,
        url_ttl_seconds=args.url_ttl,
        history_days=args.history_days,
        not_found_org_ids=(not_found_org_id(args.seed),) if args.not_found_org else (),
        log_requests=args.log_requests,
    )
    with Simulator(config) as sim:
        print(f"CIRCLECI_API_URL={sim.api_url}")
        print(f"CIRCLECI_ORG_ID={','.join(sim.listed_org_ids)}")
        print(f"CIRCLECI_TOKEN={sim.admin_token}  # demo token of the simulator")
        for org in sim.organizations:
            print(f"  {org.name}: {org.id}")
        for org_id in config.not_found_org_ids:
            print(f"  (answers 404): {org_id}")
        print("Serving; Ctrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def not_found_org_id(seed: int) -> str:
    """The organization `serve --not-found-org` lists and answers 404 for (stable per seed).

    Args:
        seed: the simulator's seed.

    Returns:
        A UUID that is none of the simulated organizations.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"circleci-costs-simulator/not-found/{seed}"))


def _generate(args: argparse.Namespace) -> int:
    probe = UsageGenerator(seed=args.seed, end_date=args.end_date, days=args.days)
    keys = [k.strip() for k in args.orgs.split(",") if k.strip()]
    try:
        orgs = [probe.organization(k) for k in keys] if keys else list(probe.organizations)
    except KeyError as exc:
        print(f"unknown organization: {exc.args[0]}", file=sys.stderr)
        return 2
    ids = [o.id for o in orgs]
    dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    if not dialects or set(dialects) - set(DIALECTS):
        print(f"--dialects: choose from {', '.join(DIALECTS)}", file=sys.stderr)
        return 2
    scale = UsageGenerator.scale_for_rows(
        args.rows,
        seed=args.seed,
        end_date=args.end_date,
        days=args.days,
        org_ids=ids,
        last_days=args.rows_in_last_days,
    )
    gen = UsageGenerator(seed=args.seed, end_date=args.end_date, days=args.days, scale=scale)
    started = time.perf_counter()
    files = rows = size = 0
    for org in orgs:
        window_end = gen.end_date
        while window_end >= gen.start_date:
            window_start = max(gen.start_date, window_end - timedelta(days=args.window_days - 1))
            start = datetime.combine(window_start, datetime.min.time(), UTC)
            end = datetime.combine(window_end, datetime.max.time(), UTC)
            table = gen.table([org.id], start, end)
            days = (window_end - window_start).days + 1
            prefix = f"usage_{org.name}_{window_start:%Y%m%d}_{window_end:%Y%m%d}"
            parts = write_parts(
                table, args.out, parts_for_window(days), prefix=prefix, dialects=dialects
            )
            files += len(parts)
            rows += table.num_rows
            size += sum(p.bytes for p in parts)
            window_end = window_start - timedelta(days=1)
    seconds = time.perf_counter() - started
    print(
        f"wrote {rows:,} rows in {files} files ({size / 1e6:,.1f} MB gzip) to {args.out} "
        f"in {seconds:.1f} s; scale {scale:.3f}, {gen.start_date} to {gen.end_date}, "
        f"organizations: {', '.join(o.name for o in orgs)}"
    )
    return 0


def _ground_truth(args: argparse.Namespace) -> int:
    gen = UsageGenerator(seed=args.seed, end_date=args.end_date, days=args.days, scale=args.scale)
    gen.write_ground_truth(args.out)
    print(
        f"wrote {len(gen.incidents)} incidents ({gen.start_date} to {gen.end_date}) to {args.out}"
    )
    return 0
