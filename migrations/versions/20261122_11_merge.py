"""join the bitcoin part 2, console and escrow branches

Revision ID: 20261122_11_merge
Revises: 20261122_07_bitcoin_contracts, 20261122_08_bitcoin_social, 20261122_09_console, 20261122_10_escrow
Create Date: 2026-11-22 07:40:00
"""

from collections.abc import Sequence

revision: str = "20261122_11_merge"
down_revision: str | tuple[str, ...] | None = (
    "20261122_07_bitcoin_contracts",
    "20261122_08_bitcoin_social",
    "20261122_09_console",
    "20261122_10_escrow",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
