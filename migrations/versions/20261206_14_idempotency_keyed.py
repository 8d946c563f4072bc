"""core: Idempotency-Key fingerprints become keyed (HMAC-SHA256, server pepper); the unkeyed ones
are erased and their keys replay by key only until they expire

An unkeyed fingerprint is a SHA-256 over the request's parameters, which may include a card
number: from a database dump it gives the number back. It cannot be rewritten as a keyed one
without the original request, so it is set to NULL, which `reserve` reads as "replay the stored
response without comparing": a client retrying across the upgrade gets its first response, never
a second run (and not a spurious mismatch). Deleting the rows would have let that retry run
again. The marked rows expire within 24 hours like every key.

Revision ID: 20261206_14_idempotency_keyed
Revises: 20261204_13_operator_password
Create Date: 2026-12-06 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_14_idempotency_keyed"
down_revision: str | None = "20261204_13_operator_password"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("fingerprint", existing_type=sa.String(64), nullable=True)
    op.execute("UPDATE idempotency_keys SET fingerprint = NULL")


def downgrade() -> None:
    # The old code compares every fingerprint: an empty one makes a retry of a marked key an
    # error (422) rather than a second run. Keyed fingerprints stay; the old code reads them as
    # another request's, with the same outcome, until they expire.
    op.execute("UPDATE idempotency_keys SET fingerprint = '' WHERE fingerprint IS NULL")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("fingerprint", existing_type=sa.String(64), nullable=False)
