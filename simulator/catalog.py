"""The fixed world the synthetic usage is drawn from: resource classes, organizations, projects.

Nothing here is random: the catalog is the same for every seed, so organization and project ids
are stable and documentation can name them. The generator adds the randomness per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Executor = Literal["docker", "machine", "macos", "windows"]
Trigger = Literal["push", "schedule", "api"]


@dataclass(frozen=True)
class ResourceClass:
    """A billable resource class and its compute price in credits per minute."""

    executor: Executor
    name: str
    operating_system: str
    credits_per_minute: int


# Linux Docker, Linux machine and Windows medium are CircleCI's published rates. The Arm, GPU,
# macOS and larger Windows rates are plausible values chosen for simulated data only.
RESOURCE_CLASSES: tuple[ResourceClass, ...] = (
    ResourceClass("docker", "small", "linux", 5),
    ResourceClass("docker", "medium", "linux", 10),
    ResourceClass("docker", "medium+", "linux", 15),
    ResourceClass("docker", "large", "linux", 20),
    ResourceClass("docker", "xlarge", "linux", 40),
    ResourceClass("docker", "2xlarge", "linux", 80),
    ResourceClass("docker", "2xlarge+", "linux", 100),
    ResourceClass("docker", "arm.medium", "linux", 13),  # chosen
    ResourceClass("docker", "arm.large", "linux", 26),  # chosen
    ResourceClass("machine", "medium", "linux", 10),
    ResourceClass("machine", "large", "linux", 20),
    ResourceClass("machine", "xlarge", "linux", 40),
    ResourceClass("machine", "2xlarge", "linux", 80),
    ResourceClass("machine", "arm.medium", "linux", 10),  # chosen
    ResourceClass("machine", "arm.large", "linux", 20),  # chosen
    ResourceClass("machine", "gpu.nvidia.small", "linux", 160),  # chosen
    ResourceClass("machine", "gpu.nvidia.medium", "linux", 240),  # chosen
    ResourceClass("macos", "macos.m1.medium.gen1", "macos", 150),  # chosen
    ResourceClass("macos", "macos.m1.large.gen1", "macos", 250),  # chosen
    ResourceClass("windows", "windows.medium", "windows", 40),
    ResourceClass("windows", "windows.large", "windows", 120),  # chosen
)

RESOURCE_CLASS_INDEX: dict[tuple[str, str], int] = {
    (rc.executor, rc.name): i for i, rc in enumerate(RESOURCE_CLASSES)
}


def credits_per_minute(executor: str, resource_class: str) -> int:
    """Return the compute rate of a resource class, in credits per minute.

    Args:
        executor: docker, machine, macos or windows.
        resource_class: the class name as it appears in RESOURCE_CLASS.

    Returns:
        Credits per minute for one container (multiply by parallelism).
    """
    return RESOURCE_CLASSES[RESOURCE_CLASS_INDEX[(executor, resource_class)]].credits_per_minute


# Docker layer caching is billed per job run that uses it.
DLC_CREDITS_PER_JOB = 200
# Storage and network overage: 420 credits per GB; IP ranges traffic: 450 credits per GB.
STORAGE_CREDITS_PER_GB = 420
NETWORK_CREDITS_PER_GB = 420
IPRANGES_CREDITS_PER_GB = 450
# Seats: 25,000 credits per active user beyond the plan's included users, once a month.
SEAT_CREDITS_PER_USER = 25_000


@dataclass(frozen=True)
class JobSpec:
    """A job of a workflow template."""

    name: str
    executor: Executor
    resource_class: str
    median_seconds: float
    stage: int = 0
    parallelism: int = 1
    fail_rate: float = 0.03
    dlc: bool = False
    storage_gb: float = 0.0  # mean GB of artifacts/caches billed as storage per run
    network_gb: float = 0.0  # mean GB of billed egress per run
    ipranges_gb: float = 0.0  # mean GB through the IP ranges feature per run


@dataclass(frozen=True)
class WorkflowSpec:
    """A workflow of a project: which pipelines trigger it and which jobs it runs."""

    name: str
    trigger: Trigger
    jobs: tuple[JobSpec, ...]
    main_only: bool = False
    schedule_hour: int = 2  # UTC hour of a scheduled run


@dataclass(frozen=True)
class ProjectSpec:
    """A project (a GitHub repository built on CircleCI)."""

    name: str
    created: date
    pushes_per_day: float  # pipelines on a working day at scale 1.0, before growth
    workflows: tuple[WorkflowSpec, ...]
    api_per_day: float = 0.0


@dataclass(frozen=True)
class OrgSpec:
    """An organization with its projects and the shape of its activity."""

    id: str
    name: str
    created: date
    utc_offset_hours: int  # where most of its engineers work
    growth_per_year: float
    users_start: int  # active users at the start of the generated history
    users_end: int
    included_users: int
    projects: tuple[ProjectSpec, ...]
    daily_lease_credits: int = 0  # a leased dedicated host, billed as job-less daily rows


def _python_service(heavy: float = 1.0) -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "build-test",
            "push",
            (
                JobSpec("lint", "docker", "small", 40, stage=0, fail_rate=0.03),
                JobSpec("unit-tests", "docker", "medium", 280 * heavy, stage=0, parallelism=2),
                JobSpec("integration-tests", "docker", "large", 540 * heavy, stage=1),
                JobSpec("build-image", "docker", "medium", 220, stage=1, dlc=True, storage_gb=0.05),
            ),
        ),
        WorkflowSpec(
            "deploy",
            "push",
            (
                JobSpec("deploy-staging", "docker", "small", 110, stage=0, ipranges_gb=0.03),
                JobSpec("deploy-production", "docker", "small", 140, stage=1, ipranges_gb=0.03),
                JobSpec("notify", "docker", "small", 7, stage=2, fail_rate=0.005),
            ),
            main_only=True,
        ),
        WorkflowSpec(
            "nightly",
            "schedule",
            (
                JobSpec("dependency-audit", "docker", "small", 80, stage=0),
                JobSpec("full-regression", "docker", "large", 1400 * heavy, stage=0),
            ),
            schedule_hour=3,
        ),
    )


def _node_web(heavy: float = 1.0, e2e_parallelism: int = 4) -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "ci",
            "push",
            (
                JobSpec("install-deps", "docker", "medium", 85, stage=0, storage_gb=0.08),
                JobSpec("lint", "docker", "small", 50, stage=1),
                JobSpec("unit-tests", "docker", "medium", 210 * heavy, stage=1, parallelism=2),
                JobSpec("build", "docker", "medium+", 260 * heavy, stage=1, storage_gb=0.04),
                JobSpec(
                    "e2e-tests",
                    "docker",
                    "large",
                    480 * heavy,
                    stage=2,
                    parallelism=e2e_parallelism,
                    fail_rate=0.05,
                ),
            ),
        ),
        WorkflowSpec(
            "deploy",
            "push",
            (
                JobSpec("deploy", "docker", "small", 120, stage=0, ipranges_gb=0.02),
                JobSpec("smoke-check", "docker", "small", 11, stage=1, fail_rate=0.01),
            ),
            main_only=True,
        ),
        WorkflowSpec(
            "nightly",
            "schedule",
            (JobSpec("visual-regression", "docker", "large", 900 * heavy, stage=0),),
            schedule_hour=4,
        ),
    )


def _go_service(heavy: float = 1.0, arm: bool = False) -> tuple[WorkflowSpec, ...]:
    build_class = "arm.medium" if arm else "medium"
    return (
        WorkflowSpec(
            "build-test",
            "push",
            (
                JobSpec("lint", "docker", "small", 35, stage=0),
                JobSpec("test", "docker", "medium", 170 * heavy, stage=0),
                JobSpec("build", "docker", build_class, 120 * heavy, stage=1),
                JobSpec(
                    "docker-publish",
                    "machine",
                    "medium",
                    190,
                    stage=2,
                    dlc=True,
                    network_gb=0.15,
                ),
            ),
        ),
        WorkflowSpec(
            "release",
            "api",
            (JobSpec("release", "docker", "medium", 300, stage=0, ipranges_gb=0.05),),
        ),
        WorkflowSpec(
            "nightly",
            "schedule",
            (JobSpec("fuzz", "docker", "xlarge", 1800, stage=0, fail_rate=0.02),),
            schedule_hour=1,
        ),
    )


def _firmware() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "build-test",
            "push",
            (
                JobSpec("build-arm", "machine", "arm.large", 780, stage=0, storage_gb=0.2),
                JobSpec("build-x86", "machine", "large", 620, stage=0, storage_gb=0.2),
                JobSpec("unit-tests", "docker", "large", 420, stage=1),
                JobSpec("hil-tests", "machine", "large", 1100, stage=2, fail_rate=0.04),
            ),
        ),
        WorkflowSpec(
            "nightly",
            "schedule",
            (
                JobSpec("static-analysis", "docker", "2xlarge", 2100, stage=0),
                JobSpec("soak-tests", "machine", "xlarge", 3300, stage=0),
            ),
            schedule_hour=0,
        ),
    )


def _cpp_heavy() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "build-test",
            "push",
            (
                JobSpec("configure", "docker", "small", 25, stage=0),
                JobSpec("build", "docker", "large", 840, stage=1, storage_gb=0.1),
                JobSpec("unit-tests", "docker", "medium+", 360, stage=2, parallelism=2),
                JobSpec("integration", "docker", "xlarge", 540, stage=2),
            ),
        ),
        WorkflowSpec(
            "nightly",
            "schedule",
            (JobSpec("benchmarks", "machine", "xlarge", 2400, stage=0),),
            schedule_hour=2,
        ),
    )


def _ml() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "ci",
            "push",
            (
                JobSpec("lint", "docker", "small", 45, stage=0),
                JobSpec("unit-tests", "docker", "large", 380, stage=0),
                JobSpec("train-smoke", "machine", "gpu.nvidia.small", 720, stage=1),
            ),
        ),
        WorkflowSpec(
            "nightly",
            "schedule",
            (JobSpec("model-eval", "machine", "gpu.nvidia.medium", 3000, stage=0),),
            schedule_hour=1,
        ),
    )


def _ios() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "build-test",
            "push",
            (
                JobSpec("build", "macos", "macos.m1.medium.gen1", 300, stage=0, storage_gb=0.3),
                JobSpec("unit-tests", "macos", "macos.m1.medium.gen1", 240, stage=1),
                JobSpec("ui-tests", "macos", "macos.m1.large.gen1", 360, stage=1, fail_rate=0.05),
            ),
        ),
        WorkflowSpec(
            "deploy",
            "push",
            (JobSpec("testflight", "macos", "macos.m1.medium.gen1", 420, stage=0, network_gb=0.4),),
            main_only=True,
        ),
    )


def _android() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "build-test",
            "push",
            (
                JobSpec("assemble", "docker", "large", 560, stage=0, storage_gb=0.15),
                JobSpec("unit-tests", "docker", "large", 430, stage=1),
                JobSpec("instrumented-tests", "machine", "large", 1150, stage=1, fail_rate=0.06),
            ),
        ),
        WorkflowSpec(
            "nightly",
            "schedule",
            (JobSpec("device-farm", "machine", "xlarge", 1800, stage=0, network_gb=0.2),),
            schedule_hour=5,
        ),
    )


def _infra() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "plan-apply",
            "push",
            (
                JobSpec("validate", "docker", "small", 12, stage=0, fail_rate=0.04),
                JobSpec("plan", "docker", "small", 95, stage=1, ipranges_gb=0.01),
            ),
        ),
        WorkflowSpec(
            "apply",
            "push",
            (JobSpec("apply", "docker", "small", 160, stage=0, ipranges_gb=0.02),),
            main_only=True,
        ),
        WorkflowSpec(
            "drift-check",
            "schedule",
            (JobSpec("drift-check", "docker", "small", 70, stage=0, ipranges_gb=0.01),),
            schedule_hour=6,
        ),
    )


def _docs() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "docs",
            "push",
            (
                JobSpec("build", "docker", "small", 55, stage=0),
                JobSpec("link-check", "docker", "small", 18, stage=1, fail_rate=0.05),
            ),
        ),
        WorkflowSpec(
            "publish",
            "push",
            (JobSpec("publish", "docker", "small", 9, stage=0, fail_rate=0.01),),
            main_only=True,
        ),
    )


def _windows_desktop() -> tuple[WorkflowSpec, ...]:
    return (
        WorkflowSpec(
            "build-test",
            "push",
            (
                JobSpec("build", "windows", "windows.medium", 600, stage=0, storage_gb=0.25),
                JobSpec("test", "windows", "windows.medium", 420, stage=1),
            ),
        ),
        WorkflowSpec(
            "package",
            "push",
            (JobSpec("package", "windows", "windows.large", 480, stage=0, storage_gb=0.4),),
            main_only=True,
        ),
    )


ACME_ID = "6f2c1a4e-8d3b-4c7a-9e51-2b7d0c3f9a18"
GLOBEX_ID = "b3e9d2f1-5a7c-4e08-8f6b-1d4c2a9e7b05"

ORGANIZATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(
        id=ACME_ID,
        name="acme-robotics",
        created=date(2019, 3, 14),
        utc_offset_hours=-5,
        growth_per_year=0.30,
        users_start=42,
        users_end=58,
        included_users=5,
        daily_lease_credits=1_800,
        projects=(
            ProjectSpec("robot-firmware", date(2019, 4, 2), 9, _firmware()),
            ProjectSpec("fleet-telemetry", date(2019, 6, 20), 24, _go_service(), api_per_day=1.5),
            ProjectSpec("perception-models", date(2020, 1, 8), 12, _ml()),
            ProjectSpec("motion-planner", date(2019, 9, 1), 11, _cpp_heavy()),
            ProjectSpec("sim-engine", date(2020, 5, 12), 11, _cpp_heavy()),
            ProjectSpec("control-panel-web", date(2020, 2, 3), 26, _node_web()),
            ProjectSpec("acme-ios", date(2021, 1, 19), 8, _ios()),
            ProjectSpec("acme-android", date(2021, 1, 19), 7, _android()),
            ProjectSpec("warehouse-api", date(2019, 11, 5), 22, _python_service()),
            ProjectSpec("infra-terraform", date(2019, 5, 27), 20, _infra()),
            ProjectSpec("docs-site", date(2020, 8, 30), 12, _docs()),
            ProjectSpec("data-pipelines", date(2021, 4, 6), 12, _python_service(heavy=1.4)),
            ProjectSpec(
                "edge-gateway", date(2021, 7, 22), 8, _go_service(arm=True), api_per_day=0.8
            ),
            ProjectSpec("calibration-tools", date(2020, 10, 15), 7, _windows_desktop()),
            ProjectSpec("auth-service", date(2020, 3, 3), 12, _go_service(heavy=0.8)),
        ),
    ),
    OrgSpec(
        id=GLOBEX_ID,
        name="globex-labs",
        created=date(2020, 9, 1),
        utc_offset_hours=1,
        growth_per_year=0.20,
        users_start=14,
        users_end=19,
        included_users=5,
        projects=(
            ProjectSpec("checkout-web", date(2020, 9, 10), 20, _node_web(heavy=1.1)),
            ProjectSpec("catalog-api", date(2020, 9, 10), 16, _python_service()),
            ProjectSpec("legacy-billing-api", date(2020, 9, 12), 10, _python_service(0.9)),
            ProjectSpec("globex-mobile", date(2021, 2, 1), 7, _ios()),
            ProjectSpec("search-service", date(2021, 3, 15), 8, _go_service(), api_per_day=1.0),
            ProjectSpec("design-system", date(2021, 6, 2), 12, _node_web(0.6, 2)),
            ProjectSpec("infra-live", date(2020, 9, 20), 12, _infra()),
            ProjectSpec("analytics-etl", date(2022, 1, 11), 10, _python_service(heavy=1.2)),
        ),
    ),
)

TRIGGER_SOURCES: dict[str, str] = {
    "push": "webhook",
    "schedule": "scheduled_pipeline",
    "api": "api",
}

FEATURE_BRANCH_TOPICS: tuple[str, ...] = (
    "feature/batch-uploads",
    "feature/retry-policy",
    "feature/new-dashboard",
    "feature/metrics-export",
    "feature/sso-login",
    "feature/rate-limits",
    "fix/flaky-timeout",
    "fix/null-pointer",
    "fix/memory-leak",
    "fix/ci-cache-key",
    "chore/bump-deps",
    "chore/ci-speedup",
    "refactor/storage-layer",
    "refactor/config-loader",
    "dependabot/npm_and_yarn/lodash-4.17.21",
    "dependabot/pip/requests-2.32.3",
    "release/next",
    "experiment/parallel-tests",
)
# Branches whose pipelines are triggered by a bot that is not a CircleCI user.
UNREGISTERED_BRANCH_PREFIX = "dependabot/"
