"""Test cards: in test mode a trade submitted with one of these card numbers reviews itself
(after PEERX_GIFTCARDS_SANDBOX_DELAY_SECONDS), so integrators can test every outcome alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TestCard:
    card_number: str
    decision: str  # "approved" or "rejected"
    description: str
    approved_fraction: Decimal = Decimal(1)
    reason: str = ""


TEST_CARDS = (
    TestCard("4000000000000001", "approved", "Approved for the full card amount."),
    TestCard(
        "4000000000000002",
        "rejected",
        "Rejected: the card was already redeemed.",
        reason="Card has already been redeemed.",
    ),
    TestCard(
        "4000000000000003",
        "approved",
        "Partly valid: approved for half of the card amount.",
        approved_fraction=Decimal("0.5"),
    ),
)


def outcome_for(card_number: str) -> TestCard | None:
    compact = re.sub(r"[^0-9]", "", card_number)
    return next((card for card in TEST_CARDS if card.card_number == compact), None)


def test_cards_view() -> list[dict[str, object]]:
    return [
        {"card_number": card.card_number, "outcome": _outcome_name(card), "description": card.description}
        for card in TEST_CARDS
    ]


def _outcome_name(card: TestCard) -> str:
    if card.decision == "rejected":
        return "rejected"
    return "approved" if card.approved_fraction == 1 else "partially_approved"
