r"""A local simulator of the CircleCI Usage Export API, and the synthetic usage it serves.

`python -m loader demo` and every loader test talk to it over real HTTP on 127.0.0.1; the
benchmark uses its generator to write millions of rows of export files.

Serve the API from a test::

    from simulator import ManualClock, Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(processing_seconds=0)) as sim:
        sim.api_url        # "http://127.0.0.1:PORT/api/v2"
        sim.org_ids        # the two simulated organizations
        sim.admin_token    # "demo-admin-token" (a demo value, not a secret)
        sim.faults.rate_limit("post", retry_after=None)    # next POST: 429 without Retry-After
        sim.faults.truncate_download("cut_gzip")            # next part: a gzip cut in half
        sim.stats().count(method="POST", status=201)        # what the simulator saw

The API follows CircleCI's OpenAPI document: `POST /organizations/{org_id}/usage_export_job`
answers 201 with `{usage_export_job_id, state: "created", start, end, download_urls: null}`;
`GET /organizations/{org_id}/usage_export_job/{id}` answers `{usage_export_job_id, state,
download_urls[, error_reason]}`. States go `created` → `processing` → `completed` (or
`failed`) after `created_seconds` and `processing_seconds`; a completed export of an empty
window has `download_urls: null`. Parts are gzip CSV files behind pre-signed URLs
(`/objects/<export>/<part>.csv.gz?X-Expires=..&X-Signature=..`) that need no token, expire
after `url_ttl_seconds` (403 with an S3-style XML body, "Request has expired") and are signed
afresh on every GET. Tokens come in a `Circle-Token` header or as the HTTP Basic user name;
a `circle-token` query parameter is refused (401) like CircleCI does. The parts of an export
take both CSV dialects in turn, some pushed branch names are odd (commas, quotes, emoji, CJK),
and `damaged_rows=True` gives each export's first part a row with a field too many (see
`dialects`).

Refusals: 400 for a bad body (unknown field, missing or malformed start/end, end before start,
start older than 366 days, start or end in the future, a window over 31 days, in CircleCI's
order; "malformed request body" for a `shared_org_ids` entry or an organization id that is
not a UUID), 401 bad token, 403 a member's (non-admin) token, 404 unknown organization (or one
of `not_found_org_ids`) or export, 429 over the per-organization limits (sliding windows: POST
10 an hour, GET 10 a minute; no `Retry-After` unless `retry_after=True`, as CircleCI sends
none). Checks run in the order: route, injected fault, authentication, organization, rate
limit, body. Every request that passes the rate limiter
counts against it, even one then refused with 400; requests refused with 429 do not count.

Make usage without a server::

    from simulator import UsageGenerator

    gen = UsageGenerator(seed=42, days=400, scale=1.0)  # ends yesterday (UTC)
    table = gen.day_table(gen.organizations[0].id, gen.end_date)  # pyarrow, export columns
    gen.write_ground_truth("incidents.csv")                       # labelled incidents

From the shell::

    python -m simulator serve --processing-delay 5     # prints URL, org ids, token
    python -m simulator generate --rows 2000000 --out data/export-files
    python -m simulator ground-truth --out data/incidents.csv
"""

from simulator.config import (
    DEMO_ADMIN_TOKEN,
    DEMO_LEGACY_TOKEN,
    DEMO_MEMBER_TOKEN,
    ManualClock,
    SimulatorConfig,
)
from simulator.export_files import PartFile, parts_for_window, write_parts
from simulator.faults import Faults
from simulator.generator import EXPORT_SCHEMA, Organization, UsageGenerator
from simulator.incidents import GROUND_TRUTH_COLUMNS, Incident
from simulator.server import Simulator
from simulator.stats import SimulatorStats

__all__ = [
    "DEMO_ADMIN_TOKEN",
    "DEMO_LEGACY_TOKEN",
    "DEMO_MEMBER_TOKEN",
    "EXPORT_SCHEMA",
    "GROUND_TRUTH_COLUMNS",
    "Faults",
    "Incident",
    "ManualClock",
    "Organization",
    "PartFile",
    "Simulator",
    "SimulatorConfig",
    "SimulatorStats",
    "UsageGenerator",
    "parts_for_window",
    "write_parts",
]
