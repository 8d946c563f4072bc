"""escrow: OAuth clients may ask for every scope of the public Trustap spec; clients registered
with every scope peerx knew get the four it now knows too

A client's `scope` lists what it may ask for. `peerx escrow clients create` registers a client
with every known scope, so a client holding all fifteen earlier ones was registered that way and
gets `profile`, `p2p_ls:offline_update`, `p2p_tx:offline_claim` and `p2p_tx:offline_set_price`.
A client an operator narrowed keeps its list.

Revision ID: 20261206_16_trustap_scopes
Revises: 20261122_10_escrow
Create Date: 2026-12-06 09:10:00.000000
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_16_trustap_scopes"
down_revision: str | None = "20261122_10_escrow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIER = [
    "openid",
    "basic_ls:offline_accept_listing",
    "basic_ls:offline_create",
    "basic_tx:offline_accept_payment",
    "basic_tx:offline_cancel",
    "basic_tx:offline_claim",
    "basic_tx:offline_complain",
    "basic_tx:offline_create_join",
    "basic_tx:offline_track",
    "p2p_ls:offline_create",
    "p2p_tx:offline_accept_deposit",
    "p2p_tx:offline_cancel",
    "p2p_tx:offline_complain",
    "p2p_tx:offline_confirm_handover",
    "p2p_tx:offline_create_join",
]
ADDED = ["p2p_ls:offline_update", "p2p_tx:offline_claim", "p2p_tx:offline_set_price", "profile"]

clients = sa.table("escrow_oauth_clients", sa.column("id", sa.Integer), sa.column("scope", sa.Text))


def _rewrite(change: Callable[[list[str]], list[str] | None]) -> None:
    """Each client's scope list through `change` (None: leave it)."""
    bind = op.get_bind()
    for row_id, scope in bind.execute(sa.select(clients.c.id, clients.c.scope)).all():
        changed = change(scope.split())
        if changed is not None:
            bind.execute(clients.update().where(clients.c.id == row_id).values(scope=" ".join(changed)))


def upgrade() -> None:
    _rewrite(lambda held: held + [s for s in ADDED if s not in held] if set(EARLIER) <= set(held) else None)


def downgrade() -> None:
    # The old code refuses a token request for a scope it does not know; drop them again.
    _rewrite(lambda held: [s for s in held if s not in ADDED] if set(held) & set(ADDED) else None)
