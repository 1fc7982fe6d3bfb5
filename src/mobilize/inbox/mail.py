"""E-mailing the outbox, off the request path: a sweep every few seconds in each server.

A sweep claims the notifications due (a lease: `next_attempt_at` moved past the sending time,
in a short transaction of its own, so no lock is held while the mail server answers and two
servers never claim the same row), sends them over one SMTP connection, then marks each: sent
(`emailed_at`), or failed with the reason, retried later with a growing delay. A server that
dies between sending and marking sends again once the lease ends: a notice may come twice,
never not at all.

Users choose (`inbox.models.Delivery`): each notice at once, a digest (one message with every
notice since the last, at most every `digest_every` seconds), or none by e-mail. A user with
no address is told in the app only.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mobilize.auth.models import User
from mobilize.core.db import session_scope
from mobilize.core.settings import SmtpSettings
from mobilize.inbox.models import Delivery, Notification, NotificationSetting

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # a claimed notice is not claimed again before this
FIRST_RETRY = timedelta(minutes=1)  # doubled per failure ...
LAST_RETRY = timedelta(hours=1)  # ... up to this
SMTP_TIMEOUT = 20.0  # seconds


@dataclass(frozen=True)
class Letter:
    """One message to send: to whom, and the notices it carries."""

    address: str
    user_id: int
    digest: bool
    notices: tuple[int, ...]
    message: EmailMessage


@dataclass
class SweepReport:
    sent: list[int] = field(default_factory=list)  # notification ids delivered
    failed: dict[int, str] = field(default_factory=dict)  # id: why


def send_pending(engine: Engine, smtp: SmtpSettings, now: datetime | None = None) -> SweepReport:
    """One sweep: claim what is due, send it, mark each notice sent or failed."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        letters = claim_due(session, smtp, now)
    report = SweepReport()
    if not letters:
        return report
    try:
        _deliver(smtp, letters, report)
    except (OSError, smtplib.SMTPException) as error:  # no connection at all: every letter
        why = _reason(error)
        for letter in letters:
            report.failed.update(dict.fromkeys(letter.notices, why))
    with session_scope(engine) as session:
        mark(session, letters, report, now)
    return report


def claim_due(session: Session, smtp: SmtpSettings, now: datetime) -> list[Letter]:
    """The letters due now, their notices leased so that no other sweep takes them."""
    query = (
        select(Notification, NotificationSetting, User)
        .join(NotificationSetting, NotificationSetting.user_id == Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            NotificationSetting.email.is_not(None),
            NotificationSetting.delivery != Delivery.OFF,
            User.active.is_(True),
            Notification.created_at >= NotificationSetting.email_since,
            (Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now),
        )
        .order_by(Notification.id)
        .with_for_update(skip_locked=True, of=Notification)
    )
    by_user: dict[int, tuple[NotificationSetting, list[Notification]]] = {}
    for notice, setting, _ in session.execute(query):
        by_user.setdefault(setting.user_id, (setting, []))[1].append(notice)
    letters = []
    for setting, notices in by_user.values():
        if setting.delivery == Delivery.DIGEST:
            if not _digest_due(setting, smtp, now):
                continue
            letters.append(_digest(smtp, setting, notices, now))
        else:
            letters.extend(_single(smtp, setting, notice, now) for notice in notices)
        for notice in notices:
            notice.next_attempt_at = now + LEASE
    session.flush()
    return letters


def _digest_due(setting: NotificationSetting, smtp: SmtpSettings, now: datetime) -> bool:
    last = setting.last_digest_at
    if last is None:
        return True
    last = last if last.tzinfo else last.replace(tzinfo=UTC)  # SQLite gives it back naive
    return now - last >= timedelta(seconds=smtp.digest_every)


def _single(
    smtp: SmtpSettings, setting: NotificationSetting, notice: Notification, now: datetime
) -> Letter:
    text = _notice_text(smtp, notice) + _footer(smtp)
    message = _message(smtp, str(setting.email), notice.subject, text, now)
    return Letter(str(setting.email), setting.user_id, False, (notice.id,), message)


def _digest(
    smtp: SmtpSettings, setting: NotificationSetting, notices: list[Notification], now: datetime
) -> Letter:
    count = len(notices)
    subject = f"mobilize: {count} notification{'s' if count != 1 else ''} since your last digest"
    text = "\n".join(_notice_text(smtp, notice) for notice in notices) + _footer(smtp)
    message = _message(smtp, str(setting.email), subject, text, now)
    ids = tuple(notice.id for notice in notices)
    return Letter(str(setting.email), setting.user_id, True, ids, message)


def _notice_text(smtp: SmtpSettings, notice: Notification) -> str:
    lines = [notice.subject]
    if notice.body:
        lines.append(notice.body)
    lines.append(f"{smtp.base_url}{notice.link}")
    return "\n".join(lines) + "\n"


def _footer(smtp: SmtpSettings) -> str:
    return (
        f"\n-- \nEverything that awaits you: {smtp.base_url}/\n"
        f"Your notifications and how you get them: {smtp.base_url}/notifications\n"
    )


def _message(smtp: SmtpSettings, to: str, subject: str, text: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message.set_content(text)
    return message


def _deliver(smtp: SmtpSettings, letters: list[Letter], report: SweepReport) -> None:
    """Send every letter over one connection; a refused recipient fails its letter only."""
    with _connect(smtp) as connection:
        for letter in letters:
            try:
                connection.send_message(letter.message)
            except smtplib.SMTPException as error:
                report.failed.update({notice: _reason(error) for notice in letter.notices})
            else:
                report.sent.extend(letter.notices)


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.security == "tls":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        connection = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT)
        if smtp.security == "starttls":
            connection.starttls(context=context)
    if smtp.username:
        connection.login(smtp.username, smtp.password or "")
    return connection


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the mail server answered {error.smtp_code}: {error.smtp_error!r}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"the mail server refused {', '.join(error.recipients)}"
    return f"{type(error).__name__}: {error}"


def mark(session: Session, letters: list[Letter], report: SweepReport, now: datetime) -> None:
    """Record each notice's outcome; a failure waits longer each time before its retry."""
    notices = {
        notice.id: notice
        for notice in session.scalars(
            select(Notification).where(
                Notification.id.in_([n for letter in letters for n in letter.notices])
            )
        )
    }
    for notice_id in report.sent:
        notice = notices[notice_id]
        notice.emailed_at, notice.email_error, notice.next_attempt_at = now, None, None
    for notice_id, why in report.failed.items():
        notice = notices[notice_id]
        notice.email_attempts += 1
        notice.email_error = why
        notice.next_attempt_at = now + min(
            FIRST_RETRY * 2 ** (notice.email_attempts - 1), LAST_RETRY
        )
        logger.warning("notification %s not e-mailed: %s", notice_id, why)
    digested = {
        letter.user_id for letter in letters if letter.digest and letter.notices[0] in report.sent
    }
    for user_id in digested:
        setting = session.get(NotificationSetting, user_id)
        if setting is not None:
            setting.last_digest_at = now
    session.flush()


class Mailer:
    """Sweeps the outbox every `smtp.send_every` seconds in a thread of the server."""

    def __init__(self, engine: Engine, smtp: SmtpSettings) -> None:
        self.engine, self.smtp = engine, smtp
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notification-mailer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=SMTP_TIMEOUT + 5)

    def _run(self) -> None:
        while not self._stop.wait(self.smtp.send_every):
            try:
                send_pending(self.engine, self.smtp)
            except Exception:  # the database is away: the next sweep tries again
                logger.exception("e-mailing notifications failed; the next sweep retries")
