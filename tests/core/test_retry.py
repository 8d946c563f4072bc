"""core.retry: one policy, jittered waits within the documented bounds, deterministic with an
injected random source."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from peerx.core import jobs, mail, webhooks
from peerx.core.retry import RetryPolicy


def test_schedule_policy_is_the_documented_schedule_at_most() -> None:
    low = replace(webhooks.RETRY, random=lambda: 0.999999)
    high = replace(webhooks.RETRY, random=lambda: 0.0)
    assert webhooks.MAX_ATTEMPTS == 10 == len(webhooks.RETRY_SCHEDULE) + 1
    for attempts, step in enumerate(webhooks.RETRY_SCHEDULE, 1):
        assert high.delay(attempts) == step
        assert step * 0.8 <= low.delay(attempts) < step
    # docs/architecture.md and docs/giftcards.md: about three days in all, never more.
    assert (
        webhooks.RETRY.worst_case_total()
        == sum(webhooks.RETRY_SCHEDULE, timedelta())
        == timedelta(hours=71, minutes=35, seconds=5)
    )
    assert webhooks.RETRY.exhausted(10) and not webhooks.RETRY.exhausted(9)
    assert webhooks.RETRY.next_delay(10) is None

    assert mail.MAX_ATTEMPTS == 11 and mail.RETRY.worst_case_total() == sum(mail.RETRY_SCHEDULE, timedelta())
    assert replace(mail.RETRY, random=lambda: 0.5).delay(1) == timedelta(seconds=9)


def test_jobs_back_off_exponentially_to_an_hour_with_equal_jitter() -> None:
    top = replace(jobs.RETRY, random=lambda: 0.0)
    assert [top.delay(n).total_seconds() for n in range(1, 7)] == [2, 4, 8, 16, 32, 64]
    assert top.delay(12) == timedelta(hours=1) and top.delay(10_000) == timedelta(hours=1)
    half = replace(jobs.RETRY, random=lambda: 0.999999)
    assert timedelta(seconds=1) <= half.delay(1) < timedelta(seconds=2)
    assert timedelta(minutes=30) <= half.delay(50) < timedelta(hours=1)


def test_jitter_spreads_waits_with_the_real_random_source() -> None:
    waits = {webhooks.RETRY.delay(3) for _ in range(200)}
    assert len(waits) > 100  # not lockstep
    assert all(timedelta(minutes=24) <= wait <= timedelta(minutes=30) for wait in waits)


def test_jobs_backoff_uses_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "RETRY", replace(jobs.RETRY, random=lambda: 0.25))
    assert jobs.backoff(3) == timedelta(seconds=7)  # 8 s less 0.5 * 0.25 of it


def test_full_jitter_and_bad_policies() -> None:
    full = RetryPolicy(
        max_attempts=3, base=timedelta(seconds=10), cap=timedelta(seconds=15), jitter=1, random=lambda: 0.5
    )
    assert [full.delay(n) for n in (1, 2)] == [timedelta(seconds=5), timedelta(seconds=7.5)]
    assert full.worst_case_total() == timedelta(seconds=25)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=2, jitter=1.5)
    with pytest.raises(ValueError):
        full.delay(0)
