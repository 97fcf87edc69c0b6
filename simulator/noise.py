"""Noise profiles: how rough a simulated organization's day-to-day usage is.

The default world (`catalog.ORGANIZATIONS`) has gentle noise: pipeline counts barely vary
from one working day to the next. Real CI usage is rougher, and a cost-anomaly detector tuned
on gentle data raises false alarms on real data. A profile bends the generator's draws for one
organization, from `gentle` (no change at all: the generator's own draws) to `rough`:

- **Overdispersed pipeline counts** (negative binomial instead of a rounded mean): pushes
  come in bursts (a pull request gets several pushes, a merge train many). Build counts per
  project and day vary far more than a Poisson draw would; Durieux et al. analysed 35 million
  Travis CI jobs (arXiv:1904.09416, ICSME 2019) and found activity concentrated in few
  projects and days.
- **Shared day-level swings**: a day is busy or quiet for the whole organization at once
  (an incident day, an all-hands, a release freeze), so project series move together.
- **Heavy-tailed job durations**: most jobs take about their median, a few take many times
  longer (re-run commands, slow runners, cache misses); Ghaleb et al., "An empirical study of
  the long duration of continuous integration builds" (Empirical Software Engineering 2019),
  found re-running failed commands the factor most associated with long builds.
- **Sparse small projects**: a project with a couple of pushes a working day has many zero
  days and almost nothing at weekends (see `ProjectShape.weekend_scale`).
- **Spiky projects**: nightly fuzzers and ML training run on some days only, and long, so
  their series is mostly small with tall needles (see `ProjectShape.schedule_probability`).
- **Holidays and the return from them**: US public holidays, Thanksgiving and the end-of-year
  weeks cut push activity to a fraction (scheduled pipelines keep running); the first working
  days of January catch up. Public GitHub activity fell about half on Christmas Day 2016
  (Codacy, "Do developers write code even on Christmas?", 2017); company repositories,
  which this simulates, fall further.
- **Release weeks**: some weeks a whole organization pushes harder before a release.
- Growth over the history comes from the organization's `growth_per_year`.

Every draw of a profile comes from its own random stream, seeded by (seed, organization,
day), so the generator's own stream is untouched and the `gentle` profile reproduces the
default data exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from simulator.ids import stable_uuid


@dataclass(frozen=True)
class ProjectShape:
    """How a project's own activity departs from the organization's rhythm.

    Attributes:
        weekend_scale: multiplies its push and API pipelines on Saturdays and Sundays (on top
            of the generator's weekend factor): 0.2 makes a small project nearly silent then.
        schedule_probability: chance a scheduled workflow of the project runs on a given day
            (a nightly fuzzer or training job that runs when there is something new).
        schedule_extra_runs: mean number of extra runs (manual re-triggers) of a scheduled
            workflow on a day it runs.
    """

    weekend_scale: float = 1.0
    schedule_probability: float = 1.0
    schedule_extra_runs: float = 0.0


PLAIN = ProjectShape()


@dataclass(frozen=True)
class NoiseProfile:
    """How rough an organization's usage is (see the module docstring).

    Attributes:
        name: the profile's name.
        count_shape: the negative binomial's shape k for push and API pipeline counts (the
            variance is mean + mean^2 / k); None keeps the generator's near-exact counts.
        day_sigma: sigma of the lognormal swing shared by all projects of the org on a day.
        project_sigma: sigma of each project's own extra lognormal daily swing.
        tail_probability: share of jobs slowed by a heavy-tailed factor.
        tail_alpha: Pareto shape of that factor (smaller: heavier tail); capped at 8x.
        holidays: apply the company calendar (`holiday_factor`).
        release_week_share: share of weeks that are release weeks.
        release_factor: push activity multiplier in a release week.
        shapes: apply the projects' `ProjectShape`s (sparse weekends, spiky schedules).
    """

    name: str
    count_shape: float | None = None
    day_sigma: float = 0.0
    project_sigma: float = 0.0
    tail_probability: float = 0.0
    tail_alpha: float = 1.5
    holidays: bool = False
    release_week_share: float = 0.0
    release_factor: float = 1.0
    shapes: bool = False

    @property
    def is_gentle(self) -> bool:
        """Whether the profile changes nothing the generator draws."""
        return self == NoiseProfile(self.name)

    def pipeline_counts(
        self,
        key: str,
        day: date,
        rng: np.random.Generator,
        mu: np.ndarray,
        counts: np.ndarray,
        incident_factors: np.ndarray,
        kind_project: np.ndarray,
        scheduled: np.ndarray,
        base_schedule_runs: int,
        shapes: tuple[ProjectShape, ...],
    ) -> np.ndarray:
        """Return the day's pipeline counts per pipeline kind, bent by the profile.

        Args:
            key: the organization's stable key (seed and id): release weeks depend on it.
            day: the UTC day.
            rng: the profile's random stream for this organization and day.
            mu: expected push/API pipelines per kind (weekday, growth, incidents applied).
            counts: the generator's counts per kind (scheduled ones included).
            incident_factors: the incidents' multipliers per kind. Above 1 they add the
                expected extra pipelines to the noisy count (a bot re-triggering pipelines
                adds them whatever the day's own activity); below 1 they scale it down.
            kind_project: project index of each kind.
            scheduled: whether each kind is a scheduled workflow.
            base_schedule_runs: runs a day of a scheduled workflow without an incident.
            shapes: the organization's project shapes, by project index.

        Returns:
            New counts per kind.
        """
        if self.is_gentle:
            return counts
        n_projects = len(shapes)
        shared = float(np.exp(rng.normal(0.0, self.day_sigma))) if self.day_sigma else 1.0
        own = np.exp(rng.normal(0.0, self.project_sigma, n_projects))
        factor = shared * own * self.activity_factor(key, day)
        if self.shapes and day.weekday() >= 5:
            factor = factor * np.array([s.weekend_scale for s in shapes])
        running = incident_factors > 0
        plain_mu = np.where(running, mu / np.where(running, incident_factors, 1.0), 0.0)
        mean = plain_mu * factor[kind_project]
        if self.count_shape is None:
            drawn = np.floor(mean + rng.random(len(mean)))
        else:
            k = self.count_shape
            drawn = rng.negative_binomial(k, k / (k + np.maximum(mean, 1e-9))).astype(float)
        # an incident that adds pipelines (a bot re-triggering them) adds them to whatever the
        # day had; one that removes them (a pause) removes its share of what the day had
        extra = np.maximum(incident_factors - 1, 0) * plain_mu
        kept = drawn * np.minimum(incident_factors, 1) + extra
        pushed = np.floor(kept + rng.random(len(mean))).astype(np.int64)
        out = np.where(scheduled, counts, pushed)
        if self.shapes:
            probability = np.array([shapes[p].schedule_probability for p in kind_project])
            extra = np.array([shapes[p].schedule_extra_runs for p in kind_project])
            runs = rng.random(len(out)) < probability
            more = rng.poisson(extra)
            # a runaway schedule (more runs than usual) is an incident: leave it alone
            plain = scheduled & (counts > 0) & (counts <= base_schedule_runs)
            out = np.where(plain, np.where(runs, counts + more, 0), out)
        return out

    def activity_factor(self, key: str, day: date) -> float:
        """Return the push-activity multiplier of the calendar and release weeks for a day."""
        factor = holiday_factor(day) if self.holidays else 1.0
        if self.release_week_share > 0:
            year, week, _ = day.isocalendar()
            draw = int(stable_uuid("release", key, year, week)[:8], 16) / 0xFFFFFFFF
            if draw < self.release_week_share:
                factor *= self.release_factor
        return factor

    def duration_factors(self, rng: np.random.Generator) -> Callable[[int], np.ndarray] | None:
        """Return a function drawing the heavy-tail slowdown of n jobs, or None for none."""
        if self.tail_probability <= 0:
            return None
        share, alpha = self.tail_probability, self.tail_alpha

        def draw(n: int) -> np.ndarray:
            slow = rng.random(n) < share
            tail = np.minimum(1.0 + rng.pareto(alpha, n), 8.0)
            return np.where(slow, tail, 1.0)

        return draw


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 = last) given weekday (Monday 0) of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def company_calendar(year: int) -> dict[date, float]:
    """Return the days of a year whose push activity differs from a normal day, and by how much.

    A US company's calendar: the federal holidays engineers take off, Thanksgiving week, the
    end-of-year weeks, and the return in January (a catch-up above normal).

    Args:
        year: the calendar year.

    Returns:
        Day to activity factor (1.0 is a normal day of its weekday).
    """
    thanksgiving = _nth_weekday(year, 11, 3, 4)
    days: dict[date, float] = {
        date(year, 1, 1): 0.1,
        _nth_weekday(year, 1, 0, 3): 0.6,  # Martin Luther King Jr. Day: many work
        _nth_weekday(year, 5, 0, -1): 0.15,  # Memorial Day
        date(year, 7, 4): 0.15,
        _nth_weekday(year, 9, 0, 1): 0.15,  # Labor Day
        thanksgiving - timedelta(days=1): 0.75,
        thanksgiving: 0.1,
        thanksgiving + timedelta(days=1): 0.3,
    }
    for day in range(24, 32):
        days[date(year, 12, day)] = 0.1 if day in (24, 25, 26, 31) else 0.35
    returned = [
        d for d in (date(year, 1, 2) + timedelta(days=i) for i in range(7)) if d.weekday() < 5
    ]
    for day_back in returned[:2]:
        days[day_back] = 1.2
    return days


def holiday_factor(day: date) -> float:
    """Return the company calendar's activity factor for a day (1.0 on a normal day)."""
    return company_calendar(day.year).get(day, 1.0)


PROFILES: dict[str, NoiseProfile] = {
    profile.name: profile
    for profile in (
        NoiseProfile("gentle"),
        NoiseProfile(
            "bursty",
            count_shape=6.0,
            day_sigma=0.12,
            project_sigma=0.12,
            tail_probability=0.03,
            tail_alpha=2.0,
            holidays=True,
            release_week_share=0.1,
            release_factor=1.25,
        ),
        NoiseProfile(
            "rough",
            count_shape=2.5,
            day_sigma=0.2,
            project_sigma=0.2,
            tail_probability=0.06,
            tail_alpha=1.5,
            holidays=True,
            release_week_share=0.15,
            release_factor=1.4,
            shapes=True,
        ),
    )
}
