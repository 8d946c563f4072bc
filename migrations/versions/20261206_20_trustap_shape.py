"""escrow: each OAuth client's API shape (document | openapi), the OpenID Connect nonce of an
authorization code, and a face-to-face deposit's payment method

Every client registered before answers as it always did (`document`); every deposit so far was
paid by card.

Revision ID: 20261206_20_trustap_shape
Revises: 20261206_19_v069
Create Date: 2026-12-06 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_20_trustap_shape"
down_revision: str | None = "20261206_19_v069"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escrow_oauth_clients") as batch:
        batch.add_column(sa.Column("shape", sa.String(length=10), nullable=False, server_default="document"))
    with op.batch_alter_table("escrow_oauth_codes") as batch:
        batch.add_column(sa.Column("nonce", sa.String(length=255), nullable=True))
    with op.batch_alter_table("escrow_p2p_transactions") as batch:
        batch.add_column(
            sa.Column("deposit_payment_method", sa.String(length=30), nullable=False, server_default="card")
        )


def downgrade() -> None:
    with op.batch_alter_table("escrow_p2p_transactions") as batch:
        batch.drop_column("deposit_payment_method")
    with op.batch_alter_table("escrow_oauth_codes") as batch:
        batch.drop_column("nonce")
    with op.batch_alter_table("escrow_oauth_clients") as batch:
        batch.drop_column("shape")
