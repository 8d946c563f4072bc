"""Orange Money's callback: the notification Orange sends to notifUrl (unsigned), and what it does
(on_notification: wake the payout whose payToken it names; its job asks Orange itself). The HTTP
route is peerx.rail_callbacks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import InvalidField
from peerx.rails.callback_fields import ProviderAmount, ProviderText, ProviderWord, Reference, examples
from peerx.rails.models import RailPayToken
from peerx.rails.payout_flow import wake
from peerx.wire import WireModel


class OrangePayment(WireModel):
    """The cash-in payment as Orange's pay and paymentstatus answers carry it."""

    payToken: Reference | None = None
    txnid: ProviderWord | None = None
    status: ProviderWord | None = None
    txnstatus: ProviderWord | None = None
    txnmessage: ProviderText | None = None
    txnmode: ProviderWord | None = None
    amount: ProviderAmount | None = None
    createtime: ProviderWord | None = None
    channelUserMsisdn: ProviderWord | None = None
    subscriberMsisdn: ProviderWord | None = None


class OrangeNotification(OrangePayment):
    """Orange Money's notification to notifUrl, unsigned: the payToken, at the top level or in
    `data` (the shape of the pay answer)."""

    model_config = examples(
        {"payToken": "MP2201209F0B8D8A8FA6FA4A4A", "status": "SUCCESSFULL", "txnid": "CI220120.1234.A12345"},
        {"message": "Transaction effectuée", "data": {"payToken": "MP2201209F0B8D8A8FA6FA4A4A", "status": "FAILED"}},
    )

    message: ProviderText | None = None
    data: OrangePayment | None = None

    def pay_token(self) -> str | None:
        for token in (self.payToken, self.data.payToken if self.data is not None else None):
            if token:
                return token
        return None


async def on_notification(session: AsyncSession, body: OrangeNotification) -> None:
    """Orange Money's cash-in notification: wakes the payout whose payToken it names."""
    token = body.pay_token()
    if token is None:
        raise InvalidField("payToken", "is required")
    reference = await session.scalar(select(RailPayToken.reference).where(RailPayToken.pay_token == token))
    if reference is not None:
        await wake(session, reference)
