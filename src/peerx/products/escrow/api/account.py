"""The logged-in user on the wire: personal details, the terms of service, the active country, the
credit account payouts go to, and notifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request, Response

from peerx.products.escrow import payouts, service
from peerx.products.escrow.api.shared import Paging
from peerx.products.escrow.deps import Idempotent, User, actor, once
from peerx.products.escrow.errors import documented
from peerx.products.escrow.models import EscrowUser
from peerx.products.escrow.schemas import (
    ActiveCountry,
    CreditAccount,
    CreditAccountRequest,
    Notification,
    PathId,
    PersonalInfo,
    PersonalInfoUpdate,
    TosAcceptanceRequest,
)
from peerx.web import PlatformDep, Session, WireJSON, wire_router

router = wire_router(strict_content_type=False)  # a JSON body without a Content-Type is read as JSON

PERSONAL, NOTIFICATIONS = "Personal", "Notifications"
NotificationId = Annotated[PathId, Path(description="The notification's id.", examples=[1])]


def personal(user: EscrowUser) -> dict[str, Any]:
    return PersonalInfo.of(service.personal_view(user))


# ---------------------------------------------------------------- personal details


@router.get(
    "/me/personal",
    operation_id="personal.getPersonal",
    tags=[PERSONAL],
    summary="Get personal information for the logged-in user",
    response_model=PersonalInfo,
    responses=documented(401, 403),
)
async def get_personal(user: User) -> Response:
    return WireJSON(personal(user.user))


@router.put(
    "/me/personal",
    operation_id="personal.setPersonal",
    tags=[PERSONAL],
    summary="Update personal information for the logged-in user",
    description="The parts sent are changed, the rest kept; an address replaces the stored one whole.",
    response_model=PersonalInfo,
    responses=documented(400, 401, 403, codes={400: ("invalid_name", "invalid_address", "invalid_dob")}),
)
async def put_personal(session: Session, user: User, body: PersonalInfoUpdate) -> Response:
    update = service.PersonalUpdate(
        first=body.name.first if body.name is not None else None,
        last=body.name.last if body.name is not None else None,
        address=body.address.model_dump(exclude_unset=True) if body.address is not None else None,
        dob=(body.dob.day, body.dob.month, body.dob.year) if body.dob is not None else None,
    )
    return WireJSON(personal(await service.set_personal(session, user.user, update)))


@router.post(
    "/me/accept_tos",
    operation_id="personal.acceptTos",
    tags=[PERSONAL],
    summary="Confirm that the logged-in user accepted the Terms of Service",
    description="The client must have presented the Trustap Terms of Service and the Stripe Connected "
    "Account Agreement to the user, who expressly consented, before this request.",
    response_model=PersonalInfo,
    responses=documented(400, 401, 403, codes={400: ("invalid_unix_timestamp", "invalid_ip")}),
)
async def accept_tos(session: Session, user: User, body: TosAcceptanceRequest) -> Response:
    accepted = await service.accept_tos(
        session, user.user, unix_timestamp=body.unix_timestamp, ip=body.ip, user_agent=body.user_agent
    )
    return WireJSON(personal(accepted))


@router.post(
    "/me/personal/set_active_country",
    operation_id="personal.setActiveCountry",
    tags=[PERSONAL],
    summary="Set the active country of the logged-in user",
    response_class=Response,
    responses={
        200: {"description": "Set (no body)."},
        **documented(400, 401, 403, codes={400: ("invalid_country_code",)}),
    },
)
async def set_active_country(session: Session, user: User, body: ActiveCountry) -> Response:
    await service.set_active_country(session, user.user, body.country_code)
    return Response(status_code=200)


@router.post(
    "/me/credit_account",
    operation_id="personal.setCreditAccount",
    tags=[PERSONAL],
    summary="Add a credit account for the logged-in user",
    description="The bank account released funds are paid out to (the spec's `/me/debit_account`). Only "
    "`type: bank`; the account number is stored encrypted and shown by its last four characters.",
    response_model=CreditAccount,
    responses=documented(
        400,
        401,
        403,
        codes={
            400: (
                "parameter_missing",
                "invalid_account_type",
                "bank_details_missing",
                "account_number_invalid",
                "routing_number_invalid",
            )
        },
    ),
    dependencies=[Idempotent],
)
async def credit_account(
    request: Request, session: Session, user: User, platform: PlatformDep, body: CreditAccountRequest
) -> Response:
    async def produce() -> dict[str, Any]:
        view = await payouts.set_credit_account(session, platform.keys.cipher, user.user, body.type, body.bank())
        return CreditAccount.of(view)

    return await once(request, session, user, body.meaning(), produce)


# ---------------------------------------------------------------- notifications


@router.get(
    "/me/notifications",
    operation_id="app_notifs.getNotifications",
    tags=[NOTIFICATIONS],
    summary="Get notifications for the logged-in user",
    description="Newest first. `after_id` continues with smaller ids, `before_id` gives the page before.",
    response_model=list[Notification],
    responses=documented(400, 401, 403, codes={400: ("invalid_before_id", "invalid_after_id", "invalid_limit")}),
)
async def notifications(session: Session, user: User, paging: Paging) -> Response:
    rows = await service.notifications(session, actor(user), paging)
    return WireJSON([Notification.of(service.notification_view(n)) for n in rows])


@router.get(
    "/notifications/{notification_id}",
    operation_id="app_notifs.getNotification",
    tags=[NOTIFICATIONS],
    summary="Get this notification",
    response_model=Notification,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def get_notification(notification_id: NotificationId, session: Session, user: User) -> Response:
    found = await service.notification(session, actor(user), notification_id, mark_read=False)
    return WireJSON(Notification.of(service.notification_view(found)))


MARK_READ: dict[str, Any] = {
    "tags": [NOTIFICATIONS],
    "summary": "Mark this notification as read",
    "response_model": Notification,
    "responses": documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
}


@router.post(
    "/notifications/{notification_id}/mark_as_read", operation_id="app_notifs.markNotificationAsRead", **MARK_READ
)
async def mark_as_read(notification_id: NotificationId, session: Session, user: User) -> Response:
    found = await service.notification(session, actor(user), notification_id, mark_read=True)
    return WireJSON(Notification.of(service.notification_view(found)))


@router.get(
    "/notifications/{notification_id}/mark_as_read",
    operation_id="app_notifs.markNotificationAsReadByGet",
    description="The document's spelling (GET); the spec's is POST. Both mark as read.",
    **MARK_READ,
)
async def mark_as_read_by_get(notification_id: NotificationId, session: Session, user: User) -> Response:
    return await mark_as_read(notification_id, session, user)
