"""Escrow's ledger accounts: each transaction's escrow account (online and face to face), the
seller's wallet, and the platform's card pay-ins, fees and payouts in flight. The lowest room of
the product's money: the kernel and the payouts both build on it."""

from __future__ import annotations

from peerx.core import ledger
from peerx.products.escrow.models import EscrowP2PTransaction, EscrowTransaction


def escrow_account(tx: EscrowTransaction | EscrowP2PTransaction) -> ledger.AccountSpec:
    """The transaction's own account (it may never go negative); online and face-to-face ids
    are separate sequences, so their keys differ."""
    prefix = "escrow_tx" if isinstance(tx, EscrowTransaction) else "escrow_p2p"
    return ledger.AccountSpec(
        f"{prefix}:{tx.id}",
        "escrow",
        tx.currency.upper(),
        tx.livemode,
        ledger.AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )


def seller_wallet(user_id: int, currency: str, livemode: bool) -> ledger.AccountSpec:
    return ledger.AccountSpec(
        f"escrow_user:{user_id}",
        "wallet",
        currency.upper(),
        livemode,
        ledger.AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )


def card_payins_account(currency: str, livemode: bool) -> ledger.AccountSpec:
    """Money received from (and refunded to) card networks: its balance mirrors the rail's."""
    return ledger.platform_account("card_payins", currency.upper(), livemode)


def fees_account(currency: str, livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("fees", currency.upper(), livemode)


def in_flight_account(currency: str, livemode: bool) -> ledger.AccountSpec:
    """Payouts sent to a rail and not yet settled."""
    return ledger.platform_account("escrow_payouts", currency.upper(), livemode)
