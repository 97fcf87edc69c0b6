"""What each simulated job really needs, and the CPU and RAM use that follows from it.

Every job of the catalog has a true need, the peak vCPUs and GiB it uses, chosen once from a
stable hash of its name: about a quarter of the jobs that could run on a smaller class are
oversized (they would fit the next size down with room to spare), about one in eight is
undersized (its RAM reaches the class's limit, or it wants more CPU than the class has), the
rest are right. A run's utilisation is that need against the class it ran on, with noise.
CircleCI reports utilisation as a percentage of the class, sampled every 15 s, so runs under
15 s have none; macOS runs have none either. `truth()` lists every job with its fit, for
`bench.evaluate_rightsizing` to score `marts.rightsizing_recommendations` against.

The sizes are those of seeds/resource_classes.csv (CircleCI's resource class tables; a test
keeps the two in step).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np

from simulator.catalog import ORGANIZATIONS, RESOURCE_CLASSES

Fit = Literal["oversized", "right", "undersized"]

# (executor, class) -> (vCPUs, RAM GiB, next size down) of the classes the catalog uses.
CLASS_SIZES: dict[tuple[str, str], tuple[float, float, str | None]] = {
    ("docker", "small"): (1, 2, None),
    ("docker", "medium"): (2, 4, "small"),
    ("docker", "medium+"): (3, 6, "medium"),
    ("docker", "large"): (4, 8, "medium+"),
    ("docker", "xlarge"): (8, 16, "large"),
    ("docker", "2xlarge"): (16, 32, "xlarge"),
    ("docker", "2xlarge+"): (20, 40, "2xlarge"),
    ("docker", "arm.medium"): (2, 8, None),
    ("docker", "arm.large"): (4, 16, "arm.medium"),
    ("machine", "medium"): (2, 7.5, None),
    ("machine", "large"): (4, 15, "medium"),
    ("machine", "xlarge"): (8, 32, "large"),
    ("machine", "2xlarge"): (16, 64, "xlarge"),
    ("machine", "arm.medium"): (2, 8, None),
    ("machine", "arm.large"): (4, 16, "arm.medium"),
    ("machine", "gpu.nvidia.small"): (4, 16, None),
    ("machine", "gpu.nvidia.medium"): (8, 30, None),
    ("macos", "macos.m1.medium.gen1"): (4, 6, None),
    ("macos", "macos.m1.large.gen1"): (8, 12, "macos.m1.medium.gen1"),
    ("windows", "windows.medium"): (4, 16, None),
    ("windows", "windows.large"): (8, 32, "windows.medium"),
}

# Classes whose jobs are never judged: utilisation is not reported (macOS), or the class is
# chosen for its GPU, which the export does not measure.
_UNMEASURED_EXECUTORS = frozenset({"macos"})
_FIXED_CLASSES = frozenset({"gpu.nvidia.small", "gpu.nvidia.medium"})
_OVERSIZED_PCT = 25  # of the jobs that have a smaller class
_UNDERSIZED_PCT = 12
_MIN_MEASURED_SECONDS = 15

RC_VCPUS = np.array([CLASS_SIZES[(rc.executor, rc.name)][0] for rc in RESOURCE_CLASSES])
RC_RAM_GIB = np.array([CLASS_SIZES[(rc.executor, rc.name)][1] for rc in RESOURCE_CLASSES])
RC_UNMEASURED = np.array([rc.executor in _UNMEASURED_EXECUTORS for rc in RESOURCE_CLASSES])


@dataclass(frozen=True)
class JobNeed:
    """The peak CPU and RAM a job uses, and how its catalog class fits it."""

    vcpus: float
    ram_gib: float
    fit: Fit


def _uniforms(*parts: str) -> tuple[float, float, float, float]:
    digits = uuid.uuid5(uuid.NAMESPACE_URL, "need/" + "/".join(parts)).hex
    a, b, c, d = (int(digits[i : i + 8], 16) / 0xFFFFFFFF for i in (0, 8, 16, 24))
    return a, b, c, d


def job_need(
    org_id: str, project: str, workflow: str, job: str, executor: str, resource_class: str
) -> JobNeed:
    """Return the true need of a catalog job on its catalog class (stable for its names).

    Args:
        org_id: the organization's id.
        project: the project's name.
        workflow: the workflow's name.
        job: the job's name.
        executor: the executor of its class.
        resource_class: the class it runs on in the catalog.

    Returns:
        Its peak vCPUs and GiB, and whether the class is too big, right or too small.
    """
    vcpus, ram, smaller = CLASS_SIZES[(executor, resource_class)]
    pick, cpu_draw, ram_draw, which = _uniforms(org_id, project, workflow, job)
    bucket = pick * 100
    judged = executor not in _UNMEASURED_EXECUTORS and resource_class not in _FIXED_CLASSES
    if judged and smaller is not None and bucket < _OVERSIZED_PCT:
        small_vcpus, small_ram, _ = CLASS_SIZES[(executor, smaller)]
        # fits the next size down with at least 40 % of it to spare
        return JobNeed(
            small_vcpus * (0.15 + 0.4 * cpu_draw), small_ram * (0.15 + 0.4 * ram_draw), "oversized"
        )
    if judged and bucket >= 100 - _UNDERSIZED_PCT:
        if which < 0.6:  # RAM at the limit: an out-of-memory risk
            return JobNeed(
                vcpus * (0.2 + 0.5 * cpu_draw), ram * (0.97 + 0.1 * ram_draw), "undersized"
            )
        return JobNeed(vcpus * (1.2 + 0.8 * cpu_draw), ram * (0.2 + 0.5 * ram_draw), "undersized")
    # right: one resource too big for the next size down, neither near the class's limit
    high = 0.78
    if smaller is None:
        return JobNeed(vcpus * (0.2 + 0.55 * cpu_draw), ram * (0.2 + 0.55 * ram_draw), "right")
    small_vcpus, small_ram, _ = CLASS_SIZES[(executor, smaller)]
    low_cpu, low_ram = min(small_vcpus * 0.9 / vcpus, high), min(small_ram * 0.9 / ram, high)
    if which < 0.5:
        return JobNeed(
            vcpus * (low_cpu + (high - low_cpu) * cpu_draw), ram * (0.2 + 0.55 * ram_draw), "right"
        )
    return JobNeed(
        vcpus * (0.2 + 0.55 * cpu_draw), ram * (low_ram + (high - low_ram) * ram_draw), "right"
    )


def utilisation(
    need_vcpus: np.ndarray,
    need_ram_gib: np.ndarray,
    rc: np.ndarray,
    seconds: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return each run's median CPU, max CPU, median RAM and max RAM, in % of its class.

    NaN (NULL in the export) for runs under 15 s and on classes without utilisation (macOS).
    Draws four arrays of len(rc) from `rng`, always the same four, so the rest of the day's
    stream does not depend on the figures.

    Args:
        need_vcpus: each run's job's peak vCPUs.
        need_ram_gib: each run's job's peak GiB.
        rc: each run's resource class, as an index of RESOURCE_CLASSES.
        seconds: each run's duration.
        rng: the day's random stream.

    Returns:
        An (n, 4) array of percentages rounded to 2 decimals.
    """
    n = len(rc)
    cpu_noise = rng.normal(0, 1, n)
    cpu_share = rng.uniform(0, 1, n)
    ram_noise = rng.normal(0, 1, n)
    ram_share = rng.uniform(0, 1, n)
    cpu_need_pct = need_vcpus / RC_VCPUS[rc] * 100
    ram_need_pct = need_ram_gib / RC_RAM_GIB[rc] * 100
    util = np.empty((n, 4))
    util[:, 1] = np.clip(cpu_need_pct * np.exp(0.08 * cpu_noise), 0.5, 100)
    util[:, 0] = np.minimum(cpu_need_pct * (0.55 + 0.45 * cpu_share), util[:, 1])
    util[:, 3] = np.clip(ram_need_pct * np.exp(0.04 * ram_noise), 0.5, 100)
    util[:, 2] = util[:, 3] * (0.5 + 0.4 * ram_share)
    util = np.round(util, 2)
    util[(seconds < _MIN_MEASURED_SECONDS) | RC_UNMEASURED[rc]] = np.nan
    return util


def truth() -> list[dict[str, str]]:
    """Every job of the catalog on its catalog class, with its fit.

    Returns:
        Rows of org_id, project_name, workflow_name, job_name, executor, resource_class, fit.
    """
    rows = []
    for org in ORGANIZATIONS:
        for project in org.projects:
            for workflow in project.workflows:
                for job in workflow.jobs:
                    need = job_need(
                        org.id, project.name, workflow.name, job.name, job.executor,
                        job.resource_class,
                    )  # fmt: skip
                    rows.append(
                        {
                            "org_id": org.id,
                            "project_name": project.name,
                            "workflow_name": workflow.name,
                            "job_name": job.name,
                            "executor": job.executor,
                            "resource_class": job.resource_class,
                            "fit": need.fit,
                        }
                    )
    return rows
