"""Small FOCUS exports shaped like each provider's, written on the fly.

Each follows what the providers document or write (see loader.focus.columns for sources):
AWS Data Exports FOCUS 1.2 as Parquet with double costs, millisecond timestamps and a map of
tags; Azure FOCUS 1.0 CSV with times without seconds and a JSON tag column; Google Cloud's
FOCUS (exported from BigQuery) with repeated key/value tag records and 1.1 columns; Oracle's
gzip CSV with 1.0-preview names and `oci_` columns.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def _common(days: int) -> dict[str, list[object]]:
    starts = [DAY + timedelta(days=i) for i in range(days)]
    return {
        "ChargePeriodStart": starts,
        "ChargePeriodEnd": [s + timedelta(days=1) for s in starts],
        "BillingPeriodStart": [DAY] * days,
        "BillingPeriodEnd": [datetime(2026, 4, 1, tzinfo=UTC)] * days,
    }


def aws_parquet(path: Path, days: int = 3, cost: float = 12.5) -> Path:
    times = _common(days)
    ts = pa.timestamp("ms", tz="UTC")
    table = pa.table(
        {
            "BilledCost": pa.array([cost] * days, pa.float64()),
            "EffectiveCost": pa.array([cost] * days, pa.float64()),
            "ListCost": pa.array([cost * 1.2] * days, pa.float64()),
            "ContractedCost": pa.array([cost] * days, pa.float64()),
            "BillingAccountId": ["111122223333"] * days,
            "BillingAccountName": ["payer"] * days,
            "BillingAccountType": ["Billing Account"] * days,
            "BillingCurrency": ["USD"] * days,
            "BillingPeriodStart": pa.array(times["BillingPeriodStart"], ts),
            "BillingPeriodEnd": pa.array(times["BillingPeriodEnd"], ts),
            "ChargePeriodStart": pa.array(times["ChargePeriodStart"], ts),
            "ChargePeriodEnd": pa.array(times["ChargePeriodEnd"], ts),
            "ChargeCategory": ["Usage"] * days,
            "ProviderName": ["AWS"] * days,
            "PublisherName": ["AWS"] * days,
            "InvoiceIssuerName": ["AWS"] * days,
            "ServiceName": ["Amazon Elastic Compute Cloud"] * days,
            "ServiceCategory": ["Compute"] * days,
            "SubAccountId": ["444455556666"] * days,
            "SubAccountName": ["staging"] * days,
            "Tags": pa.array(
                [[("team", "checkout"), ("env", "staging")]] * days,
                pa.map_(pa.string(), pa.string()),
            ),
            "x_ServiceCode": ["AmazonEC2"] * days,
            "x_UsageType": ["BoxUsage:m5.large"] * days,
        }
    )
    pq.write_table(table, path)
    return path


def azure_csv(path: Path, costs: list[str] | None = None) -> Path:
    costs = costs or ["3.25", "4.75"]
    lines = [
        "BilledCost,EffectiveCost,BillingAccountId,BillingAccountName,BillingCurrency,"
        "BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,"
        "ProviderName,PublisherName,InvoiceIssuerName,ServiceName,ServiceCategory,SubAccountId,"
        "SubAccountName,Tags,x_ResourceGroupName,x_SkuMeterCategory"
    ]
    for i, cost in enumerate(costs):
        day = f"2026-03-{i + 1:02d}"
        nxt = f"2026-03-{i + 2:02d}"
        lines.append(
            f"{cost},{cost},/providers/Microsoft.Billing/billingAccounts/123,Contoso,EUR,"
            f"2026-03-01T00:00Z,2026-04-01T00:00Z,{day}T00:00Z,{nxt}T00:00Z,Usage,Microsoft,"
            "Microsoft,Microsoft,Azure Kubernetes Service,Containers,"
            "/subscriptions/sub-1,prod,"
            '"{""team"":""data"",""cost-center"":""42""}",rg-data,Virtual Machines'
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def google_parquet(path: Path) -> Path:
    times = _common(2)
    ts = pa.timestamp("us", tz="UTC")
    tag = pa.struct([("key", pa.string()), ("value", pa.string()), ("inherited", pa.bool_())])
    table = pa.table(
        {
            "BilledCost": pa.array(["1.10", "2.20"], pa.string()).cast(pa.decimal128(20, 6)),
            "EffectiveCost": pa.array(["1.10", "2.20"], pa.string()).cast(pa.decimal128(20, 6)),
            "BillingAccountId": ["010101-F0FFF0-61C528"] * 2,
            "BillingCurrency": ["USD"] * 2,
            "BillingPeriodStart": pa.array(times["BillingPeriodStart"], ts),
            "BillingPeriodEnd": pa.array(times["BillingPeriodEnd"], ts),
            "ChargePeriodStart": pa.array(times["ChargePeriodStart"], ts),
            "ChargePeriodEnd": pa.array(times["ChargePeriodEnd"], ts),
            "ChargeCategory": ["Usage"] * 2,
            "ProviderName": ["Google Cloud"] * 2,
            "ServiceName": ["Cloud Run"] * 2,
            "ServiceSubcategory": ["Containers"] * 2,
            "SubAccountId": ["checkout-prod"] * 2,
            "Tags": pa.array(
                [[{"key": "team", "value": "checkout", "inherited": False}]] * 2,
                pa.list_(tag),
            ),
            "x_ProjectName": ["checkout-prod"] * 2,
        }
    )
    pq.write_table(table, path)
    return path


def oracle_csv_gz(path: Path) -> Path:
    header = (
        "AvailabilityZone,BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,"
        "BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeDescription,ChargeFrequency,"
        "ChargePeriodEnd,ChargePeriodStart,ChargeSubcategory,EffectiveCost,ListCost,"
        "PricingQuantity,PricingUnit,Provider,Region,ResourceId,ResourceName,ResourceType,"
        "ServiceCategory,ServiceName,SubAccountId,SubAccountName,Tags,UsageQuantity,UsageUnit,"
        "oci_ReferenceNumber,oci_CompartmentId,oci_CompartmentName"
    )
    row = (
        ",0.125,ocid1.tenancy.oc1..root,tenancy,USD,2026-04-01T00:00Z,2026-03-01T00:00Z,Usage,"
        "Compute Standard E4,Usage-Based,2026-03-01T01:00Z,2026-03-01T00:00Z,OnDemand,0.125,"
        "0.200,1,OCPU hour,Oracle Cloud Infrastructure,sa-bogota-1,ocid1.instance.oc1..x,vm,"
        'ComputeInstance,Compute,COMPUTE,ocid1.compartment.oc1..demo,demo,"{""team"":""ml""}",'
        "1,OCPU hour,0001000001091847,ocid1.compartment.oc1..demo,demo"
    )
    with gzip.open(path, "wt") as handle:
        handle.write(header + "\n" + row + "\n")
    return path


def daily_csv(
    path: Path,
    costs: dict[date, str],
    *,
    team: str,
    sub_account: str,
    service: str,
    provider: str = "AWS",
) -> Path:
    """A FOCUS 1.2 CSV with one charge per day of `costs` for one scope, tagged with `team`."""
    lines = [
        "BilledCost,EffectiveCost,BillingAccountId,BillingCurrency,BillingPeriodStart,"
        "BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,"
        "ServiceName,SubAccountId,SubAccountName,Tags"
    ]
    for day, cost in sorted(costs.items()):
        month = day.replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        lines.append(
            f"{cost},{cost},payer,USD,{month}T00:00:00Z,{following}T00:00:00Z,"
            f"{day}T00:00:00Z,{day + timedelta(days=1)}T00:00:00Z,Usage,{provider},{service},"
            f'{sub_account},{sub_account},"{{""team"":""{team}""}}"'
        )
    path.write_text("\n".join(lines) + "\n")
    return path
