from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from simulator import Simulator

OPENAPI = json.loads(
    (Path(__file__).parent / "data" / "circleci-usage-export.openapi.json").read_text()
)


def schema(name: str) -> dict[str, Any]:
    result: dict[str, Any] = OPENAPI["components"]["schemas"][name]
    return result


def assert_matches(body: dict[str, Any], name: str) -> None:
    """Check a JSON body against a component schema of CircleCI's OpenAPI document."""
    spec = schema(name)
    assert set(spec["required"]) <= set(body), body
    if spec.get("additionalProperties") is False:
        assert set(body) <= set(spec["properties"]), body
    for key, value in body.items():
        prop = spec["properties"][key]
        if value is None:
            assert key == "download_urls"  # null until completed, as the real API does
        elif prop["type"] == "string":
            assert isinstance(value, str)
            if "enum" in prop:
                assert value in prop["enum"]
        elif prop["type"] == "array":
            assert isinstance(value, list) and all(isinstance(v, str) for v in value)


def error_schema_ok(response: requests.Response) -> None:
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message"} and isinstance(body["message"], str)


def url(sim: Simulator, org: str, job: str | None = None) -> str:
    base = f"{sim.api_url}/organizations/{org}/usage_export_job"
    return f"{base}/{job}" if job else base


def create(
    http: requests.Session,
    sim: Simulator,
    start: str,
    end: str,
    org: str | None = None,
    **extra: Any,
) -> requests.Response:
    return http.post(url(sim, org or sim.org_ids[0]), json={"start": start, "end": end, **extra})


def read(
    http: requests.Session, sim: Simulator, job: str, org: str | None = None
) -> requests.Response:
    return http.get(url(sim, org or sim.org_ids[0], job))


def completed(
    http: requests.Session, sim: Simulator, start: str, end: str, **extra: Any
) -> dict[str, Any]:
    """Create an export (zero delays) and return its completed GET body."""
    created = create(http, sim, start, end, **extra)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = read(http, sim, created.json()["usage_export_job_id"]).json()
    assert body["state"] == "completed", body
    return body
