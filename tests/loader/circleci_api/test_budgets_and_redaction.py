import logging

from loader.circleci_api.client import backoff_delay, parse_retry_after
from loader.circleci_api.ratelimit import RequestBudget
from loader.redact import RedactingFilter, redact, register_secret


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_budget_is_a_sliding_window():
    clock = FakeClock()
    budget = RequestBudget(3, 60, clock)
    for _ in range(3):
        assert budget.wait_seconds() == 0
        budget.record()
        clock.now += 10
    # three sent at t=0, 10, 20; now t=30: the first frees at t=60
    assert budget.wait_seconds() == 30
    clock.now += 30
    assert budget.wait_seconds() == 0
    assert budget.used == 2


def test_budget_preload_counts_an_earlier_runs_requests():
    clock = FakeClock()
    budget = RequestBudget(10, 3600, clock)
    budget.preload([clock.now - 4000] + [clock.now - 600] * 10)  # the first is outside the hour
    assert budget.used == 10
    assert budget.wait_seconds() == 3000


def test_block_for_retry_after():
    clock = FakeClock()
    budget = RequestBudget(10, 60, clock)
    budget.block_for(12)
    assert budget.wait_seconds() == 12


def test_backoff_is_exponential_with_jitter_and_capped():
    delays = [backoff_delay(n, 1.0, 60.0) for n in range(1, 10)]
    assert 0.5 <= delays[0] <= 1.0
    assert 4.0 <= delays[3] <= 8.0
    assert all(d <= 60.0 for d in delays)
    assert len({backoff_delay(4, 1.0, 60.0) for _ in range(20)}) > 1  # jitter


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past


def test_redact_hides_registered_secrets_and_url_queries():
    register_secret("CCIPAT_supersecret_token")
    text = (
        "GET http://127.0.0.1:5000/objects/abc/part-0.csv.gz?X-Expires=1&X-Signature=deadbeef "
        "with CCIPAT_supersecret_token; url: /objects/x.csv.gz?X-Signature=cafe"
    )
    cleaned = redact(text)
    assert "supersecret" not in cleaned
    assert "deadbeef" not in cleaned and "cafe" not in cleaned
    assert "/objects/abc/part-0.csv.gz" in cleaned


def test_logging_filter_redacts_args_and_exceptions(caplog):
    register_secret("tok_1234567890")
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        try:
            raise RuntimeError("failed for https://x.example/p?sig=abc tok_1234567890")
        except RuntimeError:
            logger.exception("boom %s", "tok_1234567890")
    text = caplog.text
    assert "tok_1234567890" not in text
    assert "sig=abc" not in text
