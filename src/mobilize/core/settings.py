"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mobilize.core.errors import InvalidInput, UnsafeKeyFile

DATABASE_URL_VARIABLE = "MOBILIZE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///mobilize.db"
AUDIT_KEY_VARIABLE = "MOBILIZE_AUDIT_KEY"
AUDIT_KEY_FILE_VARIABLE = "MOBILIZE_AUDIT_KEY_FILE"
DEFAULT_AUDIT_KEY_FILE = "mobilize-audit.key"
AUDIT_WITNESS_FILE_VARIABLE = "MOBILIZE_AUDIT_WITNESS_FILE"
JOB_QUEUE_VARIABLE = "MOBILIZE_JOB_QUEUE"
JOB_QUEUES = ("in-process", "procrastinate")
SMTP_SECURITIES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """Where notifications are e-mailed from (`inbox.mail`); unset: in the app only."""

    host: str
    port: int = 587
    sender: str = "mobilize@localhost"  # the From address
    # "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (a relay on a trusted
    # network, or a test server).
    security: str = "starttls"
    username: str | None = None  # log in only when given
    password: str | None = None
    digest_every: float = 86_400.0  # seconds between two digests of one user
    send_every: float = 10.0  # seconds between two sweeps of the outbox
    base_url: str = "http://127.0.0.1:8000"  # where the links in a message point


@dataclass(frozen=True)
class Settings:
    database_url: str
    audit_key: str | None  # the key itself, for several workers sharing one database
    audit_key_file: Path
    # The file witness of the audit log's signed heads; None: beside the key file.
    audit_witness_file: Path | None = None
    # Failed bearer tokens one address may send in a minute before it gets 429.
    token_failures_per_minute: int = 30
    # "in-process": jobs run on a thread of the server (one process, SQLite's default);
    # "procrastinate": on `mobilize worker` processes through PostgreSQL (the server never solves).
    job_queue: str = "in-process"
    # Fair use: solves queued or running at once, per user and per operation.
    solves_per_user: int = 2
    solves_per_operation: int = 4
    # Requests one process works on at once (the rest wait their turn): on a few cores, many
    # more threads only take the interpreter lock from each other while they hold row locks.
    request_threads: int = 4
    # E-mail for notifications; None: notifications are shown in the app only.
    smtp: SmtpSettings | None = None


def load_settings() -> Settings:
    """The embedded SQLite file `mobilize.db` in the working directory unless told otherwise."""
    return Settings(
        database_url=os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL,
        audit_key=os.environ.get(AUDIT_KEY_VARIABLE) or None,
        audit_key_file=Path(os.environ.get(AUDIT_KEY_FILE_VARIABLE) or DEFAULT_AUDIT_KEY_FILE),
        audit_witness_file=_path_or_none(os.environ.get(AUDIT_WITNESS_FILE_VARIABLE)),
        job_queue=os.environ.get(JOB_QUEUE_VARIABLE) or "in-process",
        solves_per_user=_count("MOBILIZE_SOLVES_PER_USER", 2),
        solves_per_operation=_count("MOBILIZE_SOLVES_PER_OPERATION", 4),
        request_threads=_count("MOBILIZE_REQUEST_THREADS", 4),
        smtp=smtp_settings(),
    )


def smtp_settings() -> SmtpSettings | None:
    """`MOBILIZE_SMTP_HOST` and its companions; None without a host (in-app only)."""
    host = os.environ.get("MOBILIZE_SMTP_HOST")
    if not host:
        return None
    security = os.environ.get("MOBILIZE_SMTP_SECURITY") or "starttls"
    if security not in SMTP_SECURITIES:
        raise InvalidInput(
            f"MOBILIZE_SMTP_SECURITY={security!r}: one of {', '.join(SMTP_SECURITIES)}"
        )
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    return SmtpSettings(
        host=host,
        port=_count("MOBILIZE_SMTP_PORT", default_port),
        sender=os.environ.get("MOBILIZE_SMTP_FROM") or f"mobilize@{host}",
        security=security,
        username=os.environ.get("MOBILIZE_SMTP_USERNAME") or None,
        password=os.environ.get("MOBILIZE_SMTP_PASSWORD") or None,
        digest_every=float(_count("MOBILIZE_DIGEST_EVERY", 86_400)),
        send_every=float(_count("MOBILIZE_SMTP_SEND_EVERY", 10)),
        base_url=(os.environ.get("MOBILIZE_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
    )


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def witness_file(settings: Settings) -> Path:
    """Where the audit log's witness keeps the heads it saw: beside the key by default (off
    the database server, like the key)."""
    return settings.audit_witness_file or settings.audit_key_file.with_suffix(".witness")


def _count(variable: str, default: int) -> int:
    text = os.environ.get(variable)
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"{variable}={text!r}: a whole number of at least 1")
    return int(text)


def audit_key(settings: Settings) -> bytes:
    """The key that signs the audit log's tree heads (the Ed25519 seed, `audit.heads`). It must
    not live in the database: whoever can rewrite the database could otherwise sign a log of
    their making. Made on first use as a file readable only by its owner when neither the
    variable nor the file is there; a file others may read is refused with the fix."""
    if settings.audit_key:
        return settings.audit_key.encode()
    path = settings.audit_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_hex(32) + "\n")
    _refuse_readable_by_others(path)
    return path.read_text().strip().encode()


def _refuse_readable_by_others(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise UnsafeKeyFile(
            f"the audit key file {path} is readable by others (mode {mode:o}): "
            f"run `chmod 600 {path}`"
        )
