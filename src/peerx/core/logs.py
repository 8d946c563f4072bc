"""Logging: configured once per process (`configure_logging`), one JSON object per line by
default, every line carrying the request id of the request or job it was written for, and no
secret in any line (docs/observability.md).

The request id lives in a context variable: the HTTP middleware sets it for a request (taken from
`X-Request-Id` or generated), jobs queued during the request store it, and the worker sets it
again while it runs each of them. Outbound calls send it on.
"""

from __future__ import annotations

import base64
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from secrets import token_hex
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pythonjsonlogger.json import JsonFormatter

if TYPE_CHECKING:
    from peerx.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("peerx_request_id", default=None)
REQUEST_ID_HEADER = "X-Request-Id"
MAX_REQUEST_ID = 200
# Printable ASCII without spaces: safe in a header, a log line and a database column.
_VALID_REQUEST_ID = re.compile(rf"[!-~]{{1,{MAX_REQUEST_ID}}}")


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def new_request_id() -> str:
    # 128 random bits as 32 hex digits (not uuid.uuid4: tests that pin uuid4's draws stay pinned).
    return token_hex(16)


def accepted_request_id(given: str | None) -> str:
    """The client's id when it is printable ASCII of at most 200 characters, else a new one."""
    if given is not None and _VALID_REQUEST_ID.fullmatch(given):
        return given
    return new_request_id()


# ---------------------------------------------------------------- secrets never logged

REDACTED = "[REDACTED]"
# API keys by the prefixes peerx issues (core/parties.issue_credential): the prefix stays readable.
_KEY = re.compile(r"\b((?:ptp|pw|peex|tpk)_(?:live|test)_)[A-Za-z0-9_\-]{6,}")
_SHAPES = [
    re.compile(r"\bwhsec_[A-Za-z0-9+/=_\-]{8,}"),  # webhook signing secrets
    re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"),  # Stripe keys
    re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"),  # JWTs (bearer tokens)
    re.compile(r"\b[tx]prv[1-9A-HJ-NP-Za-km-z]{100,}"),  # extended private keys
]
# A named secret, as a header ("Authorization: Bearer x"), a field ("password=x", "'token': 'x'")
# or JSON ("\"secret_key\": \"x\""): the name stays, the value goes.
_NAMED = re.compile(
    r"""(?ix)
    (
      (?:authorization|x-api-key|api-private-key|secretkey|secret[_-]?key|api[_-]?key|client[_-]?secret
        |password|passwd|pin|token|access[_-]?token|refresh[_-]?token|secret|pepper|totp[_-]?secret)
      \\?["']?\s*[:=]\s*\\?["']?
      (?:(?:bearer|basic)\s+)?
    )
    ([^\s"'\\,;&}]+)
    """
)


class Redactor:
    """Replaces secret shapes and the process's own known secret values (its pepper, its keys)."""

    def __init__(self) -> None:
        self.known: set[str] = set()

    def remember(self, *values: str | bytes | None) -> None:
        for value in values:
            if not value:
                continue
            if isinstance(value, bytes):
                for shown in (value.hex(), base64.b64encode(value).decode(), base64.urlsafe_b64encode(value).decode()):
                    self.known.add(shown.rstrip("="))
            elif len(value) >= 8:
                self.known.add(value)

    def __call__(self, text: str) -> str:
        for value in self.known:
            if value in text:
                text = text.replace(value, REDACTED)
        text = _KEY.sub(lambda match: match.group(1) + REDACTED, text)
        for shape in _SHAPES:
            text = shape.sub(REDACTED, text)
        return _NAMED.sub(lambda match: match.group(1) + REDACTED, text)


redact = Redactor()


class ContextFilter(logging.Filter):
    """Adds the request id and removes secrets from the message, its arguments and its traceback.
    Attached to the handler, so it sees every record, whichever logger wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None and getattr(record, "request_id", None) is None:
            record.request_id = request_id
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is logged as written, not lost
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonLines(JsonFormatter):
    """{"time": ..., "level": ..., "logger": ..., "message": ..., "request_id": ..., ...extra}"""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # Extras (logger.info(..., extra={...})) are redacted too; the message already is.
        log_data.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
        for key, value in log_data.items():
            if isinstance(value, str) and key not in ("time", "level", "logger", "message"):
                log_data[key] = redact(value)
        return log_data

    def formatException(self, ei: Any) -> str:
        return redact(logging.Formatter.formatException(self, ei))  # one string (exc_info_as_array is off)


class TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


_handler: logging.Handler | None = None  # what configure_logging installed in this process
_previous_levels: dict[str, int] = {}  # loggers whose level it changed, as they were
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold: fields kept out of repr, the tokens, the keys."""
    values = [getattr(settings, name) for name, field in type(settings).model_fields.items() if not field.repr]
    values += [settings.ops_token, settings.hash_pepper]
    values += [part.partition(":")[2] for part in settings.encryption_keys.split(",")]
    # Passwords inside connection URLs (a driver's error message may quote its URL).
    values += [urlsplit(url).password or "" for url in (settings.database_url, settings.redis_url)]
    return [value for value in values if isinstance(value, str) and value]


def configure_logging(
    settings: Settings | None = None,
    *,
    stream: Any = None,
    force: bool = False,
    secrets: Iterable[str | bytes | None] = (),
) -> logging.Handler | None:
    """Route every logger (peerx's, uvicorn's, libraries') through one stderr handler in the
    settings' format (PEERX_LOG_FORMAT, json or text) and level (PEERX_LOG_LEVEL), with the
    context filter. Once per process: a later call, or one in a program that configured logging
    itself, only remembers more secrets to redact, unless `force` (peerx serve and worker force
    it). Returns the handler it installed (None when it left the configuration as it was)."""
    global _handler
    if settings is not None:
        redact.remember(*settings_secrets(settings))
    redact.remember(*secrets)
    root = logging.getLogger()
    if not force and (_handler is not None or root.handlers):
        return None  # configured here already, or by the program peerx runs in (its handlers stay)
    level = settings.log_level.upper() if settings is not None else "INFO"
    handler = logging.StreamHandler(stream or sys.stderr)
    text = settings is not None and settings.log_format == "text"
    handler.setFormatter(TextLines() if text else JsonLines())
    handler.addFilter(ContextFilter())
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx writes a line per outbound request: the job's own line says the same (DEBUG shows both).
    for chatty in ("httpx", "httpcore"):
        _previous_levels.setdefault(chatty, logging.getLogger(chatty).level)
        logging.getLogger(chatty).setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)
    _handler = handler
    adopt_uvicorn_loggers()
    return handler


def unconfigure_logging() -> None:
    """Remove the handler configure_logging installed and restore the levels it changed (tests)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler = None
    for name, level in _previous_levels.items():
        logging.getLogger(name).setLevel(level)
    _previous_levels.clear()


def adopt_uvicorn_loggers() -> None:
    """uvicorn configures its own handlers when it starts (after `configure_logging` ran in
    `peerx serve`): take them back, so its error and access lines leave through ours."""
    if _handler is None:
        return
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
