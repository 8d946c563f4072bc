"""Phone numbers (MSISDNs) for mobile-money rails: normalization and network detection, on
Google's libphonenumber data (the `phonenumbers` package) plus the operator's own overrides.

Every rail speaks MSISDNs in international form without '+' ("233241234567"); this module turns
what people type into that form and tells which network a Ghanaian or Cameroonian number was
allocated to. Allocation is not ownership: both countries allow number portability, so the
network here is a routing *hint*; the provider has the last word (PAYEE_NOT_FOUND and the like).

- Country codes, trunk prefixes and the lengths of mobile numbers come from phonenumbers'
  metadata, for every country it knows (it used to be a table of two countries here).
- Networks come from phonenumbers' carrier data (`phonenumbers.carrier`), which follows the
  regulators' allocations (it gives Cameroon's 641 to Orange, which the old table missed).
- The operator's overrides win over both: PEERX_MSISDN_PREFIX_OVERRIDES, JSON like
  {"GH": {"25": "mtn"}, "CM": {"641": "orange", "699": null}}: ISO country -> national prefix ->
  network (null: no mobile-money network). The longest matching prefix wins. DEFAULT_OVERRIDES
  are what the platform ships (allocations newer than phonenumbers' data). docs/rails.md.

Normalization is syntactic (characters, country code, length, no trunk prefix after the country
code): a number of the right shape that no operator has allocated still normalizes (the rail
refuses it); the network functions answer None for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal, cast

import phonenumbers
from phonenumbers import PhoneMetadata, carrier

GhanaNetwork = Literal["mtn", "telecel", "airteltigo"]
CameroonNetwork = Literal["mtn", "orange"]

GHANA_COUNTRY_CODE = "233"
CAMEROON_COUNTRY_CODE = "237"

# ISO 3166 alpha-2 -> calling code, for the countries the rails serve. Numbers of these
# countries are recognised by their country code even when written without '+'.
CALLING_CODES: dict[str, str] = {"GH": GHANA_COUNTRY_CODE, "CM": CAMEROON_COUNTRY_CODE}

# E.164: at most 15 digits including the country code; fewer than 8 is garbage anywhere.
_E164_MAX_DIGITS = 15
_E164_MIN_DIGITS = 8

# What people put between digit groups; anything else (letters, '*', '#', brackets) is refused
# (phonenumbers itself would read letters as a vanity number and "ext 2" as an extension).
_SEPARATORS = re.compile(r"[\s\-.]")

# Carrier names in phonenumbers' data -> our network ids (lowercased, matched by prefix).
_CARRIERS: dict[str, str] = {
    "mtn": "mtn",
    "orange": "orange",
    "telecel": "telecel",
    "vodafone": "telecel",  # Telecel bought Vodafone Ghana (2023); older data says Vodafone
    "at": "airteltigo",  # AirtelTigo, rebranded "AT" (2022)
    "airteltigo": "airteltigo",
    "airtel": "airteltigo",
    "tigo": "airteltigo",
}
_NETWORKS: dict[str, frozenset[str]] = {
    "GH": frozenset({"mtn", "telecel", "airteltigo"}),
    "CM": frozenset({"mtn", "orange"}),
}

# Allocations newer than phonenumbers' data, shipped as the default of
# PEERX_MSISDN_PREFIX_OVERRIDES (an operator's setting replaces them, so it should repeat them).
DEFAULT_OVERRIDES: dict[str, dict[str, str | None]] = {
    "GH": {"25": "mtn"},  # 025: allocated to MTN Ghana in 2021; phonenumbers does not list it yet
}

PrefixOverrides = Mapping[str, Mapping[str, str | None]]
_overrides: dict[str, dict[str, str | None]] = {country: dict(table) for country, table in DEFAULT_OVERRIDES.items()}


def check_prefix_overrides(overrides: PrefixOverrides) -> dict[str, dict[str, str | None]]:
    """The overrides, validated: known countries, digit prefixes, networks of that country."""
    checked: dict[str, dict[str, str | None]] = {}
    for country, table in overrides.items():
        if country not in _NETWORKS:
            raise ValueError(f"msisdn prefix overrides: {country!r} is not one of {sorted(_NETWORKS)}")
        if not isinstance(table, Mapping):
            raise ValueError(f"msisdn prefix overrides: {country} must map prefixes to networks")
        checked[country] = {}
        for prefix, network in table.items():
            if not (isinstance(prefix, str) and prefix.isascii() and prefix.isdigit() and 1 <= len(prefix) <= 8):
                raise ValueError(f"msisdn prefix overrides: {country} prefix {prefix!r} must be 1 to 8 digits")
            if network is not None and network not in _NETWORKS[country]:
                raise ValueError(
                    f"msisdn prefix overrides: {country} {prefix}: {network!r} is not one of "
                    f"{sorted(_NETWORKS[country])} (or null)"
                )
            checked[country][prefix] = network
    return checked


def set_prefix_overrides(overrides: PrefixOverrides) -> None:
    """Replace the overrides (the platform does this from its settings when it is built)."""
    global _overrides
    _overrides = check_prefix_overrides(overrides)


def prefix_overrides() -> dict[str, dict[str, str | None]]:
    return {country: dict(table) for country, table in _overrides.items()}


def _metadata(country_code: str) -> PhoneMetadata | None:
    region = phonenumbers.region_code_for_country_code(int(country_code))
    if region == "ZZ":
        return None
    return PhoneMetadata.metadata_for_region_or_calling_code(int(country_code), region)


def _mobile_lengths(metadata: PhoneMetadata) -> tuple[int, ...]:
    """The lengths of a mobile national significant number (NSN) there (MSISDNs are mobile)."""
    for desc in (metadata.mobile, metadata.general_desc):
        lengths = tuple(n for n in (desc.possible_length if desc is not None else None) or () if n > 0)
        if lengths:
            return lengths
    return ()


def _lengths_text(lengths: tuple[int, ...]) -> str:
    words = [str(n) for n in lengths]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _split_country_code(digits: str, raw: str) -> tuple[str, str]:
    """(country code, the rest) of international digits, by phonenumbers' list of codes."""
    for size in (1, 2, 3):
        code = digits[:size]
        if phonenumbers.region_code_for_country_code(int(code)) != "ZZ" or code in CALLING_CODES.values():
            return code, digits[size:]
    raise ValueError(f"{raw!r} is not a valid international number: no country has code +{digits[:3]}")


def _check_nsn(nsn: str, country_code: str, raw: str) -> None:
    metadata = _metadata(country_code)
    if metadata is None:
        return
    lengths = _mobile_lengths(metadata)
    if lengths and len(nsn) not in lengths:
        raise ValueError(
            f"{raw!r} is not a valid +{country_code} number: expected "
            f"{_lengths_text(lengths)} digits after the country code, got {len(nsn)}"
        )
    trunk = metadata.national_prefix
    if trunk and nsn.startswith(trunk):
        raise ValueError(
            f"{raw!r} is not a valid +{country_code} number: the national number "
            f"cannot start with {trunk} (drop the trunk {trunk} after the country code)"
        )


def _international(digits: str, raw: str) -> str:
    """Validate digits that start with a country code."""
    if not _E164_MIN_DIGITS <= len(digits) <= _E164_MAX_DIGITS:
        raise ValueError(
            f"{raw!r} is not a valid international number: expected "
            f"{_E164_MIN_DIGITS} to {_E164_MAX_DIGITS} digits, got {len(digits)}"
        )
    if digits.startswith("0"):
        raise ValueError(f"{raw!r} is not a valid international number: country codes never start with 0")
    country_code, nsn = _split_country_code(digits, raw)
    _check_nsn(nsn, country_code, raw)
    return digits


def normalize_msisdn(raw: str, default_country_code: str) -> str:
    """Return `raw` as international digits without '+', e.g. "233241234567".

    Accepted: "+233241234567", "00233241234567", "233241234567" (without '+' only for the
    default country and the countries the rails serve), national with the trunk prefix
    ("0241234567") and the bare national number ("677123456" in Cameroon, "241234567" in Ghana).
    Spaces, hyphens and dots between digits are ignored. Raises ValueError for anything else
    (letters, wrong length for that country, stray '+', an unknown country code).
    """
    if not isinstance(raw, str):
        raise ValueError(f"phone number must be a string, got {type(raw).__name__}")
    code = default_country_code
    if not (code.isascii() and code.isdigit() and 1 <= len(code) <= 3):
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
        return _international(text, raw)

    metadata = _metadata(default_country_code)
    if metadata is None:
        raise ValueError(f"default country code +{default_country_code} is not a country's")
    trunk = metadata.national_prefix
    lengths = _mobile_lengths(metadata)
    if trunk and text.startswith(trunk):
        nsn = text[len(trunk) :]
        _check_nsn(nsn, default_country_code, raw)
        return default_country_code + nsn
    if len(text) in lengths:
        _check_nsn(text, default_country_code, raw)
        return default_country_code + text
    # Without '+' only the default country and the rails' countries are read internationally,
    # otherwise "0241234567" typed without its 0 could be read as some other country's number.
    known = {default_country_code, *CALLING_CODES.values()}
    if any(text.startswith(code) for code in known):
        return _international(text, raw)
    raise ValueError(
        f"{raw!r} is not a valid +{default_country_code} number: expected {_lengths_text(lengths)} "
        f"national digits (or an international number with its '+'), got {len(text)}"
    )


def _network(msisdn: str, country: str) -> str | None:
    country_code = CALLING_CODES[country]
    number = normalize_msisdn(msisdn, country_code)
    if not number.startswith(country_code):
        return None
    nsn = number[len(country_code) :]
    table = _overrides.get(country, {})
    for size in range(min(len(nsn), 8), 0, -1):  # the longest overriding prefix wins
        if nsn[:size] in table:
            return table[nsn[:size]]
    name = carrier.name_for_number(phonenumbers.parse("+" + number), "en").strip().lower()
    for known, network in _CARRIERS.items():
        if name == known or name.startswith(known + " "):
            return network if network in _NETWORKS[country] else None
    return None


def ghana_network(msisdn: str) -> GhanaNetwork | None:
    """The Ghanaian network a number was allocated to, or None (not Ghanaian, fixed line,
    Expresso...). Accepts any form `normalize_msisdn` accepts (national forms are read as Ghanaian).
    """
    return cast(GhanaNetwork | None, _network(msisdn, "GH"))


def cameroon_network(msisdn: str) -> CameroonNetwork | None:
    """The Cameroonian mobile-money network (MTN or Orange) a number was allocated to.

    None for numbers that are not MTN or Orange mobile numbers (Camtel, Nexttel, fixed lines,
    other countries). Accepts any form `normalize_msisdn` accepts (national forms are read as
    Cameroonian).
    """
    return cast(CameroonNetwork | None, _network(msisdn, "CM"))
