"""Cloud FOCUS bills for the demo organizations, beside their simulated CircleCI usage.

Writes FOCUS 1.2 cost-and-usage files the way providers deliver them: AWS Data Exports as
Parquet (double-free exact decimals here, millisecond UTC timestamps, tags as a map) and a
Google Cloud FOCUS export saved from BigQuery as CSV (tags as JSON text), one file per
provider and billing month. Both pass the FinOps Foundation's validator (`focus-validator`
2.2.1, FOCUS 1.2; tests/simulator/test_cloud_focus.py).

The infrastructure, daily per scope:

- steady services with a weekly rhythm (weekdays busier than weekends), a little noise;
- `SHIFT-1`, caused by the labelled CircleCI incident INC-6: the checkout team's ephemeral
  end-to-end test environments (EC2 in the staging account) scale with the e2e runs, so when
  e2e parallelism triples, so does their cost, on the incident's days;
- `SHIFT-2`, a distractor: the data team's BigQuery cost more than doubles for nine days
  (a backfill), with no CircleCI change behind it.

`write_cloud_truth` writes those two shifts (CSV) for `make evaluate`.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from simulator.incidents import Incident

CAUSED_BY = "INC-6"
MONEY = pa.decimal128(38, 10)
TIMESTAMP = pa.timestamp("ms", tz="UTC")


@dataclass(frozen=True)
class CloudScope:
    """One line of infrastructure: who bills it, what it is, whose it is, what it costs."""

    provider: str
    billing_account: str
    sub_account_id: str
    sub_account_name: str
    service: str
    category: str
    subcategory: str
    sku: str
    unit: str
    unit_price: Decimal
    team: str
    env: str
    weekday_units: int
    weekend_units: int
    region: str


def _scope(
    provider: str,
    sub_account: tuple[str, str],
    service: tuple[str, str, str],
    sku: tuple[str, str, str],
    team: str,
    env: str,
    units: tuple[int, int],
    region: str,
) -> CloudScope:
    account = "111122223333" if provider == "AWS" else "010101-F0FFF0-61C528"
    return CloudScope(
        provider,
        account,
        sub_account[0],
        sub_account[1],
        service[0],
        service[1],
        service[2],
        sku[0],
        sku[1],
        Decimal(sku[2]),
        team,
        env,
        units[0],
        units[1],
        region,
    )


SCOPES = (
    # the checkout team's ephemeral e2e environments: they follow the e2e runs
    _scope(
        "AWS",
        ("444455556666", "globex-staging"),
        ("Amazon Elastic Compute Cloud", "Compute", "Virtual Machines"),
        ("BoxUsage:m5.xlarge", "Hours", "0.192"),
        "checkout",
        "staging",
        (180, 60),
        "us-east-1",
    ),
    _scope(
        "AWS",
        ("777788889999", "globex-prod"),
        ("Amazon Relational Database Service", "Databases", "Relational Databases"),
        ("InstanceUsage:db.r6g.xlarge", "Hours", "0.41"),
        "catalog",
        "prod",
        (240, 240),
        "us-east-1",
    ),
    _scope(
        "AWS",
        ("222233334444", "acme-fleet-prod"),
        ("Amazon Simple Storage Service", "Storage", "Object Storage"),
        ("TimedStorage-ByteHrs", "GB-Months", "0.023"),
        "fleet",
        "prod",
        (2600, 2500),
        "eu-west-1",
    ),
    _scope(
        "Google Cloud",
        ("acme-analytics", "acme-analytics"),
        ("BigQuery", "Databases", "Data Warehouses"),
        ("Analysis", "TiB", "6.25"),
        "data",
        "prod",
        (10, 3),
        "europe-west1",
    ),
)


@dataclass(frozen=True)
class CloudShift:
    """A labelled change of a scope's cost over some days."""

    shift_id: str
    scope: CloudScope
    first_day: date
    last_day: date
    factor: float
    caused_by: str | None
    description: str


def plan_shifts(end_date: date, incidents: tuple[Incident, ...]) -> list[CloudShift]:
    """The demo's two cloud shifts: one caused by INC-6, one unrelated."""
    shifts = []
    caused = next((i for i in incidents if i.incident_id == CAUSED_BY), None)
    if caused is not None:
        shifts.append(
            CloudShift(
                "SHIFT-1",
                SCOPES[0],
                caused.first_day,
                caused.last_day or end_date,
                3.0,
                CAUSED_BY,
                "Ephemeral e2e test environments scale with e2e parallelism (4 to 12).",
            )
        )
    shifts.append(
        CloudShift(
            "SHIFT-2",
            SCOPES[3],
            end_date - timedelta(days=24),
            end_date - timedelta(days=16),
            2.5,
            None,
            "A BigQuery backfill by the data team, with no CI change behind it.",
        )
    )
    return shifts


def _daily_units(
    scope: CloudScope, day: date, rng: random.Random, shifts: list[CloudShift]
) -> Decimal:
    base = scope.weekday_units if day.weekday() < 5 else scope.weekend_units
    units = base * rng.uniform(0.95, 1.05)
    for shift in shifts:
        if shift.scope == scope and shift.first_day <= day <= shift.last_day:
            units *= shift.factor
    return Decimal(str(round(units, 3)))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _rows(
    scopes: tuple[CloudScope, ...], start: date, end: date, seed: int, shifts: list[CloudShift]
) -> dict[tuple[str, date], list[dict[str, object]]]:
    """FOCUS 1.2 rows per (provider, billing month)."""
    rng = random.Random(seed)
    files: dict[tuple[str, date], list[dict[str, object]]] = {}
    day = start
    while day <= end:
        for scope in scopes:
            units = _daily_units(scope, day, rng, shifts)
            cost = units * scope.unit_price
            month = _month_start(day)
            files.setdefault((scope.provider, month), []).append(
                {
                    "BilledCost": cost,
                    "BillingAccountId": scope.billing_account,
                    "BillingAccountName": f"{scope.provider} payer",
                    "BillingAccountType": "Billing Account",
                    "BillingCurrency": "USD",
                    "BillingPeriodEnd": _midnight(_next_month(day)),
                    "BillingPeriodStart": _midnight(month),
                    "ChargeCategory": "Usage",
                    "ChargeClass": None,
                    "ChargeDescription": f"{scope.service} {scope.sku} in {scope.region}",
                    "ChargeFrequency": "Usage-Based",
                    "ChargePeriodEnd": _midnight(day + timedelta(days=1)),
                    "ChargePeriodStart": _midnight(day),
                    "ConsumedQuantity": units,
                    "ConsumedUnit": scope.unit,
                    "ContractedCost": cost,
                    "ContractedUnitPrice": scope.unit_price,
                    "EffectiveCost": cost,
                    "InvoiceId": f"{scope.billing_account}-{month:%Y%m}",
                    "InvoiceIssuerName": scope.provider,
                    "ListCost": cost,
                    "ListUnitPrice": scope.unit_price,
                    "PricingCategory": "Standard",
                    "PricingQuantity": units,
                    "PricingUnit": scope.unit,
                    "ProviderName": scope.provider,
                    "PublisherName": scope.provider,
                    "RegionId": scope.region,
                    "RegionName": scope.region,
                    "ServiceCategory": scope.category,
                    "ServiceName": scope.service,
                    "ServiceSubcategory": scope.subcategory,
                    "SkuId": scope.sku,
                    "SubAccountId": scope.sub_account_id,
                    "SubAccountName": scope.sub_account_name,
                    "SubAccountType": "Account" if scope.provider == "AWS" else "Project",
                    "Tags": {"team": scope.team, "env": scope.env},
                }
            )
        day += timedelta(days=1)
    return files


def _table(rows: list[dict[str, object]], tags_as_map: bool) -> pa.Table:
    money = {
        "BilledCost",
        "ConsumedQuantity",
        "ContractedCost",
        "ContractedUnitPrice",
        "EffectiveCost",
        "ListCost",
        "ListUnitPrice",
        "PricingQuantity",
    }
    times = {"BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"}
    columns: dict[str, pa.Array] = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        if name in money:
            columns[name] = pa.array(values, MONEY)
        elif name in times:
            columns[name] = pa.array(values, TIMESTAMP)
        elif name == "Tags":
            if tags_as_map:
                columns[name] = pa.array(
                    [list(v.items()) for v in values],  # type: ignore[attr-defined]
                    pa.map_(pa.string(), pa.string()),
                )
            else:
                import json

                columns[name] = pa.array([json.dumps(v, separators=(",", ":")) for v in values])
        else:
            columns[name] = pa.array(values, pa.string())
    return pa.table(columns)


def write_cloud_exports(
    out_dir: Path, start: date, end: date, incidents: tuple[Incident, ...], seed: int = 42
) -> list[Path]:
    """Write the demo's cloud FOCUS files for `start`..`end` (UTC days) into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shifts = plan_shifts(end, incidents)
    written = []
    for (provider, month), rows in sorted(_rows(SCOPES, start, end, seed, shifts).items()):
        if provider == "AWS":
            # AWS Data Exports: Parquet, tags as a map
            path = out_dir / "aws" / f"focus-{month:%Y-%m}-00001.snappy.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(_table(rows, tags_as_map=True), path)
        else:
            # Google Cloud's FOCUS table exported from BigQuery to CSV
            path = out_dir / "gcp" / f"gcp_billing_export_focus_{month:%Y%m}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            table = _table(rows, tags_as_map=False)
            pacsv.write_csv(_iso_times(table), path)
        written.append(path)
    return written


def _iso_times(table: pa.Table) -> pa.Table:
    """FOCUS's `YYYY-MM-DDTHH:mm:ssZ` for the CSV's times."""
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            text = [f"{v:%Y-%m-%dT%H:%M:%SZ}" for v in table.column(index).to_pylist()]
            table = table.set_column(index, field.name, pa.array(text))
    return table


def write_cloud_truth(path: Path, end: date, incidents: tuple[Incident, ...]) -> Path:
    """The labelled cloud shifts as CSV: which one a CI incident caused, which one not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "shift_id",
                "provider",
                "sub_account_id",
                "service",
                "team",
                "first_day",
                "last_day",
                "factor",
                "caused_by_incident",
                "description",
            ]
        )
        for shift in plan_shifts(end, incidents):
            writer.writerow(
                [
                    shift.shift_id,
                    shift.scope.provider,
                    shift.scope.sub_account_id,
                    shift.scope.service,
                    shift.scope.team,
                    shift.first_day.isoformat(),
                    shift.last_day.isoformat(),
                    shift.factor,
                    shift.caused_by or "",
                    shift.description,
                ]
            )
    return path
