"""Outgoing mail: an outbox in the database, sent by a job with retries.

A message is queued inside the caller's unit of work (so it exists only if that work commits),
stored as the complete RFC 5322 text encrypted with the field cipher, and sent by the job
`mail.send` through the configured transport: SMTP (aiosmtplib: STARTTLS, implicit TLS or plain,
with optional credentials) or files (each message written as data_dir/mail/<id>.eml, for demos).
Once the transport has accepted a message its ciphertext is erased: mail may carry secrets that
must exist nowhere else (voucher codes), so the outbox keeps them, encrypted, only until delivery.
Nothing here logs a message's content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any, Protocol

import aiosmtplib
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, utcnow
from peerx.core.errors import NotFound
from peerx.core.jobs import CoreJob, JobContext, RetryLater, enqueue
from peerx.core.private_files import private_dir, write_private
from peerx.core.retry import RetryPolicy
from peerx.core.secrets import FieldCipher
from peerx.core.services import CoreServices
from peerx.settings import Settings

log = logging.getLogger(__name__)

QUEUED, SENT, DEAD = "queued", "sent", "dead"
CONTEXT = "mail.message"  # AEAD associated data: a ciphertext cannot be moved to another column
# Wait before attempt n+1: about two days in all, then the message is dead until requeued.
RETRY_SCHEDULE = [
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(hours=24),
]
# The schedule is each wait's upper bound: core.retry takes up to 20% off at random.
RETRY = RetryPolicy.from_schedule(RETRY_SCHEDULE, jitter=0.2)
MAX_ATTEMPTS = RETRY.max_attempts


class MailMessage(Base):
    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)  # the Message-ID header
    purpose: Mapped[str] = mapped_column(String(60))  # e.g. vouchers.codes
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    content_encrypted: Mapped[str | None] = mapped_column(Text)  # None once delivered
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


async def queue_mail(
    session: AsyncSession,
    cipher: FieldCipher,
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    purpose: str,
    party_id: int | None = None,
) -> MailMessage:
    """Compose and queue a plain-text message; the `mail.send` job delivers it."""
    sender = settings.mail_from
    domain = getaddresses([sender])[0][1].rpartition("@")[2] or "peerx.localhost"
    message = EmailMessage(policy=default_policy)  # LF; SMTP turns it into CRLF
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid("peerx", domain=domain)
    message.set_content(text)
    row = MailMessage(
        message_id=str(message["Message-ID"]),
        purpose=purpose,
        party_id=party_id,
        to_address=to,
        subject=subject,
        content_encrypted=cipher.encrypt(message.as_string(), context=CONTEXT),
        status=QUEUED,
        attempts=0,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    # The mail row counts attempts and schedules retries (RetryLater); the job only retries crashes.
    await enqueue(session, CoreJob.SEND_MAIL, {"mail_id": row.id})
    return row


async def requeue(session: AsyncSession, mail_id: int) -> MailMessage:
    """Give a dead message another full round of attempts (an operator's action)."""
    row = await session.get(MailMessage, mail_id, with_for_update=True)
    if row is None:
        raise NotFound(f"mail message {mail_id} not found")
    if row.status == DEAD and row.content_encrypted is not None:
        row.status, row.attempts, row.last_error = QUEUED, 0, None
        await session.flush()
        await enqueue(session, CoreJob.SEND_MAIL, {"mail_id": row.id})
    return row


# ---------------------------------------------------------------- transports


class Transport(Protocol):
    async def send(self, *, message_id: str, sender: str, recipients: list[str], content: str) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: str  # starttls | tls | none
    username: str
    password: str
    timeout: float

    async def send(self, *, message_id: str, sender: str, recipients: list[str], content: str) -> None:
        await aiosmtplib.send(
            content.encode(),
            sender=sender,
            recipients=recipients,
            hostname=self.host,
            port=self.port,
            username=self.username or None,
            password=self.password or None,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            timeout=self.timeout,
        )


@dataclass(frozen=True)
class FileTransport:
    directory: Path

    def path_for(self, message_id: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in message_id.strip("<>"))
        return self.directory / f"{safe}.eml"

    async def send(self, *, message_id: str, sender: str, recipients: list[str], content: str) -> None:
        private_dir(self.directory)
        # 0600: the message is the delivery and may hold secrets (voucher codes). A second
        # delivery of the same message replaces the first.
        write_private(self.path_for(message_id), content.encode())


def transport_for(settings: Settings) -> Transport:
    if settings.mail_backend == "smtp":
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
    return FileTransport(settings.data_dir / "mail")


def envelope_sender(settings: Settings) -> str:
    return getaddresses([settings.mail_from])[0][1]


# ---------------------------------------------------------------- the job


async def send_mail(ctx: JobContext[CoreServices], payload: dict[str, Any]) -> None:
    cipher, settings = ctx.services.cipher, ctx.services.settings
    async with ctx.db.transaction() as session:
        row = await session.get(MailMessage, payload["mail_id"])
        if row is None or row.status != QUEUED or row.content_encrypted is None:
            return  # sent already: at-least-once workers may run a job twice
        content = cipher.decrypt(row.content_encrypted, context=CONTEXT)
        message_id, recipient = row.message_id, row.to_address
    error: str | None = None
    try:  # never inside a transaction: no lock is held across the network call
        await transport_for(settings).send(
            message_id=message_id, sender=envelope_sender(settings), recipients=[recipient], content=content
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    del content
    retry_at = None
    async with ctx.db.transaction() as session:
        row = await session.scalar(
            select(MailMessage)
            .where(MailMessage.id == payload["mail_id"])
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        row.attempts += 1
        row.last_error = error
        if error is None:
            row.status, row.sent_at, row.content_encrypted = SENT, utcnow(), None
        elif RETRY.exhausted(row.attempts):
            row.status = DEAD
            log.warning("mail %s is dead after %s attempts", row.id, row.attempts)
        else:
            retry_at = utcnow() + RETRY.delay(row.attempts)
            log.info("mail %s attempt %s failed; retrying at %s", row.id, row.attempts, retry_at.isoformat())
    if retry_at is not None:
        raise RetryLater(retry_at, error or "")
