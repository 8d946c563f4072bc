"""Phone numbers (MSISDNs) for mobile-money rails: normalization and network detection.

Every rail speaks MSISDNs in international form without '+' ("233241234567"); this module turns
what people type into that form and tells which network a Ghanaian or Cameroonian number was
allocated to. Allocation is not ownership: both countries allow number portability, so the
network here is a routing *hint*; the provider has the last word (PAYEE_NOT_FOUND and the like).
Sources for the plans are listed in docs/rails.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

GhanaNetwork = Literal["mtn", "telecel", "airteltigo"]
CameroonNetwork = Literal["mtn", "orange"]

GHANA_COUNTRY_CODE = "233"
CAMEROON_COUNTRY_CODE = "237"

# ISO 3166 alpha-2 -> calling code, for the countries whose numbering plans are below.
CALLING_CODES: dict[str, str] = {"GH": GHANA_COUNTRY_CODE, "CM": CAMEROON_COUNTRY_CODE}

# E.164: at most 15 digits including the country code. The lower bound only keeps obvious
# garbage out for countries whose plan we do not carry.
_E164_MAX_DIGITS = 15
_E164_MIN_DIGITS = 8

# What people put between digit groups; anything else (letters, '*', '#') is refused.
_SEPARATORS = re.compile(r"[\s\-.]")


@dataclass(frozen=True)
class NumberingPlan:
    country_code: str
    national_length: int  # digits of the national significant number (NSN)
    trunk_prefix: str | None  # dialled before the NSN inside the country, if the plan has one


# Only the plans the platform routes money to; other countries get the generic E.164 check.
PLANS: dict[str, NumberingPlan] = {
    # Ghana: closed 9-digit plan, national trunk prefix 0 ("024 123 4567").
    GHANA_COUNTRY_CODE: NumberingPlan(GHANA_COUNTRY_CODE, 9, "0"),
    # Cameroon: closed 9-digit plan since 21 Nov 2014 and no trunk prefix ("6 77 12 34 56").
    CAMEROON_COUNTRY_CODE: NumberingPlan(CAMEROON_COUNTRY_CODE, 9, None),
}

_GHANA_PREFIXES: dict[str, GhanaNetwork] = {
    "24": "mtn",
    "25": "mtn",
    "53": "mtn",
    "54": "mtn",
    "55": "mtn",
    "59": "mtn",
    "20": "telecel",  # formerly Vodafone Ghana
    "50": "telecel",
    "26": "airteltigo",
    "27": "airteltigo",
    "56": "airteltigo",
    "57": "airteltigo",
}


def _cameroon_prefixes() -> dict[str, CameroonNetwork]:
    table: dict[str, CameroonNetwork] = {}
    for d in "0123456789":
        table["67" + d] = "mtn"
        table["69" + d] = "orange"
    for p in ("650", "651", "652", "653", "654", "680", "681", "682", "683"):
        table[p] = "mtn"
    for p in ("640", "655", "656", "657", "658", "659", "686", "687", "688", "689"):
        table[p] = "orange"
    # Deliberately absent: 62x (Camtel), 66x and 684-685 (Nexttel), 641-649 (not open).
    return table


_CAMEROON_PREFIXES = _cameroon_prefixes()


def _check_nsn(nsn: str, plan: NumberingPlan, raw: str) -> None:
    if len(nsn) != plan.national_length:
        raise ValueError(
            f"{raw!r} is not a valid +{plan.country_code} number: expected "
            f"{plan.national_length} digits after the country code, got {len(nsn)}"
        )
    if nsn.startswith("0"):
        raise ValueError(
            f"{raw!r} is not a valid +{plan.country_code} number: the national number "
            "cannot start with 0 (drop the trunk 0 after the country code)"
        )


def _international(digits: str, raw: str, default_country_code: str, explicit: bool) -> str:
    """Validate digits that start with a country code."""
    for cc, plan in PLANS.items():
        if digits.startswith(cc):
            _check_nsn(digits[len(cc) :], plan, raw)
            return digits
    # Without '+' only the default country code is trusted, otherwise "0241234567" typed
    # without its 0 could be read as some other country's number.
    if explicit or (default_country_code and digits.startswith(default_country_code)):
        if not _E164_MIN_DIGITS <= len(digits) <= _E164_MAX_DIGITS:
            raise ValueError(
                f"{raw!r} is not a valid international number: expected "
                f"{_E164_MIN_DIGITS} to {_E164_MAX_DIGITS} digits, got {len(digits)}"
            )
        if digits.startswith("0"):
            raise ValueError(f"{raw!r} is not a valid international number: country codes never start with 0")
        return digits
    raise ValueError(
        f"{raw!r} is not a valid number for country code +{default_country_code}: "
        "write it in national form or with its '+' country code"
    )


def normalize_msisdn(raw: str, default_country_code: str) -> str:
    """Return `raw` as international digits without '+', e.g. "233241234567".

    Accepted: "+233241234567", "00233241234567", "233241234567", national with the trunk
    prefix ("0241234567") and, where the plan dials that way, the bare national number
    ("677123456" in Cameroon, "241234567" in Ghana). Spaces, hyphens and dots between digits
    are ignored. Raises ValueError for anything else (letters, wrong length, stray '+').
    """
    if not isinstance(raw, str):
        raise ValueError(f"phone number must be a string, got {type(raw).__name__}")
    if not default_country_code.isdigit() or not 1 <= len(default_country_code) <= 3:
        raise ValueError(f"default country code must be 1 to 3 digits, got {default_country_code!r}")
    text = _SEPARATORS.sub("", raw.strip())
    if not text:
        raise ValueError("phone number is empty")

    explicit = False
    if text.startswith("+"):
        text, explicit = text[1:], True
    elif text.startswith("00"):
        text, explicit = text[2:], True
    if not text.isascii() or not text.isdigit():
        raise ValueError(
            f"{raw!r} is not a phone number: only digits, an optional leading '+' and separators are allowed"
        )

    if explicit:
        return _international(text, raw, default_country_code, explicit=True)

    plan = PLANS.get(default_country_code)
    if plan is not None:
        if plan.trunk_prefix and text.startswith(plan.trunk_prefix):
            nsn = text[len(plan.trunk_prefix) :]
            _check_nsn(nsn, plan, raw)
            return plan.country_code + nsn
        if len(text) == plan.national_length:
            _check_nsn(text, plan, raw)
            return plan.country_code + text
        if not any(text.startswith(cc) for cc in PLANS):
            raise ValueError(
                f"{raw!r} is not a valid +{plan.country_code} number: expected {plan.national_length} "
                f"national digits (or an international number with its '+'), got {len(text)}"
            )
    elif text.startswith("0"):
        # Unknown plan: assume the common trunk 0 and only check the overall length.
        return _international(default_country_code + text[1:], raw, default_country_code, explicit=False)
    return _international(text, raw, default_country_code, explicit=False)


def ghana_network(msisdn: str) -> GhanaNetwork | None:
    """The Ghanaian network a number was allocated to, or None (not Ghanaian, fixed line, Glo...).

    Accepts any form `normalize_msisdn` accepts (national forms are read as Ghanaian).
    """
    number = normalize_msisdn(msisdn, GHANA_COUNTRY_CODE)
    if not number.startswith(GHANA_COUNTRY_CODE):
        return None
    return _GHANA_PREFIXES.get(number[len(GHANA_COUNTRY_CODE) :][:2])


def cameroon_network(msisdn: str) -> CameroonNetwork | None:
    """The Cameroonian mobile-money network (MTN or Orange) a number was allocated to.

    None for numbers that are not MTN or Orange mobile numbers (Camtel, Nexttel, fixed lines,
    other countries). Accepts any form `normalize_msisdn` accepts (national forms are read as
    Cameroonian).
    """
    number = normalize_msisdn(msisdn, CAMEROON_COUNTRY_CODE)
    if not number.startswith(CAMEROON_COUNTRY_CODE):
        return None
    return _CAMEROON_PREFIXES.get(number[len(CAMEROON_COUNTRY_CODE) :][:3])
