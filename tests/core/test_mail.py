"""The mail outbox against a real SMTP server on 127.0.0.1 (aiosmtpd) and the file backend:
delivery, credentials, retries that lose nothing, and content erased once delivered."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from peerx.core import mail
from peerx.core.clock import clock
from peerx.core.jobs import CoreJob, Job
from peerx.platform import Platform
from tests.conftest import make_settings
from tests.fixtures import factories as f
from tests.fixtures.smtp import SmtpServer, free_port, start_smtp


async def queue(platform: Platform, *, to: str = "ama@example.com", text: str = "Hello Ama\n") -> int:
    async with platform.db.transaction() as session:
        row = await mail.queue_mail(
            session, platform.keys.cipher, platform.settings, to=to, subject="Greetings", text=text, purpose="tests"
        )
        return row.id


async def row(platform: Platform, mail_id: int) -> mail.MailMessage:
    async with platform.db.transaction() as session:
        found = await session.get(mail.MailMessage, mail_id)
        assert found is not None
        return found


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    server = start_smtp(credentials=("peerx", "s3cret"))
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path, database_url, smtp: SmtpServer):  # type: ignore[no-untyped-def]
    return make_settings(
        tmp_path,
        database_url,
        mail_backend="smtp",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_security="none",
        smtp_username="peerx",
        smtp_password="s3cret",
        mail_from="Peerwallet <vouchers@peerwallet.example>",
    )


async def test_smtp_delivers_the_message_with_credentials(platform, smtp, run_jobs):
    mail_id = await queue(platform, text="Your codes:\n12345678901234567890\n")
    assert smtp.messages == []  # nothing leaves before the job runs
    await run_jobs()
    delivered = smtp.wait_for(1)
    assert len(delivered) == 1 and smtp.logins == [("peerx", "s3cret")]
    got = delivered[0]
    assert got.mail_from == "vouchers@peerwallet.example" and got.rcpt_tos == ["ama@example.com"]
    assert got.message["Subject"] == "Greetings" and got.message["From"] == "Peerwallet <vouchers@peerwallet.example>"
    assert got.text == "Your codes:\n12345678901234567890\n"
    sent = await row(platform, mail_id)
    assert sent.status == mail.SENT and sent.attempts == 1 and sent.sent_at is not None
    assert sent.content_encrypted is None  # erased once delivered
    assert got.message["Message-ID"] == sent.message_id


async def test_ciphertext_waits_in_the_outbox_until_delivery(platform):
    mail_id = await queue(platform, text="secret 98765432109876543210\n")
    queued = await row(platform, mail_id)
    assert queued.status == mail.QUEUED and queued.content_encrypted is not None
    assert "98765432109876543210" not in queued.content_encrypted
    plain = platform.keys.cipher.decrypt(queued.content_encrypted, context=mail.CONTEXT)
    assert "secret 98765432109876543210" in plain


async def test_refused_mail_is_retried_on_schedule_and_delivered_later(platform, smtp, run_jobs):
    smtp.refuse = True
    mail_id = await queue(platform)
    await run_jobs()
    waiting = await row(platform, mail_id)
    assert waiting.status == mail.QUEUED and waiting.attempts == 1 and "451" in (waiting.last_error or "")
    assert waiting.content_encrypted is not None  # not lost
    async with platform.db.transaction() as session:
        job = await session.scalar(select(Job).where(Job.kind == CoreJob.SEND_MAIL))
        assert job is not None and job.status == "queued"
        assert job.run_at - clock.now() > timedelta(seconds=5)
    smtp.refuse = False
    await run_jobs()
    assert smtp.messages == []  # not due yet
    clock.advance(mail.RETRY_SCHEDULE[0] + timedelta(seconds=1))
    await run_jobs()
    assert len(smtp.wait_for(1)) == 1
    done = await row(platform, mail_id)
    assert (done.status, done.attempts, done.content_encrypted) == (mail.SENT, 2, None)


async def test_unreachable_server_then_dead_then_requeued(platform, smtp, run_jobs):
    platform.settings.smtp_port = free_port()  # nobody listens there
    mail_id = await queue(platform)
    for wait in [timedelta(0), *mail.RETRY_SCHEDULE]:
        clock.advance(wait + timedelta(seconds=1))
        await run_jobs()
    dead = await row(platform, mail_id)
    assert dead.status == mail.DEAD and dead.attempts == mail.MAX_ATTEMPTS
    assert dead.content_encrypted is not None  # an operator can still send it
    platform.settings.smtp_port = smtp.port
    async with platform.db.transaction() as session:
        await mail.requeue(session, mail_id)
    await run_jobs()
    assert len(smtp.wait_for(1)) == 1 and (await row(platform, mail_id)).status == mail.SENT


async def test_rolled_back_work_queues_no_mail(platform, smtp, run_jobs):
    with pytest.raises(RuntimeError):
        async with platform.db.transaction() as session:
            await mail.queue_mail(
                session, platform.keys.cipher, platform.settings, to="a@example.com", subject="x", text="y", purpose="t"
            )
            raise RuntimeError("the request failed")
    assert await run_jobs() == 0 and smtp.messages == []


async def test_file_backend_writes_one_eml_per_message(platform, run_jobs):
    platform.settings.mail_backend = "file"
    await f.merchant(platform)
    mail_id = await queue(platform, text="Hello file\n")
    await run_jobs()
    files = list((platform.settings.data_dir / "mail").glob("*.eml"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    body = parsed.get_body(("plain",))
    assert body is not None and body.get_content() == "Hello file\n"
    sent = await row(platform, mail_id)
    assert parsed["Message-ID"] == sent.message_id and sent.status == mail.SENT and sent.content_encrypted is None
    # a second delivery of the same message (at-least-once workers) overwrites, never duplicates
    await mail.FileTransport(platform.settings.data_dir / "mail").send(
        message_id=sent.message_id, sender="x@example.com", recipients=["y@example.com"], content="again"
    )
    assert len(list((platform.settings.data_dir / "mail").glob("*"))) == 1
