"""Trustap wire models: what each route takes (query, path and JSON bodies) and what it answers,
named, shaped and ordered as the document shows them (the spec's names where the document has
none). Only the wire lives here: the rules (charges, states, formats of bank details) are in the
service modules, which these models hand typed values to.

Request field types accept exactly what the document's clients send and refuse the rest, naming
the field (docs/escrow.md "The wire contract"):

- int64 fields in JSON bodies: JSON integers (or an integral plain decimal, 1234.0, as clients
  that compute with floats send); never strings, booleans, exponents (1e3, 1e400), NaN or
  fractions. Amounts (prices, charges) are bounded to 10^15 minor units, so every sum of them
  stays inside 64 bits. `unix_timestamp` and `dob` also take ASCII digits as text, as they
  always have;
- integers in the query and the path: ASCII digits only ("²" and "٣" are not digits here), inside
  what the column holds;
- text: no NUL or other control characters (newlines and tabs only in descriptions and
  complaints), no lone surrogates, bounded length;
- JSON null is a missing field, as it always was.

Responses are built from the service's views (the same dicts the webhooks carry) and printed
with `wire()`: keys a transaction has not reached yet are absent, never null, so their schemas
are not required and not nullable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import AliasChoices, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from peerx.products.escrow.charges import check_charge_config, check_payment_method, code_error
from peerx.products.escrow.listings import ListingPrice
from peerx.products.escrow.online import NewTransaction, PaymentMethodChoice
from peerx.products.escrow.p2p import DepositPaymentMethod, NewP2P
from peerx.products.escrow.payouts import BankDetails as BankDetailsValues
from peerx.wire import (
    ASCII_SPACE,
    INT64_MAX,
    Boolean,
    Choice,
    Doc,
    Integer,
    Rule,
    Text,
    WireModel,
    wire_error,
)

MAX_AMOUNT = 10**15  # minor units (10 trillion USD): price + charge stays far inside 64 bits
CODED = "trustap_code"  # a validation failure that carries the spec's own code (errors.py)


def coded(code: str, reason: str) -> PydanticCustomError:
    """A field failure answered with the spec's `code` rather than one derived from the field."""
    return PydanticCustomError(CODED, reason, {"code": code})


# ---------------------------------------------------------------- field types


@dataclass(frozen=True)
class TrustapInteger(Integer):
    """The shared Integer as Trustap reads it: an integral plain decimal (1234.0) is a whole
    number too, and the schema is `format: int64` (the OpenAPI models print bounds as floats,
    which cannot hold 2**63 - 1 exactly)."""

    integral: bool = True
    int64_format: bool = True


@dataclass(frozen=True)
class TrustapText(Text):
    """The shared Text as Trustap reads it: only ASCII white space is stripped, so a control
    character at either end (\x1c-\x1f, \x85 are white space to str.strip()) is refused, not dropped."""

    strip_chars: str | None = ASCII_SPACE


@dataclass(frozen=True)
class P2PLimitRule(Rule):
    """The spec's p2p list: a limit above 50 is `excessive_limit`, anything else wrong `invalid_limit`."""

    def parse(self, value: Any) -> int:
        number = TrustapInteger().parse(value)
        if number < 1:
            raise wire_error("must be a whole number from 1 to 50")
        if number > 50:
            raise coded("excessive_limit", "must be at most 50")
        return number

    def json_schema(self) -> dict[str, Any]:
        return TrustapInteger(1, 50).json_schema()


AMOUNT_TEXT = (
    "in the currency's smallest unit (a JSON integer; 1234 is 12.34 USD). At most 10^15; "
    "no exponent, fraction or string."
)
# int64 fields in JSON bodies: JSON integers (or 1234.0), never strings; some also take ASCII
# digits as text, around ASCII spaces, as they always have.
BodyAmount = TrustapInteger(-MAX_AMOUNT, MAX_AMOUNT, text=False)
Price = Annotated[
    int,
    BodyAmount,
    Doc("The price of the goods being sold, " + AMOUNT_TEXT + " A negative price is `negative_price`."),
]
ChargeAmount = Annotated[
    int, BodyAmount, Doc("The `charge` value returned from a request to `/charge`, " + AMOUNT_TEXT)
]
SellerCharge = Annotated[int, BodyAmount, Doc("The `charge_seller` value returned from `/charge`; checked when sent.")]
CalcVersion = Annotated[
    int, TrustapInteger(text=False), Doc("The `charge_calculator_version` value returned from `/charge`.")
]
ChargeConfig = Annotated[
    int,
    TrustapInteger(strip_chars=ASCII_SPACE),
    Doc("The charge config the charge is computed for; only 1 exists."),
]
ROLES = ("buyer", "seller")
# The text rule runs first (the last declared runs first), then the choice, on the stripped text.
Role = Annotated[
    str, Choice(ROLES, "must be buyer or seller"), TrustapText(16), Doc("The caller's role.", enum=list(ROLES))
]
Currency = Annotated[
    str,
    TrustapText(16, strip=False),
    Doc("The currency the price is specified in (lower case ISO 4217: `usd`).", examples=["usd"]),
]
Description = Annotated[
    str, TrustapText(1000, multiline=True), Doc("A description of the goods being sold (newlines allowed).")
]
Complaint = Annotated[str, TrustapText(5000, multiline=True), Doc("What went wrong.")]
CancelReason = Annotated[str, TrustapText(1000, multiline=True), Doc("Why the transaction is cancelled.")]
CardToken = Annotated[
    str,
    TrustapText(200),  # kept while the charge is in flight (payin_token, 200 characters)
    Doc("A card token (`tok_...`) or PaymentMethod id (`pm_...`) from Stripe.", examples=["tok_visa"]),
]
Carrier = Annotated[str, TrustapText(50), Doc("fedex, ups or usps.", examples=["ups"])]
TrackingCode = Annotated[str, TrustapText(100), Doc("The carrier's tracking code.")]
Flag = Annotated[bool, Boolean(strip_chars=ASCII_SPACE)]
PaymentMethodName = Annotated[
    str,
    TrustapText(32),
    Doc("card, bank_transfer, p24 or fpx; peerx takes `card`.", examples=["card"]),
]

# Query and path values: ASCII digits only, within the column's 64 bits.
PathId = Annotated[int, TrustapInteger(1, INT64_MAX)]
QueryId = Annotated[int, TrustapInteger(0, INT64_MAX)]
QueryPrice = Annotated[
    int,
    TrustapInteger(-MAX_AMOUNT, MAX_AMOUNT, strip_chars=ASCII_SPACE),
    Doc(
        "The price of the goods being sold in this transaction, in the `currency`'s smallest unit. For "
        "example, if a trading card is being sold for $12.34 (with `currency` as `usd`), then the request "
        "for the charge for this transaction would be `/charge?price=1234&currency=usd`."
    ),
]
QueryConfig = Annotated[
    int, TrustapInteger(), Doc("The charge config for which the charge amount is computed (only 1).")
]
Limit = Annotated[int, TrustapInteger(1, 50), Doc(default=25)]
P2PLimit = Annotated[int, P2PLimitRule(), Doc(default=25)]
CurrencyQuery = Annotated[str, TrustapText(16, strip=False), Doc(examples=["usd"])]
PaymentMethodQuery = Annotated[str, TrustapText(32), Doc(default="card")]
JoinCode = Annotated[
    str,
    TrustapText(100, strip=False),
    Doc("The transaction's join code, as its creator shared it.", examples=["54c5bb89-a5ea-4be7-ad7a-e740c2eebab4"]),
]


# ---------------------------------------------------------------- requests


class WireRequest(WireModel):
    """A JSON request body: a JSON object whose nulls are missing fields (as they always were);
    fields the document does not name are ignored. `wire_examples` are the OpenAPI's examples."""

    wire_examples: ClassVar[list[dict[str, Any]]] = []

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_missing(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    def meaning(self) -> dict[str, Any]:
        """What the request says (for Idempotency-Key fingerprints): the fields sent, parsed, by
        their wire names (for the document's clients the same object they sent)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _examples(schema: dict[str, Any], cls: type[Any]) -> None:
    examples = getattr(cls, "wire_examples", None)
    if examples:
        schema["examples"] = examples


class WireBody(WireRequest):
    model_config = ConfigDict(json_schema_extra=_examples)


class EmptyBody(WireBody):
    """Steps the document calls without a body: an empty JSON object (or no body) is fine."""


class CreateTransaction(WireBody):
    """POST /me/transactions: after a /charge quote for `price`, whose `charge` and
    `charge_calculator_version` are sent back unchanged."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "role": "seller",
            "currency": "usd",
            "price": 1234,
            "description": "Soccer ticket",
            "charge": 62,
            "charge_calculator_version": 1,
        }
    ]

    role: Role
    currency: Currency
    price: Price
    description: Description = ""
    charge: ChargeAmount
    charge_calculator_version: CalcVersion
    charge_seller: SellerCharge | None = None
    charge_config: ChargeConfig | None = None
    payment_method: PaymentMethodName | None = None  # the spec's; the charge is for this method

    def to_service(self) -> NewTransaction:
        if not self.currency:
            raise code_error("currency", "is required", "currency_missing")
        check_charge_config(self.charge_config, "charge_config")
        if self.payment_method is not None:
            check_payment_method(self.payment_method)
        return NewTransaction(
            role=self.role,
            currency=self.currency.lower(),
            price=self.price,
            description=self.description,
            charge=self.charge,
            charge_calculator_version=self.charge_calculator_version,
            charge_seller=self.charge_seller,
            payment_method=self.payment_method or "card",
        )


class DepositPricing(WireRequest):
    """The document's Pricing of a deposit: its price and the /p2p/charge quote for it."""

    price: Price
    charge: ChargeAmount
    charge_seller: SellerCharge | None = None


_DEPOSIT = AliasChoices("depositPricing", "deposit_pricing")


class P2PDeposit(WireBody):
    """The deposit as the document nests it (`depositPricing`, or `deposit_pricing`) or as the
    spec spells it flat (`deposit_price`, `deposit_charge`, `deposit_charge_seller`)."""

    deposit_pricing: DepositPricing | None = Field(
        None, validation_alias=_DEPOSIT, serialization_alias="depositPricing"
    )
    deposit_price: Price | None = None
    deposit_charge: ChargeAmount | None = None
    deposit_charge_seller: SellerCharge | None = None
    charge_calculator_version: CalcVersion | None = None

    def has_deposit(self) -> bool:
        return self.deposit_pricing is not None or self.deposit_price is not None or self.deposit_charge is not None

    def deposit(self) -> tuple[int, int, int | None]:
        """(price, charge, charge_seller) of the deposit, nested or flat."""
        if self.deposit_pricing is not None:
            nested = self.deposit_pricing
            return nested.price, nested.charge, nested.charge_seller
        if self.deposit_price is None:
            raise code_error("deposit_price", "is required", "invalid_price")
        if self.deposit_charge is None:
            raise code_error("deposit_charge", "is required", "incorrect_charge")
        return self.deposit_price, self.deposit_charge, self.deposit_charge_seller


class CreateP2PTransaction(P2PDeposit):
    """POST /p2p/me/transactions: the deposit after a /p2p/charge quote for its price."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "role": "seller",
            "currency": "usd",
            "description": "Bicycle",
            "depositPricing": {"price": 1000, "charge": 50},
        },
        {
            "role": "seller",
            "currency": "usd",
            "description": "Soccer ticket",
            "deposit_price": 1234,
            "deposit_charge": 62,
            "charge_calculator_version": 1,
        },
    ]

    role: Role
    currency: Currency
    description: Description = ""
    deposit_charge_config: ChargeConfig | None = Field(
        None, validation_alias=AliasChoices("deposit_charge_config", "charge_config")
    )
    skip_remainder: Flag = False
    deposit_payment_method: PaymentMethodName | None = None  # the spec's; the deposit charge is for it

    def to_service(self) -> NewP2P:
        if not self.currency:
            raise code_error("currency", "is required", "currency_missing")
        price, charge, charge_seller = self.deposit()
        if price < 0:
            raise code_error("price", "cannot be negative", "negative_price")
        check_charge_config(self.deposit_charge_config, "deposit_charge_config")
        if self.deposit_payment_method is not None:
            check_payment_method(self.deposit_payment_method, "deposit_payment_method")
        return NewP2P(
            role=self.role,
            currency=self.currency.lower(),
            description=self.description,
            deposit_price=price,
            deposit_charge=charge,
            charge_calculator_version=self.charge_calculator_version,
            skip_remainder=self.skip_remainder,
            deposit_charge_seller=charge_seller,
            deposit_payment_method=self.deposit_payment_method or "card",
        )


class PayRequest(WireBody):
    wire_examples: ClassVar[list[dict[str, Any]]] = [{"stripe_token": "tok_visa"}]

    stripe_token: CardToken | None = None


class TrackRequest(WireBody):
    wire_examples: ClassVar[list[dict[str, Any]]] = [{"carrier": "ups", "tracking_code": "1Z999AA10123456784"}]

    carrier: Carrier | None = None
    tracking_code: TrackingCode | None = None


class ComplaintRequest(WireBody):
    """The document's `complaint_description`, or the spec's `description` (online and face to face)."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [{"complaint_description": "The frame is bent."}]

    complaint_description: Complaint | None = None
    description: Complaint | None = None

    def text(self) -> str | None:
        return self.complaint_description or self.description


class CancelRequest(WireBody):
    wire_examples: ClassVar[list[dict[str, Any]]] = [{"description": "Sold elsewhere"}]

    description: CancelReason | None = None


class P2PPayRequest(WireBody):
    """The document's `stripe_charge_token` (or `stripe_token`, as online)."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [{"stripe_charge_token": "tok_visa"}]

    stripe_charge_token: CardToken | None = None
    stripe_token: CardToken | None = None

    def token(self) -> str | None:
        return self.stripe_charge_token or self.stripe_token


class SetPrice(WireBody):
    """set_price (p2p) and set_pricing (listings): a /charge quote for the full price."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {"currency": "usd", "price": 5000, "charge": 250, "charge_calculator_version": 1}
    ]

    currency: Currency | None = None
    price: Price
    charge: ChargeAmount
    charge_calculator_version: CalcVersion

    def lowered_currency(self) -> str | None:
        return self.currency.lower() if self.currency else None


class CreateListing(WireBody):
    """POST /me/single_use_listings: the document sends no body; one may carry the description
    and the pricing (a /charge quote)."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {},
        {"description": "Guitar", "currency": "usd", "price": 2000, "charge": 100, "charge_calculator_version": 1},
    ]

    description: Description = ""
    currency: Currency | None = None
    price: Price | None = None
    charge: ChargeAmount | None = None
    charge_calculator_version: CalcVersion | None = None

    def pricing(self) -> ListingPrice | None:
        if self.price is None:
            return None
        if self.charge is None:
            raise code_error("charge", "is required", "incorrect_charge")
        if self.charge_calculator_version is None:
            raise code_error("charge_calculator_version", "is required", "invalid_calc_version")
        if not self.currency:
            raise code_error("currency", "is required", "currency_missing")
        return ListingPrice(self.currency.lower(), self.price, self.charge, self.charge_calculator_version)


class CreateP2PListing(P2PDeposit):
    """POST /p2p/me/single_use_listings: no body in the document; one may carry the description
    and the deposit pricing (a /p2p/charge quote)."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {},
        {"currency": "usd", "description": "Sofa", "depositPricing": {"price": 1000, "charge": 50}},
    ]

    description: Description = ""
    currency: Currency | None = None

    def pricing(self) -> ListingPrice | None:
        if not self.has_deposit():
            return None
        if not self.currency:
            raise code_error("currency", "is required", "currency_missing")
        price, charge, _ = self.deposit()
        if price < 0:
            raise code_error("price", "cannot be negative", "negative_price")
        return ListingPrice(self.currency.lower(), price, charge, self.charge_calculator_version)


class ListingDescription(WireBody):
    wire_examples: ClassVar[list[dict[str, Any]]] = [{"listing_description": "Guitar"}]

    listing_description: Description


class BankDetails(WireRequest):
    """The document's BankDetails; formats are checked by the payout rules (payouts.py)."""

    account_number: Annotated[str, TrustapText(64), Doc(examples=["000123456789"])]
    country_code: Annotated[str, TrustapText(8), Doc("ISO 3166-1 alpha-2", examples=["US"])]
    currency: Annotated[str, TrustapText(8), Doc("ISO 4217", examples=["usd"])]
    routing_number: Annotated[str, TrustapText(64), Doc("9 digits (ABA) for US accounts")] | None = None


class CreditAccountRequest(WireBody):
    """POST /me/credit_account. Only `type: bank` is offered (docs/escrow.md "Not built")."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "type": "bank",
            "bank_details": {
                "account_number": "000123456789",
                "country_code": "US",
                "currency": "usd",
                "routing_number": "110000000",
            },
        }
    ]

    type: Annotated[str, TrustapText(20), Doc("Only bank is offered.", enum=["bank", "card"])]
    bank_details: BankDetails | None = None
    card_details: Annotated[str, TrustapText(500)] | None = None

    def bank(self) -> BankDetailsValues | None:
        d = self.bank_details
        if d is None:
            return None
        return BankDetailsValues(d.account_number, d.country_code, d.currency, d.routing_number)


NameText = Annotated[str, TrustapText(100, numbers="plain")]
AddressText = Annotated[str, TrustapText(200, numbers="plain")]


class NameUpdate(WireRequest):
    first: NameText | None = None
    last: NameText | None = None


class AddressUpdate(WireRequest):
    city: AddressText | None = None
    line1: AddressText | None = None
    line2: AddressText | None = None
    state: AddressText | None = None
    postal_code: AddressText | None = None
    country_code: AddressText | None = None


class DobUpdate(WireRequest):
    day: Annotated[int, TrustapInteger(1, 31, strip_chars=ASCII_SPACE)]
    month: Annotated[int, TrustapInteger(1, 12, strip_chars=ASCII_SPACE)]
    year: Annotated[int, TrustapInteger(1, 9999, strip_chars=ASCII_SPACE)]


class PersonalInfoUpdate(WireBody):
    """PUT /me/personal: the parts sent are changed, the rest kept."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "name": {"first": "Sam", "last": "Seller"},
            "address": {"city": "Dublin", "line1": "1 Main St", "country_code": "IE"},
            "dob": {"day": 1, "month": 2, "year": 1990},
        }
    ]

    name: NameUpdate | None = None
    address: AddressUpdate | None = None
    dob: DobUpdate | None = None


class TosAcceptanceRequest(WireBody):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {"unix_timestamp": 1700000000, "ip": "203.0.113.9", "user_agent": "Mozilla/5.0"}
    ]

    unix_timestamp: Annotated[int, TrustapInteger(0, INT64_MAX, strip_chars=ASCII_SPACE), Doc("Unix time, seconds")]
    ip: Annotated[str, TrustapText(100, min_length=1)]
    user_agent: Annotated[str, TrustapText(1000, numbers="plain")] = ""


class ActiveCountry(WireBody):
    wire_examples: ClassVar[list[dict[str, Any]]] = [{"country_code": "IE"}]

    country_code: Annotated[str, TrustapText(10), Doc("ISO 3166-1 alpha-2", examples=["IE"])]


# ---------------------------------------------------------------- responses


def _omitted_not_null(schema: dict[str, Any], cls: type[Any]) -> None:
    """A response key that is sometimes absent is documented as not required, never as null:
    `wire()` leaves it out rather than printing null."""
    for prop in schema.get("properties", {}).values():
        options = prop.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            kept = next(option for option in options if option != {"type": "null"})
            del prop["anyOf"]
            prop.update(kept)
        if prop.get("default", 0) is None:
            del prop["default"]
    schema.pop("additionalProperties", None)  # checked on our side; clients may meet new keys later
    _examples(schema, cls)


class WireResponse(WireModel):
    """A response body, validated from the service's view; keys it lacks stay absent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_omitted_not_null)
    wire_examples: ClassVar[list[dict[str, Any]]] = []

    @classmethod
    def of(cls, view: dict[str, Any]) -> dict[str, Any]:
        """The body for `view`: checked against this model, printed in its order, absent keys absent."""
        return cls.model_validate(view).wire(exclude_none=True)


Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
I64 = Annotated[int, Field(json_schema_extra={"format": "int64"})]
MaybeI64 = Annotated[int | None, Field(json_schema_extra={"format": "int64"})]
MaybeTimestamp = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]


class Error(WireResponse):
    """Every error: the spec's `code` (stable, for programs) and a message naming the field."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [{"code": "negative_price", "error": "price cannot be negative"}]

    code: str = Field(description="What went wrong; see each operation's list of codes.")
    error: str = Field(
        description="A contextual description of the error that occurred. When handling errors the "
        "`code` field should be used to determine the type of error that occurred, as the text in the "
        "`error` field may change unexpectedly."
    )


class Charge(WireResponse):
    """The Trustap fee for an online transaction (the spec's basic.Charge)."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "currency": "usd",
            "price": 1234,
            "charge": 62,
            "charge_seller": 0,
            "charge_buyer_client": 0,
            "charge_seller_client": 0,
            "charge_postage_buyer": 0,
            "charge_postage_client": 0,
            "charge_calculator_version": 1,
            "charge_config": 1,
            "payment_method": "card",
        }
    ]

    currency: str
    price: I64
    charge: I64 = Field(description="The Trustap fee the buyer pays, in the currency's smallest unit.")
    charge_seller: I64 = Field(description="The Trustap fee the seller pays, in the currency's smallest unit.")
    charge_buyer_client: I64
    charge_seller_client: I64
    charge_postage_buyer: I64
    charge_postage_client: I64
    charge_calculator_version: I64 = Field(
        description="The version of the Trustap charge calculator used; send it back when creating."
    )
    charge_config: I64
    payment_method: str


class P2PCharge(WireResponse):
    """The Trustap fee for a face-to-face price (the spec's p2p.Charge)."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "currency": "usd",
            "price": 1000,
            "charge": 50,
            "charge_seller": 0,
            "charge_buyer_client": 0,
            "charge_seller_client": 0,
            "charge_calculator_version": 1,
            "charge_config": 1,
            "payment_method": "card",
        }
    ]

    currency: str
    price: I64
    charge: I64
    charge_seller: I64
    charge_buyer_client: I64
    charge_seller_client: I64
    charge_calculator_version: I64
    charge_config: I64
    payment_method: str


class Tracking(WireResponse):
    carrier: str
    tracking_code: str


class BasicTransaction(WireResponse):
    """An online transaction: the document's BasicTransaction (`descr`) with the spec's fields
    (`description`, `status`, ...). Timestamps appear once their step has happened."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "id": 1309,
            "status": "joined",
            "currency": "usd",
            "price": 1234,
            "charge": 62,
            "charge_seller": 0,
            "charge_buyer_client": 0,
            "charge_seller_client": 0,
            "charge_calculator_version": 1,
            "descr": "Soccer ticket",
            "description": "Soccer ticket",
            "quantity": 1,
            "created": "2019-12-25T09:00:00Z",
            "is_payment_in_progress": False,
            "client_id": "tpc_example",
            "join_code": "54c5bb89-a5ea-4be7-ad7a-e740c2eebab4",
            "buyer_id": 12,
            "seller_id": 11,
            "joined": "2019-12-25T10:00:00Z",
        }
    ]

    id: I64
    status: str = Field(
        description="created, joined, rejected, cancelled, paid, tracked, delivered, complained, "
        "funds_released or funds_refunded."
    )
    currency: str
    price: I64
    charge: I64
    charge_seller: I64
    charge_buyer_client: I64
    charge_seller_client: I64
    charge_calculator_version: I64
    descr: str = Field(description="The description (the document's name for it).")
    description: str
    quantity: I64
    created: Timestamp
    is_payment_in_progress: bool
    client_id: str
    join_code: str
    buyer_id: MaybeI64 = None
    seller_id: MaybeI64 = None
    joined: MaybeTimestamp = None
    rejected: MaybeTimestamp = None
    cancelled: MaybeTimestamp = None
    paid: MaybeTimestamp = None
    tracked: MaybeTimestamp = None
    tracking_details_deadline: MaybeTimestamp = None
    delivered: MaybeTimestamp = None
    complaint_period_deadline: MaybeTimestamp = None
    complaint_period_ended: MaybeTimestamp = None
    complained: MaybeTimestamp = None
    funds_released: MaybeTimestamp = None
    payment_refunded: MaybeTimestamp = None
    complaint: str | None = None
    tracking: Tracking | None = None
    released_to_seller: bool | None = None
    amount_released: MaybeI64 = None
    amount_refunded: MaybeI64 = None


class Pricing(WireResponse):
    """A face-to-face price or deposit and its fees (the spec's p2p.Pricing)."""

    price: I64
    charge: I64
    charge_seller: I64
    charge_buyer_client: I64
    charge_seller_client: I64


class Cancellation(WireResponse):
    reason: str


class P2PTransaction(WireResponse):
    """A face-to-face transaction: the document's P2PTransaction (`funds_release`) with the spec's
    fields (`funds_released`, `status`, ...). Timestamps appear once their step has happened."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "id": 1309,
            "status": "deposit_accepted",
            "currency": "usd",
            "deposit_pricing": {
                "price": 1000,
                "charge": 50,
                "charge_seller": 0,
                "charge_buyer_client": 0,
                "charge_seller_client": 0,
            },
            "description": "Bicycle",
            "skip_remainder": False,
            "quantity": 1,
            "created": "2019-12-25T09:00:00Z",
            "is_deposit_payment_in_progress": False,
            "is_remainder_payment_in_progress": False,
            "client_id": "tpc_example",
            "join_code": "54c5bb89-a5ea-4be7-ad7a-e740c2eebab4",
            "buyer_id": 12,
            "seller_id": 11,
            "joined": "2019-12-25T10:00:00Z",
            "deposit_paid": "2019-12-25T11:00:00Z",
            "deposit_acceptance_deadline": "2019-12-28T11:00:00Z",
            "deposit_accepted": "2019-12-25T12:00:00Z",
        }
    ]

    id: I64
    status: str = Field(
        description="created, joined, rejected, cancelled, deposit_paid, deposit_accepted, priced, "
        "remainder_paid, handover_confirmed, complained, funds_released or funds_refunded."
    )
    currency: str
    deposit_pricing: Pricing
    description: str
    skip_remainder: bool
    quantity: I64
    created: Timestamp
    is_deposit_payment_in_progress: bool
    is_remainder_payment_in_progress: bool
    client_id: str
    join_code: str
    buyer_id: MaybeI64 = None
    seller_id: MaybeI64 = None
    listing_id: str | None = None
    listing_type: str | None = None
    pricing: Pricing | None = None
    joined: MaybeTimestamp = None
    rejected: MaybeTimestamp = None
    cancelled: MaybeTimestamp = None
    deposit_paid: MaybeTimestamp = None
    deposit_acceptance_deadline: MaybeTimestamp = None
    deposit_accepted: MaybeTimestamp = None
    priced: MaybeTimestamp = None
    remainder_skipped: MaybeTimestamp = None
    remainder_paid: MaybeTimestamp = None
    buyer_handover_confirmed: MaybeTimestamp = None
    seller_handover_confirmed: MaybeTimestamp = None
    complaint_period_deadline: MaybeTimestamp = None
    complained: MaybeTimestamp = None
    funds_released: MaybeTimestamp = None
    deposit_refunded: MaybeTimestamp = None
    refunded: MaybeTimestamp = None
    funds_release: MaybeTimestamp = Field(None, description="The document's name for funds_released.")
    released_to_seller: bool | None = None
    cancellation: Cancellation | None = None
    complaint: str | None = None
    amount_refunded: MaybeI64 = None


class User(WireResponse):
    """buyer_details / seller_details: the document's User."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [{"email": "buyer@example.com", "name": "Bea Buyer"}]

    email: str
    name: str


class Notification(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "id": 41,
            "created": "2019-12-25T10:00:00Z",
            "user_id": "11",
            "description": "The other party joined your transaction.",
            "target": "basic/1309",
        }
    ]

    id: I64
    created: Timestamp
    user_id: str
    description: str
    target: str = Field(description="What it is about: basic/ID, p2p/ID or payout/ID.")
    read: MaybeTimestamp = None


class Name(WireResponse):
    first: str
    last: str


class Address(WireResponse):
    city: str | None = None
    line1: str | None = None
    line2: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


class Dob(WireResponse):
    day: I64
    month: I64
    year: I64


class TosAcceptance(WireResponse):
    unix_timestamp: I64
    ip: str
    user_agent: str


class PersonalInfo(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "name": {"first": "Sam", "last": "Seller"},
            "address": {"city": "Dublin", "line1": "1 Main St", "country_code": "IE"},
            "dob": {"day": 1, "month": 2, "year": 1990},
        }
    ]

    name: Name
    address: Address | None = None
    dob: Dob | None = None
    tos_acceptance: TosAcceptance | None = None


class ListingPricing(WireResponse):
    price: I64
    charge: I64


class BasicListing(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "id": 7,
            "creator_id": "11",
            "description": "Guitar",
            "created": "2019-12-25T09:00:00Z",
            "currency": "usd",
            "pricing": {"price": 2000, "charge": 100},
        }
    ]

    id: I64
    creator_id: str
    description: str
    created: Timestamp
    currency: str | None = None
    pricing: ListingPricing | None = None
    transaction_id: MaybeI64 = None


class P2PListing(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "id": 8,
            "creator_id": "11",
            "description": "Sofa",
            "created": "2019-12-25T09:00:00Z",
            "currency": "usd",
            "deposit_pricing": {"price": 1000, "charge": 50},
        }
    ]

    id: I64
    creator_id: str
    description: str
    created: Timestamp
    currency: str | None = None
    deposit_pricing: ListingPricing | None = None
    transaction_id: MaybeI64 = None


class Deleted(WireResponse):
    """DELETE answers an empty object."""


class BankAccount(WireResponse):
    country: str
    currency_alpha_2: str
    last4: str
    routing: str


class CreditAccount(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {"bank_account": {"country": "US", "currency_alpha_2": "usd", "last4": "6789", "routing": "110000000"}}
    ]

    bank_account: BankAccount


class OAuthError(WireModel):
    """OAuth2's own error body (RFC 6749 section 5.2), as the /oauth2 endpoints answer it."""

    error: str = Field(description="invalid_request, invalid_client, invalid_grant, unsupported_grant_type, ...")
    error_description: str | None = None
    state: str | None = None


class OAuthToken(WireModel):
    """A token response (RFC 6749 section 5.1)."""

    model_config = ConfigDict(json_schema_extra=_examples)
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "access_token": "tpa_example",
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": "tpr_example",
            "scope": "openid",
        }
    ]

    access_token: str
    token_type: str
    expires_in: I64
    refresh_token: str | None = None
    scope: str | None = None


# ---------------------------------------------------------------- payment methods (the spec's)


class SetPaymentMethod(WireBody):
    """POST /transactions/{id}/set_payment_method: a GET /transactions/{id}/charge quote for the
    transaction's price with this payment method."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {"payment_method": "card", "currency": "usd", "price": 1234, "charge": 62, "charge_seller": 0}
    ]

    payment_method: PaymentMethodName = "card"
    charge_config: ChargeConfig | None = None
    currency: Currency
    price: Price
    charge: ChargeAmount
    charge_seller: SellerCharge | None = None

    def to_service(self) -> PaymentMethodChoice:
        return PaymentMethodChoice(
            payment_method=self.payment_method,
            charge_config=self.charge_config,
            currency=self.currency,
            price=self.price,
            charge=self.charge,
            charge_seller=self.charge_seller,
        )


class SetDepositPaymentMethod(WireBody):
    """POST /p2p/transactions/{id}/set_deposit_payment_method (the spec's p2p.DepositPaymentMethod):
    a GET /p2p/charge quote for the deposit's price with this payment method."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "payment_method": "card",
            "currency": "usd",
            "deposit_price": 1000,
            "deposit_charge": 50,
            "deposit_charge_seller": 0,
        }
    ]

    payment_method: PaymentMethodName = "card"
    charge_config: ChargeConfig | None = None
    currency: Currency
    deposit_price: Price
    deposit_charge: ChargeAmount
    deposit_charge_seller: SellerCharge | None = None

    def to_service(self) -> DepositPaymentMethod:
        return DepositPaymentMethod(
            payment_method=self.payment_method,
            charge_config=self.charge_config,
            currency=self.currency,
            deposit_price=self.deposit_price,
            deposit_charge=self.deposit_charge,
            deposit_charge_seller=self.deposit_charge_seller,
        )
