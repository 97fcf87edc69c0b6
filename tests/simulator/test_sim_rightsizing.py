"""The simulator's job needs: sizes as the seed says, utilisation that reveals the fit."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from simulator import UsageGenerator
from simulator.catalog import RESOURCE_CLASSES
from simulator.rightsizing import CLASS_SIZES, truth

SEED = Path(__file__).resolve().parents[2] / "seeds" / "resource_classes.csv"


def test_class_sizes_and_published_rates_match_the_seed() -> None:
    with SEED.open(newline="") as f:
        seed = {(r["executor"], r["resource_class"]): r for r in csv.DictReader(f)}
    for (executor, name), (vcpus, ram, smaller) in CLASS_SIZES.items():
        row = seed[(executor, name)]
        assert (float(row["vcpus"]), float(row["ram_gib"])) == (vcpus, ram), name
        if smaller is not None:
            assert row["next_size_down"] == smaller, name
    for rc in RESOURCE_CLASSES:
        row = seed[(rc.executor, rc.name)]
        if row["credits_source"] == "published":
            assert float(row["credits_per_minute"]) == rc.credits_per_minute, rc.name


@pytest.fixture(scope="module")
def runs() -> pa.Table:
    gen = UsageGenerator(seed=3, end_date=date(2025, 6, 14), days=60, scale=0.3, incidents=False)
    table = gen.table(
        [o.id for o in gen.organizations],
        datetime(2025, 5, 18, tzinfo=UTC),
        datetime(2025, 6, 14, 23, 59, tzinfo=UTC),
    )
    return table.filter(pc.is_valid(table["MAX_RAM_UTILIZATION_PCT"]))


def test_utilisation_shows_each_jobs_fit(runs: pa.Table) -> None:
    """The p95 of max use of an oversized job fits the next size down with 20 % to spare;
    an undersized one reaches 90 % of its RAM or has its median run's CPU above 85 %; a right
    one does neither."""
    seen = {"oversized": 0, "right": 0, "undersized": 0}
    for job in truth():
        one = runs.filter(
            pc.and_(
                pc.and_(
                    pc.equal(runs["ORGANIZATION_ID"], job["org_id"]),
                    pc.equal(runs["PROJECT_NAME"], job["project_name"]),
                ),
                pc.and_(
                    pc.equal(runs["WORKFLOW_NAME"], job["workflow_name"]),
                    pc.equal(runs["JOB_NAME"], job["job_name"]),
                ),
            )
        )
        if one.num_rows < 10:
            continue
        vcpus, ram, smaller = CLASS_SIZES[(job["executor"], job["resource_class"])]
        cpu95 = pc.quantile(one["MAX_CPU_UTILIZATION_PCT"], 0.95).to_pylist()[0] / 100 * vcpus
        ram95_pct = pc.quantile(one["MAX_RAM_UTILIZATION_PCT"], 0.95).to_pylist()[0]
        cpu50 = pc.quantile(one["MEDIAN_CPU_UTILIZATION_PCT"], 0.5).to_pylist()[0]
        fits_smaller = False
        if smaller is not None:
            small_vcpus, small_ram, _ = CLASS_SIZES[(job["executor"], smaller)]
            fits_smaller = cpu95 <= 0.8 * small_vcpus and ram95_pct / 100 * ram <= 0.8 * small_ram
        at_limit = ram95_pct >= 90 or cpu50 >= 85
        assert fits_smaller == (job["fit"] == "oversized"), job
        assert at_limit == (job["fit"] == "undersized"), job
        seen[job["fit"]] += 1
    assert min(seen.values()) >= 5, seen
