"""One organization's failure stays its own, and every refusal is one line: a real process,
real HTTP to the simulator, a real DuckDB file."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

from tests.loader.cli.test_cli import TOKEN, loader, make_sim, one_error_line, sim_env, today
from tests.loader.harness import assert_loaded_exactly, query

# Listed as an organization but unknown to the simulator: CircleCI answers 404 for an
# organization the token's user cannot see (faros-ai/airbyte-connectors#2186).
MISSING_ORG = "3f1a2b3c-0000-4000-8000-000000000404"


def failure_lines(result: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in result.stderr
    return [line.strip() for line in result.stderr.splitlines() if line.lstrip().startswith("FAIL")]


def test_an_org_that_answers_404_fails_alone_and_the_other_is_fully_loaded(tmp_path: Path):
    with make_sim(tmp_path, not_found_org_ids=(MISSING_ORG,)) as sim:
        healthy = sim.org_ids[0]
        env = sim_env(sim, tmp_path, token=TOKEN)
        env["CIRCLECI_ORG_ID"] = f"{MISSING_ORG},{healthy}"
        start = today() - timedelta(days=40)
        result = loader("api", "--start", start.date().isoformat(), env=env)

        assert result.returncode == 1
        [line] = failure_lines(result)
        assert line.startswith(f"FAILED organization {MISSING_ORG}: ")
        assert "404" in line and "Organization Settings > Overview" in line
        assert "1 organization(s) failed; everything else is loaded" in result.stderr
        assert TOKEN not in result.stdout + result.stderr
        db = Path(env["CIRCLECI_COSTS_DB"])
        assert_loaded_exactly(db, sim, start, today(), org_ids=[healthy])
        states = dict(
            query(
                db,
                "select org_id, string_agg(distinct state) "
                "from circleci_raw.export_windows group by 1",
            )
        )
        assert states == {healthy: "completed", MISSING_ORG: "failed"}
        # the refused organization cost one POST, not one per window
        assert sim.stats().count(org_id=MISSING_ORG) == 1
        # `status` says so once too, for all its windows
        status = loader("status", env=env).stdout.splitlines()
        failed = [line for line in status if line.strip().startswith("failed")]
        assert len(failed) == 1 and "404" in failed[0]


def test_org_ids_that_are_not_uuids_are_refused_before_any_request(tmp_path: Path):
    with make_sim(tmp_path) as sim:
        env = sim_env(sim, tmp_path)
        env["CIRCLECI_ORG_ID"] = f"{sim.org_ids[0]},gh/acme"
        result = loader("api", env=env)
        assert result.returncode == 2
        line = one_error_line(result)
        assert "'gh/acme'" in line and "Organization Settings > Overview" in line

        shared = sim_env(sim, tmp_path, SOURCES__CIRCLECI__SHARED_ORG_IDS='["acme-shared"]')
        result = loader("api", env=shared)
        assert result.returncode == 2
        line = one_error_line(result)
        assert "shared_org_ids" in line and "'acme-shared'" in line

        not_a_list = sim_env(sim, tmp_path, SOURCES__CIRCLECI__SHARED_ORG_IDS="acme-shared")
        result = loader("api", env=not_a_list)
        assert result.returncode == 2
        assert "shared_org_ids cannot be read (a list: [" in one_error_line(result)
        assert sim.stats().count() == 0  # not one request reached the API


def test_a_400_on_a_status_request_is_one_line_for_its_window(tmp_path: Path):
    with make_sim(tmp_path) as sim:
        refused_org, other_org = sim.org_ids
        sim.faults.http_error("get", status=400, org_id=refused_org)
        env = sim_env(sim, tmp_path, token=TOKEN)
        start = today() - timedelta(days=10)
        result = loader("api", "--start", start.date().isoformat(), env=env)

        assert result.returncode == 1
        [line] = failure_lines(result)
        assert line.startswith(f"FAILED {refused_org} ")
        assert "refused to report export job" in line and "(400: " in line
        assert "error:" not in result.stderr
        assert TOKEN not in result.stdout + result.stderr
        db = Path(env["CIRCLECI_COSTS_DB"])
        assert_loaded_exactly(db, sim, start, today(), org_ids=[other_org])

        # the next run loads the window that failed, and only adds it
        again = loader("api", "--start", start.date().isoformat(), env=env)
        assert again.returncode == 0, again.stderr
        assert_loaded_exactly(db, sim, start, today())
