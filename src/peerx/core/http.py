"""The one outbound HTTP client (webhooks, partner callbacks, rails): timeouts always, and a guard
that refuses private, loopback and link-local targets (SSRF) unless the operator allows them."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

import httpx

from peerx.core.logs import REQUEST_ID_HEADER, current_request_id


class TargetNotAllowed(Exception):
    pass


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


async def check_target(url: str, *, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetNotAllowed("only absolute http(s) URLs can be called")
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetNotAllowed(f"cannot resolve {parts.hostname}") from exc
    if any(_forbidden(str(info[4][0])) for info in infos):
        raise TargetNotAllowed(f"{parts.hostname} resolves to a private or reserved address")


def validate_url_shape(url: str) -> str | None:
    """A reason the URL cannot be a callback target, checked when it is registered."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:  # "http://[", a bad IPv6 literal, a host that NFKC-normalises to a "/"
        return "must be an absolute http or https URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http or https URL"
    if len(url) > 2000:
        return "must be at most 2000 characters"
    return None


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification, built once per process: loading the CA bundle costs about
    60 ms, paid by every platform a process builds (each test builds one)."""
    return httpx.create_ssl_context()


class OutboundClient:
    """Every request made through `client` (webhooks, rails) is checked before it leaves."""

    def __init__(self, *, timeout_seconds: float, allow_private: bool):
        self.allow_private = allow_private
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            event_hooks={"request": [self._guard]},
            verify=_tls(),
        )

    async def _guard(self, request: httpx.Request) -> None:
        await check_target(str(request.url), allow_private=self.allow_private)
        # The request (or job) this call is made for: the receiver can quote it back to us.
        request_id = current_request_id()
        if request_id is not None and REQUEST_ID_HEADER not in request.headers:
            request.headers[REQUEST_ID_HEADER] = request_id

    async def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.client.post(url, content=content, headers=headers)

    async def aclose(self) -> None:
        await self.client.aclose()
