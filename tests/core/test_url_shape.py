"""Callback URLs are checked by shape when registered: whatever a client sends is an answer
(a reason, or None), never an exception."""

from __future__ import annotations

import pytest

from peerx.core.http import validate_url_shape


@pytest.mark.parametrize(
    "url",
    [
        "http://[",
        "http://[::1",
        "http://a:b@[x]/",
        "http://\u2100.com/",
        "http://x:99999999/",
        "http://x:abc/",
        "ftp://x/",
    ],
)
def test_malformed_urls_are_refused_not_raised(url: str) -> None:
    assert validate_url_shape(url) == "must be an absolute http or https URL"


@pytest.mark.parametrize(
    "url", ["https://yoursite.com/webhooks/rates", "http://127.0.0.1:8080/hook", "http://[::1]:80/"]
)
def test_absolute_http_urls_pass(url: str) -> None:
    assert validate_url_shape(url) is None
