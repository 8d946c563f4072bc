"""MTN MoMo Open API payouts: the Disbursement (or Remittance) `transfer` to a MoMo wallet.

The X-Reference-Id we send is the payout's own reference, a UUID4 derived from our payout row,
so MTN deduplicates for us: a transfer POSTed twice under one reference is created once (the
second POST gets 409 and we answer from the transfer's status). After a timeout or a 5xx the
outcome is unknown: we raise RailUnavailable and the caller asks `status`, never re-sending
under a new reference.

Facts about the API are in /work/shared/anchors/rails.md; the decisions are in docs/rails.md.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping

import httpx

from peerx.rails.amounts import minor_to_decimal_string
from peerx.rails.msisdn import CALLING_CODES, normalize_msisdn
from peerx.rails.mtn_momo.settings import MtnMomoConfig
from peerx.rails.payouts import PayoutNotFound, PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable
from peerx.rails.token_cache import TokenCache

logger = logging.getLogger(__name__)

# MTN rejects payerMessage/payeeNote longer than this with a 400.
NOTE_MAX_CHARS = 160

# X-Reference-Id must be a version-4 UUID in its canonical 8-4-4-4-12 spelling.
_UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)
_PARTY_ID = re.compile(r"^[0-9]{6,15}$")
_SEPARATORS = re.compile(r"[\s\-.]")

_STATUS_MAP: dict[str, PayoutStatus] = {
    "SUCCESSFUL": PayoutStatus.SUCCEEDED,
    "FAILED": PayoutStatus.FAILED,
    "PENDING": PayoutStatus.PENDING,
}


def check_reference(reference: str) -> None:
    if not _UUID4.match(reference):
        raise ValueError(f"MTN MoMo needs a UUID4 payout reference (X-Reference-Id), got {reference!r}")


def _error_code(response: httpx.Response) -> str | None:
    """The `code` of MTN's error body ({"code": ..., "message": ...}), if there is one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, Mapping):
        code = body.get("code")
        if isinstance(code, str) and code:
            return code
    return None


def _reason(value: object) -> str | None:
    # Seen both as "NOT_ENOUGH_FUNDS" and as {"code": "NOT_ENOUGH_FUNDS", "message": "..."}.
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        code = value.get("code")
        if isinstance(code, str) and code:
            return code
    return None


def result_from_transfer(body: Mapping[str, object]) -> PayoutResult:
    """Map a transfer object (the status answer, or a callback) to a PayoutResult."""
    raw_status = body.get("status")
    status = _STATUS_MAP.get(raw_status) if isinstance(raw_status, str) else None
    if status is None:
        # An unknown word must not settle money either way: keep the hold and ask again later.
        logger.warning("MTN MoMo transfer in unknown status %r; treating it as pending", raw_status)
        status = PayoutStatus.PENDING
    ftid = body.get("financialTransactionId")
    provider_reference = str(ftid) if isinstance(ftid, str | int) and str(ftid) else None
    reason = _reason(body.get("reason")) if status is PayoutStatus.FAILED else None
    return PayoutResult(status=status, provider_reference=provider_reference, reason=reason)


class MtnMomoRail:
    name = "mtn_momo"

    def __init__(
        self,
        config: MtnMomoConfig,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._client = client
        self._prefix = f"{config.base_url.rstrip('/')}/{config.product}"
        self._timeout = httpx.Timeout(config.timeout_seconds)
        self._tokens = TokenCache(self._fetch_token, clock=clock)

    async def _fetch_token(self) -> tuple[str, float]:
        try:
            response = await self._client.post(
                f"{self._prefix}/token/",
                auth=httpx.BasicAuth(self._config.api_user, self._config.api_key),
                headers={"Ocp-Apim-Subscription-Key": self._config.subscription_key},
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            raise RailUnavailable(f"MTN MoMo token endpoint unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            # 401/403 here is configuration (API user, key, subscription, IP allow-list): no
            # payout was sent, so the caller's retry after fixing it is safe.
            code = _error_code(response) or "no code"
            raise RailUnavailable(f"MTN MoMo token endpoint answered HTTP {response.status_code} ({code})")
        try:
            body = response.json()
            token = body["access_token"]
            expires_in = float(body["expires_in"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RailUnavailable("MTN MoMo token endpoint answered an unreadable body") from exc
        if not isinstance(token, str) or not token or expires_in <= 0:
            raise RailUnavailable("MTN MoMo token endpoint answered an unusable token")
        return token, expires_in

    async def _call(
        self,
        method: str,
        path: str,
        *,
        reference: str,
        headers: dict[str, str],
        json: Mapping[str, object] | None = None,
    ) -> httpx.Response:
        """One API call with a bearer token; a 401 renews the token and tries exactly once more
        (safe even for the transfer POST: a repeat under the same X-Reference-Id is a 409)."""
        token = await self._tokens.get()
        response = await self._call_once(method, path, token, reference=reference, headers=headers, json=json)
        if response.status_code == 401:
            self._tokens.invalidate(token)
            token = await self._tokens.get()
            response = await self._call_once(method, path, token, reference=reference, headers=headers, json=json)
        return response

    async def _call_once(
        self,
        method: str,
        path: str,
        token: str,
        *,
        reference: str,
        headers: dict[str, str],
        json: Mapping[str, object] | None,
    ) -> httpx.Response:
        all_headers = {
            "Authorization": f"Bearer {token}",
            "Ocp-Apim-Subscription-Key": self._config.subscription_key,
            "X-Target-Environment": self._config.target_environment,
            **headers,
        }
        try:
            return await self._client.request(
                method, f"{self._prefix}{path}", headers=all_headers, json=json, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            raise RailUnavailable(f"MTN MoMo timed out on {method} {path} for payout {reference}") from exc
        except httpx.TransportError as exc:
            raise RailUnavailable(
                f"MTN MoMo unreachable on {method} {path} for payout {reference}: {exc.__class__.__name__}"
            ) from exc

    def _transfer_body(self, request: PayoutRequest) -> dict[str, object]:
        party_id = _SEPARATORS.sub("", request.account_number).removeprefix("+")
        calling_code = CALLING_CODES.get(request.country.upper())
        if calling_code and party_id.startswith("0") and not party_id.startswith("00"):
            # A national number slipped through ("0241234567"); international ones never start
            # with 0, and other forms (MTN's sandbox test numbers) are passed as they are.
            party_id = normalize_msisdn(party_id, calling_code)
        if not _PARTY_ID.match(party_id):
            raise ValueError(
                f"MTN MoMo payee must be an MSISDN in international digits, got {request.account_number!r}"
            )
        note = request.note[:NOTE_MAX_CHARS]
        return {
            "amount": minor_to_decimal_string(request.amount_minor, request.currency),
            "currency": request.currency,
            # Our reference, so a callback (which has no X-Reference-Id) maps back to the payout.
            "externalId": request.reference,
            "payee": {"partyIdType": "MSISDN", "partyId": party_id},
            "payerMessage": note,
            "payeeNote": note,
        }

    async def send(self, request: PayoutRequest) -> PayoutResult:
        check_reference(request.reference)
        body = self._transfer_body(request)  # every ValueError before any network call
        headers = {"X-Reference-Id": request.reference}
        if self._config.callback_url:
            headers["X-Callback-Url"] = self._config.callback_url
        response = await self._call("POST", "/v1_0/transfer", reference=request.reference, headers=headers, json=body)
        code = response.status_code
        if 200 <= code < 300:  # 202 Accepted: MTN owns the transfer now, its outcome comes later
            return PayoutResult(PayoutStatus.PENDING)
        if code == 409:
            # RESOURCE_ALREADY_EXIST: this reference was sent before (a retry after a timeout);
            # the existing transfer's status is the answer.
            logger.info("MTN MoMo already has payout %s; asking its status", request.reference)
            return await self.status(request)
        if code == 400:
            # The request itself was refused; no transfer exists under this reference.
            return PayoutResult(PayoutStatus.FAILED, reason=_error_code(response) or "BAD_REQUEST")
        error = _error_code(response) or "no code"
        raise RailUnavailable(f"MTN MoMo answered HTTP {code} ({error}) to transfer {request.reference}")

    async def status(self, request: PayoutRequest) -> PayoutResult:
        check_reference(request.reference)
        response = await self._call(
            "GET", f"/v1_0/transfer/{request.reference}", reference=request.reference, headers={}
        )
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError as exc:
                raise RailUnavailable(f"MTN MoMo status for {request.reference} is not JSON") from exc
            if not isinstance(body, Mapping):
                raise RailUnavailable(f"MTN MoMo status for {request.reference} is not an object")
            return result_from_transfer(body)
        if response.status_code == 404:
            raise PayoutNotFound(f"MTN MoMo has no transfer {request.reference}")
        raise RailUnavailable(
            f"MTN MoMo answered HTTP {response.status_code} ({_error_code(response) or 'no code'}) "
            f"to the status of {request.reference}"
        )
