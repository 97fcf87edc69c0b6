from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import date

import pytest
import requests

from simulator import ManualClock, Simulator
from tests.simulator.sim_api_helpers import completed, create, read, url
from tests.simulator.sim_parts import parse_part

WEEK = ("2025-06-01T00:00:00Z", "2025-06-09T23:59:59Z")


@pytest.fixture
def limited(
    make_sim: Callable[..., Simulator],
) -> Callable[..., tuple[Simulator, requests.Session]]:
    sessions: list[requests.Session] = []

    def make(**overrides: object) -> tuple[Simulator, requests.Session]:
        sim = make_sim(**overrides)
        session = requests.Session()
        session.headers["Circle-Token"] = sim.admin_token
        sessions.append(session)
        return sim, session

    yield make  # type: ignore[misc]
    for session in sessions:
        session.close()


def test_post_rate_limit_slides_and_refusals_do_not_count(
    limited: Callable[..., tuple[Simulator, requests.Session]], clock: ManualClock
) -> None:
    sim, http = limited(posts_per_hour=2, retry_after=True)
    assert create(http, sim, *WEEK).status_code == 201
    clock.advance(600)
    assert create(http, sim, *WEEK).status_code == 201
    refused = create(http, sim, *WEEK)
    assert refused.status_code == 429
    assert refused.json() == {"message": "Rate limit exceeded."}
    assert refused.headers["Retry-After"] == str(3600 - 600)
    clock.advance(3000)  # the first POST leaves the window; the refused one never counted
    assert create(http, sim, *WEEK).status_code == 201
    assert create(http, sim, *WEEK).status_code == 429
    other_org = create(http, sim, *WEEK, org=sim.org_ids[1])
    assert other_org.status_code == 201  # limits are per organization
    stats = sim.stats()
    assert stats.count(org_id=sim.org_ids[0], method="POST", status=429) == 2
    assert stats.count(method="POST", status=201) == 4


def test_get_rate_limit_without_retry_after_by_default(
    limited: Callable[..., tuple[Simulator, requests.Session]], clock: ManualClock
) -> None:
    sim, http = limited(gets_per_minute=3)
    job = create(http, sim, *WEEK).json()["usage_export_job_id"]
    codes = [read(http, sim, job).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Retry-After" not in read(http, sim, job).headers
    clock.advance(61)
    assert read(http, sim, job).status_code == 200


def test_urls_expire_and_a_fresh_get_renews_them(
    limited: Callable[..., tuple[Simulator, requests.Session]], clock: ManualClock
) -> None:
    sim, http = limited(url_ttl_seconds=60)
    created = create(http, sim, *WEEK).json()["usage_export_job_id"]
    links = read(http, sim, created).json()["download_urls"]
    assert requests.get(links[0]).status_code == 200
    clock.advance(61)
    expired = requests.get(links[0])
    assert expired.status_code == 403
    assert expired.headers["Content-Type"] == "application/xml"
    assert b"<Code>AccessDenied</Code>" in expired.content
    assert b"Request has expired" in expired.content
    fresh = read(http, sim, created).json()["download_urls"]
    assert fresh[0].split("?")[0] == links[0].split("?")[0]
    assert requests.get(fresh[0]).status_code == 200


def test_expire_all_urls_and_bad_signatures(sim: Simulator, http: requests.Session) -> None:
    body = completed(http, sim, *WEEK)
    link = body["download_urls"][0]
    sim.expire_all_urls()
    assert b"Request has expired" in requests.get(link).content
    forged = link[: link.index("X-Signature=") + 12] + "0" * 64
    response = requests.get(forged)
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content
    assert requests.get(link.split("?")[0]).status_code == 403
    fresh = read(http, sim, body["usage_export_job_id"]).json()["download_urls"][0]
    assert requests.get(fresh).status_code == 200
    missing = fresh.replace("/part_", "/nothing_")
    assert requests.get(missing).status_code == 403  # the signature covers the path


def test_tokens_sent_to_download_urls_are_recorded(sim: Simulator, http: requests.Session) -> None:
    link = completed(http, sim, *WEEK)["download_urls"][0]
    assert requests.get(link).status_code == 200
    assert sim.stats().credential_leaks == []
    assert http.get(link).status_code == 200  # the session carries Circle-Token
    requests.get(link, auth=("someone", ""))
    leaks = sim.stats().credential_leaks
    assert len(leaks) == 2 and all(
        "?" not in leak and leak.startswith("/objects/") for leak in leaks
    )


def test_request_log_and_concurrency_stats(sim: Simulator, http: requests.Session) -> None:
    jobs = [create(http, sim, *WEEK).json()["usage_export_job_id"] for _ in range(3)]
    for job in jobs:
        for link in read(http, sim, job).json()["download_urls"][:1]:
            requests.get(link)
    stats = sim.stats()
    assert stats.max_concurrent_exports == 3
    assert stats.max_concurrent_exports_by_org == {sim.org_ids[0]: 3}
    assert stats.exports_created == 3 and stats.downloads == 3
    assert stats.download_responses[200] == 3 and stats.download_bytes > 0
    assert stats.count(method="GET", status=200) == 3
    assert all("?" not in r.path and "Signature" not in r.path for r in stats.requests)
    create(http, sim, *WEEK)
    assert sim.stats().max_concurrent_exports == 3  # the first three are finished


@pytest.mark.parametrize(("target", "status"), [("post", 500), ("get", 503), ("post", 502)])
def test_injected_http_errors_hit_the_next_requests(
    sim: Simulator, http: requests.Session, target: str, status: int
) -> None:
    job = create(http, sim, *WEEK).json()["usage_export_job_id"]
    sim.faults.http_error(target, status=status, times=2)  # type: ignore[arg-type]
    call = (
        (lambda: create(http, sim, *WEEK)) if target == "post" else (lambda: read(http, sim, job))
    )
    first, second, third = call(), call(), call()
    assert (first.status_code, second.status_code) == (status, status)
    assert set(first.json()) == {"message"}
    assert third.status_code in (200, 201)


def test_injected_429_with_and_without_retry_after(sim: Simulator, http: requests.Session) -> None:
    sim.faults.rate_limit("post", retry_after=7)
    sim.faults.rate_limit("post", retry_after=None)
    with_header = create(http, sim, *WEEK)
    without = create(http, sim, *WEEK)
    assert with_header.status_code == without.status_code == 429
    assert with_header.headers["Retry-After"] == "7"
    assert "Retry-After" not in without.headers
    assert create(http, sim, *WEEK).status_code == 201


def test_injected_faults_can_target_one_org(sim: Simulator, http: requests.Session) -> None:
    sim.faults.http_error("post", status=500, org_id=sim.org_ids[1])
    assert create(http, sim, *WEEK).status_code == 201
    assert create(http, sim, *WEEK, org=sim.org_ids[1]).status_code == 500
    assert sim.faults.pending() == 0


def test_dropped_connections(sim: Simulator, http: requests.Session) -> None:
    job = completed(http, sim, *WEEK)
    sim.faults.drop_connection("get")
    with pytest.raises(requests.exceptions.ConnectionError):
        read(http, sim, job["usage_export_job_id"])
    assert read(http, sim, job["usage_export_job_id"]).status_code == 200
    sim.faults.drop_connection("download")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(job["download_urls"][0])
    sim.faults.drop_connection("post")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(
            url(sim, sim.org_ids[0]),
            json={"start": WEEK[0], "end": WEEK[1]},
            headers={"Circle-Token": sim.admin_token},
        )
    assert sim.stats().count(status=0) == 2


def test_download_errors_and_truncations(sim: Simulator, http: requests.Session) -> None:
    link = completed(http, sim, *WEEK)["download_urls"][0]
    whole = requests.get(link).content
    sim.faults.http_error("download", status=500)
    failed = requests.get(link)
    assert failed.status_code == 500 and b"InternalError" in failed.content

    sim.faults.truncate_download("short_body")
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(link).content  # noqa: B018 - reading the body raises

    sim.faults.truncate_download("cut_gzip")
    cut = requests.get(link)
    assert cut.status_code == 200
    assert int(cut.headers["Content-Length"]) == len(cut.content) == len(whole) // 2
    with pytest.raises(EOFError):
        gzip.decompress(cut.content)
    assert parse_part(requests.get(link).content).num_rows > 0
    stats = sim.stats()
    assert stats.downloads == 2 and stats.download_responses[500] == 1


def test_failed_exports(sim: Simulator, http: requests.Session) -> None:
    sim.faults.fail_exports(org_id=sim.org_ids[0], times=1, reason="Boom.")
    failed = read(http, sim, create(http, sim, *WEEK).json()["usage_export_job_id"]).json()
    assert failed == {
        "usage_export_job_id": failed["usage_export_job_id"],
        "state": "failed",
        "download_urls": None,
        "error_reason": "Boom.",
    }
    assert completed(http, sim, *WEEK)["download_urls"]
    sim.faults.fail_exports_containing(date(2025, 6, 3))
    poisoned = read(http, sim, create(http, sim, *WEEK).json()["usage_export_job_id"]).json()
    assert poisoned["state"] == "failed"
    clean = completed(http, sim, "2025-06-05T00:00:00Z", "2025-06-06T00:00:00Z")
    assert clean["download_urls"]
    again = read(http, sim, create(http, sim, *WEEK).json()["usage_export_job_id"]).json()
    assert again["state"] == "failed"  # without `times`, it stays armed until cleared
    sim.faults.clear()
    assert completed(http, sim, *WEEK)["state"] == "completed"


def test_large_part_streams_from_disk(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim(scale=3.0, min_parts=1, max_parts=1)
    with requests.Session() as http:
        http.headers["Circle-Token"] = sim.admin_token
        link = completed(http, sim, "2025-05-20T00:00:00Z", "2025-06-09T23:59:59Z")["download_urls"]
        assert len(link) == 1
        with requests.get(link[0], stream=True) as response:
            size = int(response.headers["Content-Length"])
            received = sum(len(chunk) for chunk in response.iter_content(65536))
        assert size == received > 1_000_000
