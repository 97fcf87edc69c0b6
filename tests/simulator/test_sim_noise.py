"""Noise profiles and evaluation histories: rough where they should be, unchanged where not."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow.compute as pc
import pytest

from simulator.catalog import ORGANIZATIONS
from simulator.generator import UsageGenerator
from simulator.histories import History, World, history_world, parse_histories
from simulator.incidents import INCIDENT_PLANS
from simulator.noise import PROFILES, company_calendar

END = date(2026, 11, 30)
DAYS = 425


def test_the_gentle_profile_changes_nothing_the_generator_draws() -> None:
    gentle = World(ORGANIZATIONS, INCIDENT_PLANS, {o.id: PROFILES["gentle"] for o in ORGANIZATIONS})
    plain = UsageGenerator(seed=3, end_date=END, days=60, scale=0.3)
    same = UsageGenerator(seed=3, end_date=END, days=60, scale=0.3, world=gentle)
    for org in plain.organizations:
        for day in (END, END - timedelta(days=13)):
            assert plain.day_table(org.id, day).equals(same.day_table(org.id, day))


def _daily_pipelines(gen: UsageGenerator, org_id: str, project: str, days: list[date]) -> list[int]:
    counts = []
    for day in days:
        table = gen.day_table(org_id, day)
        mine = table.filter(pc.equal(table["PROJECT_NAME"], project))
        counts.append(len(set(mine["PIPELINE_ID"].to_pylist())))
    return counts


@pytest.fixture(scope="module")
def pair() -> tuple[UsageGenerator, History, History]:
    histories = parse_histories("gentle:9,rough:9")
    world = history_world(histories, DAYS, END)
    return UsageGenerator(seed=0, end_date=END, days=DAYS, scale=0.5, world=world), *histories


def test_rough_counts_are_overdispersed_and_small_projects_sparse(
    pair: tuple[UsageGenerator, History, History],
) -> None:
    gen, gentle, rough = pair
    weekdays = [
        END - timedelta(days=n) for n in range(200, 260) if (END - timedelta(days=n)).weekday() < 5
    ]
    ratios = {}
    for history in (gentle, rough):
        counts = np.array(_daily_pipelines(gen, history.org_id, "web-app", weekdays))
        ratios[history.profile] = counts.var() / counts.mean()
    assert ratios["gentle"] < 1 < 3 < ratios["rough"], ratios  # Poisson would be 1
    weekends = [
        END - timedelta(days=n) for n in range(200, 290) if (END - timedelta(days=n)).weekday() >= 5
    ]
    docs = _daily_pipelines(gen, rough.org_id, "docs", weekends)
    assert sum(c == 0 for c in docs) > 0.7 * len(docs)


def test_the_company_calendar() -> None:
    days = company_calendar(2026)
    assert days[date(2026, 11, 26)] < 0.2  # Thanksgiving, the fourth Thursday
    assert days[date(2026, 12, 25)] < 0.2 and days[date(2026, 12, 29)] < 0.5
    assert days[date(2026, 5, 25)] < 0.2  # Memorial Day, the last Monday of May
    assert days[date(2026, 1, 2)] > 1  # the return from the end-of-year weeks
    assert date(2026, 3, 10) not in days


def test_each_history_has_one_incident_of_each_kind_each_on_its_own_project(
    pair: tuple[UsageGenerator, History, History],
) -> None:
    gen, _, rough = pair
    mine = [i for i in gen.incidents if i.plan.org_id == rough.org_id]
    assert len({i.plan.kind for i in mine}) == 7
    assert len({i.plan.project for i in mine}) == 7
    for incident in mine:
        assert gen.start_date + timedelta(days=56) < incident.first_day <= END
        assert incident.first_day.weekday() < 5
        if incident.plan.kind == "flaky_rerun_storm":
            assert incident.last_day is not None and incident.last_day.weekday() < 5
    effects = gen.measure_incident_effects()
    for incident in mine:
        effect = effects[incident.incident_id]
        change = effect.daily_credits_effect / effect.baseline_daily_credits
        assert (change > 0.6) if incident.plan.direction == "up" else (change < -0.9), incident


def test_unknown_profiles_are_refused() -> None:
    with pytest.raises(ValueError, match="profile:seed"):
        parse_histories("stormy:1")


def test_a_pipeline_loop_piles_one_bot_users_pipelines_onto_one_branch(
    pair: tuple[UsageGenerator, History, History],
) -> None:
    # the loop's pipelines: one branch, one trigger user, started one after another; the
    # week before, nobody started more than a handful on one branch
    gen, _, rough = pair
    [loop] = [
        i for i in gen.incidents if i.plan.org_id == rough.org_id and i.plan.kind == "pipeline_loop"
    ]

    def busiest(day: date) -> tuple[int, list[int]]:
        table = gen.day_table(rough.org_id, day)
        mine = table.filter(pc.equal(table["PROJECT_NAME"], loop.plan.project))
        pipelines: dict[tuple[str, str], dict[str, int]] = {}
        for pid, branch, user, created in zip(
            mine["PIPELINE_ID"].to_pylist(),
            mine["VCS_BRANCH"].to_pylist(),
            mine["PIPELINE_TRIGGER_USER_ID"].to_pylist(),
            mine["PIPELINE_CREATED_AT"].to_pylist(),
            strict=True,
        ):
            pipelines.setdefault((branch, user), {})[pid] = int(created.timestamp())
        top = max(pipelines.values(), key=len)
        return len(top), sorted(top.values())

    usual = max(busiest(loop.first_day - timedelta(days=n))[0] for n in (1, 7, 14))
    count, starts = busiest(loop.first_day)
    assert count >= 10 and count >= 3 * usual, (count, usual)
    gaps = np.diff(starts[-count // 2 :])
    assert (gaps > 0).all() and np.ptp(gaps) < 120  # about one every twenty minutes
