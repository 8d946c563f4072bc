"""Peerwallet wire models: the POST values each endpoint takes and the bodies it answers.

The document's clients send POST values either form-encoded or as a JSON object; one model per
endpoint is parsed from either (see deps.post_values). The field types below accept exactly the
forms those clients send and refuse the rest, naming the field:

- quantity: ASCII digits ("5", "05", " 5 ", and "5.0" as docs/vouchers.md promises) or a JSON
  integer (or 5.0); never Unicode digits ("٣", "³"), signs, exponents, booleans, or numbers past
  what the rule allows (checked on the text's length before any int() is made);
- amount: the document's plain decimal form ("20", "25.50") or a JSON number without an exponent;
  never 1e3, 1e400, NaN, Infinity, "1_000" or "+20";
- text (currency, order_id, codes): no NUL or other control characters, bounded length;
- a field sent as JSON null, or blank in a form, is missing ("is required").

Responses are declared in the order and with the types the document's sample and docs/vouchers.md
show, so `WireJSON(model)` prints today's bytes (amounts as JSON numbers with their exact digits:
2000, 25.50).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema

from peerx.products.vouchers.service import (
    CODE_DIGITS,
    CURRENCY,
    MAX_AMOUNT,
    MAX_QUANTITY,
    MIN_AMOUNT,
    MIN_QUANTITY,
    IssueRequest,
)
from peerx.wire import (
    Doc,
    ExponentDecimal,
    Required,
    Rule,
    Text,
    WireDecimal,
    WireModel,
    decimal_places,
    forbidden_character,
    wire_error,
)

MAX_CODES = 100  # voucher_codes in one void: at most one order's worth
MAX_NUMBER_TEXT = 40  # a quantity or amount written longer than this is no number we take
MAX_CODES_TEXT = MAX_CODES * 30  # a comma-separated list of 100 codes, typed with dashes and spaces
QUANTITY_RULE = f"must be a whole number from {MIN_QUANTITY} to {MAX_QUANTITY}"
AMOUNT_RANGE = f"must be from {MIN_AMOUNT} to {MAX_AMOUNT} {CURRENCY}"
CURRENCY_RULE = f"must be {CURRENCY}, the only voucher currency for now"
CODE_RULE = f"must be a {CODE_DIGITS}-digit voucher code"
NO_EXPONENT = "must be a plain decimal number, without an exponent"
CODE_PATTERN = "[0-9]{4}(?:[ -]?[0-9]{4}){4}"  # as documented; any spaces and dashes are ignored

_WHOLE = re.compile(r"([0-9]+)(?:\.0+)?")  # "5", "05", "5.0": [0-9] is ASCII only (\d is not)
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+")


# ---------------------------------------------------------------- request field types


@dataclass(frozen=True)
class VoucherQuantity(Rule):
    """Peerwallet's quantity: also "5.0" as text (docs/vouchers.md promises it), and every
    refusal worded as the one rule (QUANTITY_RULE)."""

    def parse(self, value: Any) -> int:
        if isinstance(value, bool | ExponentDecimal):
            raise wire_error(QUANTITY_RULE)
        if isinstance(value, int | Decimal):
            number = Decimal(value)
            if number != number.to_integral_value() or not MIN_QUANTITY <= number <= MAX_QUANTITY:
                raise wire_error(QUANTITY_RULE)
            return int(number)
        if not isinstance(value, str):
            raise wire_error(QUANTITY_RULE)
        written = value.strip()
        match = _WHOLE.fullmatch(written) if len(written) <= MAX_NUMBER_TEXT else None
        # Lengths are checked before int(): a 60 KB run of digits never becomes a number.
        digits = match.group(1).lstrip("0") if match else ""
        if (
            match is None
            or len(digits) > len(str(MAX_QUANTITY))
            or not MIN_QUANTITY <= int(digits or 0) <= MAX_QUANTITY
        ):
            raise wire_error(QUANTITY_RULE)
        return int(digits)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": MIN_QUANTITY, "maximum": MAX_QUANTITY}


@dataclass(frozen=True)
class VoucherAmount(Rule):
    """Peerwallet's amount: an exponent written as text ("1e3") is named as one, the range is
    worded in USD (AMOUNT_RANGE), and digits are not capped before the range refuses them."""

    def parse(self, value: Any) -> Decimal:
        if isinstance(value, ExponentDecimal):
            raise wire_error(NO_EXPONENT)
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise wire_error("must be a number")
        if isinstance(value, str):
            written = value.strip()
            if len(written) <= MAX_NUMBER_TEXT and _EXPONENT.fullmatch(written):
                raise wire_error(NO_EXPONENT)
            if not _PLAIN_DECIMAL.fullmatch(written):
                raise wire_error("must be a number")  # NaN, Infinity, 1_000, +20, 20., twenty
            number = Decimal(written)
        else:
            number = Decimal(value)
        if not MIN_AMOUNT <= number <= MAX_AMOUNT:
            raise wire_error(AMOUNT_RANGE)
        if decimal_places(number) > 2:
            raise wire_error("must have at most 2 decimal places")
        return number

    def json_schema(self) -> dict[str, Any]:
        # The document's bounds as JSON numbers (schema only; parse() keeps amounts as Decimal).
        return {"type": "number", "minimum": float(MIN_AMOUNT), "maximum": float(MAX_AMOUNT), "multipleOf": 0.01}


def _usd(value: str) -> str:
    if value.upper() != CURRENCY:
        raise wire_error(CURRENCY_RULE)
    return CURRENCY


def normalize_code(value: str) -> str:
    """Codes may be typed with spaces or dashes; what is left must be exactly 20 ASCII digits."""
    code = value.replace(" ", "").replace("-", "")
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise wire_error(CODE_RULE)
    return code


@dataclass(frozen=True)
class VoucherCodeList(Rule):
    """voucher_codes: one comma-separated string, as voucher-issue returns them, or a list (a JSON
    list, or the field repeated in a form). Empty means none named."""

    def parse(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            if forbidden_character(value):
                raise wire_error("must not contain control characters")
            if len(value) > MAX_CODES_TEXT:
                raise wire_error(f"must be at most {MAX_CODES_TEXT} characters")
            parts = value.split(",")
        elif isinstance(value, list):
            if len(value) > MAX_CODES:
                raise wire_error(f"must name at most {MAX_CODES} codes")
            if not all(isinstance(item, str) for item in value):
                raise wire_error("must be a comma-separated string of codes")
            if any(forbidden_character(item) for item in value):
                raise wire_error("must not contain control characters")
            parts = value
        else:
            raise wire_error("must be a string")
        codes = [part.strip() for part in parts if part.strip()]
        if len(codes) > MAX_CODES:
            raise wire_error(f"must name at most {MAX_CODES} codes")
        return [normalize_code(code) for code in codes] or None

    def json_schema(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {
                    "type": "string",
                    "maxLength": MAX_CODES_TEXT,
                    "pattern": f"^ *(?:{CODE_PATTERN})?(?: *, *(?:{CODE_PATTERN})?)* *$",
                },
                {
                    "type": "array",
                    "items": {"type": "string", "pattern": f"^{CODE_PATTERN}$"},
                    "maxItems": MAX_CODES,
                },
            ]
        }


# Form fields come blank when emptied, JSON fields null: both are a missing field ("is required").
Quantity = Annotated[
    int,
    VoucherQuantity(),
    Required(blank=True),
    Doc("The total number of vouchers you want to buy. Minimum is 1 while maximum is 100 per call."),
]
Amount = Annotated[
    Decimal,
    VoucherAmount(),
    Required(blank=True),
    Doc(
        "The amount stored in each voucher, in USD, at most 2 decimal places (cents). "
        "Minimum is 1 while maximum is 5000. Plain decimal form only: no exponent."
    ),
]
Currency = Annotated[
    str,
    Text(10, min_length=1, numbers="any"),
    AfterValidator(_usd),
    Required(),
    Doc("The default and only voucher currency for now is USD (case-insensitive).", enum=[CURRENCY]),
]
OrderId = Annotated[
    str,
    Text(10, min_length=1, numbers="any"),
    Required(),
    Doc(
        "The order_id voucher-issue returned (10 characters, A-Z and 0-9; case-insensitive).",
        examples=["K3Q0D8ZC1M"],
    ),
]
VoucherCode = Annotated[
    str,
    Text(60, min_length=1, numbers="any"),
    AfterValidator(normalize_code),
    Required(),
    Doc(
        "A 20-digit voucher code, as voucher-issue returned it (spaces or dashes between groups of four are accepted).",
        minLength=CODE_DIGITS,
        pattern=f"^{CODE_PATTERN}$",
        examples=["48213907561238470915"],
    ),
]
ReceiptToken = Annotated[
    str,
    Text(200, min_length=1),
    Required(),
    Doc(
        "The token of an order's receipt_url: its order_id and a signature.",
        pattern="^[A-Z0-9]{10}[A-Za-z0-9_-]{43}$",
    ),
]
VoucherCodes = Annotated[
    list[str] | None,
    VoucherCodeList(),
    Doc(
        "Codes of the order to void, comma-separated as voucher-issue returned them (or a list). Omit to void "
        "every voucher of the order still active.",
        examples=["48213907561238470915, 90372615840029384711"],
    ),
]


# ---------------------------------------------------------------- requests


class VoucherIssueRequest(WireModel):
    """POST values of /voucher-issue, as the document lists them."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [{"quantity": 5, "amount": 20, "currency": "USD"}]

    quantity: Quantity
    amount: Amount
    currency: Currency

    def to_service(self) -> IssueRequest:
        return IssueRequest(quantity=self.quantity, amount=self.amount, currency=self.currency)


class VoucherOrderRequest(WireModel):
    wire_examples: ClassVar[list[dict[str, Any]]] = [{"order_id": "K3Q0D8ZC1M"}]

    order_id: OrderId


class VoucherCodeRequest(WireModel):
    wire_examples: ClassVar[list[dict[str, Any]]] = [{"voucher_code": "48213907561238470915"}]

    voucher_code: VoucherCode


class VoucherVoidRequest(WireModel):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {"order_id": "K3Q0D8ZC1M", "voucher_codes": "48213907561238470915, 90372615840029384711"},
        {"order_id": "K3Q0D8ZC1M"},
    ]

    order_id: OrderId
    voucher_codes: VoucherCodes = None


# ---------------------------------------------------------------- responses


class WireResponse(WireModel):
    """A response body: every field is always present (defaults included), unless a model says
    otherwise in its schema; `wire_examples` are shown in the OpenAPI document as written."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
    wire_examples: ClassVar[list[dict[str, Any]]] = []


Status = Literal["active", "redeemed", "expired", "void"]
UnixSeconds = Annotated[int, Field(description="Unix time, seconds")]
MaybeUnixSeconds = Annotated[int | None, Field(description="Unix time, seconds; null until it happens")]


class VoucherView(WireResponse):
    """One voucher, its code masked (Peerwallet keeps only a one-way hash of each code)."""

    voucher_code: str = Field(examples=["****************0915"])
    amount: WireDecimal
    currency: str
    voucher_status: Status
    exp_date: UnixSeconds
    date_created: UnixSeconds
    date_redeemed: MaybeUnixSeconds
    date_voided: MaybeUnixSeconds
    date_expired: MaybeUnixSeconds


class VoucherStatusCounts(WireResponse):
    active: int
    redeemed: int
    expired: int
    void: int


class VoucherIssueResponse(WireResponse):
    """The document's success sample: same fields, same order, same types."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "status": 200,
            "purchase_status": "success",
            "order_id": "AQ09O09OLK",
            "currency": "USD",
            "quantity": 5,
            "amount": 2000,
            "total_charged": 50,
            "voucher_codes": "00000000000000000000, 00000000000000000000, 00000000000000000000, "
            "00000000000000000000, 00000000000000000000",
            "exp_date": 1749504154,
            "date_created": 1717968154,
            "receipt_url": "https://peerwallet.com/map/receipt?token=UIGIYOG97t6d9ygoihg87ghfeidygfudivyvgeuivyievguiy",
            "note": "Voucher purchase was successful",
        }
    ]

    status: Literal[200] = 200
    purchase_status: Literal["success"] = "success"
    order_id: str
    currency: str
    quantity: int
    amount: WireDecimal
    total_charged: WireDecimal
    voucher_codes: str = Field(
        description="The codes, comma and space separated, shown only here (a replay of an Idempotency-Key "
        "shows them masked)."
    )
    exp_date: UnixSeconds
    date_created: UnixSeconds
    receipt_url: str
    note: str


class VoucherOrderResponse(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "status": 200,
            "order_id": "K3Q0D8ZC1M",
            "currency": "USD",
            "quantity": 1,
            "amount": 20,
            "total_charged": 20,
            "fee": 0,
            "exp_date": 1795235054,
            "date_created": 1763699054,
            "receipt_url": "http://127.0.0.1:8000/peerwallet/receipt?token=K3Q0D8ZC1M...",
            "voucher_status_counts": {"active": 0, "redeemed": 1, "expired": 0, "void": 0},
            "vouchers": [
                {
                    "voucher_code": "****************0915",
                    "amount": 20,
                    "currency": "USD",
                    "voucher_status": "redeemed",
                    "exp_date": 1795235054,
                    "date_created": 1763699054,
                    "date_redeemed": 1763702001,
                    "date_voided": None,
                    "date_expired": None,
                }
            ],
            "note": "Voucher codes are masked: Peerwallet keeps only a one-way hash of each code",
        }
    ]

    status: Literal[200] = 200
    order_id: str
    currency: str
    quantity: int
    amount: WireDecimal
    total_charged: WireDecimal
    fee: WireDecimal
    exp_date: UnixSeconds
    date_created: UnixSeconds
    receipt_url: str
    voucher_status_counts: VoucherStatusCounts
    vouchers: list[VoucherView]
    note: str


def _order_id_may_be_absent(schema: dict[str, Any]) -> None:
    schema["required"] = [name for name in schema.get("required", []) if name != "order_id"]


class VoucherStatusResponse(WireResponse):
    model_config = ConfigDict(json_schema_extra=_order_id_may_be_absent)
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "status": 200,
            "voucher_code": "****************0915",
            "amount": 20,
            "currency": "USD",
            "voucher_status": "active",
            "exp_date": 1795235054,
            "date_created": 1763699054,
            "date_redeemed": None,
            "date_voided": None,
            "date_expired": None,
            "order_id": "K3Q0D8ZC1M",
            "note": "Voucher is active",
        }
    ]

    status: Literal[200] = 200
    voucher_code: str
    amount: WireDecimal
    currency: str
    voucher_status: Status
    exp_date: UnixSeconds
    date_created: UnixSeconds
    date_redeemed: MaybeUnixSeconds
    date_voided: MaybeUnixSeconds
    date_expired: MaybeUnixSeconds
    # Absent (not null) unless the caller is the vendor that issued the voucher.
    order_id: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "description": "Present only for the vendor that issued the voucher."}),
    ] = None
    note: str

    def wire(self, *, exclude_none: bool = False) -> dict[str, Any]:
        """order_id is left out (not null) when the caller is not the issuing vendor."""
        return self.model_dump(mode="python", by_alias=True, exclude=None if self.order_id else {"order_id"})


class VoucherRedeemResponse(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "status": 200,
            "redeem_status": "success",
            "voucher_code": "****************0915",
            "currency": "USD",
            "amount": 20,
            "date_redeemed": 1763702001,
            "balance": 20.00,
            "note": "Voucher redeemed: 20 USD was credited to your balance",
        }
    ]

    status: Literal[200] = 200
    redeem_status: Literal["success"] = "success"
    voucher_code: str
    currency: str
    amount: WireDecimal
    date_redeemed: UnixSeconds
    balance: WireDecimal = Field(description="The caller's available USD balance afterwards.")
    note: str


class VoucherVoidResponse(WireResponse):
    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {
            "status": 200,
            "void_status": "success",
            "order_id": "K3Q0D8ZC1M",
            "currency": "USD",
            "quantity": 1,
            "amount_refunded": 20,
            "vouchers": [
                {
                    "voucher_code": "****************0915",
                    "amount": 20,
                    "currency": "USD",
                    "voucher_status": "void",
                    "exp_date": 1795235054,
                    "date_created": 1763699054,
                    "date_redeemed": None,
                    "date_voided": 1763702001,
                    "date_expired": None,
                }
            ],
            "note": "1 voucher(s) voided: 20 USD returned to your balance",
        }
    ]

    status: Literal[200] = 200
    void_status: Literal["success"] = "success"
    order_id: str
    currency: str
    quantity: int
    amount_refunded: WireDecimal
    vouchers: list[VoucherView]
    note: str


class ErrorResponse(WireResponse):
    """Every error: the HTTP status repeated in the body, and a message naming the field or header."""

    wire_examples: ClassVar[list[dict[str, Any]]] = [
        {"status": 400, "message": "quantity must be a whole number from 1 to 100."}
    ]

    status: int = Field(ge=400, le=599)
    message: str
