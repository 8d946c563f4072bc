"""bitcoin: offer search: the online offers of a type in id order (index-only counts and merge
joins with peach_offer_methods), and on PostgreSQL the statistics of (currency, method) pairs

Revision ID: 20261206_23_search
Revises: 20261206_22_buyoffer
Create Date: 2026-12-06 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261206_23_search"
down_revision: str | None = "20261206_22_buyoffer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A currency and its methods are correlated (twint is CHF only): without the pairs' own
# statistics PostgreSQL multiplies the two selectivities, takes "CHF twint" for 5x rarer than it
# is and builds a hash of all 40,000 of them to count 1,000 matches. SQLite has no equivalent.
STATISTICS = "st_peach_offer_methods_currency_method"


def upgrade() -> None:
    op.create_index("ix_peach_offers_search_id", "peach_offers", ["online", "type", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE STATISTICS {STATISTICS} (mcv, dependencies) ON currency, method FROM peach_offer_methods")
        op.execute("ANALYZE peach_offer_methods")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
    op.drop_index("ix_peach_offers_search_id", table_name="peach_offers")
