"""The FOCUS cost-and-usage columns the loader keeps, and how older exports name them.

The column set is FOCUS 1.2's (FOCUS_Spec `specification/columns`, tag v1.2). Facts about the
versions and the providers' files, each with its source:

- 1.1 added CapacityReservationId/Status, CommitmentDiscountQuantity/Unit,
  ServiceSubcategory, SkuMeter and SkuPriceDetails; 1.2 added BillingAccountType, InvoiceId,
  PricingCurrency and its three PricingCurrency* prices, and SubAccountType
  (FOCUS_Spec CHANGELOG.md). A column an older file lacks is stored as NULL.
- The 1.0 preview names `Provider`, `Publisher`, `Region`, `UsageQuantity`, `UsageUnit`
  what 1.0 calls ProviderName, PublisherName, RegionName, ConsumedQuantity, ConsumedUnit.
  Oracle's FOCUS reports (gzip CSV) still carry the preview names, times without seconds
  and their own columns with an `oci_` prefix rather than FOCUS's `x_` (as public parsers of
  those reports read them: `Provider`, `Region`, `UsageQuantity`, `oci_CompartmentName`).
- AWS Data Exports type costs as double and periods as timestamp_milliseconds
  (docs.aws.amazon.com/cur/latest/userguide/table-dictionary-focus-1-2-aws-columns).
- Azure's FOCUS 1.0 files wrote times without seconds (`2024-01-01T00:00Z`); its 1.0r2 files
  add them (learn.microsoft.com/azure/cost-management-billing/dataset-schema/
  cost-usage-details-focus). Both parse.
- Tags arrive as a JSON object in CSV, as a map in AWS's Parquet, or as a list of key/value
  records from BigQuery (Google Cloud's FOCUS export lives there); all are stored as a JSON
  object.
"""

from __future__ import annotations

import re

DECIMAL = "decimal(38, 18)"
TIMESTAMP = "timestamptz"
TEXT = "varchar"
JSON_TEXT = "json"

# FOCUS 1.2 column -> the type it is stored as
FOCUS_COLUMNS: dict[str, str] = {
    "AvailabilityZone": TEXT,
    "BilledCost": DECIMAL,
    "BillingAccountId": TEXT,
    "BillingAccountName": TEXT,
    "BillingAccountType": TEXT,
    "BillingCurrency": TEXT,
    "BillingPeriodEnd": TIMESTAMP,
    "BillingPeriodStart": TIMESTAMP,
    "CapacityReservationId": TEXT,
    "CapacityReservationStatus": TEXT,
    "ChargeCategory": TEXT,
    "ChargeClass": TEXT,
    "ChargeDescription": TEXT,
    "ChargeFrequency": TEXT,
    "ChargePeriodEnd": TIMESTAMP,
    "ChargePeriodStart": TIMESTAMP,
    "CommitmentDiscountCategory": TEXT,
    "CommitmentDiscountId": TEXT,
    "CommitmentDiscountName": TEXT,
    "CommitmentDiscountQuantity": DECIMAL,
    "CommitmentDiscountStatus": TEXT,
    "CommitmentDiscountType": TEXT,
    "CommitmentDiscountUnit": TEXT,
    "ConsumedQuantity": DECIMAL,
    "ConsumedUnit": TEXT,
    "ContractedCost": DECIMAL,
    "ContractedUnitPrice": DECIMAL,
    "EffectiveCost": DECIMAL,
    "InvoiceId": TEXT,
    "InvoiceIssuerName": TEXT,
    "ListCost": DECIMAL,
    "ListUnitPrice": DECIMAL,
    "PricingCategory": TEXT,
    "PricingCurrency": TEXT,
    "PricingCurrencyContractedUnitPrice": DECIMAL,
    "PricingCurrencyEffectiveCost": DECIMAL,
    "PricingCurrencyListUnitPrice": DECIMAL,
    "PricingQuantity": DECIMAL,
    "PricingUnit": TEXT,
    "ProviderName": TEXT,
    "PublisherName": TEXT,
    "RegionId": TEXT,
    "RegionName": TEXT,
    "ResourceId": TEXT,
    "ResourceName": TEXT,
    "ResourceType": TEXT,
    "ServiceCategory": TEXT,
    "ServiceName": TEXT,
    "ServiceSubcategory": TEXT,
    "SkuId": TEXT,
    "SkuMeter": TEXT,
    "SkuPriceDetails": JSON_TEXT,
    "SkuPriceId": TEXT,
    "SubAccountId": TEXT,
    "SubAccountName": TEXT,
    "SubAccountType": TEXT,
    "Tags": JSON_TEXT,
}

# The columns a file must have to be read as FOCUS cost data (mandatory in 1.0 to 1.2, and
# what the marts need: who, when, what, how much, in which currency).
REQUIRED = (
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "BillingAccountId",
    "ChargeCategory",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ProviderName",
    "ServiceName",
)

# 1.0-preview names -> 1.0 names
RENAMED = {
    "Provider": "ProviderName",
    "Publisher": "PublisherName",
    "Region": "RegionName",
    "UsageQuantity": "ConsumedQuantity",
    "UsageUnit": "ConsumedUnit",
}

ADDED_IN = {
    "1.2": (
        "BillingAccountType",
        "InvoiceId",
        "PricingCurrency",
        "PricingCurrencyContractedUnitPrice",
        "PricingCurrencyEffectiveCost",
        "PricingCurrencyListUnitPrice",
        "SubAccountType",
    ),
    "1.1": (
        "CapacityReservationId",
        "CapacityReservationStatus",
        "CommitmentDiscountQuantity",
        "CommitmentDiscountUnit",
        "ServiceSubcategory",
        "SkuMeter",
        "SkuPriceDetails",
    ),
}

_BY_LOWER = {name.lower(): name for name in FOCUS_COLUMNS}
_RENAMED_LOWER = {old.lower(): new for old, new in RENAMED.items()}


def canonical_name(header: str) -> str | None:
    """The FOCUS column a file's header names (any case, 1.0-preview names too), or None."""
    key = header.strip().lower()
    return _BY_LOWER.get(key) or _RENAMED_LOWER.get(key)


def detect_version(canonical: set[str], headers: set[str]) -> str:
    """The FOCUS version a file's columns point to: the newest whose additions it has."""
    for version in ("1.2", "1.1"):
        if canonical & set(ADDED_IN[version]):
            return version
    if {old for old in RENAMED} & {h.strip() for h in headers}:
        return "1.0-preview"
    return "1.0"


def snake_case(name: str) -> str:
    """`BilledCost` -> `billed_cost`: the raw table's column names, as dlt would make them."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
