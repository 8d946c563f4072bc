"""Online (basic) transactions on the wire: the charge quote, create, list, read, join or reject by
join code, the parties' details, and every step (pay, track, delivery, complaint, cancel). The
document's paths, fields and shapes; the rules are in online.py (over kernel.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from peerx.products.escrow import charges, online
from peerx.products.escrow.api.shared import (
    CARD_CODES,
    QUOTE_CODES,
    ChargeConfigParam,
    CurrencyParam,
    JoinCodePath,
    Paging,
    PaymentMethodParam,
    PriceParam,
    TransactionId,
    basic_view,
    quote,
)
from peerx.products.escrow.api.transactions import Transactions
from peerx.products.escrow.deps import BearerToken, ChargeCaller, Idempotent, User, actor
from peerx.products.escrow.errors import documented
from peerx.products.escrow.schemas import (
    BasicTransaction,
    Charge,
    ComplaintRequest,
    CreateTransaction,
    EmptyBody,
    JoinCode,
    PayRequest,
    QueryId,
    SetPaymentMethod,
    TrackRequest,
)
from peerx.products.escrow.schemas import (
    User as UserDetails,
)
from peerx.products.escrow.tasks import timing
from peerx.web import PlatformDep, Session, WireJSON, wire_router

router = wire_router(strict_content_type=False)  # a JSON body without a Content-Type is read as JSON

TX = "Online Transactions"
PAYMENT, SHIPPING, COMPLAINT, CANCEL = "Online Payment", "Online Shipping", "Online Complaint", "Online Cancel"
DETAILS = "Online Buyer/Seller Details"

CREATE_CODES = (
    "currency_missing",
    "incorrect_calc_version",
    "incorrect_charge",
    "incorrect_charge_seller",
    "invalid_calc_version",
    "negative_price",
    "price_too_low",
    "invalid_charge_config",
    "unsupported_currency",
    "invalid_role",
    "idempotency_key_reused",
)

ONLINE = Transactions(online.FLOW, basic_view)


# ---------------------------------------------------------------- charge, list, create


@router.get(
    "/charge",
    operation_id="basic.getCharge",
    tags=[PAYMENT],
    summary="Get the Trustap fee for an online transaction",
    description="The Trustap fee, in the `currency`'s smallest unit, for goods with the given `price`. "
    "Takes a user's bearer token, or an API key as the Basic auth user name.",
    response_model=Charge,
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
    return WireJSON(await quote(session, "online", currency, price, payment_method, charge_config))


@router.get(
    "/me/transactions",
    operation_id="basic.getTransactions",
    tags=[TX],
    summary="Get online transactions for the logged-in user",
    description="Newest first. `after_id` continues with smaller ids, `before_id` gives the page before.",
    response_model=list[BasicTransaction],
    responses=documented(400, 401, 403, codes={400: ("invalid_before_id", "invalid_after_id", "invalid_limit")}),
)
async def list_transactions(session: Session, user: User, paging: Paging) -> Response:
    return await ONLINE.listing(session, user, paging)


@router.post(
    "/me/transactions",
    operation_id="basic.createTransaction",
    tags=[TX],
    summary="Create a new online transaction",
    description="Preceded by a call to `/charge` with the `price`: the `charge` it returned must be shown "
    "to the user and sent here with its `charge_calculator_version`, else this is a 400.",
    status_code=201,
    response_model=BasicTransaction,
    responses=documented(400, 401, 403, codes={400: CREATE_CODES}),
    dependencies=[Idempotent],
)
async def create_transaction(request: Request, session: Session, user: User, body: CreateTransaction) -> Response:
    new = body.to_service()  # a malformed body is refused before its Idempotency-Key is looked up
    return await ONLINE.create(
        request, session, user, body, lambda: online.create_transaction(session, actor(user), new)
    )


# ---------------------------------------------------------------- join codes


JoinCodeQuery = Annotated[JoinCode, Query(description="The join code the transaction's creator shared.")]


@router.get(
    "/transactions",
    operation_id="basic.getTransactionByJoinCode",
    tags=[TX],
    summary="Get an online transaction using a join code",
    description="Until someone joins; then the code is unknown (404), as a code that never existed.",
    response_model=BasicTransaction,
    responses=documented(400, 401, 403, 404, codes={400: ("join_code_missing",)}),
)
async def by_join_code(session: Session, user: User, join_code: JoinCodeQuery) -> Response:
    return await ONLINE.by_join_code(session, user, join_code)


@router.put(
    "/transactions",
    operation_id="basic.joinTransaction",
    tags=[TX],
    summary="Join an online transaction using a join code",
    description="A transaction can't be joined using its ID, because only the buyer and seller of a "
    "transaction can access a transaction using its ID. The caller takes the role the creator left open.",
    response_model=BasicTransaction,
    responses=documented(
        400, 401, 403, 404, codes={400: ("join_code_missing", "cannot_join_own_transaction", "already_cancelled")}
    ),
    dependencies=[Idempotent],
)
async def join(request: Request, session: Session, user: User, join_code: JoinCodeQuery) -> Response:
    return await ONLINE.join(request, session, user, join_code, {"join_code": join_code})


@router.post(
    "/transactions-by-join-code/{join_code}/reject",
    operation_id="basic.rejectTransactionByJoinCode",
    tags=[TX],
    summary="Reject an online transaction by its join code",
    description="The invited party declines before joining.",
    response_model=BasicTransaction,
    responses=documented(400, 401, 403, 404, codes={400: ("cannot_join_own_transaction", "already_cancelled")}),
    dependencies=[Idempotent],
)
async def reject(
    join_code: JoinCodePath, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await ONLINE.reject(request, session, user, join_code)


# ---------------------------------------------------------------- one transaction


@router.get(
    "/transactions/{transaction_id}",
    operation_id="basic.getTransaction",
    tags=[TX],
    summary="Get an online transaction by its ID",
    response_model=BasicTransaction,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def get_transaction(transaction_id: TransactionId, session: Session, user: User) -> Response:
    return await ONLINE.read(session, user, transaction_id)


@router.get(
    "/transactions/{transaction_id}/buyer_details",
    operation_id="basic.getBuyerDetails",
    tags=[DETAILS],
    summary="Get the buyer's details of this online transaction",
    description="The buyer's email and name; 404 until a buyer has joined.",
    response_model=UserDetails,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def buyer_details(transaction_id: TransactionId, session: Session, user: User) -> Response:
    return await ONLINE.details(session, user, transaction_id, "buyer")


@router.get(
    "/transactions/{transaction_id}/seller_details",
    operation_id="basic.getSellerDetails",
    tags=[DETAILS],
    summary="Get the seller's details of this online transaction",
    description="The seller's email and name; 404 until a seller has joined.",
    response_model=UserDetails,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def seller_details(transaction_id: TransactionId, session: Session, user: User) -> Response:
    return await ONLINE.details(session, user, transaction_id, "seller")


STEP_ERRORS = (400, 401, 403, 404)


@router.post(
    "/transactions/{transaction_id}/pay",
    operation_id="basic.payTransaction",
    tags=[PAYMENT],
    summary="Set payment details and process payment for this online transaction",
    description="The buyer pays price + charge with a card token from Stripe; the money is held in escrow. "
    "Test mode: `tok_visa`, `tok_mastercard`, `tok_amex` succeed; `tok_chargeDeclined` is declined.",
    response_model=BasicTransaction,
    responses=documented(
        *STEP_ERRORS,
        codes={
            400: (
                "invalid_id",
                "missing_stripe_token",
                "already_paid",
                "already_cancelled",
                "second_party_not_joined",
                *CARD_CODES,
            ),
            403: ("not_buyer",),
        },
    ),
    dependencies=[Idempotent],
)
async def pay(
    transaction_id: TransactionId,
    request: Request,
    platform: PlatformDep,
    token: BearerToken,
    body: PayRequest | None = None,
) -> Response:
    card = body.stripe_token if body is not None else None
    return await ONLINE.pay(
        request,
        platform,
        token,
        body,
        "stripe_token",
        lambda session, who: online.begin_pay(session, who, transaction_id, card),
        online.finish_pay,
    )


@router.post(
    "/transactions/{transaction_id}/cancel",
    operation_id="basic.cancelTransaction",
    tags=[CANCEL],
    summary="Cancel this online transaction",
    description="Either party, until it is paid.",
    response_model=BasicTransaction,
    responses=documented(
        *STEP_ERRORS,
        codes={
            400: ("invalid_id", "already_paid", "already_cancelled", "tracking_already_added", "payment_in_progress")
        },
    ),
    dependencies=[Idempotent],
)
async def cancel(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await ONLINE.step(request, session, user, body, lambda: online.cancel(session, actor(user), transaction_id))


@router.post(
    "/transactions/{transaction_id}/track",
    operation_id="basic.trackTransaction",
    tags=[SHIPPING],
    summary="Set postal tracking details for this online transaction",
    description="The seller, after the payment and before the tracking deadline. The sandbox carrier "
    "reports codes starting with `DELIVERED` delivered.",
    response_model=BasicTransaction,
    responses=documented(
        *STEP_ERRORS,
        codes={
            400: (
                "invalid_id",
                "empty_carrier",
                "invalid_carrier",
                "empty_tracking_code",
                "tracking_already_added",
                "payment_details_not_added",
                "tracking_details_deadline_expired",
                "already_cancelled",
            ),
            403: ("not_seller",),
        },
    ),
    dependencies=[Idempotent],
)
async def track(
    transaction_id: TransactionId,
    request: Request,
    session: Session,
    user: User,
    platform: PlatformDep,
    body: TrackRequest | None = None,
) -> Response:
    carrier = body.carrier if body is not None else None
    code = body.tracking_code if body is not None else None
    t = timing(platform)
    return await ONLINE.step(
        request, session, user, body, lambda: online.track(session, actor(user), transaction_id, carrier, code, t)
    )


@router.post(
    "/transactions/{transaction_id}/confirm_delivery",
    operation_id="basic.confirmDelivery",
    tags=[SHIPPING],
    summary="Confirm delivery of this online transaction",
    description="The buyer; the complaint period starts.",
    response_model=BasicTransaction,
    responses=documented(
        *STEP_ERRORS,
        codes={400: ("invalid_id", "tracking_not_added", "delivery_already_set"), 403: ("not_buyer",)},
    ),
    dependencies=[Idempotent],
)
async def confirm_delivery(
    transaction_id: TransactionId,
    request: Request,
    session: Session,
    user: User,
    platform: PlatformDep,
    body: EmptyBody | None = None,
) -> Response:
    t = timing(platform)
    return await ONLINE.step(
        request, session, user, body, lambda: online.confirm_delivery(session, actor(user), transaction_id, t)
    )


COMPLAIN_CODES = (
    "invalid_id",
    "already_complained",
    "unconfirmed_delivery",
    "complaint_period_ended_prematurely",
    "complaint_period_expired",
    "funds_already_released",
)


@router.post(
    "/transactions/{transaction_id}/complain",
    operation_id="basic.submitComplaint",
    tags=[COMPLAINT],
    summary="Submit a complaint for this online transaction",
    description="The buyer, during the complaint period; the platform decides.",
    response_model=BasicTransaction,
    responses=documented(*STEP_ERRORS, codes={400: COMPLAIN_CODES, 403: ("not_buyer",)}),
    dependencies=[Idempotent],
)
async def complain(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await ONLINE.step(
        request, session, user, body, lambda: online.complain(session, actor(user), transaction_id, None)
    )


@router.post(
    "/transactions/{transaction_id}/complain_with_description",
    operation_id="basic.submitComplaintWithDescription",
    tags=[COMPLAINT],
    summary="Submit a complaint for this online transaction with description",
    response_model=BasicTransaction,
    responses=documented(
        *STEP_ERRORS, codes={400: ("empty_complaint_description", *COMPLAIN_CODES), 403: ("not_buyer",)}
    ),
    dependencies=[Idempotent],
)
async def complain_with_description(
    transaction_id: TransactionId,
    request: Request,
    session: Session,
    user: User,
    body: ComplaintRequest | None = None,
) -> Response:
    text = (body.text() if body is not None else None) or ""
    return await ONLINE.step(
        request, session, user, body, lambda: online.complain(session, actor(user), transaction_id, text)
    )


@router.post(
    "/transactions/{transaction_id}/end_complaint_period",
    operation_id="basic.endComplaintPeriod",
    tags=[COMPLAINT],
    summary="End the complaint period for this online transaction",
    description="The buyer is satisfied: the funds are released to the seller now.",
    response_model=BasicTransaction,
    responses=documented(
        *STEP_ERRORS,
        codes={
            400: (
                "invalid_id",
                "complaint_period_expired",
                "already_complained",
                "complaint_period_ended_prematurely",
                "unconfirmed_delivery",
                "funds_already_released",
            ),
            403: ("not_buyer",),
        },
    ),
    dependencies=[Idempotent],
)
async def end_complaint_period(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await ONLINE.step(
        request, session, user, body, lambda: online.end_complaint_period(session, actor(user), transaction_id)
    )


@router.post(
    "/transactions/{transaction_id}/accept_complaint",
    operation_id="basic.acceptComplaint",
    tags=[COMPLAINT],
    summary="Accept the buyer's complaint",
    description="The seller agrees: the buyer gets the whole payment back.",
    response_model=BasicTransaction,
    responses=documented(
        *STEP_ERRORS,
        codes={400: ("invalid_id", "funds_already_released", "not_paid", "not_complained"), 403: ("not_seller",)},
    ),
    dependencies=[Idempotent],
)
async def accept_complaint(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await ONLINE.accept_complaint(request, session, user, body, transaction_id)


# ---------------------------------------------------------------- the payment method (the spec's)

PAYMENT_METHOD_CODES = (
    "invalid_payment_method",
    "unsupported_currency",
    "currency_missing",
    "incorrect_charge",
    "incorrect_charge_seller",
    "incorrect_price",
    "incorrect_currency",
    "invalid_charge_config",
    "unsupported_combination",
    "payment_method_already_set",
    "already_paid",
    "payment_in_progress",
    "already_cancelled",
)


@router.get(
    "/transactions/{transaction_id}/charge",
    operation_id="basic.getChargeForTransaction",
    tags=[PAYMENT],
    summary="Get the Trustap fee for an online transaction",
    description="The current calculator's fee for this transaction's currency and the given `price`, paid "
    "with `payment_method` (default `card`): the quote `set_payment_method` takes. Either party.",
    response_model=Charge,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id", "invalid_payment_method", *QUOTE_CODES)}),
)
async def get_transaction_charge(
    transaction_id: TransactionId,
    session: Session,
    user: User,
    price: PriceParam,
    payment_method: PaymentMethodParam = "card",
    charge_config: ChargeConfigParam = None,
    quantity: Annotated[QueryId | None, Query(description="Deprecated; ignored (always 1).")] = None,
) -> Response:
    tx = await ONLINE.load(session, user, transaction_id)
    charges.check_payment_method(payment_method)
    return WireJSON(await quote(session, "online", tx.currency, price, payment_method, charge_config))


@router.post(
    "/transactions/{transaction_id}/set_payment_method",
    operation_id="basic.setPaymentMethodForTransaction",
    tags=[PAYMENT],
    summary="Set the payment method to be used for this online transaction",
    description="The buyer, before paying: the `price`, `charge` (and `charge_seller`) from "
    "`GET /transactions/{transaction_id}/charge` for the payment method. The transaction's fees become that "
    "quote (the current calculator version); setting what is already set is `payment_method_already_set`.",
    response_model=BasicTransaction,
    responses=documented(*STEP_ERRORS, codes={400: ("invalid_id", *PAYMENT_METHOD_CODES), 403: ("not_buyer",)}),
    dependencies=[Idempotent],
)
async def set_payment_method(
    transaction_id: TransactionId, request: Request, session: Session, user: User, body: SetPaymentMethod
) -> Response:
    choice = body.to_service()
    return await ONLINE.step(
        request, session, user, body, lambda: online.set_payment_method(session, actor(user), transaction_id, choice)
    )
