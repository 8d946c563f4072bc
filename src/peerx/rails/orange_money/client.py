"""Orange Money Cameroon payouts: "cash-in" from our channel account to a subscriber's wallet.

Orange has no idempotency header. A payout is two calls: `init` hands out a payToken, `pay`
spends it. The payToken is therefore our handle on the payout, and it is stored (through the
injected PayTokenStore) *before* `pay` is called: a retry after a timeout finds it and asks
`paymentstatus/{payToken}` instead of paying a second time.

Facts about the API are in /work/shared/anchors/rails.md; the decisions are in docs/rails.md.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from peerx.rails.amounts import minor_to_decimal_string
from peerx.rails.msisdn import CAMEROON_COUNTRY_CODE, normalize_msisdn
from peerx.rails.orange_money.settings import OrangeMoneyConfig
from peerx.rails.payouts import PayoutNotFound, PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable
from peerx.rails.token_cache import TokenCache

logger = logging.getLogger(__name__)

CURRENCY = "XAF"  # Orange Money Cameroon moves only CFA francs
DESCRIPTION_MAX_CHARS = 160  # no documented limit; MTN's note limit, to stay on the safe side

_STATUS_MAP: dict[str, PayoutStatus] = {
    "SUCCESSFULL": PayoutStatus.SUCCEEDED,  # sic: Orange's spelling in the mobile flow
    "SUCCESS": PayoutStatus.SUCCEEDED,
    "FAILED": PayoutStatus.FAILED,
    "CANCELLED": PayoutStatus.FAILED,
    "EXPIRED": PayoutStatus.FAILED,
    "PENDING": PayoutStatus.PENDING,
    "INITIATED": PayoutStatus.PENDING,
}


class PayTokenAlreadyStored(Exception):
    """PayTokenStore.put found another payToken for the reference: someone else started it."""

    def __init__(self, reference: str, pay_token: str) -> None:
        super().__init__(f"payout {reference} already has a payToken")
        self.reference = reference
        self.pay_token = pay_token


class PayTokenStore(Protocol):
    """Where the payToken of each payout lives, durably, before `pay` is called.

    `put` must be an atomic insert (a unique key on the reference): storing the same token
    again is a no-op; a *different* token for a stored reference raises PayTokenAlreadyStored
    carrying the stored one, so two workers racing on one payout never both pay.
    """

    async def get(self, reference: str) -> str | None: ...

    async def put(self, reference: str, pay_token: str) -> None: ...


class InMemoryPayTokenStore:
    """PayTokenStore for tests and demos; a restart forgets everything, so never in live mode."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    async def get(self, reference: str) -> str | None:
        return self._tokens.get(reference)

    async def put(self, reference: str, pay_token: str) -> None:
        existing = self._tokens.setdefault(reference, pay_token)
        if existing != pay_token:
            raise PayTokenAlreadyStored(reference, existing)


class _Fault(Exception):
    """A definitive refusal: {"fault": {...}} (or an error body) with a 4xx status."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class _RefLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def _json_object(response: httpx.Response) -> Mapping[str, object] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, Mapping) else None


def _fault(body: Mapping[str, object] | None) -> _Fault | None:
    if body is None:
        return None
    fault = body.get("fault")
    if not isinstance(fault, Mapping):
        return None
    code = fault.get("code")
    message = fault.get("description") or fault.get("message") or ""
    return _Fault(str(code) if code not in (None, "") else "FAULT", str(message))


def _data(body: Mapping[str, object] | None) -> Mapping[str, object] | None:
    data = body.get("data") if body is not None else None
    return data if isinstance(data, Mapping) else None


def result_from_payment(data: Mapping[str, object]) -> PayoutResult | None:
    """Map the `data` of a pay or paymentstatus answer; None when it carries no status."""
    raw = data.get("status")
    if not isinstance(raw, str) or not raw:
        return None
    status = _STATUS_MAP.get(raw.upper())
    if status is None:
        # An unknown word must not settle money either way: keep the hold and ask again later.
        logger.warning("Orange Money payment in unknown status %r; treating it as pending", raw)
        status = PayoutStatus.PENDING
    txnid = data.get("txnid")
    provider_reference = str(txnid) if isinstance(txnid, str | int) and str(txnid) else None
    reason: str | None = None
    if status is PayoutStatus.FAILED:
        if raw.upper() == "FAILED":
            code = data.get("txnstatus")
            reason = str(code) if isinstance(code, str | int) and str(code) else "FAILED"
        else:
            reason = raw.upper()  # CANCELLED, EXPIRED
    return PayoutResult(status=status, provider_reference=provider_reference, reason=reason)


class OrangeMoneyRail:
    name = "orange_money"

    def __init__(
        self,
        config: OrangeMoneyConfig,
        client: httpx.AsyncClient,
        store: PayTokenStore,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._client = client
        self._store = store
        self._base = config.base_url.rstrip("/")
        self._api = f"{self._base}/omcoreapis/{config.api_version}/cashin"
        self._timeout = httpx.Timeout(config.timeout_seconds)
        self._auth_token = base64.b64encode(f"{config.api_username}:{config.api_password}".encode()).decode()
        self._tokens = TokenCache(self._fetch_token, clock=clock)
        self._locks: dict[str, _RefLock] = {}

    @contextlib.asynccontextmanager
    async def _exclusive(self, reference: str) -> AsyncIterator[None]:
        """One send per reference at a time in this process (the store guards across processes)."""
        entry = self._locks.setdefault(reference, _RefLock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[reference]

    async def _fetch_token(self) -> tuple[str, float]:
        try:
            response = await self._client.post(
                f"{self._base}/token",
                auth=httpx.BasicAuth(self._config.client_id, self._config.client_secret),
                data={"grant_type": "client_credentials"},
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            raise RailUnavailable(f"Orange Money token endpoint unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise RailUnavailable(f"Orange Money token endpoint answered HTTP {response.status_code}")
        body = _json_object(response)
        token = body.get("access_token") if body else None
        try:
            expires_in = float(str(body.get("expires_in"))) if body else 0.0
        except ValueError:
            expires_in = 0.0
        if not isinstance(token, str) or not token or expires_in <= 0:
            raise RailUnavailable("Orange Money token endpoint answered an unusable token")
        return token, expires_in

    async def _call(
        self, method: str, path: str, what: str, json: Mapping[str, object] | None = None
    ) -> httpx.Response:
        """One API call; a 401 (the gateway refusing the bearer) renews it and tries once more,
        safe even for pay: the gateway refused the call before Orange's core saw it."""
        token = await self._tokens.get()
        response = await self._call_once(method, path, token, what, json)
        if response.status_code == 401:
            self._tokens.invalidate(token)
            token = await self._tokens.get()
            response = await self._call_once(method, path, token, what, json)
        if response.status_code >= 500:
            raise RailUnavailable(f"Orange Money answered HTTP {response.status_code} to {what}")
        if response.status_code in (401, 403):
            # Credentials or X-AUTH-TOKEN: configuration, not a verdict on this payout.
            raise RailUnavailable(f"Orange Money refused our credentials (HTTP {response.status_code}) on {what}")
        return response

    async def _call_once(
        self, method: str, path: str, token: str, what: str, json: Mapping[str, object] | None
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "X-AUTH-TOKEN": self._auth_token,
            "Accept": "application/json",
        }
        try:
            return await self._client.request(
                method, f"{self._api}{path}", headers=headers, json=json, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            raise RailUnavailable(f"Orange Money timed out on {what}") from exc
        except httpx.TransportError as exc:
            raise RailUnavailable(f"Orange Money unreachable on {what}: {exc.__class__.__name__}") from exc

    def _pay_fields(self, request: PayoutRequest) -> tuple[str, str]:
        """(subscriber's national number, amount string); ValueError before any network call."""
        if not request.reference:
            raise ValueError("payout reference is empty")
        if request.currency != CURRENCY:
            raise ValueError(f"Orange Money Cameroon pays only {CURRENCY}, not {request.currency!r}")
        amount = minor_to_decimal_string(request.amount_minor, request.currency)
        msisdn = normalize_msisdn(request.account_number, CAMEROON_COUNTRY_CODE)
        if not msisdn.startswith(CAMEROON_COUNTRY_CODE):
            raise ValueError(f"Orange Money Cameroon pays Cameroonian numbers only, not {request.account_number!r}")
        return msisdn[len(CAMEROON_COUNTRY_CODE) :], amount

    async def _init(self, reference: str) -> str:
        what = f"cashin/init for payout {reference}"
        response = await self._call("POST", "/init", what)
        body = _json_object(response)
        fault = _fault(body)
        if fault is not None:
            raise fault
        data = _data(body)
        pay_token = data.get("payToken") if data else None
        if response.status_code != 200 or not isinstance(pay_token, str) or not pay_token:
            # Nothing can have been paid without a payToken; the caller may send again.
            raise RailUnavailable(f"Orange Money answered HTTP {response.status_code} without a payToken to {what}")
        return pay_token

    async def _pay(self, request: PayoutRequest, pay_token: str, subscriber: str, amount: str) -> PayoutResult:
        what = f"cashin/pay for payout {request.reference}"
        body: dict[str, object] = {
            "channelUserMsisdn": self._config.channel_msisdn,
            "amount": amount,
            "subscriberMsisdn": subscriber,
            "pin": self._config.pin,
            # Orange's order ids are plain alphanumerics in every example; the UUID's hex is ours.
            "orderId": request.reference.replace("-", ""),
            "description": (request.note or "Payout")[:DESCRIPTION_MAX_CHARS],
            "payToken": pay_token,
        }
        if self._config.notify_url:
            body["notifUrl"] = self._config.notify_url
        response = await self._call("POST", "/pay", what, json=body)
        answer = _json_object(response)
        fault = _fault(answer)
        if fault is not None:
            raise fault
        data = _data(answer)
        result = result_from_payment(data) if data else None
        if result is None:
            # The pay may have gone through: only paymentstatus can tell now.
            raise RailUnavailable(f"Orange Money answered HTTP {response.status_code} without a status to {what}")
        return result

    async def _status_for(self, reference: str, pay_token: str) -> PayoutResult:
        what = f"cashin/paymentstatus for payout {reference}"
        response = await self._call("GET", f"/paymentstatus/{pay_token}", what)
        answer = _json_object(response)
        data = _data(answer)
        result = result_from_payment(data) if data else None
        if response.status_code != 200 or result is None:
            # A refusal to *tell* is not a verdict on the payment: keep the hold, ask later.
            fault = _fault(answer)
            detail = f"fault {fault}" if fault else f"HTTP {response.status_code}"
            raise RailUnavailable(f"Orange Money gave no status ({detail}) on {what}")
        return result

    async def send(self, request: PayoutRequest) -> PayoutResult:
        subscriber, amount = self._pay_fields(request)
        async with self._exclusive(request.reference):
            stored = await self._store.get(request.reference)
            if stored is not None:
                # A retry: the payout was started before (its pay may have timed out). Never pay
                # twice; the stored payToken's status is the answer.
                logger.info("Orange Money payout %s already started; asking its status", request.reference)
                return await self._status_for(request.reference, stored)
            try:
                pay_token = await self._init(request.reference)
            except _Fault as fault:
                return PayoutResult(PayoutStatus.FAILED, reason=fault.code)
            try:
                await self._store.put(request.reference, pay_token)
            except PayTokenAlreadyStored as race:
                return await self._status_for(request.reference, race.pay_token)
            try:
                return await self._pay(request, pay_token, subscriber, amount)
            except _Fault as fault:
                return PayoutResult(PayoutStatus.FAILED, reason=fault.code)

    async def status(self, request: PayoutRequest) -> PayoutResult:
        pay_token = await self._store.get(request.reference)
        if pay_token is None:
            raise PayoutNotFound(f"Orange Money payout {request.reference} was never started (no payToken)")
        return await self._status_for(request.reference, pay_token)
