"""The Peex wire, typed: every request and response of the inbound v3 API as a model, with the
document's field names, its examples, and the rules of its params and Formatting sections.

Requests are parsed strictly (peerx.web.types): text without control characters and bounded,
amounts in plain decimal form (no exponent, no NaN, ASCII digits only), phone numbers E.164 in
ASCII digits, countries and currencies upper-case codes. Each failure is a 422 in the Peex
envelope naming the field, with a message that starts with it. Rules that tie fields together
(email or mobile_phone, fxrate against the currencies) are in `PaymentRequestBody.parsed()`;
rules that need the database (the sender's first transaction, track_id taken, platform users,
the solde) are the service's.

Responses are dumped by alias in declaration order, so the bytes are the document's:
`{"request": {...}}` without `type` for request_payment, arrays with `type` for all_requests,
`solde` and the fees with one decimal (1341.0) for clients/me.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, WithJsonSchema

from peerx.core.errors import InvalidField
from peerx.core.money import EXPONENTS
from peerx.products.remittances.common import COUNTRY, CURRENCY, TYPE
from peerx.products.remittances.countries import ISO_3166_ALPHA2
from peerx.products.remittances.partners import cameroon_wallet, check_email
from peerx.products.remittances.service import PaymentRequest
from peerx.rails.msisdn import CAMEROON_COUNTRY_CODE, normalize_msisdn
from peerx.web.types import WireDecimal, WireModel, amount, integer, text, wire_error

# ---------------------------------------------------------------- field types

# "complete phone number with country code ... (without spaces nor hyphens)": E.164 with its +,
# ASCII digits only ("[0-9]", never "\d", which matches every script's digits).
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
MAX_AMOUNT = 10**12  # amount, in from_currency; far above any real remittance
MAX_FXRATE = 10**9
MAX_FXRATE_DECIMALS = 12
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100
MAX_PLACES = max(EXPONENTS.values())  # the currency's own decimals are checked with it (BTC has 8)


def _present(value: Any) -> Any:
    """A required field sent as null reads as absent, as the document's clients mean it."""
    if value is None:
        raise wire_error("is required")
    return value


def _integer_as_text(value: Any) -> Any:
    """The document's clients send ids and names as JSON integers too (123 is "123")."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _blank_is_absent(value: str) -> str | None:
    return value or None


def _rule(check: Callable[[str, str], Any]) -> Callable[[str | None], Any]:
    """A rule of partners.py (which raises InvalidField) as a field validator."""

    def validate(value: str | None) -> Any:
        if value is None:
            return None
        try:
            return check(value, "")
        except InvalidField as exc:
            raise wire_error(exc.reason) from None

    return validate


def _e164(value: str | None) -> str | None:
    if value is None:
        return None
    if not _E164.fullmatch(value):
        raise wire_error(
            "must be a complete phone number with its country code, such as +237678923563 (no spaces or hyphens)"
        )
    try:
        return "+" + normalize_msisdn(value, CAMEROON_COUNTRY_CODE)
    except ValueError as exc:
        raise wire_error(f"is not a valid phone number ({exc})") from None


def _cameroon_wallet(value: str | None) -> str | None:
    if value is not None:
        _rule(cameroon_wallet)(value)
    return value


def _currency(value: str | None) -> str | None:
    if value is None:
        return None
    if not _CURRENCY.fullmatch(value):
        raise wire_error("must be an upper-case ISO 4217 currency code such as USD")
    if value not in EXPONENTS:
        raise wire_error("is not a supported currency")
    return value


def _country(value: str) -> str:
    if not _COUNTRY.fullmatch(value) or value not in ISO_3166_ALPHA2:
        raise wire_error("must be an ISO 3166 alpha-2 country code such as CM (upper-case)")
    return value


def _positive(reason: str) -> Callable[[Decimal | None], Decimal | None]:
    def check(value: Decimal | None) -> Decimal | None:
        if value is not None and value <= 0:
            raise wire_error(reason)
        return value

    return check


def _aml_cft(value: Any) -> bool:
    """aml_cft is a boolean, but the document's own sample sends 1: true, 1, "true" and "1"
    (any case) pass; anything else is refused."""
    if value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1):
        return True
    if isinstance(value, str) and value.strip().lower() in ("true", "1"):
        return True
    raise wire_error("must be true: the transaction is only considered when aml_cft is true")


def _rules(strict_type: Any) -> tuple[Any, ...]:
    """The validators of a peerx.web.types type, to annotate a real type with (mypy reads
    `Annotated[str, *_rules(text(100))]` as a str)."""
    return tuple(strict_type.__metadata__)


def _optional_text(max_length: int, schema: dict[str, Any], *after: Callable[[Any], Any]) -> tuple[Any, ...]:
    """Optional text: a JSON integer is taken as its digits; blank is absent."""
    return (
        *_rules(text(max_length)),
        BeforeValidator(_integer_as_text),
        AfterValidator(_blank_is_absent),
        *(AfterValidator(check) for check in after),
        WithJsonSchema({"type": "string", "maxLength": max_length, **schema}),
    )


def _required_text(max_length: int, schema: dict[str, Any], *after: Callable[[Any], Any]) -> tuple[Any, ...]:
    """Required text: null and blank are absent ("is required")."""
    return (
        *_rules(text(max_length, min_length=1)),
        BeforeValidator(_integer_as_text),
        BeforeValidator(_present),
        *(AfterValidator(check) for check in after),
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": max_length, **schema}),
    )


def _code(*checks: Callable[[Any], Any], required: bool, schema: dict[str, Any]) -> tuple[Any, ...]:
    """A currency or country code: short text, then its own check."""
    presence = (BeforeValidator(_present),) if required else (AfterValidator(_blank_is_absent),)
    return (
        *_rules(text(10, min_length=1 if required else 0)),
        *presence,
        *(AfterValidator(check) for check in checks),
        WithJsonSchema({"type": "string", **schema}),
    )


def _number(strict_type: Any, *, positive: str, schema: dict[str, Any]) -> tuple[Any, ...]:
    """A JSON number or a numeric string, in plain decimal form, > 0."""
    return (*_rules(strict_type), AfterValidator(_positive(positive)), WithJsonSchema(schema))


# Text is refused with a control character in it (tab and newlines included): the schema says so.
_PLAIN = {"pattern": r"^[^\x00-\x1f\x7f-\x9f]*$"}
# The MTN and Orange Cameroon ranges of rails.msisdn (a test keeps the two in step).
CAMEROON_WALLET_PATTERN = r"^\+237(6[79][0-9]|65[0-9]|68[0-36-9]|640)[0-9]{6}$"
# Numeric strings: plain decimal form, > 0 (the server also takes leading zeros).
_NUMBER_SCHEMA = {"type": "string", "pattern": r"^([1-9][0-9]{0,11}(\.[0-9]{1,12})?|0\.[0-9]{0,11}[1-9])$"}

Email = Annotated[
    str, *_optional_text(254, {"format": "email", "examples": ["testuser@gmail.com"]}, _rule(check_email))
]
BeneficiaryPhone = Annotated[
    str,
    *_optional_text(16, {"pattern": CAMEROON_WALLET_PATTERN, "examples": ["+237678923563"]}, _e164, _cameroon_wallet),
]
SenderPhone = Annotated[
    str, *_required_text(16, {"pattern": r"^\+[1-9][0-9]{7,14}$", "examples": ["+237675287689"]}, _e164)
]
Name = Annotated[str, *_optional_text(100, _PLAIN)]
ConformityText = Annotated[str, *_required_text(255, {**_PLAIN, "examples": ["Familial maintenance", "Salary"]})]
TrackId = Annotated[str, *_required_text(100, _PLAIN)]
TransactionType = Annotated[str, *_optional_text(20, {"enum": [TYPE]})]

Amount = Annotated[
    Decimal,
    *_number(
        amount(places=MAX_PLACES, high=MAX_AMOUNT),
        positive="must be greater than 0",
        schema={
            "anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_AMOUNT}, _NUMBER_SCHEMA],
            "description": "A number > 0 (or a numeric string) in plain decimal form, with at most from_currency's "
            "decimals (XAF has none).",
            "examples": [10, 6789.23],
        },
    ),
    BeforeValidator(_present),  # the last declared runs first
]
FxRate = Annotated[
    Decimal,
    *_number(
        amount(places=MAX_FXRATE_DECIMALS, high=MAX_FXRATE),
        positive="must be a positive rate such as 655.34",
        schema={
            "anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_FXRATE}, _NUMBER_SCHEMA],
            "description": "The rate from from_currency to to_currency, at most 12 decimals: required when they "
            "differ; 1 (the default) when they are the same.",
            "examples": [655.34, 1],
        },
    ),
]
FromCurrency = Annotated[str, *_code(_currency, required=True, schema={"enum": sorted(EXPONENTS), "examples": ["USD"]})]
ToCurrency = Annotated[str, *_code(_currency, required=False, schema={"enum": [CURRENCY], "default": CURRENCY})]
SenderCountry = Annotated[
    str,
    *_code(
        _country, required=True, schema={"pattern": f"^({'|'.join(sorted(ISO_3166_ALPHA2))})$", "examples": [COUNTRY]}
    ),
]
ToCountry = Annotated[str, *_code(_country, required=True, schema={"enum": [COUNTRY]})]
AmlCft = Annotated[
    bool,
    BeforeValidator(_aml_cft),
    WithJsonSchema(
        {
            "anyOf": [{"type": "boolean", "enum": [True]}, {"type": "integer", "enum": [1]}, {"enum": ["true", "1"]}],
            "description": 'Must be true (true, 1, "true" or "1"): without it the transaction is not created.',
        }
    ),
]
Ignored = Annotated[
    Any,
    WithJsonSchema(
        {"type": "integer", "description": "Accepted and ignored: the partner is the one the secret key names."}
    ),
]

# ---------------------------------------------------------------- requests

DOCUMENT_REQUEST: dict[str, Any] = {
    "track_id": "TEST202103019",
    "amount": 10,
    "aml_cft": 1,
    "fxrate": 1,
    "from_currency": "XAF",
    "to_currency": "XAF",
    "transaction_type": "mobile",
    "user_id": 375,
    "client_id": 1,
    "mobile_phone": "+237675287689",
    "sender_first_name": "signe",
    "sender_last_name": "paul",
    "sender_email": "raoulsigne@yahoo.fr",
    "sender_mobile_phone": "+237675287689",
    "sender_country": "CM",
    "to_country": "CM",
    "purpose": "Familial maintenance",
    "fund_origin": "Salary",
}


class PaymentRequestBody(WireModel):
    """POST clients/request_payment: a payment to a peex user, by email or mobile_phone."""

    model_config = ConfigDict(
        json_schema_extra={
            # "required if no mobile_phone" / "required if no email", as JSON Schema says it.
            "anyOf": [
                {"required": ["mobile_phone"], "properties": {"mobile_phone": {"type": "string"}}},
                {"required": ["email"], "properties": {"email": {"type": "string"}}},
            ],
            "examples": [DOCUMENT_REQUEST],
        }
    )

    email: Email | None = Field(
        None, description="The platform user paid (required if no mobile_phone); compared lower-cased."
    )
    mobile_phone: BeneficiaryPhone | None = Field(
        None,
        description="The wallet paid (required if no email): +237 and an MTN or Orange Cameroon number, "
        "without spaces or hyphens. When both are given, the phone is paid.",
    )
    amount: Amount = Field(description="The amount sent, in from_currency.")
    from_currency: FromCurrency = Field(description="The origin currency, upper-case ISO 4217.")
    to_currency: ToCurrency | None = Field(None, description="The destination currency: XAF (the default).")
    fxrate: FxRate | None = None
    aml_cft: AmlCft
    sender_first_name: Name | None = Field(None, description="Required on the first transaction of this sender.")
    sender_last_name: Name | None = Field(None, description="Required on the first transaction of this sender.")
    sender_email: Email | None = None
    sender_mobile_phone: SenderPhone = Field(description="The sender's phone, E.164 with its +: always required.")
    sender_country: SenderCountry = Field(description="Where the money is sent from, ISO 3166-1 alpha-2.")
    first_name: Name | None = Field(None, description="The beneficiary's first name.")
    last_name: Name | None = Field(None, description="The beneficiary's last name.")
    to_country: ToCountry = Field(description="The beneficiary's country: CM.")
    purpose: ConformityText = Field(description="The reason of this transaction (required for conformity).")
    fund_origin: ConformityText = Field(description="The origin of the funds (required for conformity).")
    track_id: TrackId = Field(description="The partner's reference, unique per partner.")
    transaction_type: TransactionType | None = None
    user_id: Ignored = None
    client_id: Ignored = None

    def identity(self) -> dict[str, Any]:
        """What the request means, for Idempotency-Key (the ignored ids are no part of it)."""
        return self.model_dump(mode="json", exclude={"user_id", "client_id"})

    def parsed(self) -> PaymentRequest:
        """The rules that tie fields together, in the document's order."""
        if self.email is None and self.mobile_phone is None:
            raise InvalidField("email", "or mobile_phone is required")
        msisdn = network = None
        if self.mobile_phone is not None:
            msisdn, network = cameroon_wallet(self.mobile_phone, "mobile_phone")
        to_currency = self.to_currency or CURRENCY
        if to_currency != CURRENCY:
            raise InvalidField("to_currency", "must be XAF: payments are paid out in XAF in Cameroon")
        fxrate = self.fxrate
        if self.from_currency == to_currency:
            if fxrate is not None and fxrate != 1:
                raise InvalidField("fxrate", "must be 1 when from_currency and to_currency are the same")
            fxrate = Decimal(1)
        elif fxrate is None:
            raise InvalidField("fxrate", "is required")
        if self.to_country != COUNTRY:
            raise InvalidField("to_country", "must be CM: the inbound API sends transactions to Cameroon")
        if self.transaction_type is not None and self.transaction_type != TYPE:
            raise InvalidField("transaction_type", "must be mobile")
        return PaymentRequest(
            track_id=self.track_id,
            amount=self.amount,
            from_currency=self.from_currency,
            to_currency=to_currency,
            fxrate=fxrate,
            email=self.email,
            msisdn=msisdn,
            network=network,
            mobile_phone=self.mobile_phone,
            first_name=self.first_name,
            last_name=self.last_name,
            to_country=self.to_country,
            sender_first_name=self.sender_first_name,
            sender_last_name=self.sender_last_name,
            sender_email=self.sender_email,
            sender_mobile_phone=self.sender_mobile_phone,
            sender_country=self.sender_country,
            purpose=self.purpose,
            fund_origin=self.fund_origin,
        )


# Query and path parameters: ASCII digits within bounds; "" means the default, as today.
def _blank_is(default: int) -> Callable[[Any], Any]:
    return lambda value: default if value == "" else value


Page = Annotated[int, *_rules(integer(1, MAX_PAGE)), BeforeValidator(_blank_is(1))]
PerPage = Annotated[int, *_rules(integer(1, MAX_PER_PAGE)), BeforeValidator(_blank_is(DEFAULT_PER_PAGE))]
IdempotencyKey = Annotated[
    str,
    *_rules(text(255, min_length=1)),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 255, **_PLAIN}),
]
TrackIdParam = Annotated[str, *_rules(text(100)), WithJsonSchema({"type": "string", "maxLength": 100, **_PLAIN})]


# ---------------------------------------------------------------- responses

Status = Literal[
    "new", "pending", "mw_balance_pending", "balance_pending", "max_amount", "paid", "failed", "canceled", "rejected"
]
WireTime = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "UTC with milliseconds.",
            "examples": ["2022-07-27T12:49:36.066Z"],
        }
    ),
]


class PartnerInfo(WireModel):
    """GET clients/me: the partner, its solde (available XAF in the key's mode) and its fees. The
    document's model list says `sold`; its sample (which we follow) says `solde`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Peex",
                    "email": "infos@peexit.com",
                    "adress": "Bonamoussadi",
                    "web_site": "peexit.com",
                    "description": "Peers Exchange",
                    "callback_url": "http://api.peex-callback/",
                    "solde": 1341.0,
                    "orange_fees": 500.0,
                    "mtn_fees": 500.0,
                    "is_activated": True,
                    "created_at": "2022-03-23T13:35:38.773Z",
                    "updated_at": "2022-07-22T16:44:31.154Z",
                }
            ]
        }
    )

    name: str
    email: str
    adress: str | None = Field(description="Sic: the document's spelling.")
    web_site: str | None
    description: str | None
    callback_url: str | None
    solde: WireDecimal = Field(description="Available XAF, printed with one decimal (1341.0).")
    orange_fees: WireDecimal = Field(description="XAF per payment to an Orange wallet.")
    mtn_fees: WireDecimal = Field(description="XAF per payment to an MTN wallet.")
    is_activated: bool
    created_at: WireTime
    updated_at: WireTime


class PaymentRequestView(WireModel):
    """A transaction as request_payment answers it (the document's sample: no `type`)."""

    id: int
    amount: WireDecimal = Field(description="As sent: 10, 6789.23.")
    status: Status
    from_currency: str
    to_currency: str
    created_at: WireTime
    updated_at: WireTime
    payment_proof: str | None = Field(
        description="The confirmation identifier when paid; the reason when failed, canceled or rejected."
    )
    identifier_by: str = Field(description="The email or phone number the partner gave.")
    track_id: str


class TransactionView(PaymentRequestView):
    """A transaction as all_requests (and every callback) shows it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 214,
                    "amount": 1000000000,
                    "status": "rejected",
                    "from_currency": "XAF",
                    "to_currency": "XAF",
                    "created_at": "2020-10-23T09:54:06.141Z",
                    "updated_at": "2020-10-27T10:54:42.758Z",
                    "payment_proof": "AMOUNT_EXCEED_THRESHOLD",
                    "identifier_by": "+237691295354",
                    "track_id": "TEST2020102301",
                    "type": "mobile",
                }
            ]
        }
    )

    type: Literal["mobile"]


class PaymentRequestCreated(WireModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request": {
                        "id": 2124,
                        "amount": 10,
                        "status": "pending",
                        "from_currency": "XAF",
                        "to_currency": "XAF",
                        "created_at": "2022-07-27T12:49:36.066Z",
                        "updated_at": "2022-07-27T12:49:38.873Z",
                        "payment_proof": None,
                        "identifier_by": "+237675287689",
                        "track_id": "TEST202103019",
                    }
                }
            ]
        }
    )

    request: PaymentRequestView


class PeexError(WireModel):
    """Every error of the surface (the document names the statuses but shows no body)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": 422,
                    "error": "invalid_field",
                    "message": "aml_cft must be true: the transaction is only considered when aml_cft is true",
                    "field": "aml_cft",
                }
            ]
        }
    )

    status: int = Field(description="The HTTP status, repeated.")
    error: str = Field(description="A stable code: invalid_field, unauthorized, not_found, conflict, ...")
    message: str = Field(description="What is wrong; it starts with the field's name when there is one.")
    field: str | None = Field(description="The parameter at fault, or null.")
