"""Fixtures for the dbt project's tests: a generated raw database and real dbt runs.

Every dbt run is a real `dbt` subprocess from the repository root, as users run it, against a
DuckDB file in a temporary folder (CIRCLECI_COSTS_DB) with seeds from a temporary folder
(CIRCLECI_COSTS_SEEDS). dbt invocations cost seconds each, so the expensive ones are shared:
one clean build per test run (shared by the workers: tests/run_once.py), then copies of its
database for the scenarios.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for path in (REPO, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from raw_usage import ORG_A, ORG_B, make_raw_usage  # noqa: E402

from tests.run_once import made_once  # noqa: E402

DBT = Path(sys.executable).with_name("dbt")
PROJECT_DIR = REPO / "dbt_project"

# The price list of the main test build: the list price until a renegotiation on
# 2026-04-01, and a discount for one org that starts mid-month and ends inside the year.
TEST_PRICES = f"""org_id,price_per_credit,currency,effective_from,effective_until,note
,0.0006,USD,2015-01-01,2026-03-31,list price
,0.00045,USD,2026-04-01,,"negotiated, from April 2026"
{ORG_B},0.0005,USD,2026-01-15,2026-06-30,globex pilot discount
"""

# The team rules of the main test build (test_teams.py recomputes their effect in Python):
# priorities (a job rule over a project rule over an org-wide catch-all, a branch rule over
# all), a glob across orgs, a re-organisation on 2026-05-15 inside one rule, a three-way
# split with shares that leave remainders at 18 decimals, and seat rows placed by an
# org-only rule (acme) or by nothing (globex: unallocated).
TEAM_RULES_HEADER = (
    "rule_id,priority,team,org_id,project,workflow,job,branch,share_pct,"
    "effective_from,effective_until\n"
)
TEST_TEAM_RULES = (
    TEAM_RULES_HEADER
    + f"""backend,20,backend,{ORG_A},api,,,,,2015-01-01,
web,20,frontend,{ORG_A},web,,,,,2015-01-01,2026-05-14
web,20,web-platform,{ORG_A},web,,,,,2026-05-15,
ios,20,mobile,,ios-*,,,,,2015-01-01,
infra,20,platform,{ORG_A},infra,,,,,2015-01-01,
e2e,10,qa,{ORG_A},web,ci,e2e,,,2015-01-01,
data,20,data,{ORG_B},data-pipeline,,,,45.5,2015-01-01,
data,20,ml,{ORG_B},data-pipeline,,,,33.333333,2015-01-01,
data,20,backend,{ORG_B},data-pipeline,,,,21.166667,2015-01-01,
fixes,5,maintenance,,,,,fix/*,,2026-01-01,
acme-rest,90,platform,{ORG_A},,,,,,2015-01-01,
"""
)

# Shared costs of the main test build: platform shared proportionally (blank targets), qa
# passed on to platform (a chain), maintenance shared evenly then proportionally among listed
# teams (frontend has no direct cost after May), unallocated shared from September.
TEST_SHARED_COSTS = """source_team,method,target_teams,effective_from,effective_until
platform,proportional,,2015-01-01,
qa,even,platform,2015-01-01,
maintenance,even,backend;frontend;mobile,2026-01-01,2026-06-30
maintenance,proportional,"backend, frontend, web-platform",2026-07-01,
unallocated,proportional,,2026-09-01,
"""


# A routine build, as `make transform` runs it: the unit tests (SQL, not data) run once per
# session, in the clean build below, not again in every scenario.
ROUTINE_BUILD = ["build", "--exclude-resource-type", "unit_test"]


@dataclass
class DbtRun:
    """The outcome of one dbt invocation."""

    returncode: int
    output: str
    results: dict[str, dict[str, object]]  # unique_id -> run result

    def status(self, name: str) -> str:
        """Status of the node whose unique_id ends with `.name`."""
        matches = [r for uid, r in self.results.items() if uid.split(".")[-1] == name]
        assert len(matches) == 1, f"{name}: {len(matches)} nodes in run_results"
        return str(matches[0]["status"])

    def problems(self, test_name: str) -> list[str]:
        """The problems a test logged through report_problems."""
        prefix = f"PROBLEM [{test_name}] "
        return [line.split(prefix, 1)[1] for line in self.output.splitlines() if prefix in line]


def write_seeds(
    folder: Path,
    credit_prices: str,
    *,
    team_rules: str | None = None,
    shared_costs: str | None = None,
) -> Path:
    """A seeds folder with the user defaults, `credit_prices.csv` and any other given replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in (REPO / "seeds").glob("*.csv"):
        shutil.copy(seed, folder / seed.name)
    (folder / "credit_prices.csv").write_text(credit_prices)
    if team_rules is not None:
        (folder / "team_rules.csv").write_text(team_rules)
    if shared_costs is not None:
        (folder / "shared_costs.csv").write_text(shared_costs)
    return folder


class _ParseSlots:
    """Folders in which dbt runs keep their parsed project from one run to the next.

    dbt parses the whole project again (about ten seconds here, a third of a scenario's build)
    whenever the profile's database path or an env var of dbt_project.yml (the seed folder)
    differs from its last run's: each scenario's own database and seeds would make every run
    a full parse. So a run borrows a slot: its database is moved into the slot's fixed path
    and back, its seeds copied to the slot's fixed folder, and the slot's target folder keeps
    dbt's partial-parse file; the next run in the slot re-parses only the seed files whose
    contents changed. A thread-safe pool: a scenario may run two builds side by side.
    """

    def __init__(self) -> None:
        self._root: Path | None = None
        self._free: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self._made = 0
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[Path]:
        try:
            slot = self._free.get_nowait()
        except queue.Empty:
            with self._lock:
                if self._root is None:
                    self._root = Path(tempfile.mkdtemp(prefix="dbt-slots-"))
                    atexit.register(shutil.rmtree, self._root, True)
                self._made += 1
                slot = self._root / str(self._made)
            slot.mkdir()
        try:
            yield slot
        finally:
            self._free.put(slot)


_SLOTS = _ParseSlots()


def _move(source: Path, target: Path) -> None:
    """Move a DuckDB file and its write-ahead log, if any."""
    for suffix in ("", ".wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.move(f"{source}{suffix}", f"{target}{suffix}")


def run_dbt(
    args: list[str], *, db: Path, seeds: Path, work: Path, relative_seeds: bool = True
) -> DbtRun:
    """Run `dbt <args>` from the repository root against `db`, with `seeds` as the seed folder.

    The seed folder is passed relative to dbt_project/, as the project requires (an absolute
    seed path makes dbt overwrite the CSV with SQL; the project refuses one). dbt's target
    folder (compiled SQL, manifest, run results) is copied to `work / "target"` after the run.
    """
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        "DO_NOT_TRACK": "1",
    }
    command = [
        str(DBT),
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
    ]
    if not relative_seeds:  # the refusal of an absolute seed path: no slot, nothing to keep
        done = _dbt(command, env, db=db, seeds=str(seeds), target=work / "target")
        return DbtRun(done.returncode, done.stdout + done.stderr, _results(work / "target"))
    with _SLOTS.borrow() as slot:
        slot_db, slot_seeds, slot_target = (
            slot / "circleci_costs.duckdb",
            slot / "seeds",
            slot / "target",
        )
        shutil.rmtree(slot_seeds, ignore_errors=True)
        shutil.copytree(seeds, slot_seeds)
        (slot_target / "run_results.json").unlink(missing_ok=True)
        _move(db, slot_db)
        try:
            done = _dbt(
                command,
                env,
                db=slot_db,
                seeds=os.path.relpath(slot_seeds, PROJECT_DIR),
                target=slot_target,
            )
        finally:
            _move(slot_db, db)
        shutil.copytree(
            slot_target,
            work / "target",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("partial_parse.msgpack"),
        )
    return DbtRun(done.returncode, done.stdout + done.stderr, _results(work / "target"))


def _dbt(
    command: list[str], env: dict[str, str], *, db: Path, seeds: str, target: Path
) -> subprocess.CompletedProcess[str]:
    """One dbt process from the repository root, on `db` with `seeds` and its target folder."""
    env = env | {
        "CIRCLECI_COSTS_DB": str(db),
        "CIRCLECI_COSTS_SEEDS": seeds,
        "DBT_TARGET_PATH": str(target),
    }
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)


def _results(target: Path) -> dict[str, dict[str, object]]:
    """The run's results by unique_id (the file is removed: never read a previous run's)."""
    results_file = target / "run_results.json"
    if not results_file.exists():
        return {}
    results = {r["unique_id"]: r for r in json.loads(results_file.read_text())["results"]}
    results_file.unlink()
    return results


def copy_db(source: Path, target: Path) -> Path:
    """A copy of a DuckDB file (closed), for a scenario that changes it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


@dataclass
class Build:
    """The session's clean build: database, seeds, and the dbt run that built them."""

    db: Path
    seeds: Path
    run: DbtRun
    work: Path


@pytest.fixture(scope="session")
def raw_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding only the generated raw table (copy it before changing it)."""
    db = tmp_path_factory.mktemp("raw") / "raw.duckdb"
    with duckdb.connect(str(db)) as con:
        make_raw_usage(con)
    return db


@pytest.fixture(scope="session")
def build(raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`dbt build` of the whole project on the generated data, test prices and team rules.

    Built once per test run, whichever worker asks first (tests/run_once.py).
    """

    def make(work: Path) -> dict[str, Any]:
        db = copy_db(raw_db, work / "circleci_costs.duckdb")
        seeds = write_seeds(
            work / "seeds", TEST_PRICES, team_rules=TEST_TEAM_RULES, shared_costs=TEST_SHARED_COSTS
        )
        run = run_dbt(["build"], db=db, seeds=seeds, work=work)
        assert run.returncode == 0, run.output[-4000:]
        return {"work": str(work), "run": asdict(run)}

    built = made_once(tmp_path_factory, "build", make)
    work = Path(built["work"])
    return Build(
        db=work / "circleci_costs.duckdb",
        seeds=work / "seeds",
        run=DbtRun(**built["run"]),
        work=work,
    )
