"""core: on PostgreSQL, every insert into jobs notifies channel peerx_jobs (sent at commit), so a
LISTENing worker claims new jobs at once instead of at its next poll

Revision ID: 20261206_25_webhooks
Revises: 20261206_22_buyoffer
Create Date: 2026-12-06 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261206_25_webhooks"
down_revision: str | None = "20261206_24_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the embedded worker is woken in process; a separate worker polls
    # A statement trigger: one notification per inserting statement (PostgreSQL folds identical
    # ones within a transaction), and no round trip for the transaction that queues the job.
    op.execute(
        """
        CREATE FUNCTION peerx_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('peerx_jobs', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER jobs_notify AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION peerx_jobs_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS jobs_notify ON jobs")
    op.execute("DROP FUNCTION IF EXISTS peerx_jobs_notify()")
