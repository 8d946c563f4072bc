"""join the product branches

Revision ID: 20261122_06_merge
Revises: 20261122_02_vouchers, 20261122_03_remittances, 20261122_04_escrow, 20261122_05_bitcoin
Create Date: 2026-11-22 04:05:11.288909
"""

from collections.abc import Sequence

revision: str = "20261122_06_merge"
down_revision: str | tuple[str, ...] | None = (
    "20261122_02_vouchers",
    "20261122_03_remittances",
    "20261122_04_escrow",
    "20261122_05_bitcoin",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
