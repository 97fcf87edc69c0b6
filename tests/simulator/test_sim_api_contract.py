from __future__ import annotations

import base64
import gzip
from collections.abc import Callable
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import requests

from loader.schema import EXPORT_COLUMNS
from simulator import ManualClock, Simulator
from tests.simulator.sim_api_helpers import (
    assert_matches,
    completed,
    create,
    error_schema_ok,
    read,
    url,
)
from tests.simulator.sim_parts import header_of, parse_part

WEEK = ("2025-06-01T00:00:00Z", "2025-06-09T23:59:59Z")


def test_create_and_read_follow_the_openapi_schemas(sim: Simulator, http: requests.Session) -> None:
    created = create(http, sim, *WEEK)
    assert created.status_code == 201
    assert created.headers["Content-Type"] == "application/json"
    body = created.json()
    assert_matches(body, "usage_export_job")
    assert body["state"] == "created" and body["download_urls"] is None
    assert (body["start"], body["end"]) == WEEK
    got = read(http, sim, body["usage_export_job_id"])
    assert got.status_code == 200
    assert_matches(got.json(), "get_usage_export_job_status")
    assert "start" not in got.json() and "end" not in got.json()
    assert "error_reason" not in got.json()


def test_states_progress_with_the_clock(
    make_sim: Callable[..., Simulator], clock: ManualClock
) -> None:
    sim = make_sim(created_seconds=10, processing_seconds=20)
    with requests.Session() as http:
        http.headers["Circle-Token"] = sim.admin_token
        job = create(http, sim, *WEEK).json()["usage_export_job_id"]
        states = [read(http, sim, job).json()]
        clock.advance(10)
        states.append(read(http, sim, job).json())
        clock.advance(20)
        states.append(read(http, sim, job).json())
    assert [s["state"] for s in states] == ["created", "processing", "completed"]
    assert states[0]["download_urls"] is None and states[1]["download_urls"] is None
    assert len(states[2]["download_urls"]) == 8  # nine days: eight parts, as seen in real exports


def test_empty_window_completes_without_urls(sim: Simulator, http: requests.Session) -> None:
    body = completed(http, sim, "2025-06-15T00:00:00Z", "2025-06-15T11:00:00Z")  # today: no data
    assert body["download_urls"] is None
    assert_matches(body, "get_usage_export_job_status")


def test_every_part_downloads_and_parses(sim: Simulator, http: requests.Session) -> None:
    body = completed(http, sim, *WEEK)
    tables = []
    for link in body["download_urls"]:
        assert "/objects/" in link and "X-Signature=" in link
        response = requests.get(link)
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == len(response.content)
        assert header_of(response.content) == list(EXPORT_COLUMNS)
        tables.append(parse_part(response.content))
    assert any(b"\\N" in gzip.decompress(requests.get(u).content) for u in body["download_urls"])
    got = pa.concat_tables(tables)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    end = datetime(2025, 6, 9, 23, 59, 59, tzinfo=UTC)
    expected = sim.generator.table([sim.org_ids[0]], start, end)
    assert got.num_rows == expected.num_rows > 0
    assert sorted(got["JOB_ID"].drop_null().to_pylist()) == sorted(
        expected["JOB_ID"].drop_null().to_pylist()
    )
    assert set(got["ORGANIZATION_ID"].to_pylist()) == {sim.org_ids[0]}


def test_single_day_has_two_parts_and_shared_orgs_are_included(
    sim: Simulator, http: requests.Session
) -> None:
    day = ("2025-06-03T00:00:00Z", "2025-06-03T23:59:59Z")
    alone = completed(http, sim, *day)
    assert len(alone["download_urls"]) == 2
    shared = completed(http, sim, *day, shared_org_ids=[sim.org_ids[1]])
    orgs: set[str] = set()
    for link in shared["download_urls"]:
        orgs |= set(parse_part(requests.get(link).content)["ORGANIZATION_ID"].to_pylist())
    assert orgs == set(sim.org_ids)


BAD_BODIES = [
    ({"start": WEEK[0], "end": WEEK[1], "project_id": "x"}, "Unexpected field"),
    ({"end": WEEK[1]}, "start"),
    ({"start": WEEK[0]}, "end"),
    ({"start": "2025-06-01T00:00:00", "end": WEEK[1]}, "RFC 3339"),
    ({"start": "2025-06-01", "end": WEEK[1]}, "RFC 3339"),
    ({"start": 1748736000, "end": WEEK[1]}, "RFC 3339"),
    ({"start": "2025-06-09T00:00:00Z", "end": "2025-06-01T00:00:00Z"}, "before"),
    ({"start": "2025-05-01T00:00:00Z", "end": "2025-06-01T00:00:01Z"}, "31 days"),
    ({"start": "2024-05-01T00:00:00Z", "end": "2024-05-20T00:00:00Z"}, "366 days"),
    ({"start": "2025-06-16T00:00:00Z", "end": "2025-06-17T00:00:00Z"}, "future"),
    ({"start": "2025-06-14T00:00:00Z", "end": "2025-06-15T13:00:00Z"}, "future"),
    ({"start": WEEK[0], "end": WEEK[1], "shared_org_ids": "abc"}, "malformed request body"),
    ({"start": WEEK[0], "end": WEEK[1], "shared_org_ids": ["not-a-uuid"]}, "malformed request"),
    # CircleCI checks the age before the width: a too-old, too-wide window is refused as old
    ({"start": "2024-01-01T00:00:00Z", "end": "2024-03-01T00:00:00Z"}, "366 days"),
    ([WEEK[0], WEEK[1]], "Unexpected request body"),
]


@pytest.mark.parametrize(("body", "needle"), BAD_BODIES)
def test_bad_bodies_are_400(
    sim: Simulator, http: requests.Session, body: object, needle: str
) -> None:
    response = http.post(url(sim, sim.org_ids[0]), json=body)
    assert response.status_code == 400
    error_schema_ok(response)
    assert needle in response.json()["message"]


def test_malformed_json_and_window_edges(sim: Simulator, http: requests.Session) -> None:
    response = http.post(url(sim, sim.org_ids[0]), data=b"{not json")
    assert response.status_code == 400
    error_schema_ok(response)
    exactly_31 = create(http, sim, "2025-05-01T00:00:00Z", "2025-06-01T00:00:00Z")
    assert exactly_31.status_code == 201
    offset = create(http, sim, "2025-06-01T02:00:00+02:00", "2025-06-02T00:00:00.500Z")
    assert offset.status_code == 201 and offset.json()["start"] == "2025-06-01T00:00:00Z"


def test_history_limit_is_366_days_to_the_second(
    make_sim: Callable[..., Simulator], clock: ManualClock
) -> None:
    # NOW is 2025-06-15 12:00 UTC: 366 days earlier is 2024-06-14 12:00 UTC
    sim = make_sim()
    with requests.Session() as http:
        http.headers["Circle-Token"] = sim.admin_token
        old = create(http, sim, "2024-06-14T11:59:59Z", "2024-06-20T00:00:00Z")
        assert old.status_code == 400
        assert old.json() == {"message": '"start" must be no more than 366 days ago.'}
        assert create(http, sim, "2024-06-14T12:00:00Z", "2024-06-20T00:00:00Z").status_code == 201
    stricter = make_sim(history_days=365)
    with requests.Session() as http:
        http.headers["Circle-Token"] = stricter.admin_token
        refused = create(http, stricter, "2024-06-15T00:00:00Z", "2024-06-20T00:00:00Z")
        assert refused.status_code == 400 and "365 days" in refused.json()["message"]


def test_a_non_uuid_organization_is_a_generic_400_and_a_listed_one_can_answer_404(
    make_sim: Callable[..., Simulator],
) -> None:
    missing = "3f1a2b3c-0000-4000-8000-000000000404"
    sim = make_sim(not_found_org_ids=(missing,))
    assert sim.listed_org_ids == [*sim.org_ids, missing]
    with requests.Session() as http:
        http.headers["Circle-Token"] = sim.admin_token
        slug = create(http, sim, *WEEK, org="gh-acme")
        assert slug.status_code == 400 and slug.json() == {"message": "malformed request body"}
        gone = create(http, sim, *WEEK, org=missing)
        assert gone.status_code == 404
        assert gone.json() == {"message": "Organization does not exist."}
        assert create(http, sim, *WEEK).status_code == 201


def _post(sim: Simulator, **kwargs: object) -> requests.Response:
    return requests.post(
        url(sim, sim.org_ids[0]), json={"start": WEEK[0], "end": WEEK[1]}, **kwargs
    )  # type: ignore[arg-type]


def test_authentication(sim: Simulator) -> None:
    missing = _post(sim)
    assert missing.status_code == 401 and missing.json() == {"message": "Invalid token provided."}
    assert _post(sim, headers={"Circle-Token": "wrong"}).status_code == 401
    basic = "Basic " + base64.b64encode(f"{sim.admin_token}:".encode()).decode()
    assert _post(sim, headers={"Authorization": basic}).status_code == 201
    wrong_basic = "Basic " + base64.b64encode(b"wrong:").decode()
    assert _post(sim, headers={"Authorization": wrong_basic}).status_code == 401
    member = _post(sim, headers={"Circle-Token": "demo-member-token"})
    assert member.status_code == 403
    error_schema_ok(member)
    legacy = _post(sim, headers={"Circle-Token": "demo-legacy-token"})
    assert legacy.status_code == 401 and "New format tokens" in legacy.json()["message"]
    query = requests.post(
        url(sim, sim.org_ids[0]) + f"?circle-token={sim.admin_token}",
        json={"start": WEEK[0], "end": WEEK[1]},
        headers={"Circle-Token": sim.admin_token},
    )
    assert query.status_code == 401 and "query parameter" in query.json()["message"]
    read_no_token = requests.get(url(sim, sim.org_ids[0], "e8235eed-f121-4ae3-9c72-2719d6572818"))
    assert read_no_token.status_code == 401


def test_not_found_and_wrong_methods(sim: Simulator, http: requests.Session) -> None:
    unknown_org = create(http, sim, *WEEK, org="b9291e0d-a11e-41fb-8517-c545388b5953")
    assert unknown_org.status_code == 404
    assert unknown_org.json() == {"message": "Organization does not exist."}
    unknown_job = read(http, sim, "e8235eed-f121-4ae3-9c72-2719d6572818")
    assert unknown_job.status_code == 404
    error_schema_ok(unknown_job)
    job = create(http, sim, *WEEK).json()["usage_export_job_id"]
    assert read(http, sim, job, org=sim.org_ids[1]).status_code == 404  # another org's export
    assert http.get(url(sim, sim.org_ids[0])).status_code == 405
    assert http.delete(url(sim, sim.org_ids[0], job)).status_code == 405
    assert http.get(f"{sim.api_url}/me").status_code == 404
    assert http.get(f"{sim.base_url}/elsewhere").status_code == 404


def test_fresh_get_signs_the_same_parts_again(
    sim: Simulator, http: requests.Session, clock: ManualClock
) -> None:
    created = create(http, sim, *WEEK).json()["usage_export_job_id"]
    first = read(http, sim, created).json()["download_urls"]
    clock.advance(5)
    second = read(http, sim, created).json()["download_urls"]
    assert [u.split("?")[0] for u in first] == [u.split("?")[0] for u in second]
    assert first != second
    rows = pc.sum(pa.array([parse_part(requests.get(u).content).num_rows for u in second]))
    assert rows.as_py() > 0
