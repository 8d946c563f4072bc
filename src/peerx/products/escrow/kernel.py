"""The transaction kernel: what an online (basic) and a face-to-face (p2p) escrow transaction have
in common, written once. The two flows (online.py, p2p.py) are thin `Flow`s on top of it that add
only their own steps and checks.

The kernel holds: the state errors and party checks, joining and rejecting by join code, the
card payment held in escrow (two pending transfers per payment: the seller's part and the fee),
release (post the holds, pay the seller out) and refund (void the holds, send each payment back
to the card), the complaint (recording it, the seller accepting it, the operator resolving it),
the complaint period running out, deadlines as jobs, and the notification + webhook each step
sends. A `Flow` adapts the kernel to its table (`EscrowTransaction` or `EscrowP2PTransaction`):
its event prefix, its wire view, which columns say "paid" and "settled", and how it releases and
refunds its payments.

Takes a session, raises core errors (the spec's code in details["code"]), emits events and
notifications; the request, job or CLI owns the transaction."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger
from peerx.core.db import utcnow
from peerx.core.errors import Conflict, Forbidden, InvalidField, NotFound
from peerx.core.events import emit
from peerx.core.jobs import enqueue
from peerx.products.escrow import payouts, repository
from peerx.products.escrow.accounts import card_payins_account, escrow_account, fees_account, seller_wallet
from peerx.products.escrow.models import (
    EscrowJob,
    EscrowNotification,
    EscrowP2PTransaction,
    EscrowTransaction,
    TransactionStatus,
)
from peerx.products.escrow.repository import Actor, Tx
from peerx.products.escrow.wire import OPENAPI_SHAPE, SURFACE, spec_transaction, wire_time
from peerx.rails.payins import PayinResult

ROLES = ("buyer", "seller")
AnyTx = EscrowTransaction | EscrowP2PTransaction


@dataclass(frozen=True)
class Timing:
    complaint_period: timedelta
    tracking_window: timedelta
    carrier_poll: timedelta
    deposit_acceptance: timedelta = timedelta(days=3)  # face to face: the seller's window


@dataclass(frozen=True)
class PayinPlan:
    """What to charge, decided (and marked in flight) before the rail is called."""

    tx_id: int
    stage: str  # basic: "payment"; p2p: "deposit" | "remainder"
    token: str
    amount: int
    currency: str
    livemode: bool
    reference: str  # derived from our ids: the same attempt always sends the same key


PAYIN_STALE = timedelta(minutes=2)  # an in-flight charge older than this may be asked again


# ---------------------------------------------------------------- errors and party checks


def state_error(code: str, message: str) -> Conflict:
    error = Conflict(message)
    error.details["code"] = code
    return error


def forbidden(code: str, message: str) -> Forbidden:
    error = Forbidden(message)
    error.details["code"] = code
    return error


def only(tx: AnyTx, actor: Actor, role: str, what: str) -> None:
    """403 not_buyer / not_seller unless the actor has the role this step belongs to."""
    if actor.user_id != (tx.buyer_id if role == "buyer" else tx.seller_id):
        raise forbidden(f"not_{role}", f"Only the {role} can {what}.")


def not_ended(tx: AnyTx) -> None:
    if tx.cancelled is not None or tx.rejected is not None:
        raise state_error("already_cancelled", "The transaction has been cancelled.")


def check_invitee(tx: AnyTx, actor: Actor, verb: str) -> None:
    """Joining or rejecting by join code: only the invited party, only while the invitation is open
    (a joined transaction is not found by its code at all: repository.by_join_code)."""
    if actor.user_id in (tx.buyer_id, tx.seller_id):
        raise state_error("cannot_join_own_transaction", f"You cannot {verb} your own transaction.")
    not_ended(tx)


def opening(actor: Actor, role: str, currency: str, description: str) -> dict[str, Any]:
    """The columns every new transaction starts with: the creator takes `role`, the other party
    joins later with the join code."""
    now = utcnow()
    return {
        "livemode": actor.livemode,
        "client_id": actor.client_id,
        "client_party_id": actor.client_party_id,
        "status": TransactionStatus.CREATED,
        "join_code": str(uuid.uuid4()),
        "creator_role": role,
        "seller_id": actor.user_id if role == "seller" else None,
        "buyer_id": actor.user_id if role == "buyer" else None,
        "currency": currency.lower(),
        "description": description,
        "created": now,
        "updated_at": now,
    }


# ---------------------------------------------------------------- money


async def queue_card_refund(session: AsyncSession, livemode: bool, payin_id: str, amount: int, reference: str) -> None:
    """The ledger moves now; the card network is told by a job after commit (no network call
    inside the unit of work). The reference is derived from our ids, so a retried job never
    refunds twice (the Stripe connector sends it as the Idempotency-Key)."""
    await enqueue(
        session,
        EscrowJob.CARD_REFUND,
        {"livemode": livemode, "payin_id": payin_id, "amount": amount, "reference": reference},
        unique_key=f"escrow:refund:{reference}",
    )


async def hold_payment(
    session: AsyncSession, tx: AnyTx, *, amount: int, seller_part: int, code: str, reference: str
) -> tuple[int, int | None]:
    """A card payment lands in the transaction's escrow account and is reserved in two pending
    transfers: the seller's part and the platform's fee (the rest). Returns both holds' ids
    (no fee hold when the fee is 0)."""
    assert tx.seller_id is not None
    account = await ledger.get_account(session, escrow_account(tx))
    card = await ledger.get_account(session, card_payins_account(tx.currency, tx.livemode))
    await ledger.transfer(session, card, account, amount, code=code, reference=reference)
    wallet = await ledger.get_account(session, seller_wallet(tx.seller_id, tx.currency, tx.livemode))
    seller_hold = await ledger.transfer(
        session, account, wallet, seller_part, code="escrow.hold_seller", reference=reference, pending=True
    )
    fee = amount - seller_part
    if fee <= 0:
        return seller_hold.id, None
    fees = await ledger.get_account(session, fees_account(tx.currency, tx.livemode))
    fee_hold = await ledger.transfer(
        session, account, fees, fee, code="escrow.hold_fee", reference=reference, pending=True
    )
    return seller_hold.id, fee_hold.id


async def payin_failed(session: AsyncSession, tx: AnyTx, result: PayinResult) -> bool:
    """After the in-flight mark is cleared: a failed charge only counts the attempt (the next one
    sends a new key). True when it failed."""
    if result.succeeded:
        return False
    tx.payin_attempt += 1
    await session.flush()
    return True


async def post_holds(session: AsyncSession, tx: AnyTx, holds: list[tuple[int | None, str]]) -> None:
    """Release: post each open reservation (the seller's part to the wallet, the fee to the
    platform) and start a payout of the seller's balance."""
    for hold, code in holds:
        if hold is not None:
            await ledger.post_pending(session, hold, code=code)
    tx.funds_released = tx.updated_at = utcnow()


async def start_payout(session: AsyncSession, tx: AnyTx) -> None:
    assert tx.seller_id is not None
    await payouts.start(session, tx.seller_id, tx.currency, tx.livemode)


@dataclass(frozen=True)
class Payment:
    """One card payment to send back: its pay-in, amount and the refund's reference."""

    payin_id: str
    amount: int
    reference: str


async def return_payments(
    session: AsyncSession, tx: AnyTx, holds: list[int | None], payments: list[Payment], *, reference: str
) -> int:
    """Refund: void every open reservation, move each payment from escrow back to the card
    account and queue the card refund. Returns the total sent back."""
    for hold in holds:
        if hold is not None:
            await ledger.void_pending(session, hold, code="escrow.refunded")
    escrow = await ledger.get_account(session, escrow_account(tx))
    card = await ledger.get_account(session, card_payins_account(tx.currency, tx.livemode))
    total = 0
    for payment in payments:
        await ledger.transfer(session, escrow, card, payment.amount, code="escrow.refund", reference=reference)
        await queue_card_refund(session, tx.livemode, payment.payin_id, payment.amount, payment.reference)
        total += payment.amount
    return total


async def at_deadline(session: AsyncSession, job: str, tx_id: int, run_at: datetime | None, key: str) -> None:
    """Queue a deadline's job; the key makes a second scheduling of the same deadline a no-op."""
    assert run_at is not None
    await enqueue(session, job, {"transaction_id": tx_id}, run_at=run_at, unique_key=f"{key}:{tx_id}")


# ---------------------------------------------------------------- views and events


def parties(tx: AnyTx) -> dict[str, Any]:
    """The views' client, join code, and each party once there is one."""
    view: dict[str, Any] = {"client_id": tx.client_id, "join_code": tx.join_code}
    if tx.buyer_id is not None:
        view["buyer_id"] = tx.buyer_id
    if tx.seller_id is not None:
        view["seller_id"] = tx.seller_id
    return view


def moments(tx: AnyTx, *names: str) -> dict[str, str]:
    """The views' timestamps: each step's time, in the given order, once the step happened."""
    return {name: stamp for name in names if (stamp := wire_time(getattr(tx, name))) is not None}


async def tell(
    session: AsyncSession, tx: AnyTx, preview: dict[str, Any], code: str, actor_id: int | None, text: str
) -> None:
    """A notification for each party but the actor (none when `text` is empty), and one event
    (webhook) for the client. `basic_tx.*` events target basic/ID, `p2p_tx.*` p2p/ID."""
    now = utcnow()
    target = f"{code.partition('_tx.')[0]}/{tx.id}"
    for user_id in (tx.buyer_id, tx.seller_id):
        if text and user_id is not None and user_id != actor_id:
            session.add(EscrowNotification(user_id=user_id, description=text, target=target, created=now, read=None))
    await session.flush()
    client = await repository.client(session, tx.client_id)
    if client is not None and client.shape == OPENAPI_SHAPE:  # the client's API shape (shapes.py)
        preview = spec_transaction(preview)
    await emit(
        session,
        surface=SURFACE,
        type=code,
        livemode=tx.livemode,
        party_id=tx.client_party_id,
        body={
            "code": code,
            "user_id": str(actor_id) if actor_id is not None else None,
            "target_id": str(tx.id),
            "target_preview": preview,
            "time": wire_time(now),
        },
    )


# ---------------------------------------------------------------- the flow


class Flow(ABC, Generic[Tx]):
    """One kind of transaction over its table. Subclasses say what differs; the steps both kinds
    share are the methods here."""

    model: ClassVar[type[Any]]
    kind: ClassVar[str]  # "basic" | "p2p": event prefix, wire target and payment references
    label: ClassVar[str]  # how operator errors name it

    @abstractmethod
    def tx_view(self, tx: Tx) -> dict[str, Any]:
        """The document's Transaction."""

    @abstractmethod
    def settled(self, tx: Tx) -> bool:
        """The money has gone: released to the seller or refunded to the buyer."""

    @abstractmethod
    def check_paid(self, tx: Tx) -> None:
        """A complaint can be settled only over money that is held."""

    @abstractmethod
    async def release(self, session: AsyncSession, tx: Tx, actor_id: int | None) -> None:
        """Pay the seller everything held."""

    @abstractmethod
    async def refund(self, session: AsyncSession, tx: Tx, actor_id: int | None) -> None:
        """Send the buyer every payment back (the complaint's refund)."""

    async def tell(self, session: AsyncSession, tx: Tx, step: str, actor_id: int | None, text: str) -> None:
        await tell(session, tx, self.tx_view(tx), f"{self.kind}_tx.{step}", actor_id, text)

    async def moved(
        self,
        session: AsyncSession,
        tx: Tx,
        status: TransactionStatus,
        actor_id: int | None,
        text: str,
        *,
        event: str | None = None,
    ) -> Tx:
        """A step ended in `status`: written, and told as the event `event` (the status's name
        unless said otherwise)."""
        tx.status = status
        await session.flush()
        await self.tell(session, tx, event or status.value, actor_id, text)
        return tx

    async def add(self, session: AsyncSession, tx: Tx, actor: Actor) -> Tx:
        """A new transaction: written; only the client is told (the parties know: one made it)."""
        session.add(tx)
        await session.flush()
        await self.tell(session, tx, "created", actor.user_id, "")
        return tx

    async def load(self, session: AsyncSession, actor: Actor, tx_id: int) -> Tx:
        found: Tx = await repository.load(session, self.model, actor, tx_id)
        return found

    async def lock(self, session: AsyncSession, tx_id: int) -> Tx | None:
        found: Tx | None = await repository.lock_row(session, self.model, tx_id)
        return found

    async def released(self, session: AsyncSession, tx: Tx, actor_id: int | None) -> None:
        """After the holds are posted: pay the seller out and tell the parties."""
        await session.flush()
        await start_payout(session, tx)
        await self.tell(session, tx, "funds_released", actor_id, "The funds were released to the seller.")

    async def refunded(self, session: AsyncSession, tx: Tx, actor_id: int | None) -> None:
        """After every payment went back to the buyer: the status, and the parties told."""
        text = "The payment was refunded to the buyer."
        await self.moved(session, tx, TransactionStatus.FUNDS_REFUNDED, actor_id, text, event="payment_refunded")

    # ------------------------------------------------------------ joining

    async def join(self, session: AsyncSession, actor: Actor, join_code: str | None) -> Tx:
        """The joiner takes the role the creator left open."""
        tx: Tx = await repository.by_join_code(session, self.model, actor, join_code, lock=True)
        check_invitee(tx, actor, "join")
        if tx.creator_role == "seller":
            tx.buyer_id = actor.user_id
        else:
            tx.seller_id = actor.user_id
        tx.joined = tx.updated_at = utcnow()
        return await self.moved(
            session, tx, TransactionStatus.JOINED, actor.user_id, "The other party joined your transaction."
        )

    async def reject(self, session: AsyncSession, actor: Actor, join_code: str) -> Tx:
        """The invited party declines before joining."""
        tx: Tx = await repository.by_join_code(session, self.model, actor, join_code, lock=True)
        check_invitee(tx, actor, "reject")
        tx.rejected = tx.updated_at = utcnow()
        return await self.moved(
            session, tx, TransactionStatus.REJECTED, actor.user_id, "Your transaction was rejected."
        )

    # ------------------------------------------------------------ complaint and outcome

    async def record_complaint(self, session: AsyncSession, tx: Tx, actor: Actor, description: str | None) -> Tx:
        """After the flow's own checks: the complaint stops the period until someone settles it."""
        tx.complained = tx.updated_at = utcnow()
        tx.complaint = (description or "").strip()
        return await self.moved(
            session, tx, TransactionStatus.COMPLAINED, actor.user_id, "The buyer complained; the platform will decide."
        )

    def check_complained(self, tx: Tx) -> None:
        """Settling a complaint (the seller's accept_complaint, the operator's resolve)."""
        if self.settled(tx):
            raise state_error("funds_already_released", "The transaction has already been settled.")
        self.check_paid(tx)
        if tx.complained is None:
            raise state_error("not_complained", "The buyer has not complained.")

    async def accept_complaint(self, session: AsyncSession, actor: Actor, tx_id: int) -> Tx:
        """The seller agrees with the buyer's complaint: every payment goes back to the buyer."""
        tx = await self.load(session, actor, tx_id)
        only(tx, actor, "seller", "accept a complaint")
        self.check_complained(tx)
        await self.refund(session, tx, actor.user_id)
        return tx

    async def resolve(self, session: AsyncSession, tx_id: int, *, outcome: str) -> Tx:
        """The operator decides a complained transaction: release to the seller or refund the buyer."""
        if outcome not in ("release", "refund"):
            raise InvalidField("outcome", "must be release or refund")
        tx = await self.lock(session, tx_id)
        if tx is None:
            raise NotFound(f"{self.label} {tx_id} not found")
        self.check_complained(tx)
        if outcome == "release":
            await self.release(session, tx, None)
        else:
            await self.refund(session, tx, None)
        return tx

    async def complaint_period_over(self, session: AsyncSession, tx_id: int) -> bool:
        """Job: the period passed without a complaint, so the seller is paid."""
        tx = await self.lock(session, tx_id)
        if tx is None or tx.complaint_period_deadline is None or tx.complained is not None or self.settled(tx):
            return False
        if utcnow() < tx.complaint_period_deadline:
            return False  # not due: the job is queued at the deadline, so only a moved clock gets here
        await self.release(session, tx, None)
        return True

    async def operator_view(self, session: AsyncSession, tx_id: int) -> dict[str, Any]:
        tx: Tx | None = await repository.row(session, self.model, tx_id)
        if tx is None:
            raise NotFound(f"{self.label} {tx_id} not found")
        return {**self.tx_view(tx), "livemode": tx.livemode}
