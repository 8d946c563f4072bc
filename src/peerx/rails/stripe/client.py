"""The Stripe pay-in connector, on the official `stripe` library.

A charge is one PaymentIntent created with confirm=True; our reference is Stripe's Idempotency-Key,
so a retry of an unknown outcome (timeout, 5xx) gets the same intent back and never charges twice.
A refund is one Refund with the refund reference as its Idempotency-Key.

Outcomes: an intent that succeeded is a payment; a card error (card_declined, expired_card, ...) or
an unknown token is a decline (nothing was charged, the caller may try again under a new
reference); everything else that leaves the outcome unknown (network errors, timeouts, 429, 5xx,
an intent still processing) raises PayinUnavailable, and asking again with the same reference is safe.

Each call uses its own `stripe.StripeClient` (no global `stripe.api_key`) with its own HTTP client,
closed after the call, so nothing outlives the request or its event loop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from peerx.rails.payins import PayinResult, PayinUnavailable

DEFAULT_API_BASE = "https://api.stripe.com"


def payment_method_params(token: str) -> dict[str, Any]:
    """The client's token as PaymentIntent parameters: a PaymentMethod id (pm_...) is used as is;
    a card token (tok_...) becomes an inline card PaymentMethod."""
    if token.startswith("pm_"):
        return {"payment_method": token}
    return {"payment_method_data": {"type": "card", "card": {"token": token}}}


class _HTTPXClient(stripe.HTTPXClient):
    """stripe's httpx adapter passes the encoded form as `data=`, which httpx deprecates for raw
    text (a DeprecationWarning on every call); send the same bytes as `content=`."""

    def _get_request_args_kwargs(self, method: str, url: str, headers: Mapping[str, str], post_data: Any) -> list[Any]:
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        data = kwargs.get("data")
        if isinstance(data, str | bytes):
            kwargs["content"] = kwargs.pop("data")
        return [args, kwargs]


class StripePayins:
    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str,
        api_base: str = DEFAULT_API_BASE,
        timeout_seconds: float = 30.0,
        max_network_retries: int = 2,
    ) -> None:
        if not api_key:
            raise ValueError("a Stripe secret key is required")
        self._api_key = api_key
        self._api_base = api_base.rstrip("/")
        self._timeout = timeout_seconds
        self._retries = max_network_retries

    def __repr__(self) -> str:  # never the key
        return f"StripePayins(api_base={self._api_base!r})"

    def _client(self) -> tuple[stripe.StripeClient, stripe.HTTPXClient]:
        http = _HTTPXClient(timeout=self._timeout)
        client = stripe.StripeClient(
            self._api_key,
            base_addresses={"api": self._api_base},
            http_client=http,
            max_network_retries=self._retries,
        )
        return client, http

    async def charge(self, *, token: str, amount: int, currency: str, reference: str) -> PayinResult:
        if amount <= 0:
            raise ValueError("charge amount must be positive")
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "confirm": True,
            "payment_method_types": ["card"],
            "metadata": {"reference": reference},
            **payment_method_params(token),
        }
        client, http = self._client()
        try:
            intent = await client.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": reference},
            )
        except stripe.CardError as exc:
            return PayinResult(
                False,
                failure_code=exc.code or "card_declined",
                failure_message=exc.user_message or "Your card was declined.",
            )
        except stripe.InvalidRequestError as exc:
            if exc.code in ("resource_missing", "token_already_used", "payment_method_unexpected_state"):
                return PayinResult(
                    False, failure_code="invalid_token", failure_message=exc.user_message or "No such token."
                )
            raise PayinUnavailable(f"Stripe refused the request ({exc.code or exc.http_status})") from exc
        except stripe.StripeError as exc:  # connection, timeout, 429, 5xx, auth, idempotency conflicts
            raise PayinUnavailable(f"Stripe did not answer ({type(exc).__name__})") from exc
        finally:
            await http.close_async()  # type: ignore[no-untyped-call]
        return _intent_result(intent)

    async def refund(self, *, payin_id: str, amount: int, reference: str) -> str:
        client, http = self._client()
        try:
            refund = await client.v1.refunds.create_async(
                {"payment_intent": payin_id, "amount": amount, "metadata": {"reference": reference}},
                {"idempotency_key": reference},
            )
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
            raise PayinUnavailable(f"Stripe did not answer ({type(exc).__name__})") from exc
        finally:
            await http.close_async()  # type: ignore[no-untyped-call]
        return str(refund.id)


def _intent_result(intent: stripe.PaymentIntent) -> PayinResult:
    if intent.status == "succeeded":
        return PayinResult(True, payin_id=intent.id)
    if intent.status == "processing":
        raise PayinUnavailable("the payment is still processing")
    error = intent.last_payment_error
    if intent.status == "requires_action":
        code, message = "authentication_required", "The card needs authentication this API cannot perform."
    else:
        code, message = "card_declined", "Your card was declined."
    if error is not None:
        code = error.code or code
        message = error.message or message
    return PayinResult(False, failure_code=code, failure_message=message)
