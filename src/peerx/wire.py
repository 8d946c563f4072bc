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
- flags: JSON booleans, or "true"/"false"/"1"/"0" as text, never "false" read as true;
- presence and choices: JSON null where a value is required is "is required", a blank query
  value is absent, a choice among fixed strings is refused in the product's own words.

A failure is a pydantic error whose message reads after the field's name ("amount must be a
number"), so each surface's envelope names the field and says what is wrong.

Responses: `WireModel` dumps by alias in declaration order, and `WireDecimal` stays a JSON
number with its exact digits (850.00), as the documents print it (see peerx.core.encoding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from peerx.core.idempotency import MAX_KEY_LENGTH

INT64_MAX = 2**63 - 1
ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")
ASCII_DECIMAL = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?")
# C0 controls and DEL, C1 controls, and lone surrogates (unencodable as UTF-8).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# What platforms that trim only ASCII white space strip (str.strip() also drops \x1c-\x1f and \x85).
ASCII_SPACE = " \t\n\r\x0b\x0c"


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
# marker's: what the OpenAPI document shows is exactly what is accepted. Markers compose: the
# last declared runs first (Annotated[Decimal, Amount(), Required()] refuses null before Amount
# sees it), and a marker whose json_schema() is None leaves the schema to the rules it guards.
# A product's own rules subclass Rule too; `Doc` (last) adds words to the schema, never rules.


class Rule:
    def parse(self, value: Any) -> Any:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any] | None:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.parse, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        own = self.json_schema()
        return handler(schema) if own is None else own


class Doc:
    """Words for a field's schema (description, examples, format, default...), merged into the
    schema its rules give: declared after them, it states nothing they enforce."""

    def __init__(self, description: str | None = None, **schema: Any) -> None:
        self.schema = ({"description": description} if description else {}) | schema

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(core), **self.schema}


# ---------------------------------------------------------------- presence


@dataclass(frozen=True)
class Required(Rule):
    """JSON null where a value is required reads as missing: "account_name is required" (the
    type's own rule would say "must be a string"). `blank`: text of white space only too, as
    forms send an emptied field."""

    blank: bool = False

    def parse(self, value: Any) -> Any:
        if value is None or (self.blank and isinstance(value, str) and not value.strip()):
            raise wire_error("is required")
        return value

    def json_schema(self) -> None:
        return None


@dataclass(frozen=True)
class Blank(Rule):
    """A blank value means `means` (None: absent), as PHP clients send `?per_page=`. Blank is
    what str.strip(`strip_chars`) empties: "" (the default) only the empty text; None white
    space too, for text that is stripped anyway. Annotate an optional type when `means` is None."""

    means: Any = None
    strip_chars: str | None = ""

    def parse(self, value: Any) -> Any:
        return self.means if isinstance(value, str) and not value.strip(self.strip_chars) else value

    def json_schema(self) -> None:
        return None


@dataclass(frozen=True)
class Choice(Rule):
    """One of `values`, exactly (a JSON string); anything else is refused with `reason`, by
    default "must be one of a, b, c"."""

    values: tuple[str, ...]
    reason: str | None = None

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.values:
            raise wire_error(self.reason or f"must be one of {', '.join(self.values)}")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}


# ---------------------------------------------------------------- integers


@dataclass(frozen=True)
class Integer(Rule):
    """An int within [low, high] (default: what a 64-bit column holds), from a JSON integer or
    ASCII digits as text. `text` False: JSON integers only (the text "1000" is refused);
    `integral`: an integral JSON decimal too (1234.0, from clients computing with floats);
    `strip_chars`: what is stripped around digits as text (str.strip's argument; "" nothing);
    `int64_format`: the schema says `format: int64` and leaves the 64-bit limits to it."""

    low: int = -INT64_MAX
    high: int = INT64_MAX
    text: bool = True
    integral: bool = False
    strip_chars: str | None = ""
    int64_format: bool = False

    def parse(self, value: Any) -> int:
        if isinstance(value, bool):
            raise wire_error("must be a whole number")
        if isinstance(value, int):
            number = value
        elif self.integral and _integral(value):
            number = int(value)
        elif self.text and isinstance(value, str) and ASCII_INTEGER.fullmatch(value.strip(self.strip_chars)):
            number = int(value.strip(self.strip_chars))
        else:
            raise wire_error("must be a whole number")
        if not self.low <= number <= self.high:
            raise wire_error(f"must be a whole number from {self.low} to {self.high}")
        return number

    def json_schema(self) -> dict[str, Any]:
        if not self.int64_format:
            return {"type": "integer", "minimum": self.low, "maximum": self.high}
        schema: dict[str, Any] = {"type": "integer", "format": "int64"}
        if self.low > -INT64_MAX:
            schema["minimum"] = self.low
        if self.high < INT64_MAX:
            schema["maximum"] = self.high
        return schema


def _integral(value: Any) -> bool:
    return (
        isinstance(value, Decimal)
        and not isinstance(value, ExponentDecimal)
        and value.is_finite()
        and value == value.to_integral_value()
    )


Id = Annotated[int, Integer(1, INT64_MAX)]  # a row id: positive, 64-bit


# ---------------------------------------------------------------- decimals


@dataclass(frozen=True)
class Amount(Rule):
    """A Decimal in the document's decimal form: a JSON number without exponent, or a plain
    decimal string; within [low, high] and at most `places` decimals, then (when `above` is
    given) greater than `above`. `as_string`: the document shows it as a string (the schema
    says so; both forms are still accepted). The refusals' wording is the product's to choose:
    `too_low`, `too_high` and `not_above` are formatted with low, high and above."""

    places: int | None = None
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(10**15)
    as_string: bool = False
    above: Decimal | None = None
    too_low: str = "must be between {low} and {high}"
    too_high: str = "must be between {low} and {high}"
    not_above: str = "must be greater than {above}"

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
        if number < self.low:
            raise wire_error(self.too_low.format(low=self.low, high=self.high, above=self.above))
        if number > self.high:
            raise wire_error(self.too_high.format(low=self.low, high=self.high, above=self.above))
        if self.places is not None and decimal_places(number) > self.places:
            raise wire_error(f"must have at most {self.places} decimal places")
        if self.above is not None and number <= self.above:
            raise wire_error(self.not_above.format(low=self.low, high=self.high, above=self.above))
        return number

    def json_schema(self) -> dict[str, Any]:
        if self.as_string:
            return {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
        # Bounds printed in the OpenAPI document only (JSON numbers; FastAPI's model types them as
        # float). Parsing above compares Decimals, so no amount ever passes through a float.
        schema: dict[str, Any] = {"type": "number"}
        if self.low.is_finite():
            schema["minimum"] = float(self.low)
        if self.above is not None:
            schema["exclusiveMinimum"] = float(self.above)
        if self.high.is_finite():
            schema["maximum"] = float(self.high)
        return schema


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
class Text(Rule):
    """A str without control characters, at most `max_length` long (after stripping).
    `numbers`: a JSON number is taken as its text (documents that print ids as either):
    "integers" only, "plain" integers and decimals without an exponent, "any" every number.
    `strip_chars`: what `strip` removes (str.strip's argument; None: every white space)."""

    max_length: int
    min_length: int = 0
    multiline: bool = False
    strip: bool = True
    numbers: Literal["integers", "plain", "any"] | None = None
    pattern: str | None = None
    strip_chars: str | None = None

    def parse(self, value: Any) -> str:
        if isinstance(value, str):
            text = value
        elif self._number_as_text(value):
            text = str(value)
        else:
            raise wire_error("must be a string")
        if self.strip:
            text = text.strip(self.strip_chars)
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

    def _number_as_text(self, value: Any) -> bool:
        if self.numbers is None or isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if self.numbers == "plain":
            return isinstance(value, Decimal) and not isinstance(value, ExponentDecimal)
        return self.numbers == "any" and isinstance(value, Decimal)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.pattern:
            schema["pattern"] = f"^{self.pattern}$"
        return schema


def ascii_digits(min_length: int = 1, max_length: int = 19) -> Text:
    """ASCII digits only, as text (phone numbers, card numbers, numeric codes)."""
    return Text(max_length, min_length=min_length, numbers="any", pattern=f"[0-9]{{{min_length},{max_length}}}")


# An Idempotency-Key header as sent (never stripped: it is compared as the client wrote it).
IdempotencyKeyText = Annotated[str, Text(MAX_KEY_LENGTH, min_length=1, strip=False)]


# ---------------------------------------------------------------- flags

_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


@dataclass(frozen=True)
class Boolean(Rule):
    """A JSON boolean, or "true"/"false"/"1"/"0" as text in any case, never "false" read as
    true. `strip_chars`: what is stripped around the text (str.strip's argument)."""

    strip_chars: str | None = None

    def parse(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        word = value.strip(self.strip_chars).lower() if isinstance(value, str) else None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise wire_error("must be true or false")

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


Flag = Annotated[bool, Boolean()]


# ---------------------------------------------------------------- models


class WireModel(BaseModel):
    """Base of every request and response model. Requests ignore fields the document does not
    name (clients send extras); responses dump by alias, in declaration order."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=False)

    def wire(self, *, exclude_none: bool = False) -> dict[str, Any]:
        return self.model_dump(mode="python", by_alias=True, exclude_none=exclude_none)
