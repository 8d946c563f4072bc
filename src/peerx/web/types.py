"""Strict wire types: what every surface's request and response models are built from.

The documents' clients send numbers and text in a handful of forms; these types accept exactly
those forms and nothing a hostile client could slip past them:

- integers: JSON integers, or ASCII digits where the wire is text (query, path, form). Never
  Unicode digits ("²" passes str.isdigit() and then fails int()), never booleans, never floats,
  and always inside the column's 64 bits (or the bounds the caller gives);
- decimals (amounts): a JSON number or a string in plain decimal form, ASCII only, no exponent
  (1e3, 1e400), no NaN or infinity, bounded in size and in decimal places;
- text: no NUL, no other control characters (tab and newlines only where multiline), no lone
  surrogates (they cannot be encoded for the database), bounded length;
- flags: JSON booleans, or "true"/"false"/"1"/"0" as text, never "false" read as true.

A failure is a pydantic error whose message reads after the field's name ("amount must be a
number"), so each surface's envelope names the field and says what is wrong.

Responses: `WireModel` dumps by alias in declaration order, and `WireDecimal` stays a JSON
number with its exact digits (850.00), as the documents print it (see peerx.core.encoding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

INT64_MAX = 2**63 - 1
ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")
ASCII_DECIMAL = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?")
# C0 controls and DEL, C1 controls, and lone surrogates (unencodable as UTF-8).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def wire_error(reason: str) -> PydanticCustomError:
    """A validation failure whose message follows the field name: "amount" + " must be ..."."""
    return PydanticCustomError("wire", reason)


class ExponentDecimal(Decimal):
    """A JSON number written with an exponent (1e3): parsed so it can be refused by name."""

    __slots__ = ()


def forbidden_character(text: str, *, multiline: bool = False) -> bool:
    return (_FORBIDDEN if multiline else _FORBIDDEN_SINGLE_LINE).search(text) is not None


# Each rule is a marker for Annotated, so a type checker sees the plain type:
#     quantity: Annotated[int, Integer(1, 100)]
#     amount: Annotated[Decimal, Amount(places=2)]
#     notes: Annotated[str, Text(1000, multiline=True)] | None = None
# Pydantic runs the marker's parse before its own validation, and the JSON schema is the
# marker's: what the OpenAPI document shows is exactly what is accepted.


class _Rule:
    def parse(self, value: Any) -> Any:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.parse, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return self.json_schema()


# ---------------------------------------------------------------- integers


@dataclass(frozen=True)
class Integer(_Rule):
    """An int within [low, high] (default: what a 64-bit column holds), from a JSON integer or
    ASCII digits as text."""

    low: int = -INT64_MAX
    high: int = INT64_MAX

    def parse(self, value: Any) -> int:
        if isinstance(value, bool):
            raise wire_error("must be a whole number")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and ASCII_INTEGER.fullmatch(value):
            number = int(value)
        else:
            raise wire_error("must be a whole number")
        if not self.low <= number <= self.high:
            raise wire_error(f"must be a whole number from {self.low} to {self.high}")
        return number

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}


Id = Annotated[int, Integer(1, INT64_MAX)]  # a row id: positive, 64-bit


# ---------------------------------------------------------------- decimals


@dataclass(frozen=True)
class Amount(_Rule):
    """A Decimal in the document's decimal form: a JSON number without exponent, or a plain
    decimal string; within [low, high] and at most `places` decimals. `as_string`: the
    document shows it as a string (the schema says so; both forms are still accepted)."""

    places: int | None = None
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(10**15)
    as_string: bool = False

    def parse(self, value: Any) -> Decimal:
        if isinstance(value, bool | float):
            raise wire_error("must be a number")
        if isinstance(value, ExponentDecimal):
            raise wire_error("must be a plain decimal number, without an exponent")
        if isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, Decimal):
            number = value
        elif isinstance(value, str) and ASCII_DECIMAL.fullmatch(value.strip()):
            number = Decimal(value.strip())
        else:
            raise wire_error("must be a number")
        if not number.is_finite():
            raise wire_error("must be a finite number")
        if not self.low <= number <= self.high:
            raise wire_error(f"must be between {self.low} and {self.high}")
        if self.places is not None and decimal_places(number) > self.places:
            raise wire_error(f"must have at most {self.places} decimal places")
        return number

    def json_schema(self) -> dict[str, Any]:
        if self.as_string:
            return {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
        return {"type": "number", "minimum": float(self.low), "maximum": float(self.high)}


def decimal_places(number: Decimal) -> int:
    """Significant decimal places (1.50 has 1), without the context's rounding."""
    _, digits_, exponent = number.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    places, index = -exponent, len(digits_) - 1
    while places > 0 and index >= 0 and digits_[index] == 0:
        places, index = places - 1, index - 1
    return places


# A Decimal answered as a JSON number with its exact digits (850.00), never a string.
WireDecimal = Annotated[
    Decimal, PlainSerializer(lambda value: value, return_type=Decimal), WithJsonSchema({"type": "number"})
]


# ---------------------------------------------------------------- text


@dataclass(frozen=True)
class Text(_Rule):
    """A str without control characters, at most `max_length` long (after stripping).
    `numbers`: a JSON number is taken as its text (documents that print ids as either)."""

    max_length: int
    min_length: int = 0
    multiline: bool = False
    strip: bool = True
    numbers: bool = False
    pattern: str | None = None

    def parse(self, value: Any) -> str:
        if isinstance(value, str):
            text = value
        elif self.numbers and isinstance(value, int | Decimal) and not isinstance(value, bool):
            text = str(value)
        else:
            raise wire_error("must be a string")
        if self.strip:
            text = text.strip()
        if forbidden_character(text, multiline=self.multiline):
            raise wire_error("must not contain control characters")
        if len(text) < self.min_length:
            too_short = f"must be at least {self.min_length} characters"
            raise wire_error("is required" if self.min_length == 1 else too_short)
        if len(text) > self.max_length:
            raise wire_error(f"must be at most {self.max_length} characters")
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            raise wire_error("is not in the expected format")
        return text

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.pattern:
            schema["pattern"] = f"^{self.pattern}$"
        return schema


def ascii_digits(min_length: int = 1, max_length: int = 19) -> Text:
    """ASCII digits only, as text (phone numbers, card numbers, numeric codes)."""
    return Text(max_length, min_length=min_length, numbers=True, pattern=f"[0-9]{{{min_length},{max_length}}}")


# The same rules as ready-made types, for code written before the markers (to be folded in).
def integer(low: int = -INT64_MAX, high: int = INT64_MAX) -> Any:
    return Annotated[int, Integer(low, high)]


def amount(
    *, places: int | None = None, low: Decimal | int = 0, high: Decimal | int = 10**15, as_string: bool = False
) -> Any:
    return Annotated[Decimal, Amount(places, Decimal(low), Decimal(high), as_string)]


def text(
    max_length: int,
    *,
    min_length: int = 0,
    multiline: bool = False,
    strip: bool = True,
    numbers: bool = False,
    pattern: str | None = None,
) -> Any:
    return Annotated[str, Text(max_length, min_length, multiline, strip, numbers, pattern)]


def digits(min_length: int = 1, max_length: int = 19) -> Any:
    return Annotated[str, ascii_digits(min_length, max_length)]


# ---------------------------------------------------------------- flags

_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def _to_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise wire_error("must be true or false")


Flag = Annotated[bool, BeforeValidator(_to_flag), WithJsonSchema({"type": "boolean"})]


# ---------------------------------------------------------------- models


class WireModel(BaseModel):
    """Base of every request and response model. Requests ignore fields the document does not
    name (clients send extras); responses dump by alias, in declaration order."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=False)

    def wire(self, *, exclude_none: bool = False) -> dict[str, Any]:
        return self.model_dump(mode="python", by_alias=True, exclude_none=exclude_none)
