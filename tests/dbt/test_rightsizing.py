"""Right-sizing and waste on the session build, and the resource-class seed's completeness."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import REPO, Build, copy_db, run_dbt


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_rightsizing_and_waste_build_and_conserve(build: Build) -> None:
    for node in (
        "rightsizing_recommendations",
        "waste_monthly",
        "assert_rightsizing_recommendations_conserve_cost",
        "assert_waste_monthly_conserves_cost",
        "assert_every_resource_class_used_is_in_the_seed",
        "rightsizing_class_choice_at_its_boundaries",
        "rightsizing_needs_enough_runs",
        "an_orgs_own_rate_beats_every_orgs_and_the_list",
    ):
        assert build.run.status(node) in ("success", "pass"), node
    [(rows, reasons)] = query(
        build.db,
        "select count(*), count(reason) from marts.rightsizing_recommendations",
    )
    assert rows > 0 and reasons == rows
    [(waste_total, fact_total)] = query(
        build.db,
        """
        select (select sum(total_cost) from marts.waste_monthly),
               (select sum(total_cost) from marts.fct_job_run_costs)
        """,
    )
    assert waste_total == fact_total


def test_a_class_missing_from_the_seed_is_named(build: Build, tmp_path: Path) -> None:
    db = copy_db(build.db, tmp_path / "missing.duckdb")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for seed in build.seeds.glob("*.csv"):
        (seeds / seed.name).write_text(seed.read_text())
    classes = (seeds / "resource_classes.csv").read_text().splitlines()
    kept = [line for line in classes if not line.startswith("docker,medium+,")]
    assert len(kept) == len(classes) - 1
    # medium's next size up and large's next size down now name a class that is gone
    (seeds / "resource_classes.csv").write_text("\n".join(kept) + "\n")
    run = run_dbt(
        [
            "build",
            "-s",
            "resource_classes stg_seeds__resource_classes"
            " assert_every_resource_class_used_is_in_the_seed",
        ],
        db=db,
        seeds=seeds,
        work=tmp_path / "work",
    )
    assert run.returncode != 0
    [problem] = run.problems("assert_every_resource_class_used_is_in_the_seed")
    assert problem.startswith('resource class "medium+" (executor docker,'), problem


def test_the_demo_uses_the_same_resource_classes() -> None:
    for name in ("resource_classes.csv", "resource_class_rates.csv"):
        assert (REPO / "demo" / "seeds" / name).read_text() == (
            REPO / "seeds" / name
        ).read_text(), name
