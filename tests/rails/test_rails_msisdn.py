from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerx.rails.msisdn import (
    cameroon_network,
    check_prefix_overrides,
    ghana_network,
    normalize_msisdn,
    prefix_overrides,
    set_prefix_overrides,
)

# -- normalize_msisdn ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [
        ("+233241234567", "233", "233241234567"),
        ("233241234567", "233", "233241234567"),
        ("0241234567", "233", "233241234567"),
        ("00233241234567", "233", "233241234567"),
        ("241234567", "233", "233241234567"),  # national without the trunk 0
        (" 024 123 4567 ", "233", "233241234567"),
        ("024-123-4567", "233", "233241234567"),
        ("+233 24 123 4567", "233", "233241234567"),
        # Cameroon dials the 9 digits with no trunk prefix.
        ("677123456", "237", "237677123456"),
        ("6 77 12 34 56", "237", "237677123456"),
        ("+237677123456", "237", "237677123456"),
        ("237677123456", "237", "237677123456"),
        # A number of another country we know, written internationally, keeps its country.
        ("+237677123456", "233", "237677123456"),
        ("237677123456", "233", "237677123456"),
        ("+233241234567", "237", "233241234567"),
        # Countries whose plan we do not carry: trunk 0 assumed, E.164 length only.
        ("+447911123456", "233", "447911123456"),
        ("07911123456", "44", "447911123456"),
        ("447911123456", "44", "447911123456"),
    ],
)
def test_normalize_accepts_the_usual_forms(raw: str, default: str, expected: str) -> None:
    assert normalize_msisdn(raw, default) == expected


@pytest.mark.parametrize(
    ("raw", "default", "message"),
    [
        ("", "233", "empty"),
        ("   ", "233", "empty"),
        ("024123456a", "233", "only digits"),
        ("+233-24-ABC-4567", "233", "only digits"),
        ("024 123 4567 ext 2", "233", "only digits"),
        ("++233241234567", "233", "only digits"),
        ("+", "233", "only digits"),
        ("٠٢٤١٢٣٤٥٦٧", "233", "only digits"),  # Arabic-Indic digits are not ASCII digits
        ("024123456", "233", "expected 9 digits after the country code, got 8"),
        ("02412345678", "233", "expected 9 digits after the country code, got 10"),
        ("+23324123456", "233", "expected 9 digits after the country code, got 8"),
        ("+2330241234567", "233", "expected 9 digits after the country code, got 10"),
        ("2332412345678", "233", "expected 9 digits after the country code, got 10"),
        ("+233024123456", "233", "cannot start with 0"),
        ("67712345", "237", "expected 9 national digits"),
        ("0677123456", "237", "expected 9 national digits"),  # no trunk 0 in Cameroon
        ("+2376771234567", "237", "expected 9 digits after the country code, got 10"),
        ("12345", "233", "not a valid +233 number: expected 9 national digits"),
        ("447911123456", "233", "with its '+'"),  # a foreign number needs its '+'
        ("+1 (555) 123-4567", "233", "only digits"),
        ("+1234567", "233", "expected 8 to 15 digits"),
        ("+1234567890123456", "233", "expected 8 to 15 digits"),
        # The old table accepted this as "241234567": +241 (Gabon) has 7 or 8 digit numbers.
        ("0024 1234567", "233", "not a valid +241 number: expected 7 or 8 digits after the country code, got 6"),
        ("+44791112345", "233", "not a valid +44 number: expected 10 digits after the country code, got 9"),
        ("+2250701020", "233", "not a valid +225 number: expected 10 digits after the country code, got 7"),
        ("+99912345678", "233", "no country has code +999"),
    ],
)
def test_normalize_refuses_with_a_clear_message(raw: str, default: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        normalize_msisdn(raw, default)


@pytest.mark.parametrize("default", ["", "abc", "2333", "+233"])
def test_normalize_refuses_a_bad_default_country_code(default: str) -> None:
    with pytest.raises(ValueError, match="default country code"):
        normalize_msisdn("0241234567", default)


ghana_nsn = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True)
cameroon_nsn = st.from_regex(r"[26][0-9]{8}", fullmatch=True)


@given(ghana_nsn)
def test_every_written_form_of_a_ghana_number_normalizes_alike(nsn: str) -> None:
    expected = "233" + nsn
    for form in (
        f"+233{nsn}",
        f"233{nsn}",
        f"0{nsn}",
        f"00233{nsn}",
        nsn,
        f"0{nsn[:2]} {nsn[2:5]} {nsn[5:]}",
    ):
        assert normalize_msisdn(form, "233") == expected
    # The other default does not change an international form.
    assert normalize_msisdn(f"+233{nsn}", "237") == expected


@given(cameroon_nsn)
def test_every_written_form_of_a_cameroon_number_normalizes_alike(nsn: str) -> None:
    expected = "237" + nsn
    for form in (f"+237{nsn}", f"237{nsn}", nsn, f"00237{nsn}"):
        assert normalize_msisdn(form, "237") == expected


@given(st.one_of(ghana_nsn.map(lambda n: "0" + n), cameroon_nsn.map(lambda n: "+237" + n)))
def test_normalize_is_idempotent_and_gives_digits_only(raw: str) -> None:
    once = normalize_msisdn(raw, "233")
    assert once.isdigit()
    assert normalize_msisdn(once, "233") == once
    assert normalize_msisdn("+" + once, "237") == once


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=3), ghana_nsn)
def test_any_letter_is_refused(letters: str, nsn: str) -> None:
    with pytest.raises(ValueError):
        normalize_msisdn(f"0{nsn[:4]}{letters}{nsn[4:]}", "233")


@given(st.from_regex(r"[1-9][0-9]{0,7}|[1-9][0-9]{9,13}", fullmatch=True))
def test_ghana_numbers_of_the_wrong_length_are_refused(nsn: str) -> None:
    with pytest.raises(ValueError):
        normalize_msisdn("+233" + nsn, "233")
    with pytest.raises(ValueError):
        normalize_msisdn("0" + nsn, "233")


# -- Ghana -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "network"),
    [
        ("24", "mtn"),
        ("25", "mtn"),  # not in phonenumbers' data yet: DEFAULT_OVERRIDES
        ("53", "mtn"),
        ("54", "mtn"),
        ("55", "mtn"),
        ("59", "mtn"),
        ("20", "telecel"),
        ("50", "telecel"),
        ("26", "airteltigo"),
        ("27", "airteltigo"),
        ("56", "airteltigo"),
        ("57", "airteltigo"),
        ("23", "airteltigo"),  # phonenumbers' carrier data: AT (the old table said Glo)
        ("28", None),  # Expresso
        ("30", None),  # fixed line, Greater Accra
        ("51", None),
    ],
)
def test_ghana_network_by_prefix(prefix: str, network: str | None) -> None:
    assert ghana_network(f"233{prefix}1234567") == network
    assert ghana_network(f"0{prefix}1234567") == network
    assert ghana_network(f"+233 {prefix} 123 4567") == network


def test_ghana_network_is_none_for_other_countries() -> None:
    assert ghana_network("+237677123456") is None
    assert ghana_network("+447911123456") is None


def test_ghana_network_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        ghana_network("024-CALL-ME")


# -- Cameroon ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "network"),
    [
        ("650", "mtn"),
        ("654", "mtn"),
        ("670", "mtn"),
        ("677", "mtn"),
        ("679", "mtn"),
        ("680", "mtn"),
        ("683", "mtn"),
        ("655", "orange"),
        ("659", "orange"),
        ("690", "orange"),
        ("699", "orange"),
        ("640", "orange"),
        ("686", "orange"),
        ("689", "orange"),
        ("641", "orange"),  # phonenumbers' data (the old hand-written table said "not open")
        ("642", "orange"),
        ("645", None),  # not allocated
        ("660", None),  # Nexttel
        ("669", None),
        ("684", None),  # Nexttel
        ("685", None),
        ("620", None),  # Camtel
        ("222", None),  # fixed line, Yaoundé
        ("233", None),
    ],
)
def test_cameroon_network_by_prefix(prefix: str, network: str | None) -> None:
    assert cameroon_network(f"237{prefix}123456") == network
    assert cameroon_network(f"{prefix}123456") == network
    assert cameroon_network(f"+237 {prefix[0]} {prefix[1:]} 12 34 56") == network


@given(st.from_regex(r"6[0-9]{8}", fullmatch=True))
def test_cameroon_network_depends_only_on_the_first_three_digits(nsn: str) -> None:
    assert cameroon_network("237" + nsn) == cameroon_network("237" + nsn[:3] + "000000")


def test_cameroon_network_is_none_for_other_countries() -> None:
    assert cameroon_network("+233241234567") is None


def test_cameroon_network_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        cameroon_network("6771234")


# -- phonenumbers' metadata beyond the two plans, and the operator's overrides ------------


def test_other_countries_follow_phonenumbers_metadata() -> None:
    assert normalize_msisdn("+225 07 01 02 03 04", "233") == "2250701020304"  # a leading 0 is Ivorian
    assert normalize_msisdn("0701020304", "225") == "2250701020304"  # no trunk prefix there
    assert normalize_msisdn("+1 555 123 4567", "233") == "15551234567"
    with pytest.raises(ValueError, match="is not a country's"):
        normalize_msisdn("0241234567", "999")


@pytest.fixture
def overrides():  # type: ignore[no-untyped-def]
    saved = prefix_overrides()
    yield set_prefix_overrides
    set_prefix_overrides(saved)


def test_overrides_win_over_phonenumbers_longest_prefix_first(overrides) -> None:  # type: ignore[no-untyped-def]
    assert cameroon_network("+237699123456") == "orange"
    overrides({"CM": {"69": "mtn", "6991": None}, "GH": {}})
    assert cameroon_network("+237699123456") is None  # 6991 beats 69
    assert cameroon_network("+237698123456") == "mtn"
    assert cameroon_network("+237677123456") == "mtn"  # phonenumbers still answers the rest
    assert ghana_network("0251234567") is None  # the operator's table replaced the defaults


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"NG": {"80": "mtn"}}, "'NG' is not one of"),
        ({"CM": {"6x": "mtn"}}, "must be 1 to 8 digits"),
        ({"CM": {"650": "telecel"}}, "'telecel' is not one of ['mtn', 'orange']"),
        ({"GH": ["24"]}, "must map prefixes to networks"),
    ],
)
def test_bad_overrides_are_refused(table: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_prefix_overrides(table)  # type: ignore[arg-type]
