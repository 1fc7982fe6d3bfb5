"""Eight approvers race to sign the same requests: exactly one wins each, the others are told
the request changed (412) or is no longer theirs to decide (409), never a 500, and every
attempt leaves exactly one audit record."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from mobilize.audit.models import AuditRecord
from mobilize.audit.service import verify_trail
from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import session_scope
from mobilize.requests import schemas
from mobilize.requests.models import Approval, SupportRequest
from mobilize.requests.service import Change, create_request, respond, submit_request
from tests.requests.conftest import Demo, officers_line

APPROVERS = 8
CRITERIA = ("legality", "cost", "appropriateness")


def _offered_requests(demo: Demo, count: int) -> list[str]:
    requester, responder = demo.actors["dhs.requester"], demo.actors["doj.responder"]
    line = officers_line()
    numbers = []
    with session_scope(demo.engine) as session:
        for index in range(count):
            draft = schemas.RequestDraft(title=f"race {index}", justification="j", lines=[line])
            request = create_request(session, demo.key, requester, draft)
            request = submit_request(session, demo.key, requester, Change(request.number, 1))
            answers = schemas.ResponseInput(answers=[schemas.LineAnswer(line=1, offer="all")])
            respond(session, demo.key, responder, Change(request.number, 2), answers)
            numbers.append(request.number)
    return numbers


def _approver_tokens(demo: Demo) -> list[str]:
    with session_scope(demo.engine) as session:
        tokens = []
        for index in range(APPROVERS):
            name = f"doj.approver.{index}"
            add_user(session, demo.key, name, "DOJ", [(Role.APPROVER, "DOJ")])
            tokens.append(create_token(session, demo.key, name))
    return tokens


def _approve_all(app: FastAPI, token: str, numbers: list[str], seed: int) -> Counter[int]:
    order = list(numbers)
    random.Random(seed).shuffle(order)
    outcomes: Counter[int] = Counter()
    auth = {"Authorization": f"Bearer {token}"}
    criteria = {name: {"judgement": "satisfied", "note": "ok"} for name in CRITERIA}
    with TestClient(app) as client:
        for number in order:
            shown = client.get(f"/api/requests/{number}", headers=auth)
            assert shown.status_code == 200, shown.text
            body = {
                "version_sha256": shown.json()["version_sha256"],
                "decision": "approve",
                "criteria": criteria,
            }
            headers = auth | {"If-Match": shown.headers["ETag"]}
            answer = client.post(f"/api/requests/{number}/decisions", json=body, headers=headers)
            outcomes[answer.status_code] += 1
    return outcomes


def test_concurrent_approvers_one_wins_each_request(demo: Demo, app: FastAPI) -> None:
    count = 60 if demo.engine.dialect.name == "postgresql" else 40
    numbers = _offered_requests(demo, count)
    tokens = _approver_tokens(demo)
    with ThreadPoolExecutor(APPROVERS) as pool:
        runs = pool.map(_approve_all, [app] * APPROVERS, tokens, [numbers] * APPROVERS, range(8))
        outcomes = sum(runs, Counter())
    assert set(outcomes) <= {200, 409, 412}, outcomes
    assert outcomes[200] == count
    with session_scope(demo.engine) as session:
        signed = Counter(
            session.scalars(
                select(SupportRequest.number)
                .join(Approval, Approval.request_id == SupportRequest.id)
                .where(SupportRequest.number.in_(numbers))
            )
        )
        attempts: Counter[tuple[str | None, str]] = Counter(
            (number, outcome)
            for number, outcome in session.execute(
                select(AuditRecord.object_id, AuditRecord.outcome)
                .where(AuditRecord.action == "request.approve")
                .where(AuditRecord.object_id.in_(numbers))
            ).all()
        )
        assert verify_trail(session, demo.key).intact
    assert len(signed) == count
    assert set(signed.values()) == {1}
    for number in numbers:
        assert attempts[(number, "ok")] == 1
        assert sum(n for (num, _), n in attempts.items() if num == number) == APPROVERS


def test_concurrent_filings_each_get_their_own_number(demo: Demo, app: FastAPI) -> None:
    """Numbers are counted per year: two requests filed at once must not both take the next."""
    token = demo.tokens["dhs.requester"]
    line = {
        "capability": "LEO",
        "component": "civilian",
        "personnel": 5,
        "location": "SDC",
        "starts_on": "2018-12-05",
        "ends_on": "2018-12-20",
        "supporting_agency": "DOJ",
    }

    def file(index: int) -> tuple[int, str]:
        draft = {"title": f"filed {index}", "justification": "j", "lines": [line]}
        with TestClient(app) as client:
            answer = client.post(
                "/api/requests", json=draft, headers={"Authorization": f"Bearer {token}"}
            )
        return answer.status_code, answer.json().get("number", answer.text)

    with ThreadPoolExecutor(APPROVERS) as pool:
        filed = list(pool.map(file, range(4 * APPROVERS)))
    assert {status for status, _ in filed} == {201}, filed
    assert len({number for _, number in filed}) == len(filed)
