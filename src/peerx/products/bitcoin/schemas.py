"""Peach v1 wire models: every request the surface reads and every answer it gives, named and
shaped as the document shows them. This module holds the strict types, the bases, the error
envelope and the system and market models; identity/schemas.py the accounts, offers/schemas.py
the offers, search and escrow, contracts/schemas.py matches, contracts, payment, disputes, chat
and ratings.

Requests are parsed strictly, before any rule runs (docs/bitcoin.md, "The wire contract"):
sats are JSON integers only (never strings, booleans, decimals or exponents); premiums, prices
and reputations are decimals in plain form with the service's bounds; ids are ASCII digits within
64 bits; public keys, txids, transactions and PSBTs have their exact shapes; text is bounded and free
of control characters (PGP blocks may span lines); nothing is stripped from what is signed or
stored as sent. Fields are read by their wire (camelCase) names only.

Answers are dumped by alias in declaration order, the order the views always printed, so the
bytes are what clients got before the models existed. A field declared with `omitted()` is left
out when it has no value (the document's optional keys, e.g. a sell offer's `escrow`); every
other field is always present, null included."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel
from pydantic.alias_generators import to_camel

from peerx.wire import (
    ASCII_DECIMAL,
    INT64_MAX,
    Amount,
    Choice,
    ExponentDecimal,
    Integer,
    Rule,
    Text,
    WireDecimal,
    WireModel,
    decimal_places,
    forbidden_character,
    wire_error,
)

MAX_SATS = 21_000_000 * 100_000_000  # every bitcoin there will ever be
ARMOR_MAX = 20_000  # an armored PGP key, message or signature
PSBT_MAX = TX_MAX = 200_000  # characters of base64 / hex: a transaction of a few hundred inputs
FEE_NAMES = ("fastestFee", "halfHourFee", "hourFee", "economyFee")
SORTS = ("bestReputation", "lowestPremium", "highestAmount", "highestPrice")
DISPUTE_REASONS = (
    "noPayment.seller",
    "noPayment.buyer",
    "unresponsive.seller",
    "unresponsive.buyer",
    "abusive",
    "other",
)
MAX_CURRENCIES, MAX_METHODS = 12, 24
MAX_PAGE = 1_000_000
ARMOR_TEXT = re.compile(r"[\t\n\r -~]+")


# ---------------------------------------------------------------- strict types
# The shared markers of peerx.wire, and Peach's own rules as markers of the same kind.

SATS = Integer(0, MAX_SATS, text=False)  # JSON integers only: "1000", 1000.0, 1e3 and true are refused
RANGE_SCHEMA = {"type": "array", "items": SATS.json_schema(), "minItems": 2, "maxItems": 2}


@dataclass(frozen=True)
class SatsRange(Rule):
    """[min, max] in sats; with `single`, one amount is also read (as min = max)."""

    single: bool = False

    def parse(self, value: Any) -> tuple[int, int]:
        if self.single and not isinstance(value, list):
            amount = SATS.parse(value)
            return amount, amount
        if not isinstance(value, list) or len(value) != 2:
            raise wire_error("must be [min, max] in sats")
        return SATS.parse(value[0]), SATS.parse(value[1])

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [SATS.json_schema(), RANGE_SCHEMA]} if self.single else RANGE_SCHEMA


@dataclass(frozen=True)
class Shaped(Rule):
    """Text of one exact ASCII shape (`pattern`, at most `max_length` long), refused as "must be <what>"."""

    pattern: str
    what: str
    max_length: int
    strip: bool = False

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise wire_error("must be a string")
        candidate = value.strip() if self.strip else value
        if len(candidate) > self.max_length or not re.fullmatch(self.pattern, candidate):
            raise wire_error(f"must be {self.what}")
        return candidate

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{self.pattern}$"}


@dataclass(frozen=True)
class Armor(Rule):
    """An ASCII-armored PGP block as sent: printable ASCII, tab and line breaks, 1..max_length
    characters, never stripped (it is signed and stored as sent). Armor is radix-64 text; holding
    it to ASCII also keeps a body of such blocks within the JSON body limit, whatever escapes a
    client writes (two 100,000-character chat blocks are at most 400 KB of JSON)."""

    max_length: int

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise wire_error("must be a string")
        if not value:
            raise wire_error("is required")
        if len(value) > self.max_length:
            raise wire_error(f"must be at most {self.max_length} characters")
        if not ARMOR_TEXT.fullmatch(value):
            refusal = "must not contain control characters" if forbidden_character(value, multiline=True) else None
            raise wire_error(refusal or "must be ASCII-armored PGP (printable ASCII and line breaks)")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": self.max_length, "pattern": "^[\\t\\n\\r -~]+$"}


@dataclass(frozen=True)
class OfferReference(Rule):
    """An offer id in a body: the document sends "116"; apps also send 116."""

    def parse(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise wire_error("must be an offer id")
        if isinstance(value, str) and not re.fullmatch(r"[1-9][0-9]{0,18}", value):
            raise wire_error("must be an offer id")
        number = int(value)
        if not 1 <= number <= INT64_MAX:
            raise wire_error(f"must be an offer id from 1 to {INT64_MAX}")
        return number

    def json_schema(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string", "pattern": "^[1-9][0-9]{0,18}$"},
                {"type": "integer", "minimum": 1, "maximum": INT64_MAX},
            ]
        }


@dataclass(frozen=True)
class ContractIdRule(Rule):
    """`<sell offer id>-<buy offer id>`, each part ASCII digits within 64 bits."""

    def parse(self, value: Any) -> str:
        matched = re.fullmatch(r"([1-9][0-9]{0,18})-([1-9][0-9]{0,18})", value) if isinstance(value, str) else None
        if matched is None or any(int(part) > INT64_MAX for part in matched.groups()):
            raise wire_error("must be a contract id: <sell offer id>-<buy offer id>")
        return matched.group(0)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^[1-9][0-9]{0,18}-[1-9][0-9]{0,18}$", "examples": ["123-456"]}


@dataclass(frozen=True)
class FeeRateRule(Rule):
    """A fee name, or sat/vB: 1..10,000 with at most 3 decimals (stored as text in 20 characters)."""

    def parse(self, value: Any) -> str | Decimal:
        if isinstance(value, str) and value in FEE_NAMES:
            return value
        refusal = "must be a fee rate in sat/vB or one of " + ", ".join(FEE_NAMES)
        if isinstance(value, bool | ExponentDecimal):
            raise wire_error(refusal)
        if isinstance(value, int | Decimal) or (isinstance(value, str) and ASCII_DECIMAL.fullmatch(value)):
            number = Decimal(value)
        else:
            raise wire_error(refusal)
        if not 1 <= number <= 10_000 or decimal_places(number) > 3:
            raise wire_error("must be from 1 to 10000 sat/vB with at most 3 decimals")
        return number

    def json_schema(self) -> dict[str, Any]:
        return {
            "anyOf": [{"type": "number", "minimum": 1, "maximum": 10_000}, {"type": "string", "enum": list(FEE_NAMES)}]
        }


Sats = Annotated[int, SATS]
Index = Annotated[int, Integer(0, INT64_MAX, text=False)]  # a chat message's position in its room
AmountRange = Annotated[tuple[int, int], SatsRange()]
AmountOrRange = Annotated[tuple[int, int], SatsRange(single=True)]
DisputeReason = Annotated[str, Choice(DISPUTE_REASONS)]
OfferType = Annotated[str, Choice(("bid", "ask"))]
OfferRef = Annotated[int, OfferReference()]
OfferId = Annotated[int, Integer(1, INT64_MAX)]  # in a path: ASCII digits, 64 bits
PageNumber = Annotated[int, Integer(0, MAX_PAGE)]
PageSize = Annotated[int, Integer(1, 100)]
SortBy = Annotated[str, Text(200)]
ContractId = Annotated[str, ContractIdRule()]
PublicKeyHex = Annotated[str, Shaped("0[23][0-9a-fA-F]{64}", "a compressed secp256k1 public key in hex", 66)]
UserId = PublicKeyHex  # a Peach user id is its account key
TxId = Annotated[str, Shaped("[0-9a-fA-F]{64}", "a transaction id: 64 hex characters", 64)]
TxHex = Annotated[str, Shaped("[0-9a-fA-F]+", "a transaction in hex", TX_MAX, strip=True)]
Psbt = Annotated[str, Shaped("[A-Za-z0-9+/]+={0,2}", "a base64 PSBT", PSBT_MAX, strip=True)]
Pair = Annotated[str, Shaped("[A-Za-z]{6,7}", "a pair like BTCEUR", 7)]
FeeRate = Annotated[str | Decimal, FeeRateRule()]

# Text stored or verified as sent is never stripped.
Armored = Annotated[str, Armor(ARMOR_MAX)]
Signature = Annotated[str, Text(200, min_length=1, strip=False)]
Address = Annotated[str, Text(100, min_length=1, strip=False)]
CurrencyCode = Annotated[str, Text(8, min_length=1, strip=False)]
MethodId = Annotated[str, Text(80, min_length=1, strip=False)]
Email = Annotated[str, Text(320, min_length=1, strip=False)]
OptionalEmail = Annotated[str, Text(320, strip=False)]  # "" is no email, as before
Topic = Annotated[str, Text(200, min_length=1, strip=False)]
Message = Annotated[str, Text(5000, min_length=1, multiline=True, strip=False)]
OptionalMessage = Annotated[str, Text(5000, multiline=True, strip=False)]
AuthMessage = Annotated[str, Text(100, min_length=1, strip=False)]
ShortText = Annotated[str, Text(100, strip=False)]
UniqueId = Annotated[str, Text(200, strip=False)]
OptionalSignature = Annotated[str, Text(200, strip=False)]
FcmToken = Annotated[str, Text(500, strip=False)]
ReferralCode = Annotated[str, Text(16, strip=False)]
Code = Annotated[str, Text(16, min_length=1, strip=False)]
PaymentHash = Annotated[str, Text(64, strip=False)]
Country = Annotated[str, Text(2, strip=False)]
Premium = Annotated[Decimal, Amount(2, Decimal(-21), Decimal(21))]  # percent: what an offer may ask
PremiumFilter = Annotated[Decimal, Amount(None, Decimal(-100), Decimal(100))]  # what a buyer or search asks for
Reputation = Annotated[Decimal, Amount(None, Decimal(-1), Decimal(1))]
FIAT_MAX = 10**12


def omitted() -> Any:
    """A response field left out of the answer when it has no value (None)."""
    return Field(default=None, exclude_if=lambda value: value is None)


def examples(*values: dict[str, Any] | list[Any]) -> dict[str, Any]:
    return {"examples": list(values)}


class PeachRequest(WireModel):
    """A request body: read by its wire names only; unknown fields ignored (apps send extras)."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=False, validate_by_alias=True)


class PeachAnswer(WireModel):
    model_config = ConfigDict(alias_generator=to_camel)


class PeachError(WireModel):
    """Every refusal: the document's error code and a message naming the field at fault."""

    model_config = ConfigDict(
        json_schema_extra=examples({"error": "FORM_INVALID", "message": "amount must be a whole number"})
    )
    error: str
    message: str


class Success(PeachAnswer):
    model_config = ConfigDict(json_schema_extra=examples({"success": True}))
    success: Literal[True] = True


OK = Success()


# ---------------------------------------------------------------- system and market


class SystemStatus(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples({"error": None, "status": "online", "serverTime": 1692788403879})
    )
    error: None
    status: str
    server_time: int


class PlatformKey(PeachAnswer):
    pgp_public_key: str


class Fees(PeachAnswer):
    escrow: WireDecimal


class MethodInfo(PeachAnswer):
    id: str
    currencies: list[str]
    anonymous: bool


class Info(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "peach": {
                    "pgpPublicKey": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEY...3kzT\n"
                    "-----END PGP PUBLIC KEY BLOCK-----\n"
                },
                "fees": {"escrow": 0.02},
                "paymentMethods": [
                    {"id": "sepa", "currencies": ["EUR"], "anonymous": False},
                    {"id": "instantSepa", "currencies": ["EUR"], "anonymous": False},
                ],
                "minAppVersion": "0.2.8",
                "latestAppVersion": "0.2.12",
            }
        )
    )
    peach: PlatformKey
    fees: Fees
    payment_methods: list[MethodInfo]
    min_app_version: str
    latest_app_version: str


class MethodTemplate(PeachAnswer):
    mandatory: list[list[list[str]]]
    optional: list[str]


class MethodTemplates(RootModel[dict[str, MethodTemplate]]):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "paypal": {"mandatory": [[["userName"], ["email"], ["phone"]]], "optional": ["reference"]},
                "sepa": {"mandatory": [[["beneficiary"]], [["iban"]], [["bic"]]], "optional": ["reference"]},
            }
        )
    )


class MarketPrice(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples({"pair": "BTCEUR", "price": 27455.04, "date": "2023-04-18T15:28:35.525Z"})
    )
    pair: str
    price: WireDecimal
    date: str | None


class MarketPrices(RootModel[dict[str, WireDecimal]]):
    model_config = ConfigDict(json_schema_extra=examples({"EUR": 27498.77, "CHF": 27191.85, "GBP": 24226.61}))


class FeeEstimates(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {"fastestFee": 7, "halfHourFee": 7, "hourFee": 6.5, "economyFee": 6.2, "minimumFee": 6}
        )
    )
    fastest_fee: WireDecimal
    half_hour_fee: WireDecimal
    hour_fee: WireDecimal
    economy_fee: WireDecimal
    minimum_fee: WireDecimal


class TxOutput(WireModel):
    """Esplora's shape (snake_case, as Esplora prints it); other keys a backend adds pass through."""

    model_config = ConfigDict(extra="allow")
    scriptpubkey: str
    scriptpubkey_asm: str
    scriptpubkey_type: str
    scriptpubkey_address: str | None = None
    value: int


class TxInput(WireModel):
    model_config = ConfigDict(extra="allow")
    txid: str
    vout: int
    prevout: TxOutput | None
    scriptsig: str
    scriptsig_asm: str
    witness: list[str] | None = None
    is_coinbase: bool
    sequence: int


class TxStatus(WireModel):
    model_config = ConfigDict(extra="allow")
    confirmed: bool
    block_height: int | None = None
    block_hash: str | None = None
    block_time: int | None = None


class Transaction(WireModel):
    """GET tx/:txId, in Esplora's JSON shape."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra=examples(
            {
                "txid": "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
                "version": 1,
                "locktime": 0,
                "vin": [
                    {
                        "txid": "0000000000000000000000000000000000000000000000000000000000000000",
                        "vout": 4294967295,
                        "prevout": None,
                        "scriptsig": "04ffff001d0104",
                        "scriptsig_asm": "OP_PUSHBYTES_4 ffff001d OP_PUSHBYTES_1 04",
                        "is_coinbase": True,
                        "sequence": 4294967295,
                    }
                ],
                "vout": [
                    {
                        "scriptpubkey": "4104678afdb0ac",
                        "scriptpubkey_asm": "OP_PUSHBYTES_65 04678afdb0 OP_CHECKSIG",
                        "scriptpubkey_type": "p2pk",
                        "value": 5000000000,
                    }
                ],
                "size": 204,
                "weight": 816,
                "fee": 0,
                "status": {
                    "confirmed": True,
                    "block_height": 0,
                    "block_hash": "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
                    "block_time": 1231006505,
                },
            }
        ),
    )
    txid: str
    version: int
    locktime: int
    vin: list[TxInput]
    vout: list[TxOutput]
    size: int
    weight: int
    fee: int
    status: TxStatus


class PostTxRequest(PeachRequest):
    """POST tx: the raw transaction in hex, as the body itself (the document's curl) or {"tx"}."""

    model_config = ConfigDict(json_schema_extra=examples({"tx": "0100000001000000000000000000000000000000"}))
    tx: TxHex


class ReportRequest(PeachRequest):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {"email": "satoshi@example.com", "topic": "contract", "reason": "other", "message": "Please call me back."}
        )
    )
    email: Email
    topic: Topic
    reason: Topic
    message: Message


class ReferralCheck(PeachAnswer):
    model_config = ConfigDict(json_schema_extra=examples({"valid": True}))
    valid: bool
