"""The Peach v1 routes of a trade: matches, contracts, payment, cancel and disputes (and the
app's offer search summaries, next to the matches)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated

from fastapi import Body, Path, Query, Request, Response
from pydantic import BaseModel

from peerx.core.errors import NotFound
from peerx.products.bitcoin.contracts import cancel, disputes, matching, multisig, payment
from peerx.products.bitcoin.contracts.repository import contract_for_party, contracts_of
from peerx.products.bitcoin.contracts.schemas import (
    AcknowledgeRequest,
    ConfirmPaymentRequest,
    Contract,
    ContractSummary,
    DisputeRequest,
    DoubleMatched,
    Matched,
    Matches,
    MatchRequest,
    Released,
    UnmatchRequest,
)
from peerx.products.bitcoin.contracts.views import Loaded, contract_view, funding_fields, summary_view
from peerx.products.bitcoin.deps import IdempotencyKey, PeachDep, User, fingerprint, user_scope
from peerx.products.bitcoin.models import Contract as ContractRow
from peerx.products.bitcoin.offers import search
from peerx.products.bitcoin.offers import service as offers
from peerx.products.bitcoin.offers.schemas import SearchRequest, SearchSummary, SearchSummaryOffer
from peerx.products.bitcoin.schemas import (
    OK,
    ContractId,
    OfferId,
    PageNumber,
    PageSize,
    PeachRequest,
    SortBy,
    Success,
)
from peerx.web import Session, WireJSON, idempotent, wire_router

router = wire_router()

OfferPath = Annotated[OfferId, Path(alias="offerId", description="Your offer's id (ASCII digits).")]
ContractPath = Annotated[ContractId, Path(alias="contractId", description="<sell offer id>-<buy offer id>")]


@router.get("/offer/{offerId}/matches", response_model=Matches, summary="Get matches")
async def get_matches(
    offer_id: OfferPath,
    session: Session,
    user: User,
    peach: PeachDep,
    page: Annotated[PageNumber, Query(description="0-based")] = 0,
    size: Annotated[PageSize, Query()] = search.DEFAULT_SIZE,
    sort_by: Annotated[SortBy | None, Query(alias="sortBy")] = None,
) -> Response:
    """A buy offer: sell offers it could match (in `sortBy`, as the app sends it, else lowest
    premium first). A sell offer: the buyers who matched it (oldest first), for the seller to
    double-match one. `nextPage` is the next page's number, null after the last."""
    sorts = search.sort_keys(sort_by) if sort_by is not None else None
    offer = await offers.own_offer(session, user, offer_id)
    return WireJSON(await matching.list_matches(session, peach, user, offer, page, size, sorts))


@router.post("/offer/{offerId}/match", response_model=Matched | DoubleMatched, summary="Match or double-match")
async def match(
    offer_id: OfferPath,
    request: Request,
    session: Session,
    user: User,
    peach: PeachDep,
    body: MatchRequest,
    _key: IdempotencyKey = None,
) -> Response:
    """From your buy offer: match a sell offer (the symmetric key, encrypted to both PGP keys).
    From your sell offer: double-match a buy offer that matched it (the encrypted payment data);
    the contract "<sell offer id>-<buy offer id>" exists, and `refundTx` is the escrow's refund
    (unsigned by peerx) for the seller's app to sign in advance."""

    async def run() -> Response:
        own = await offers.own_offer(session, user, offer_id, lock=True)
        if own.type == "bid":
            return WireJSON(await matching.match_sell_offer(session, peach, user, own, body))
        contract = await matching.double_match(session, peach, user, own, body)
        refund = await multisig.seller_refund_psbt(session, peach, user, own)
        return WireJSON(DoubleMatched(contract_id=contract.id, refund_tx=refund))

    return await idempotent(request, session, user_scope(user), fingerprint(body), run)


@router.delete("/offer/{offerId}/match", response_model=Success, summary="Unmatch a sell offer")
async def unmatch(offer_id: OfferPath, session: Session, user: User, body: UnmatchRequest) -> Response:
    """The buyer withdraws its match, as long as the seller has not double-matched it."""
    own = await offers.own_offer(session, user, offer_id, lock=True)
    if own.type != "bid":
        raise NotFound("Only a buy offer unmatches a sell offer.")
    await matching.unmatch(session, own, body.matching_offer_id)
    return WireJSON(OK)


@router.post("/offer/search/summary", response_model=SearchSummary, summary="Search offer summaries")
async def search_offer_summaries(
    session: Session, user: User, body: Annotated[SearchRequest | None, Body()] = None
) -> Response:
    """The app's market stats (peach-api-ts searchOfferSummaries): the amount (a sell offer's
    sats, a buy offer's range) and a sell offer's premium of the offers POST offer/search
    finds with the same filters, lowest premium first, at most 1000."""
    rows = await search.summaries(session, body or SearchRequest(), user)
    return WireJSON(
        SearchSummary(
            offers=[
                SearchSummaryOffer(amount=high, premium=Decimal(premium or 0) / 100)
                if kind == "ask"
                else SearchSummaryOffer(amount=[low, high])
                for kind, low, high, premium in rows
            ]
        )
    )


@router.get("/contract/{contractId}", response_model=Contract, summary="Contract details")
async def get_contract(contract_id: ContractPath, session: Session, user: User, peach: PeachDep) -> Response:
    contract = await contract_for_party(session, contract_id, user)
    loaded = await Loaded.of(session, peach, user, [contract])
    hours = peach.settings.peach_funding_window_hours
    return WireJSON(contract_view(contract, user, loaded).wire() | funding_fields(contract, loaded, hours))


@router.get("/contracts", response_model=list[Contract], summary="Contracts")
async def list_contracts(session: Session, user: User, peach: PeachDep) -> Response:
    rows = await contracts_of(session, user)
    loaded = await Loaded.of(session, peach, user, rows)
    hours = peach.settings.peach_funding_window_hours
    return WireJSON([contract_view(c, user, loaded).wire() | funding_fields(c, loaded, hours) for c in rows])


@router.get("/contracts/summary", response_model=list[ContractSummary], summary="Contract summaries")
async def contract_summaries(session: Session, user: User, peach: PeachDep) -> Response:
    rows = await contracts_of(session, user)
    loaded = await Loaded.of(session, peach, user, rows)
    return WireJSON([summary_view(c, user, loaded).wire() for c in rows])


# ---------------------------------------------------------------- steps of a contract

Step = Callable[[ContractRow], Awaitable[BaseModel | None]]


async def _step(
    request: Request, session: Session, user: User, contract_id: str, path: str, body: PeachRequest | None, step: Step
) -> Response:
    """A state change of one contract: locked, run, answered {"success": true} unless the step
    answers something else; Idempotency-Key honoured (per path and body)."""

    async def run() -> Response:
        contract = await contract_for_party(session, contract_id, user, lock=True)
        return WireJSON(await step(contract) or OK)

    return await idempotent(request, session, user_scope(user), {"path": path, **fingerprint(body)}, run)


@router.post("/contract/{contractId}/payment/confirm", response_model=Success | Released, summary="Confirm payment")
async def confirm_payment(
    contract_id: ContractPath,
    request: Request,
    session: Session,
    user: User,
    peach: PeachDep,
    body: ConfirmPaymentRequest | None = None,
    _key: IdempotencyKey = None,
) -> Response:
    """The buyer: payment made (no body). The seller: payment received, with the release it
    signed: `releasePsbt`, the app's `releaseTransactionSignature` (input 0, hex DER + sighash
    byte) or an older app's finalized `releaseTransaction` (hex); `batchReleasePsbt` when the
    buyer batches. Answers the txid ({"success": true} when queued for a batch)."""
    return await _step(
        request, session, user, contract_id, "/payment/confirm", body,
        lambda c: payment.confirm(session, peach, user, c, body),
    )  # fmt: skip


@router.post("/contract/{contractId}/cancel", response_model=Success, summary="Cancel contract")
async def cancel_contract(
    contract_id: ContractPath, request: Request, session: Session, user: User, _key: IdempotencyKey = None
) -> Response:
    """The buyer cancels until it paid (a cash trade: any time); the seller's cancel is a request
    the buyer answers, unless the trade is cash or the payment window ran out."""
    return await _step(request, session, user, contract_id, "/cancel", None, lambda c: cancel.cancel(session, user, c))


@router.post("/contract/{contractId}/cancel/confirm", response_model=Success, summary="Confirm cancelation request")
async def confirm_cancel(
    contract_id: ContractPath, request: Request, session: Session, user: User, _key: IdempotencyKey = None
) -> Response:
    return await _step(
        request, session, user, contract_id, "/cancel/confirm", None,
        lambda c: cancel.answer(session, user, c, accept=True),
    )  # fmt: skip


@router.post("/contract/{contractId}/cancel/reject", response_model=Success, summary="Reject cancelation request")
async def reject_cancel(
    contract_id: ContractPath, request: Request, session: Session, user: User, _key: IdempotencyKey = None
) -> Response:
    return await _step(
        request, session, user, contract_id, "/cancel/reject", None,
        lambda c: cancel.answer(session, user, c, accept=False),
    )  # fmt: skip


@router.post("/contract/{contractId}/cancel/extendTime", response_model=Success, summary="Extend payment time")
@router.patch("/contract/{contractId}/cancel/extendTime", response_model=Success, summary="Extend payment time")
async def extend_time(
    contract_id: ContractPath,
    request: Request,
    session: Session,
    user: User,
    peach: PeachDep,
    _key: IdempotencyKey = None,
) -> Response:
    """The seller gives the buyer another payment window (not in a cash trade)."""
    return await _step(
        request, session, user, contract_id, "/cancel/extendTime", None,
        lambda c: cancel.extend_time(session, peach, user, c),
    )  # fmt: skip


@router.post("/contract/{contractId}/dispute", response_model=Success, summary="Raise a dispute")
async def raise_dispute(
    contract_id: ContractPath,
    request: Request,
    session: Session,
    user: User,
    body: DisputeRequest,
    _key: IdempotencyKey = None,
) -> Response:
    """A reason, an email for noPayment.*, and the chat key encrypted to the platform's PGP key."""
    return await _step(
        request, session, user, contract_id, "/dispute", body,
        lambda c: disputes.raise_dispute(session, user, c, body),
    )  # fmt: skip


@router.post("/contract/{contractId}/dispute/acknowledge", response_model=Success, summary="Acknowledge a dispute")
async def acknowledge_dispute(
    contract_id: ContractPath,
    request: Request,
    session: Session,
    user: User,
    body: AcknowledgeRequest | None = None,
    _key: IdempotencyKey = None,
) -> Response:
    """The counterparty acknowledges (with an email when the reason is noPayment.*)."""
    email = body.email if body is not None else None
    return await _step(
        request, session, user, contract_id, "/dispute/acknowledge", body,
        lambda c: disputes.acknowledge(session, user, c, email),
    )  # fmt: skip


@router.post(
    "/contract/{contractId}/dispute/acknowledgeOutcome", response_model=Success, summary="Acknowledge a dispute outcome"
)
async def acknowledge_outcome(
    contract_id: ContractPath, request: Request, session: Session, user: User, _key: IdempotencyKey = None
) -> Response:
    return await _step(
        request, session, user, contract_id, "/dispute/acknowledgeOutcome", None,
        lambda c: disputes.acknowledge_outcome(session, user, c),
    )  # fmt: skip
