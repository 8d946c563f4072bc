"""What every part of the Peex product shares: its names, the platform's terms (Policy), the
ledger accounts, and the document's time and number formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from peerx.core import ledger
from peerx.settings import Settings

SURFACE = "peex"
CURRENCY = "XAF"  # the solde, fees, limits and every payout
COUNTRY = "CM"
TYPE = "mobile"
NETWORK_RAILS = {"mtn": "mtn_momo", "orange": "orange_money"}
RAIL_NETWORKS = {rail: network for network, rail in NETWORK_RAILS.items()}


@dataclass(frozen=True)
class Policy:
    """The platform's terms, from settings (docs/remittances.md)."""

    max_amount: int
    default_mtn_fee: int
    default_orange_fee: int
    retry_every: timedelta
    reject_after: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            max_amount=settings.peex_max_amount,
            default_mtn_fee=settings.peex_default_mtn_fee,
            default_orange_fee=settings.peex_default_orange_fee,
            retry_every=timedelta(seconds=settings.peex_balance_retry_seconds),
            reject_after=timedelta(seconds=settings.peex_reject_after_seconds),
        )


# ---------------------------------------------------------------- ledger accounts
# The partner's solde is its XAF wallet. A payout holds amount + fee from it into
# `remittances_in_flight` and, when the float is tracked, reserves the amount from the float at
# the operator; paid posts both and moves the fee to `remittance_fees`; failed voids both.


def wallet_account(party_id: int, livemode: bool) -> ledger.AccountSpec:
    return ledger.party_wallet(party_id, CURRENCY, livemode)


def in_flight_account(livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("remittances_in_flight", CURRENCY, livemode)


def fees_account(livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("remittance_fees", CURRENCY, livemode)


def untracked_payouts_account(rail: str, livemode: bool) -> ledger.AccountSpec:
    """Where paid amounts go when the rail's float is not tracked (no float was ever set)."""
    return ledger.platform_account(f"paid_out:{rail}", CURRENCY, livemode)


def wire_time(moment: datetime) -> str:
    """As the document's samples: 2022-07-27T12:49:36.066Z (UTC, milliseconds)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def one_decimal(amount: int) -> Decimal:
    """XAF as the document's sample prints the solde and fees: 1341.0, 500.0."""
    return Decimal(amount).quantize(Decimal("0.1"))
