"""Errors the Peach rules raise, each with the document's code (errors.py gives the status).
They extend core errors, so operator surfaces render them too."""

from __future__ import annotations

from peerx.core.errors import Conflict, Forbidden, InvalidField, Unauthorized


class FormInvalid(InvalidField):
    code = "FORM_INVALID"


class InvalidSignature(InvalidField):
    code = "INVALID_SIGNATURE"


class InvalidPgpSignature(InvalidField):
    code = "INVALID_PGP_SIGNATURE"


class AuthenticationFailed(Unauthorized):
    code = "AUTHENTICATION_FAILED"


class TradingLimitReached(Forbidden):
    code = "TRADING_LIMIT_REACHED"


class PaymentHashInvalid(Forbidden):
    code = "PAYMENT_HASH_INVALID"


class NotEnoughPoints(Forbidden):
    code = "NOT_ENOUGH_POINTS"


class AccountBanned(Forbidden):
    code = "ACCOUNT_BANNED"


class Duplicate(Conflict):
    code = "DUPLICATE"


class BadState(Conflict):
    """The offer is not in a state that allows the operation."""

    code = "BAD_REQUEST"


class UserExists(Unauthorized):
    code = "USER_EXISTS"


class OfferTaken(Forbidden):
    """The sell offer is in a contract already."""

    code = "OFFER_TAKEN"


class AlreadyTaken(Conflict):
    """The buy offer is in a contract already."""

    code = "ALREADY_TAKEN"


class CannotMatch(Forbidden):
    code = "CANNOT_MATCH"


class CannotDoubleMatch(Forbidden):
    code = "CANNOT_DOUBLEMATCH"


class PgpMissing(Forbidden):
    code = "PGP_MISSING"
