"""The operator account table and its roles. (The table keeps its historical name.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base

ROLES = ("viewer", "reviewer", "finance", "admin")
VIEWER, REVIEWER, FINANCE, ADMIN = ROLES


class Operator(Base):
    __tablename__ = "console_operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, parameters inside the hash
    # None while the generated one-time password is in use: every page asks for a new one first.
    password_changed_at: Mapped[datetime | None]
    totp_secret_encrypted: Mapped[str] = mapped_column(Text)  # FieldCipher, context "console.totp"
    # The last TOTP time step accepted: a code can be used once, never replayed within its window.
    totp_last_step: Mapped[int] = mapped_column(default=0)
    # Failed logins and the lockout are kept by email in core's login_throttles (ops/operators/accounts.py).
    # Carried in the session cookie; changing it (logout, lock) ends every session of the operator.
    session_nonce: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
