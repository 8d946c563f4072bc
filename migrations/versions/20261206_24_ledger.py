"""core: a ledger transfer, post or void as one server-side statement on PostgreSQL (PL/pgSQL)

The hot account's row lock is then held for one round trip at most, never while Python prepares
the next statement. SQLite keeps the ORM path (its write lock is taken at BEGIN anyway), so this
migration does nothing there.

Why a function and not one data-modifying CTE: every statement inside a VOLATILE PL/pgSQL
function takes its own snapshot under READ COMMITTED, so the argument is the textbook one.
`SELECT ... FOR UPDATE` of one row by primary key waits for any holder and then returns the
newest committed version (PostgreSQL re-reads the row once the lock is granted); from then until
our commit nobody else can change the row. So the totals we check are exactly the totals we
write, the two locks are taken one after the other in primary-key order (the order every
writer uses, so no deadlock), and a refused transfer returns before its first write (nothing to
undo, the caller's transaction stays usable). In one CTE all parts share one snapshot and run
in an order the planner picks: an UPDATE could take the second lock before the first.

Revision ID: 20261206_24_ledger
Revises: 20261206_22_buyoffer
Create Date: 2026-12-06 14:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261206_24_ledger"
down_revision: str | None = "20261206_23_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Which limit an account breaks ('' for none): the two flags of ledger._check_limits.
BREAKS = """
CREATE OR REPLACE FUNCTION peerx_ledger_breaks(a ledger_accounts) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (a.flag = 'debits_must_not_exceed_credits'
            AND a.debits_pending + a.debits_posted > a.credits_posted)
        OR (a.flag = 'credits_must_not_exceed_debits'
            AND a.credits_pending + a.credits_posted > a.debits_posted)
$$
"""

# Lock both accounts in primary-key order, apply, check both (debit first, as the ORM path),
# write both totals and the transfer row. A refusal returns the breaking account (no write).
TRANSFER = """
CREATE OR REPLACE FUNCTION peerx_ledger_transfer(
    p_debit bigint, p_credit bigint, p_amount bigint, p_pending boolean,
    p_code varchar, p_reference varchar, p_created_at timestamp,
    OUT o_transfer_id bigint, OUT o_failed_key varchar, OUT o_failed_flag varchar,
    OUT o_d_debits_pending bigint, OUT o_d_debits_posted bigint,
    OUT o_d_credits_pending bigint, OUT o_d_credits_posted bigint,
    OUT o_c_debits_pending bigint, OUT o_c_debits_posted bigint,
    OUT o_c_credits_pending bigint, OUT o_c_credits_posted bigint,
    OUT o_currency varchar, OUT o_livemode boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d ledger_accounts%ROWTYPE;
    c ledger_accounts%ROWTYPE;
BEGIN
    IF p_debit < p_credit THEN
        SELECT * INTO STRICT d FROM ledger_accounts WHERE id = p_debit FOR UPDATE;
        SELECT * INTO STRICT c FROM ledger_accounts WHERE id = p_credit FOR UPDATE;
    ELSE
        SELECT * INTO STRICT c FROM ledger_accounts WHERE id = p_credit FOR UPDATE;
        SELECT * INTO STRICT d FROM ledger_accounts WHERE id = p_debit FOR UPDATE;
    END IF;
    IF p_pending THEN
        d.debits_pending := d.debits_pending + p_amount;
        c.credits_pending := c.credits_pending + p_amount;
    ELSE
        d.debits_posted := d.debits_posted + p_amount;
        c.credits_posted := c.credits_posted + p_amount;
    END IF;
    IF peerx_ledger_breaks(d) THEN
        o_failed_key := d.key; o_failed_flag := d.flag; RETURN;
    END IF;
    IF peerx_ledger_breaks(c) THEN
        o_failed_key := c.key; o_failed_flag := c.flag; RETURN;
    END IF;
    UPDATE ledger_accounts SET debits_pending = d.debits_pending, debits_posted = d.debits_posted,
        credits_pending = d.credits_pending, credits_posted = d.credits_posted WHERE id = d.id;
    UPDATE ledger_accounts SET debits_pending = c.debits_pending, debits_posted = c.debits_posted,
        credits_pending = c.credits_pending, credits_posted = c.credits_posted WHERE id = c.id;
    INSERT INTO ledger_transfers (debit_account_id, credit_account_id, amount, currency, livemode, kind,
                                  pending_id, pending_state, code, reference, created_at)
    VALUES (d.id, c.id, p_amount, d.currency, d.livemode,
            CASE WHEN p_pending THEN 'pending' ELSE 'single' END,
            NULL, CASE WHEN p_pending THEN 'pending' END, p_code, p_reference, p_created_at)
    RETURNING id INTO o_transfer_id;
    o_d_debits_pending := d.debits_pending; o_d_debits_posted := d.debits_posted;
    o_d_credits_pending := d.credits_pending; o_d_credits_posted := d.credits_posted;
    o_c_debits_pending := c.debits_pending; o_c_debits_posted := c.debits_posted;
    o_c_credits_pending := c.credits_pending; o_c_credits_posted := c.credits_posted;
    o_currency := d.currency; o_livemode := d.livemode;
END
$$
"""

# Post (p_post, all when p_amount is NULL, else part) or void a reservation. The reservation row
# is locked first: it is what two resolvers race for; the loser waits, then reads its new state.
# o_status: ok | not_found | conflict (o_failed_flag = the state) | bad_amount | insufficient.
RESOLVE = """
CREATE OR REPLACE FUNCTION peerx_ledger_resolve(
    p_pending_id bigint, p_post boolean, p_amount bigint, p_code varchar, p_created_at timestamp,
    OUT o_status varchar, OUT o_transfer_id bigint, OUT o_amount bigint,
    OUT o_debit_id bigint, OUT o_credit_id bigint, OUT o_currency varchar, OUT o_livemode boolean,
    OUT o_reference varchar, OUT o_failed_key varchar, OUT o_failed_flag varchar,
    OUT o_d_debits_pending bigint, OUT o_d_debits_posted bigint,
    OUT o_d_credits_pending bigint, OUT o_d_credits_posted bigint,
    OUT o_c_debits_pending bigint, OUT o_c_debits_posted bigint,
    OUT o_c_credits_pending bigint, OUT o_c_credits_posted bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    p ledger_transfers%ROWTYPE;
    d ledger_accounts%ROWTYPE;
    c ledger_accounts%ROWTYPE;
BEGIN
    SELECT * INTO p FROM ledger_transfers WHERE id = p_pending_id FOR UPDATE;
    IF NOT FOUND OR p.kind <> 'pending' THEN
        o_status := 'not_found'; RETURN;
    END IF;
    IF p.pending_state <> 'pending' THEN
        o_status := 'conflict'; o_failed_flag := p.pending_state; RETURN;
    END IF;
    o_amount := CASE WHEN p_post THEN coalesce(p_amount, p.amount) ELSE p.amount END;
    IF p_post AND NOT (o_amount > 0 AND o_amount <= p.amount) THEN
        o_status := 'bad_amount'; RETURN;
    END IF;
    IF p.debit_account_id < p.credit_account_id THEN
        SELECT * INTO STRICT d FROM ledger_accounts WHERE id = p.debit_account_id FOR UPDATE;
        SELECT * INTO STRICT c FROM ledger_accounts WHERE id = p.credit_account_id FOR UPDATE;
    ELSE
        SELECT * INTO STRICT c FROM ledger_accounts WHERE id = p.credit_account_id FOR UPDATE;
        SELECT * INTO STRICT d FROM ledger_accounts WHERE id = p.debit_account_id FOR UPDATE;
    END IF;
    d.debits_pending := d.debits_pending - p.amount;
    c.credits_pending := c.credits_pending - p.amount;
    IF p_post THEN
        d.debits_posted := d.debits_posted + o_amount;
        c.credits_posted := c.credits_posted + o_amount;
        IF peerx_ledger_breaks(d) THEN
            o_status := 'insufficient'; o_failed_key := d.key; o_failed_flag := d.flag; RETURN;
        END IF;
        IF peerx_ledger_breaks(c) THEN
            o_status := 'insufficient'; o_failed_key := c.key; o_failed_flag := c.flag; RETURN;
        END IF;
    END IF;
    UPDATE ledger_accounts SET debits_pending = d.debits_pending, debits_posted = d.debits_posted,
        credits_pending = d.credits_pending, credits_posted = d.credits_posted WHERE id = d.id;
    UPDATE ledger_accounts SET debits_pending = c.debits_pending, debits_posted = c.debits_posted,
        credits_pending = c.credits_pending, credits_posted = c.credits_posted WHERE id = c.id;
    UPDATE ledger_transfers SET pending_state = CASE WHEN p_post THEN 'posted' ELSE 'voided' END
        WHERE id = p.id;
    INSERT INTO ledger_transfers (debit_account_id, credit_account_id, amount, currency, livemode, kind,
                                  pending_id, pending_state, code, reference, created_at)
    VALUES (d.id, c.id, o_amount, p.currency, p.livemode,
            CASE WHEN p_post THEN 'post_pending' ELSE 'void_pending' END,
            p.id, NULL, p_code, p.reference, p_created_at)
    RETURNING id INTO o_transfer_id;
    o_status := 'ok';
    o_debit_id := d.id; o_credit_id := c.id; o_currency := p.currency; o_livemode := p.livemode;
    o_reference := p.reference;
    o_d_debits_pending := d.debits_pending; o_d_debits_posted := d.debits_posted;
    o_d_credits_pending := d.credits_pending; o_d_credits_posted := d.credits_posted;
    o_c_debits_pending := c.debits_pending; o_c_debits_posted := c.debits_posted;
    o_c_credits_pending := c.credits_pending; o_c_credits_posted := c.credits_posted;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for ddl in (BREAKS, TRANSFER, RESOLVE):
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS peerx_ledger_resolve(bigint, boolean, bigint, varchar, timestamp)")
    op.execute(
        "DROP FUNCTION IF EXISTS peerx_ledger_transfer(bigint, bigint, bigint, boolean, varchar, varchar, timestamp)"
    )
    op.execute("DROP FUNCTION IF EXISTS peerx_ledger_breaks(ledger_accounts)")
