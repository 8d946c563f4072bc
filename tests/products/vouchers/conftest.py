"""The vouchers tests' fixtures; the factories they use are in tests/fixtures/factories/vouchers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.smtp import SmtpServer, start_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(smtp: SmtpServer) -> dict[str, object]:
    return {"mail_backend": "smtp", "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none"}
