"""The vouchers desk's /ops/v1 wire models: an order with its vouchers, masked."""

from __future__ import annotations

from pydantic import Field

from peerx.ops.schemas import View
from peerx.wire import WireDecimal


class CodesEmail(View):
    id: int
    status: str
    attempts: int


class StatusCounts(View):
    active: int
    redeemed: int
    expired: int
    void: int


class VoucherView(View):
    """Peerwallet's voucher, masked as everyone sees it."""

    voucher_code: str
    amount: WireDecimal
    currency: str
    voucher_status: str
    exp_date: int | None
    date_created: int | None
    date_redeemed: int | None
    date_voided: int | None
    date_expired: int | None


class OrderView(View):
    order_id: str
    currency: str
    quantity: int
    amount: WireDecimal
    total_charged: WireDecimal
    fee: WireDecimal
    exp_date: int | None
    date_created: int | None
    account_id: int
    livemode: bool
    receipt_url: str
    codes_email: CodesEmail | None
    voucher_status_counts: StatusCounts
    vouchers: list[VoucherView]


class OrderVoided(OrderView):
    voided: int = Field(description="How many active vouchers were voided (refunded to the vendor).")
