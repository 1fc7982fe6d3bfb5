"""Notifications: written in the change's transaction when something enters a queue, told
once, e-mailed through a real local SMTP server (immediately or as a digest), failures kept
and retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobilize.core.db import session_scope
from mobilize.core.settings import SmtpSettings
from mobilize.inbox.awaiting import awaiting
from mobilize.inbox.mail import send_pending
from mobilize.inbox.models import Delivery, Notification
from mobilize.inbox.service import notifications_of, set_delivery
from mobilize.requests import schemas
from mobilize.requests.access import find_request
from mobilize.requests.service import Change, create_request, respond, submit_request
from tests.inbox.conftest import Mailbox, free_port
from tests.requests.conftest import Demo, officers_line

DOJ_ADDRESS = "doj.responder@justice.example"


def _file_and_submit(demo: Demo, rollback: bool = False) -> str:
    """DHS files officers for El Centro from DOJ and DOS, and submits it (RFA-2018-0003)."""
    draft = schemas.RequestDraft(
        title="More officers for El Centro over the holidays",
        justification="CBP asks for officers at El Centro.",
        operation="Border support 2018",
        lines=[
            officers_line(location="ELC"),
            officers_line(location="ELC", supporting_agency="DOS"),
        ],
    )
    requester = demo.actors["dhs.requester"]
    with session_scope(demo.engine) as session:
        request = create_request(session, demo.key, requester, draft)
        submit_request(session, demo.key, requester, Change(request.number, request.revision))
        number = request.number
        if rollback:
            session.rollback()
    return number


def _notices(demo: Demo, username: str) -> list[Notification]:
    with session_scope(demo.engine) as session:
        return notifications_of(session, demo.actors[username])


def _set_address(demo: Demo, username: str, address: str, delivery: Delivery) -> None:
    with session_scope(demo.engine) as session:
        set_delivery(session, demo.key, demo.actors[username], address, delivery)


def test_a_submitted_request_awaits_the_responder_and_is_emailed_to_them(
    demo: Demo, smtp: SmtpSettings, mailbox: Mailbox
) -> None:
    _set_address(demo, "doj.responder", DOJ_ADDRESS, Delivery.IMMEDIATE)
    number = _file_and_submit(demo)
    assert number == "RFA-2018-0003"
    with session_scope(demo.engine) as session:
        queue = awaiting(session, demo.actors["doj.responder"])
    answers = [item for item in queue if item.kind == "answer"]
    assert [item.subject for item in answers] == [number]
    assert "line 1: 10 LEO at ELC" in answers[0].detail
    told = [n for n in _notices(demo, "doj.responder") if number in n.subject]
    assert [n.kind for n in told] == ["answer"]

    report = send_pending(demo.engine, smtp)
    assert told[0].id in report.sent
    assert not report.failed
    [message] = mailbox.to(DOJ_ADDRESS)  # not the demo's notices from before the address
    assert (
        message["Subject"]
        == f"{number} awaits your answer: More officers for El Centro over the holidays"
    )
    assert message["From"] == "mobilize@border.example"
    assert f"https://mobilize.example/requests/{number}" in message.get_content()
    emailed = [n for n in _notices(demo, "doj.responder") if n.id == told[0].id]
    assert emailed[0].emailed_at is not None
    assert send_pending(demo.engine, smtp).sent == []  # delivered once
    assert len(mailbox.to(DOJ_ADDRESS)) == 1


def test_nobody_is_told_of_a_change_that_was_rolled_back(demo: Demo) -> None:
    before = len(_notices(demo, "doj.responder"))
    _file_and_submit(demo, rollback=True)
    assert len(_notices(demo, "doj.responder")) == before


def test_the_same_request_is_told_once_though_later_changes_leave_it_waiting(
    demo: Demo,
) -> None:
    number = _file_and_submit(demo)
    # DOS answers its own line: DOJ's line still awaits DOJ, who is not told a second time.
    responder = demo.actors["dos.responder"]
    with session_scope(demo.engine) as session:
        request = find_request(session, number, lock=False)
        answer = schemas.ResponseInput.model_validate({"answers": [{"line": 2, "offer": "all"}]})
        respond(session, demo.key, responder, Change(number, request.revision), answer)
    doj = [n for n in _notices(demo, "doj.responder") if number in n.subject]
    assert len(doj) == 1
    dos_signer = [n for n in _notices(demo, "dos.approver") if number in n.subject]
    assert [n.kind for n in dos_signer] == ["sign"]


def test_a_refused_delivery_is_kept_with_its_reason_and_retried(
    demo: Demo, smtp: SmtpSettings, mailbox: Mailbox
) -> None:
    _set_address(demo, "doj.responder", DOJ_ADDRESS, Delivery.IMMEDIATE)
    _file_and_submit(demo)
    now = datetime.now(UTC)
    nowhere = SmtpSettings(host="127.0.0.1", port=free_port(), security="none")
    failed = send_pending(demo.engine, nowhere, now)
    assert failed.failed
    assert not failed.sent
    [notice] = [n for n in _notices(demo, "doj.responder") if n.email_attempts]
    assert notice.emailed_at is None
    assert "ConnectionRefusedError" in (notice.email_error or "")
    assert send_pending(demo.engine, smtp, now + timedelta(seconds=30)).sent == []  # waits
    retried = send_pending(demo.engine, smtp, now + timedelta(minutes=2))
    assert notice.id in retried.sent
    assert len(mailbox.to(DOJ_ADDRESS)) == 1


def test_a_digest_sends_everything_since_the_last_in_one_message(
    demo: Demo, smtp: SmtpSettings, mailbox: Mailbox
) -> None:
    _set_address(demo, "doj.responder", DOJ_ADDRESS, Delivery.DIGEST)
    _file_and_submit(demo)
    _file_and_submit(demo)
    now = datetime.now(UTC)
    assert send_pending(demo.engine, smtp, now).sent == []  # the first digest is a day away
    later = now + timedelta(seconds=smtp.digest_every + 1)
    report = send_pending(demo.engine, smtp, later)
    assert len(report.sent) == 2
    [digest] = mailbox.to(DOJ_ADDRESS)
    assert digest["Subject"] == "mobilize: 2 notifications since your last digest"
    body = digest.get_content()
    assert "RFA-2018-0003 awaits your answer" in body
    assert "RFA-2018-0004 awaits your answer" in body
    assert send_pending(demo.engine, smtp, later + timedelta(minutes=1)).sent == []


def test_without_an_address_a_user_is_told_in_the_app_only(
    demo: Demo, smtp: SmtpSettings, mailbox: Mailbox
) -> None:
    number = _file_and_submit(demo)
    send_pending(demo.engine, smtp)
    assert [n.kind for n in _notices(demo, "doj.responder") if number in n.subject] == ["answer"]
    assert mailbox.messages == []
