"""Job leases on PostgreSQL: a handler that runs for three leases while another worker polls
(FOR UPDATE SKIP LOCKED) still runs exactly once, because the heartbeat keeps its lease."""

from __future__ import annotations

from tests.core.test_jobs import long_job_runs_once


async def test_a_handler_longer_than_its_lease_runs_once_on_postgresql(database_url):
    await long_job_runs_once(database_url)
