"""Every default of the loader, defined once, and the documented facts of the Usage Export API.

Users tune the settings in `.dlt/config.toml` (section `[sources.circleci]`, which documents
each one and names its default) or with dlt's environment variables; `CircleCIConfig`, the
export runner and the API client take their defaults from here.
"""

from __future__ import annotations

DEFAULT_API_URL = "https://circleci.com/api/v2"

# Documented limits of the Usage Export API (see ../shared/reference).
MAX_WINDOW_DAYS = 31
# How far back an export's start may reach: CircleCI's create handler refuses a start older
# than now minus 366 days with a 400 (CircleCI-Labs/terraform-provider-circleci,
# internal/circleci/usage_export.go: `UsageExportMaxAge = 366 * 24 * time.Hour`). The docs say
# "13 months" in one place and "one year" in another; the handler's check is what counts.
MAX_HISTORY_DAYS = 366
# History the first run loads: as far as CircleCI allows.
BACKFILL_DAYS = MAX_HISTORY_DAYS
POSTS_PER_HOUR = 10
GETS_PER_MINUTE = 10

# CircleCI refreshes usage daily through the previous full UTC day and recent days can still
# change, so every refresh re-exports this many trailing days.
REEXPORT_LAG_DAYS = 3

# How the loader paces itself (see `.dlt/config.toml` for what each one means).
MAX_IN_FLIGHT = 10
POLL_INTERVAL_SECONDS = 10.0
MAX_POLL_INTERVAL_SECONDS = 60.0
MAX_EXPORT_ATTEMPTS = 3
REQUEST_ATTEMPTS = 5
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 60.0
# Long work logs a progress line at most this often.
PROGRESS_SECONDS = 2.0

PIPELINE_NAME = "circleci_costs"
RAW_DATASET = "circleci_raw"
USAGE_TABLE = "usage_job_runs"
WINDOWS_TABLE = "export_windows"
FILES_TABLE = "loaded_files"
REJECTED_TABLE = "rejected_rows"
DEFAULT_DB_PATH = "data/circleci_costs.duckdb"
DB_PATH_ENV = "CIRCLECI_COSTS_DB"

# The files path commits about this many bytes of export files (gzip) per load: bounded memory
# (the keys of one load are deduplicated in memory) and progress that survives a failure.
# Measured on 2 million rows (242 MB): 64 MB took 23 s at 690 MB peak, 96 MB 21 s at 770 MB,
# 128 MB 20 s at 820 MB; each load has a fixed cost in dlt, so fewer and larger loads are faster.
FILES_BATCH_BYTES = 96 << 20

# FOCUS (FinOps Open Cost and Usage Specification): the CircleCI costs exported as FOCUS, and
# cloud FOCUS bills loaded beside them.
FOCUS_VERSION = "1.2"
FOCUS_MART = "marts.focus_circleci_costs"
FOCUS_EXPORT_DIR = "data/focus"
FOCUS_EXPORT_FORMAT = "parquet"
FOCUS_DATASET = "focus_raw"
FOCUS_TABLE = "charges"
FOCUS_FILES_TABLE = "loaded_focus_files"
# The published read-only copy of the marts (Parquet and a DuckDB file of views) that BI tools
# and the report read, so that no reader ever holds the database a refresh writes.
PUBLISH_DIR_ENV = "CIRCLECI_COSTS_PUBLISH_DIR"
DEFAULT_PUBLISH_DIR = "data/published"
PUBLISHED_DB_NAME = "circleci_costs.duckdb"
# Complete versions kept besides the current one, for readers that opened an older one; a
# version a reader still holds open is never deleted.
PUBLISH_KEEP_VERSIONS = 2
# A mart with more rows than this is written as Parquet partitioned by month.
PUBLISH_PARTITION_ROWS = 1_000_000
DEFAULT_REPORT_PATH = "data/report/index.html"
