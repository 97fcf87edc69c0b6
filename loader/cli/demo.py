"""`python -m loader demo`: a year of simulated usage, loaded through the real HTTP path.

The simulator runs on a free loopback port with CircleCI's behaviour (states, multi-part gzip
downloads, pre-signed URLs) but with its rate limits relaxed, so the demo takes minutes rather
than the hours a real year's backfill needs at 10 exports an hour. The loader is told the same
relaxed limits; everything else is the production code path. Like CircleCI, the simulator keeps
more history than it lets anyone export: the demo loads the 366 days it allows.
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from loader.circleci_api.config import CircleCIConfig
from loader.circleci_api.load import SIMULATOR, load_from_api
from loader.cli.demo_seeds import render_seeds
from loader.cli.report import report
from loader.errors import ConfigurationError
from loader.focus.demo import load_demo_cloud_bills
from loader.source.ledger import read_ledger
from loader.source.pipeline import REPO_ROOT, create_pipeline, database_path
from simulator import Simulator, SimulatorConfig

log = logging.getLogger("loader")

DEMO_POSTS_PER_HOUR = 1000
DEMO_GETS_PER_MINUTE = 6000
DEMO_PROCESSING_SECONDS = 0.5
DEMO_SEED_TEMPLATES = REPO_ROOT / "demo" / "seeds"
# dbt reads seeds from CIRCLECI_COSTS_SEEDS, relative to dbt_project/: `make demo` sets
# ../data/demo_seeds.
DEMO_SEEDS = REPO_ROOT / "data" / "demo_seeds"


def demo_loader_config(sim: Simulator) -> CircleCIConfig:
    """Loader settings for the simulator: its token, its orgs, the relaxed limits.

    Built explicitly, never resolved from the environment, so a real `CIRCLECI_TOKEN` is
    never sent to the simulator.
    """
    config = CircleCIConfig()
    config.api_token = sim.admin_token
    config.org_ids = list(sim.org_ids)
    config.shared_org_ids = []
    config.api_url = sim.api_url
    config.posts_per_hour = DEMO_POSTS_PER_HOUR
    config.gets_per_minute = DEMO_GETS_PER_MINUTE
    config.poll_interval_seconds = 0.25
    config.max_poll_interval_seconds = 2.0
    config.max_in_flight = 16
    return config


def reset_demo_database(db: Path) -> None:
    """Start the demo from an empty database, refusing to touch one with real data."""
    if not db.exists():
        return
    sources = {r.source for r in read_ledger(create_pipeline(db))}
    if sources - {SIMULATOR, None}:
        raise ConfigurationError(
            f"{db} holds data loaded from CircleCI; the demo will not replace it. Set "
            "CIRCLECI_COSTS_DB to another file, for example "
            "CIRCLECI_COSTS_DB=data/demo.duckdb make demo."
        )
    db.unlink()
    for leftover in (db.with_name(db.name + ".wal"), db.parent / f".{db.stem}.dlt"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()


def run_demo(args: argparse.Namespace) -> int:
    """Serve simulated usage and load it; return the exit code."""
    db = database_path(args.db)
    reset_demo_database(db)
    sim_config = SimulatorConfig(
        seed=args.seed,
        scale=args.scale,
        posts_per_hour=DEMO_POSTS_PER_HOUR,
        gets_per_minute=DEMO_GETS_PER_MINUTE,
        processing_seconds=DEMO_PROCESSING_SECONDS,
    )
    with Simulator(sim_config) as sim:
        log.info(
            "Simulator of the CircleCI Usage Export API on %s with %d organizations. For the "
            "demo its limits are relaxed to %d exports an hour and %d reads a minute "
            "(CircleCI allows 10 and 10), so a year loads in minutes, not hours.",
            sim.api_url,
            len(sim.org_ids),
            DEMO_POSTS_PER_HOUR,
            DEMO_GETS_PER_MINUTE,
        )
        summary = load_from_api(demo_loader_config(sim), db)
        truth = args.ground_truth or db.parent / "demo_incidents.csv"
        sim.generator.write_ground_truth(truth)
        log.info("The simulator's labelled incidents are in %s", truth)
        load_demo_cloud_bills(sim.generator, db, args.seed)
        seeds = render_seeds(DEMO_SEED_TEMPLATES, DEMO_SEEDS, sim.generator.end_date)
        log.info(
            "Demo configuration (%s) written to %s, dated relative to the simulated data",
            ", ".join(p.name for p in seeds),
            DEMO_SEEDS,
        )
    return report(summary, db)
