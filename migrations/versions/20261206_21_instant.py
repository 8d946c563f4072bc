"""bitcoin: instant trades on sell offers: the sell offer's v069 terms and a contract's payment data encryption

Revision ID: 20261206_21_instant
Revises: 20261206_20_trustap_shape
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_21_instant"
down_revision: str | None = "20261206_20_trustap_shape"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peach_sell_offer_terms",
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instant_trade_criteria", sa.JSON(), nullable=True),
        sa.Column("experience_level", sa.String(length=24), nullable=True),
        sa.Column("payment_secrets", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["peach_offers.id"], name=op.f("fk_peach_sell_offer_terms_offer_id_peach_offers")
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_peach_sell_offer_terms")),
    )
    with op.batch_alter_table("peach_contracts") as batch:
        batch.add_column(sa.Column("payment_data_encryption_method", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("peach_contracts") as batch:
        batch.drop_column("payment_data_encryption_method")
    op.drop_table("peach_sell_offer_terms")
