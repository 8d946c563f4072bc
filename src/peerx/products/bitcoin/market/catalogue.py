"""Payment methods: currencies, anonymity and field templates, from the document's table.

A template's "mandatory" is a list of requirements that must all hold; each requirement is a
list of alternatives, and an alternative is a list of fields that go together:
[[["beneficiary"]], [["iban", "bic"], ["accountNumber"]]] = beneficiary AND (iban+bic OR accountNumber)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Fields the app never hashes (peach-app src/utils/paymentMethod/hashPaymentData.ts): shared by
# many accounts (a bank's BIC or sort code) or personal (a name, an address, a reference), so
# they cannot identify a payment account. Every other field is an account identifier.
NOT_HASHED = frozenset(
    {"beneficiary", "bic", "name", "reference", "ukSortCode", "mpesa_name", "residentialAddress", "mpesa_finalCurrency"}
)

EUROPE = ["EUR", "CHF", "GBP", "CZK", "DKK", "HUF", "PLN", "NOK", "SEK", "BGN", "ISK", "RON"]


@dataclass(frozen=True)
class Method:
    id: str
    currencies: tuple[str, ...]
    anonymous: bool
    mandatory: tuple[tuple[tuple[str, ...], ...], ...]
    optional: tuple[str, ...] = ("reference",)

    @property
    def min_fields(self) -> int:
        return sum(min(len(alt) for alt in requirement) for requirement in self.mandatory)

    @property
    def max_fields(self) -> int:
        fields = {f for requirement in self.mandatory for alt in requirement for f in alt}
        return len(fields) + len(self.optional)

    @property
    def min_identifiers(self) -> int:
        """The fewest account identifiers (hashed fields) filled-in data of this method has."""
        return sum(
            min(len([f for f in alt if f not in NOT_HASHED]) for alt in requirement) for requirement in self.mandatory
        )

    def hash_count(self) -> tuple[int, int]:
        """How many hashes an offer may give for this method: the app's (one per identifier
        field filled in) up to the document's (one per template field). Cash has no template."""
        if is_cash(self.id):
            return 0, 5
        return min(self.min_identifiers, self.min_fields), self.max_fields

    def template(self) -> dict[str, Any]:
        return {"mandatory": [[list(alt) for alt in req] for req in self.mandatory], "optional": list(self.optional)}


def _all(*fields: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    return tuple(((f,),) for f in fields)


def _any(*fields: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    return (tuple((f,) for f in fields),)


_BANK_OR_ACCOUNT = (("beneficiary",),), (("iban", "bic"), ("accountNumber",))

METHODS: dict[str, Method] = {
    m.id: m
    for m in (
        Method("sepa", ("EUR",), False, _all("beneficiary", "iban", "bic")),
        Method("instantSepa", ("EUR",), False, _all("beneficiary", "iban", "bic")),
        Method("paypal", tuple(EUROPE[:9]), False, _any("userName", "email", "phone")),
        Method("revolut", tuple(EUROPE[:9]), False, _any("userName", "email", "phone")),
        Method("wise", tuple(EUROPE[:9]), False, _any("userName", "email", "phone")),
        Method("n26", ("EUR",), False, _any("userName", "email", "phone")),
        Method("twint", ("CHF",), False, _all("beneficiary", "phone")),
        Method("swish", ("SEK",), False, _all("beneficiary", "phone")),
        Method("vipps", ("NOK",), False, _all("beneficiary", "phone")),
        Method("mobilePay", ("DKK", "EUR"), False, _all("beneficiary", "phone")),
        Method("blik", ("PLN",), False, _all("beneficiary", "phone")),
        Method("bizum", ("EUR",), False, _all("beneficiary", "phone")),
        Method("mbWay", ("EUR",), False, _all("beneficiary", "phone")),
        Method("satispay", ("EUR",), False, _all("beneficiary", "phone")),
        Method("fasterPayments", ("GBP",), False, _all("beneficiary", "ukBankAccount", "ukSortCode")),
        Method("nationalTransferCZ", ("CZK",), False, _BANK_OR_ACCOUNT),
        Method("nationalTransferDK", ("DKK",), False, _BANK_OR_ACCOUNT),
        Method("nationalTransferHU", ("HUF",), False, _BANK_OR_ACCOUNT),
        Method("nationalTransferNO", ("NOK",), False, _BANK_OR_ACCOUNT),
        Method("nationalTransferPL", ("PLN",), False, _BANK_OR_ACCOUNT),
        Method("nationalTransferRO", ("RON",), False, _BANK_OR_ACCOUNT),
        Method("nationalTransferBG", ("BGN",), False, _BANK_OR_ACCOUNT),
        Method("skrill", ("EUR", "GBP", "USD"), False, _all("beneficiary", "email")),
        Method("neteller", ("EUR", "GBP", "USD"), False, _all("beneficiary", "email")),
        Method("giftCard.amazon.DE", ("EUR",), True, _all("beneficiary", "email")),
        Method("liquid", ("USDT",), True, _all("receiveAddress"), ()),
        Method("lnurl", ("EUR", "CHF", "GBP"), True, _all("lnurlAddress"), ()),
        Method("mtn", ("XAF", "XOF", "GHS"), False, _all("phone")),
        Method("orangeMoney", ("XAF", "XOF"), False, _all("phone")),
        Method("m-pesa", ("KES",), False, _all("phone")),
        Method("wave", ("XOF",), False, _all("phone")),
        Method("cash.lv.riga.baltic-honeybadger", ("EUR",), True, (), ()),
    )
}


def is_cash(method_id: str) -> bool:
    return method_id.startswith("cash.")


def info_view() -> list[dict[str, Any]]:
    return [{"id": m.id, "currencies": list(m.currencies), "anonymous": m.anonymous} for m in METHODS.values()]


def templates_view() -> dict[str, Any]:
    return {m.id: m.template() for m in METHODS.values()}


def currencies() -> set[str]:
    return {c for m in METHODS.values() for c in m.currencies}
