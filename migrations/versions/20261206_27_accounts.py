"""core: the account lifecycle: a party can be suspended (with the operator's reason), a rolled
API key keeps working until its grace ends, and a webhook endpoint whose secret was rotated
still signs with the previous secret (beside the new one) until that secret expires

Revision ID: 20261206_27_accounts
Revises: 20261206_26_observability
Create Date: 2026-12-06 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from peerx.core.db import UTCDateTime

revision: str = "20261206_27_accounts"
down_revision: str | None = "20261206_26_observability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD/DROP COLUMN, not batch mode: SQLite (3.35+) does both in place, and recreating
# `parties` (which other tables reference) would fail its foreign keys on a database with rows.
COLUMNS = (
    ("parties", "suspended_at", UTCDateTime),
    ("parties", "suspended_reason", sa.Text),
    ("credentials", "expires_at", UTCDateTime),
    ("webhook_endpoints", "previous_secret_encrypted", sa.Text),
    ("webhook_endpoints", "previous_secret_expires_at", UTCDateTime),
)


def upgrade() -> None:
    for table, column, kind in COLUMNS:
        op.add_column(table, sa.Column(column, kind(), nullable=True))


def downgrade() -> None:
    for table, column, _ in reversed(COLUMNS):
        op.drop_column(table, column)
