"""The Peex wire, typed: every request and response of the inbound v3 API as a model, with the
document's field names, its examples, and the rules of its params and Formatting sections.

Requests are parsed strictly (peerx.wire): text without control characters and bounded,
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
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema

from peerx.core.errors import InvalidField
from peerx.core.money import EXPONENTS
from peerx.products.remittances.common import COUNTRY, CURRENCY, TYPE
from peerx.products.remittances.countries import ISO_3166_ALPHA2
from peerx.products.remittances.partners import cameroon_wallet, check_email
from peerx.products.remittances.service import PaymentRequest
from peerx.rails.msisdn import CAMEROON_COUNTRY_CODE, normalize_msisdn
from peerx.wire import (
    Amount,
    Blank,
    Doc,
    Integer,
    Required,
    Rule,
    Text,
    WireDecimal,
    WireModel,
    wire_error,
)

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
# Optional text: blank (white space only, which Text strips anyway) is absent, as the
# document's clients mean it. Required text: null and blank are "is required".
BLANK = Blank(strip_chars=None)


def _partner_rule(check: Callable[[str, str], Any]) -> Callable[[str], Any]:
    """A rule of partners.py (which raises InvalidField) as a field validator."""

    def validate(value: str) -> Any:
        try:
            return check(value, "")
        except InvalidField as exc:
            raise wire_error(exc.reason) from None

    return validate


def _e164(value: str) -> str:
    if not _E164.fullmatch(value):
        raise wire_error(
            "must be a complete phone number with its country code, such as +237678923563 (no spaces or hyphens)"
        )
    try:
        return "+" + normalize_msisdn(value, CAMEROON_COUNTRY_CODE)
    except ValueError as exc:
        raise wire_error(f"is not a valid phone number ({exc})") from None


def _cameroon_wallet(value: str) -> str:
    _partner_rule(cameroon_wallet)(value)
    return value


def _currency(value: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise wire_error("must be an upper-case ISO 4217 currency code such as USD")
    if value not in EXPONENTS:
        raise wire_error("is not a supported currency")
    return value


def _country(value: str) -> str:
    if not _COUNTRY.fullmatch(value) or value not in ISO_3166_ALPHA2:
        raise wire_error("must be an ISO 3166 alpha-2 country code such as CM (upper-case)")
    return value


@dataclass(frozen=True)
class AmlCftRule(Rule):
    """aml_cft is a boolean, but the document's own sample sends 1: true, 1, "true" and "1"
    (any case) pass; anything else is refused."""

    def parse(self, value: Any) -> bool:
        if value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1):
            return True
        if isinstance(value, str) and value.strip().lower() in ("true", "1"):
            return True
        raise wire_error("must be true: the transaction is only considered when aml_cft is true")

    def json_schema(self) -> dict[str, Any]:
        return {
            "anyOf": [{"type": "boolean", "enum": [True]}, {"type": "integer", "enum": [1]}, {"enum": ["true", "1"]}]
        }


# Text is refused with a control character in it (tab and newlines included): the schema says so.
_PLAIN = {"pattern": r"^[^\x00-\x1f\x7f-\x9f]*$"}
# The MTN and Orange Cameroon ranges of rails.msisdn (a test keeps the two in step).
CAMEROON_WALLET_PATTERN = r"^\+237(6[79][0-9]|65[0-9]|68[0-36-9]|64[0-2])[0-9]{6}$"
# Numeric strings: plain decimal form, > 0 (the server also takes leading zeros).
_NUMBER_SCHEMA = {"type": "string", "pattern": r"^([1-9][0-9]{0,11}(\.[0-9]{1,12})?|0\.[0-9]{0,11}[1-9])$"}

# The document's clients send ids and names as JSON integers too (123 is "123").
Email = Annotated[
    Annotated[
        str,
        Text(254, numbers="integers"),
        AfterValidator(_partner_rule(check_email)),
        Doc(format="email", examples=["testuser@gmail.com"]),
    ]
    | None,
    BLANK,
]
BeneficiaryPhone = Annotated[
    Annotated[
        str,
        Text(16, numbers="integers"),
        AfterValidator(_e164),
        AfterValidator(_cameroon_wallet),
        Doc(pattern=CAMEROON_WALLET_PATTERN, examples=["+237678923563"]),
    ]
    | None,
    BLANK,
]
SenderPhone = Annotated[
    str,
    Text(16, min_length=1, numbers="integers"),
    AfterValidator(_e164),
    Required(),
    Doc(pattern=r"^\+[1-9][0-9]{7,14}$", examples=["+237675287689"]),
]
Name = Annotated[Annotated[str, Text(100, numbers="integers"), Doc(**_PLAIN)] | None, BLANK]
ConformityText = Annotated[
    str,
    Text(255, min_length=1, numbers="integers"),
    Required(),
    Doc(**_PLAIN, examples=["Familial maintenance", "Salary"]),
]
TrackId = Annotated[str, Text(100, min_length=1, numbers="integers"), Required(), Doc(**_PLAIN)]
TransactionType = Annotated[Annotated[str, Text(20, numbers="integers"), Doc(enum=[TYPE])] | None, BLANK]

# Amounts: the document's clients send numbers or numeric strings, which its schema (a number
# or a pattern more precise than any shared form) shows; the rules are the shared Amount's.
PaymentAmount = Annotated[
    Decimal,
    Amount(places=MAX_PLACES, high=Decimal(MAX_AMOUNT), above=Decimal(0)),
    Required(),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_AMOUNT}, _NUMBER_SCHEMA],
            "description": "A number > 0 (or a numeric string) in plain decimal form, with at most from_currency's "
            "decimals (XAF has none).",
            "examples": [10, 6789.23],
        }
    ),
]
FxRate = Annotated[
    Decimal,
    Amount(
        places=MAX_FXRATE_DECIMALS,
        high=Decimal(MAX_FXRATE),
        above=Decimal(0),
        not_above="must be a positive rate such as 655.34",
    ),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_FXRATE}, _NUMBER_SCHEMA],
            "description": "The rate from from_currency to to_currency, at most 12 decimals: required when they "
            "differ; 1 (the default) when they are the same.",
            "examples": [655.34, 1],
        }
    ),
]
# Currency and country codes: short text, then their own check.
FromCurrency = Annotated[
    str,
    Text(10, min_length=1),
    AfterValidator(_currency),
    Required(),
    Doc(enum=sorted(EXPONENTS), examples=["USD"]),
]
ToCurrency = Annotated[
    Annotated[str, Text(10), AfterValidator(_currency), Doc(enum=[CURRENCY], default=CURRENCY)] | None, BLANK
]
SenderCountry = Annotated[
    str,
    Text(10, min_length=1),
    AfterValidator(_country),
    Required(),
    Doc(pattern=f"^({'|'.join(sorted(ISO_3166_ALPHA2))})$", examples=[COUNTRY]),
]
ToCountry = Annotated[str, Text(10, min_length=1), AfterValidator(_country), Required(), Doc(enum=[COUNTRY])]
AmlCft = Annotated[
    bool,
    AmlCftRule(),
    Doc('Must be true (true, 1, "true" or "1"): without it the transaction is not created.'),
]
Ignored = Annotated[Any, Doc("Accepted and ignored: the partner is the one the secret key names.", type="integer")]

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
    amount: PaymentAmount = Field(description="The amount sent, in from_currency.")
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
Page = Annotated[int, Integer(1, MAX_PAGE), Blank(means=1)]
PerPage = Annotated[int, Integer(1, MAX_PER_PAGE), Blank(means=DEFAULT_PER_PAGE)]
IdempotencyKey = Annotated[str, Text(255, min_length=1), Doc(**_PLAIN)]  # stripped, unlike other surfaces'
TrackIdParam = Annotated[str, Text(100), Doc(**_PLAIN)]


# ---------------------------------------------------------------- responses

Status = Literal[
    "new", "pending", "mw_balance_pending", "balance_pending", "max_amount", "paid", "failed", "canceled", "rejected"
]
WireTime = Annotated[str, Doc("UTC with milliseconds.", format="date-time", examples=["2022-07-27T12:49:36.066Z"])]


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
