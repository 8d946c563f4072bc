"""Face-to-face (p2p/) transactions on the wire: the charge quote, create, list, read, join or
reject by join code, the parties' details, the deposit and the remainder, the handover, complaint
and cancel. The document's paths, fields and shapes; the rules are in p2p.py (over kernel.py)."""

from __future__ import annotations

from fastapi import Request, Response

from peerx.products.escrow import p2p
from peerx.products.escrow.api.shared import (
    CARD_CODES,
    QUOTE_CODES,
    ChargeConfigParam,
    CurrencyParam,
    JoinCodePath,
    P2PPaging,
    PaymentMethodParam,
    PriceParam,
    TransactionId,
    p2p_view,
    quote,
)
from peerx.products.escrow.api.transactions import Transactions
from peerx.products.escrow.deps import BearerToken, ChargeCaller, Idempotent, User, actor
from peerx.products.escrow.errors import documented
from peerx.products.escrow.schemas import (
    CancelRequest,
    ComplaintRequest,
    CreateP2PTransaction,
    EmptyBody,
    P2PCharge,
    P2PPayRequest,
    P2PTransaction,
    SetDepositPaymentMethod,
    SetPrice,
)
from peerx.products.escrow.schemas import User as UserDetails
from peerx.products.escrow.tasks import timing
from peerx.web import PlatformDep, Session, WireJSON, wire_router

router = wire_router(strict_content_type=False)  # a JSON body without a Content-Type is read as JSON

TX, PAYMENT, HANDOVER = "F2F Transactions", "F2F Payment", "F2F Handover"
COMPLAINT, CANCEL, DETAILS = "F2F Complaint", "F2F Cancel", "F2F Buyer/Seller Details"

ERRORS = (400, 401, 403, 404)

P2P = Transactions(p2p.FLOW, p2p_view)


# ---------------------------------------------------------------- charge, list, create


@router.get(
    "/p2p/charge",
    operation_id="p2p.getCharge",
    tags=[PAYMENT],
    summary="Get the Trustap fee for a face-to-face price or deposit",
    description="The Trustap fee, in the `currency`'s smallest unit, for the given `price` (a deposit "
    "or a full price). Takes a user's bearer token, or an API key as the Basic auth user name.",
    response_model=P2PCharge,
    responses=documented(400, 401, codes={400: QUOTE_CODES}),
    dependencies=[ChargeCaller],
)
async def get_charge(
    session: Session,
    currency: CurrencyParam,
    price: PriceParam,
    payment_method: PaymentMethodParam = "card",
    charge_config: ChargeConfigParam = None,
) -> Response:
    return WireJSON(await quote(session, "p2p", currency, price, payment_method, charge_config))


@router.get(
    "/p2p/me/transactions",
    operation_id="p2p.getTransactions",
    tags=[TX],
    summary="Get face-to-face transactions for the logged-in user",
    description="Newest first. `after_id` continues with smaller ids, `before_id` gives the page before.",
    response_model=list[P2PTransaction],
    responses=documented(
        400, 401, 403, codes={400: ("invalid_before_id", "invalid_after_id", "invalid_limit", "excessive_limit")}
    ),
)
async def list_transactions(session: Session, user: User, paging: P2PPaging) -> Response:
    return await P2P.listing(session, user, paging)


@router.post(
    "/p2p/me/transactions",
    operation_id="p2p.createTransaction",
    tags=[TX],
    summary="Create a new face-to-face transaction",
    description="The deposit is nested in `depositPricing` (the document) or flat in `deposit_price` and "
    "`deposit_charge` (the spec), after a `/p2p/charge` quote for the deposit. "
    "`charge_calculator_version` is optional (the current one when absent).",
    status_code=201,
    response_model=P2PTransaction,
    responses=documented(
        400,
        401,
        403,
        codes={
            400: (
                "currency_missing",
                "incorrect_calc_version",
                "incorrect_charge",
                "incorrect_charge_seller",
                "invalid_calc_version",
                "negative_price",
                "price_too_low",
                "invalid_charge_config",
                "invalid_price",
                "invalid_role",
                "unsupported_currency",
                "idempotency_key_reused",
            )
        },
    ),
    dependencies=[Idempotent],
)
async def create_transaction(request: Request, session: Session, user: User, body: CreateP2PTransaction) -> Response:
    new = body.to_service()  # a malformed body is refused before its Idempotency-Key is looked up
    return await P2P.create(request, session, user, body, lambda: p2p.create_transaction(session, actor(user), new))


# ---------------------------------------------------------------- join codes


@router.get(
    "/p2p/me/transactions_by_join_code/{join_code}",
    operation_id="p2p.getMyTransactionByJoinCode",
    tags=[TX],
    summary="Get a face-to-face transaction by its join code",
    description="Until someone joins; then the code is unknown (404), as a code that never existed.",
    response_model=P2PTransaction,
    responses=documented(400, 401, 403, 404),
)
async def by_join_code(join_code: JoinCodePath, session: Session, user: User) -> Response:
    return await P2P.by_join_code(session, user, join_code)


@router.get(
    "/p2p/transactions_by_join_code/{join_code}",
    operation_id="p2p.getTransactionByJoinCode",
    tags=[TX],
    summary="Get a face-to-face transaction by its join code (the spec's path)",
    description="The same read as `/p2p/me/transactions_by_join_code/{join_code}`.",
    response_model=P2PTransaction,
    responses=documented(400, 401, 403, 404),
)
async def by_join_code_spec(join_code: JoinCodePath, session: Session, user: User) -> Response:
    return await by_join_code(join_code, session, user)


@router.post(
    "/p2p/transactions_by_join_code/{join_code}/join",
    operation_id="p2p.joinTransactionByJoinCode",
    tags=[TX],
    summary="Join a face-to-face transaction by its join code",
    response_model=P2PTransaction,
    responses=documented(400, 401, 403, 404, codes={400: ("cannot_join_own_transaction", "already_cancelled")}),
    dependencies=[Idempotent],
)
async def join(
    join_code: JoinCodePath, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await P2P.join(request, session, user, join_code, {})


@router.post(
    "/p2p/transactions_by_join_code/{join_code}/reject",
    operation_id="p2p.rejectTransactionByJoinCode",
    tags=[TX],
    summary="Reject a face-to-face transaction by its join code",
    response_model=P2PTransaction,
    responses=documented(400, 401, 403, 404, codes={400: ("cannot_join_own_transaction", "already_cancelled")}),
    dependencies=[Idempotent],
)
async def reject(
    join_code: JoinCodePath, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await P2P.reject(request, session, user, join_code)


# ---------------------------------------------------------------- one transaction


@router.get(
    "/p2p/transactions/{transaction_id}",
    operation_id="p2p.getTransaction",
    tags=[TX],
    summary="Get a face-to-face transaction by its ID",
    response_model=P2PTransaction,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def get_transaction(transaction_id: TransactionId, session: Session, user: User) -> Response:
    return await P2P.read(session, user, transaction_id)


@router.get(
    "/p2p/transactions/{transaction_id}/buyer_details",
    operation_id="getBuyerDetailsFromP2PTransaction",
    tags=[DETAILS],
    summary="Get buyer details of this face-to-face transaction",
    description="The buyer's email and name (whom to meet); 404 until a buyer has joined.",
    response_model=UserDetails,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def buyer_details(transaction_id: TransactionId, session: Session, user: User) -> Response:
    return await P2P.details(session, user, transaction_id, "buyer")


@router.get(
    "/p2p/transactions/{transaction_id}/seller_details",
    operation_id="getSellerDetailsFromP2PTransaction",
    tags=[DETAILS],
    summary="Get seller details of this face-to-face transaction",
    description="The seller's email and name (whom to meet); 404 until a seller has joined.",
    response_model=UserDetails,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def seller_details(transaction_id: TransactionId, session: Session, user: User) -> Response:
    return await P2P.details(session, user, transaction_id, "seller")


CANCEL_CODES = (
    "invalid_id",
    "second_party_not_joined",
    "already_cancelled",
    "remainder_already_paid",
    "handover_already_confirmed",
    "payment_in_progress",
)


@router.post(
    "/p2p/transactions/{transaction_id}/cancel",
    operation_id="p2p.cancelTransaction",
    tags=[CANCEL],
    summary="Cancel a face-to-face transaction by its ID",
    description="Either party, from joined until the remainder is paid or a handover confirmed. The deposit "
    "goes back to the buyer, unless the buyer walks away after the seller accepted it.",
    response_model=P2PTransaction,
    responses=documented(*ERRORS, codes={400: CANCEL_CODES}),
    dependencies=[Idempotent],
)
async def cancel(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: CancelRequest | None = None
) -> Response:
    reason = body.description if body is not None else None
    return await P2P.step(
        request, session, user, body, lambda: p2p.cancel(session, actor(user), transaction_id, reason)
    )


@router.post(
    "/p2p/transactions/{transaction_id}/cancel_with_description",
    operation_id="p2p.cancelWithDescription",
    tags=[CANCEL],
    summary="Cancel a face-to-face transaction with a description",
    response_model=P2PTransaction,
    responses=documented(*ERRORS, codes={400: CANCEL_CODES}),
    dependencies=[Idempotent],
)
async def cancel_with_description(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: CancelRequest | None = None
) -> Response:
    return await cancel(transaction_id, request, session, user, body)


@router.post(
    "/p2p/transactions/{transaction_id}/accept_deposit",
    operation_id="p2p.acceptDeposit",
    tags=[PAYMENT],
    summary="Accept the deposit of a face-to-face transaction",
    description="The seller, within the deposit acceptance window.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={
            400: (
                "invalid_id",
                "deposit_not_paid",
                "deposit_payment_in_review",
                "deposit_already_accepted",
                "already_cancelled",
            ),
            403: ("not_seller",),
        },
    ),
    dependencies=[Idempotent],
)
async def accept_deposit(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await P2P.step(
        request, session, user, body, lambda: p2p.accept_deposit(session, actor(user), transaction_id)
    )


@router.post(
    "/p2p/transactions/{transaction_id}/set_price",
    operation_id="setPriceForP2PTransaction",
    tags=[PAYMENT],
    summary="Set the full price of a face-to-face transaction",
    description="The seller, at the meeting: the full price (deposit included) and its `/p2p/charge` quote. "
    "The buyer then pays the remainder.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={
            400: (
                "invalid_id",
                "currency_mismatch",
                "remainder_already_skipped",
                "remainder_too_low",
                "deposit_not_accepted",
                "remainder_already_paid",
                "incorrect_calc_version",
                "incorrect_charge",
                "invalid_calc_version",
                "invalid_price",
                "already_cancelled",
            ),
            403: ("not_seller",),
        },
    ),
    dependencies=[Idempotent],
)
async def set_price(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: SetPrice
) -> Response:
    return await P2P.step(
        request,
        session,
        user,
        body,
        lambda: p2p.set_price(
            session,
            actor(user),
            transaction_id,
            currency=body.lowered_currency(),
            price=body.price,
            charge=body.charge,
            version=body.charge_calculator_version,
        ),
    )


@router.post(
    "/p2p/transactions/{transaction_id}/skip_remainder",
    operation_id="skipRemainderForP2PTransaction",
    tags=[PAYMENT],
    summary="Skip the remainder: the deposit is the whole price",
    description="The seller, before a price is set.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS, codes={400: ("invalid_id", "price_already_set", "already_cancelled"), 403: ("not_seller",)}
    ),
    dependencies=[Idempotent],
)
async def skip_remainder(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await P2P.step(
        request, session, user, body, lambda: p2p.skip_remainder(session, actor(user), transaction_id)
    )


@router.post(
    "/p2p/transactions/{transaction_id}/complain",
    operation_id="p2p.submitComplaint",
    tags=[COMPLAINT],
    summary="Submit a complaint for this face-to-face transaction",
    description="The buyer, once the remainder is paid and until the complaint period ends.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={
            400: (
                "invalid_id",
                "remainder_required",
                "already_complained",
                "funds_already_released",
                "complaint_period_expired",
                "already_cancelled",
            ),
            403: ("not_buyer",),
        },
    ),
    dependencies=[Idempotent],
)
async def complain(
    transaction_id: TransactionId,
    request: Request,
    session: Session,
    user: User,
    body: ComplaintRequest | None = None,
) -> Response:
    text = body.text() if body is not None else None
    return await P2P.step(
        request, session, user, body, lambda: p2p.complain(session, actor(user), transaction_id, text)
    )


@router.post(
    "/p2p/transactions/{transaction_id}/confirm_handover",
    operation_id="p2p.confirmHandover",
    tags=[HANDOVER],
    summary="Confirm the handover of a face-to-face transaction",
    description="Each party confirms; with both, the complaint period starts.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={
            400: (
                "invalid_id",
                "remainder_required",
                "already_complained",
                "seller_handover_already_confirmed",
                "buyer_handover_already_confirmed",
                "remainder_payment_in_review",
                "already_cancelled",
            )
        },
    ),
    dependencies=[Idempotent],
)
async def confirm_handover(
    transaction_id: TransactionId,
    request: Request,
    session: Session,
    user: User,
    platform: PlatformDep,
    body: EmptyBody | None = None,
) -> Response:
    t = timing(platform)
    return await P2P.step(
        request, session, user, body, lambda: p2p.confirm_handover(session, actor(user), transaction_id, t)
    )


@router.post(
    "/p2p/transactions/{transaction_id}/accept_complaint",
    operation_id="p2p.acceptComplaint",
    tags=[COMPLAINT],
    summary="Accept the buyer's complaint",
    description="The seller agrees: every payment goes back to the buyer.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={
            400: (
                "invalid_id",
                "funds_already_released",
                "deposit_not_paid",
                "deposit_already_refunded",
                "not_complained",
            ),
            403: ("not_seller",),
        },
    ),
    dependencies=[Idempotent],
)
async def accept_complaint(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await P2P.accept_complaint(request, session, user, body, transaction_id)


# ---------------------------------------------------------------- paying


PAY_CODES = ("invalid_id", "missing_stripe_token", "already_cancelled", *CARD_CODES)


async def _pay(
    stage: str,
    transaction_id: int,
    request: Request,
    platform: PlatformDep,
    token: str | None,
    body: P2PPayRequest | None,
) -> Response:
    card = body.token() if body is not None else None
    return await P2P.pay(
        request,
        platform,
        token,
        body,
        "stripe_charge_token",
        lambda session, who: p2p.begin_payin(session, who, transaction_id, stage, card),
        p2p.finish_payin,
    )


@router.post(
    "/p2p/transactions/{transaction_id}/pay_deposit",
    operation_id="p2p.payDeposit",
    tags=[PAYMENT],
    summary="Pay the deposit of a face-to-face transaction",
    description="The buyer pays the deposit and its charge with a card token; it is held in escrow.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={400: (*PAY_CODES, "deposit_already_paid", "second_party_not_joined"), 403: ("not_buyer",)},
    ),
    dependencies=[Idempotent],
)
async def pay_deposit(
    transaction_id: TransactionId,
    request: Request,
    platform: PlatformDep,
    token: BearerToken,
    body: P2PPayRequest | None = None,
) -> Response:
    return await _pay("deposit", transaction_id, request, platform, token, body)


@router.post(
    "/p2p/transactions/{transaction_id}/pay_remainder",
    operation_id="p2p.payRemainder",
    tags=[PAYMENT],
    summary="Pay the remainder of a face-to-face transaction",
    description="The buyer pays the rest of the price (price - deposit, charge - deposit charge).",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={
            400: (
                *PAY_CODES,
                "remainder_already_paid",
                "remainder_already_skipped",
                "deposit_not_accepted",
                "price_not_set",
            ),
            403: ("not_buyer",),
        },
    ),
    dependencies=[Idempotent],
)
async def pay_remainder(
    transaction_id: TransactionId,
    request: Request,
    platform: PlatformDep,
    token: BearerToken,
    body: P2PPayRequest | None = None,
) -> Response:
    return await _pay("remainder", transaction_id, request, platform, token, body)


@router.post(
    "/p2p/transactions/{transaction_id}/set_deposit_payment_method",
    operation_id="p2p.setDepositPaymentMethod",
    tags=[PAYMENT],
    summary="Set deposit payment method for this face-to-face transaction",
    description="Either party, before the deposit is paid: the `deposit_price`, `deposit_charge` and "
    "`deposit_charge_seller` from `/p2p/charge` for the payment method. The deposit's fees become that quote "
    "(the current calculator version); setting what is already set is `payment_method_already_set`.",
    response_model=P2PTransaction,
    responses=documented(
        *ERRORS,
        codes={
            400: (
                "invalid_id",
                "invalid_payment_method",
                "deposit_already_paid",
                "payment_method_already_set",
                "invalid_charge_config",
                "unsupported_currency",
                "unsupported_combination",
                "currency_missing",
                "incorrect_charge",
                "incorrect_charge_seller",
                "incorrect_price",
                "incorrect_currency",
                "payment_in_progress",
                "already_cancelled",
            )
        },
    ),
    dependencies=[Idempotent],
)
async def set_deposit_payment_method(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: SetDepositPaymentMethod
) -> Response:
    choice = body.to_service()
    return await P2P.step(
        request,
        session,
        user,
        body,
        lambda: p2p.set_deposit_payment_method(session, actor(user), transaction_id, choice),
    )
