"""The demo's cloud bills: the simulator's FOCUS files for the demo orgs, loaded like any."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from loader.focus.load import load_focus_files
from simulator.cloud_focus import write_cloud_exports, write_cloud_truth
from simulator.generator import UsageGenerator

log = logging.getLogger("loader")


def load_demo_cloud_bills(generator: UsageGenerator, db: Path, seed: int) -> Path:
    """Write the demo's cloud FOCUS files beside `db`, load them, and return the truth file."""
    folder = db.parent / "demo_cloud_focus"
    if folder.exists():
        shutil.rmtree(folder)
    files = write_cloud_exports(
        folder, generator.start_date, generator.end_date, generator.incidents, seed=seed
    )
    truth = write_cloud_truth(
        db.parent / "demo_cloud_shifts.csv", generator.end_date, generator.incidents
    )
    summary = load_focus_files([folder], db)
    log.info(
        "Loaded %d simulated cloud FOCUS file(s), %s charges (AWS, Google Cloud) from %s; "
        "the labelled cloud shifts are in %s",
        len(files),
        f"{summary.rows:,}",
        folder,
        truth,
    )
    return truth
