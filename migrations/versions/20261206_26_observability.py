"""core: jobs.request_id, the X-Request-Id of the request that queued the job, set again while the
job runs so its log lines and outbound calls carry it (docs/observability.md)

Revision ID: 20261206_26_observability
Revises: 20261206_25_webhooks
Create Date: 2026-12-06 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_26_observability"
down_revision: str | None = "20261206_25_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: adding it rewrites no row on PostgreSQL and SQLite.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("request_id")
