"""Tables of the rails: which product job owns each payout reference (so a provider callback can
wake it), and Orange Money's payTokens (stored and committed before `pay` is called)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base


class RailPayout(Base):
    """One row per payout reference ever sent to a rail, written in the same transaction that
    marks the payout as sent. A callback names the reference; this row names the job to wake."""

    __tablename__ = "rail_payouts"

    reference: Mapped[str] = mapped_column(String(64), primary_key=True)
    rail: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    job_kind: Mapped[str] = mapped_column(String(80))
    job_payload: Mapped[dict[str, Any]]
    last_hint_at: Mapped[datetime | None]  # last callback that woke the job (throttle)
    created_at: Mapped[datetime]


class RailPayToken(Base):
    """Orange Money's handle on a payout: the payToken from cashin/init, keyed by our reference."""

    __tablename__ = "rail_pay_tokens"

    reference: Mapped[str] = mapped_column(String(64), primary_key=True)
    pay_token: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]
