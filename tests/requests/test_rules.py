"""The rules that guard a request, as properties over generated agencies, users and lines.

Self-approval, answering for another agency and signing a version that has changed are refused
in every generated case; each refusal leaves its record in the audit trail, and the chain still
verifies. The calls go through `run_audited`, as the API and the CLI make them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.service import ensure_agency
from mobilize.audit.models import AuditRecord
from mobilize.audit.service import Entry, run_audited, verify_trail
from mobilize.auth.models import Role
from mobilize.auth.service import Actor, actor_of, add_user, covers
from mobilize.core.db import session_scope
from mobilize.core.errors import Forbidden, MobilizeError, Refused
from mobilize.requests import schemas
from mobilize.requests.models import SupportRequest
from mobilize.requests.service import (
    Change,
    amend,
    content_sha256,
    create_request,
    decide,
    respond,
    submit_request,
)
from tests.requests.conftest import Demo

T = TypeVar("T")
RULES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Usernames must be unique in the database, which lives as long as the test, not the example.
_serial = itertools.count()

codes = st.from_regex(r"[A-Z][A-Za-z0-9]{0,4}( [A-Za-z]{1,4})?", fullmatch=True)
paths = st.lists(codes, min_size=1, max_size=3).map("/".join)


def root(path: str) -> str:
    return path.split("/")[0]


@st.composite
def line_drafts(draw: st.DrawFn, agencies: list[str]) -> schemas.LineDraft:
    """A line to one of `agencies`; never law enforcement, which is a rule of its own."""
    starts_on = draw(st.dates(date(2018, 1, 1), date(2030, 12, 31)))
    return schemas.LineDraft(
        capability=draw(codes.filter(lambda code: code != "LEO")),
        component=draw(st.sampled_from([None, "active", "guard", "civilian"])),
        personnel=draw(st.integers(1, 10_000)),
        location=draw(codes),
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=draw(st.integers(0, 400))),
        supporting_agency=draw(st.sampled_from(agencies)),
    )


def drafts(agencies: list[str]) -> st.SearchStrategy[schemas.RequestDraft]:
    return st.builds(
        schemas.RequestDraft,
        title=codes,
        justification=codes,
        lines=st.lists(line_drafts(agencies), min_size=1, max_size=4),
    )


def below(path: str) -> st.SearchStrategy[str]:
    """`path` or an agency below it."""
    return st.lists(codes, max_size=2).map(lambda parts: "/".join([path, *parts]))


# Calling the services as the edge does -------------------------------------------------------


def make_cast(
    demo: Demo, users: dict[str, tuple[str, list[tuple[Role, str]]]], lines: schemas.RequestDraft
) -> dict[str, Actor]:
    """The users of one example (part -> agency and grants), named uniquely, and the agencies
    the lines of the draft are addressed to."""
    serial = next(_serial)
    with session_scope(demo.engine) as session:
        for line in lines.lines:
            ensure_agency(session, line.supporting_agency)
        return {
            part: actor_of(add_user(session, demo.key, f"rules{serial}.{part}", agency, grants))
            for part, (agency, grants) in users.items()
        }


def audited(
    demo: Demo, actor: Actor, action: str, number: str | None, work: Callable[[Session], T]
) -> T:
    refusal = Entry(actor.username, actor.agency, action, "request", number)
    return run_audited(demo.engine, demo.key, work, refusal)


def filed(demo: Demo, requester: Actor, draft: schemas.RequestDraft) -> str:
    """A request created and submitted by `requester`: its number."""
    number = audited(
        demo,
        requester,
        "request.create",
        None,
        lambda s: create_request(s, demo.key, requester, draft).number,
    )
    audited(
        demo,
        requester,
        "request.submit",
        number,
        lambda s: submit_request(s, demo.key, requester, current(s, number)).number,
    )
    return number


def offered(demo: Demo, responder: Actor, number: str) -> None:
    """Every line offered in full by `responder`."""

    def work(session: Session) -> None:
        request = find(session, number)
        answers = [schemas.LineAnswer(line=line.position, offer="all") for line in request.lines]
        respond(
            session,
            demo.key,
            responder,
            current(session, number),
            schemas.ResponseInput(answers=answers),
        )

    audited(demo, responder, "request.respond", number, work)


def approval(sha256: str, request: SupportRequest) -> schemas.ApprovalInput:
    """Approve every offered line, every criterion satisfied: nothing wrong but who or what."""
    names = {name for line in request.lines for name in line.criteria}
    judged = {name: schemas.CriterionJudgement(judgement="satisfied") for name in names}
    return schemas.ApprovalInput(version_sha256=sha256, decision="approve", criteria=judged)


def signing(demo: Demo, approver: Actor, number: str, sha256: str | None = None) -> None:
    """`approver` signs the request, on `sha256` or (by default) the version now current."""

    def work(session: Session) -> None:
        request = find(session, number)
        decision = approval(sha256 or content_sha256(request), request)
        decide(session, demo.key, approver, current(session, number), decision)

    audited(demo, approver, "request.approve", number, work)


def find(session: Session, number: str) -> SupportRequest:
    return session.scalars(select(SupportRequest).where(SupportRequest.number == number)).one()


def current(session: Session, number: str) -> Change:
    """The revision now stored: the caller read it just before (so never stale)."""
    return Change(number, find(session, number).revision)


def statuses(demo: Demo, number: str) -> tuple[str, list[str], int]:
    with session_scope(demo.engine) as session:
        request = find(session, number)
        return request.status, [line.status for line in request.lines], len(request.approvals)


def assert_refusal_recorded(demo: Demo, actor: Actor, number: str, outcome: str) -> None:
    with session_scope(demo.engine) as session:
        records = session.scalars(
            select(AuditRecord).where(
                AuditRecord.actor == actor.username,
                AuditRecord.object_id == number,
                AuditRecord.outcome == outcome,
            )
        ).all()
        report = verify_trail(session, demo.key)
    assert records, f"no {outcome!r} record of {actor.username} on {number}"
    assert report.intact, report.first_break


def refused(kind: type[MobilizeError], call: Callable[[], object]) -> MobilizeError:
    with pytest.raises(kind) as raised:
        call()
    return raised.value


# Self-approval --------------------------------------------------------------------------------


@st.composite
def self_approvals(draw: st.DrawFn) -> tuple[str, str, str, schemas.RequestDraft]:
    """(requesting agency, approver's own agency or "filer", supporting department, draft):
    the approver's agency is in the requesting agency's line: above it, it, or below it."""
    requesting = draw(paths)
    parts = requesting.split("/")
    approver_agency = draw(
        st.one_of(
            st.integers(1, len(parts)).map(lambda depth: "/".join(parts[:depth])),
            below(requesting),
            st.just("filer"),
        )
    )
    supporting = draw(codes.filter(lambda code: code != root(requesting)))
    agencies = draw(st.lists(below(supporting), min_size=1, max_size=3))
    return requesting, approver_agency, supporting, draw(drafts(agencies))


@RULES
@given(case=self_approvals())
def test_nobody_approves_their_own_agencys_request(
    demo: Demo, case: tuple[str, str, str, schemas.RequestDraft]
) -> None:
    requesting, approver_agency, supporting, draft = case
    filer_signs = approver_agency == "filer"
    filer_grants = [(Role.REQUESTER, requesting)]
    if filer_signs:
        filer_grants.append((Role.APPROVER, supporting))
    users = {
        "requester": (requesting, filer_grants),
        "supporter": (supporting, [(Role.RESPONDER, supporting), (Role.APPROVER, supporting)]),
    }
    if not filer_signs:
        users["approver"] = (approver_agency, [(Role.APPROVER, supporting)])
    cast = make_cast(demo, users, draft)
    number = filed(demo, cast["requester"], draft)
    offered(demo, cast["supporter"], number)
    approver = cast["requester" if filer_signs else "approver"]

    error = refused(Forbidden, lambda: signing(demo, approver, number))

    assert "own request" in error.message
    assert statuses(demo, number) == ("submitted", ["offered"] * len(draft.lines), 0)
    assert_refusal_recorded(demo, approver, number, "denied")
    # The same request, the same version, signed by the supporting agency itself: it passes,
    # so what was refused above was who signed, not what.
    signing(demo, cast["supporter"], number)
    assert statuses(demo, number)[1] == ["approved"] * len(draft.lines)


# Answering for another agency -----------------------------------------------------------------


@st.composite
def foreign_answers(
    draw: st.DrawFn,
) -> tuple[str, str, str, schemas.RequestDraft, list[tuple[int, str, int | None]]]:
    """(requesting, responder's agency A, foreign agency B not A nor below A, draft, answers):
    the request has a line to B, maybe lines to A; the answers name a line to B."""
    requesting = draw(paths)
    others = draw(
        st.lists(codes.filter(lambda code: code != root(requesting)), min_size=2, max_size=2)
    )
    own = draw(st.sampled_from(others).flatmap(below))
    foreign = draw(st.sampled_from(others).flatmap(below))
    assume(not covers(own, foreign))
    draft = draw(drafts([foreign, own]))
    assume(any(line.supporting_agency == foreign for line in draft.lines))
    positions = st.integers(1, len(draft.lines))
    answers = draw(
        st.lists(
            st.tuples(
                positions,
                st.sampled_from(["all", "part", "none", "acknowledge"]),
                st.floats(0, 1),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda answer: answer[0],  # a line answered twice may be refused for that
        )
    )
    to_foreign = [
        position
        for position, line in enumerate(draft.lines, start=1)
        if line.supporting_agency == foreign
    ]
    answers.append((draw(st.sampled_from(to_foreign)), draw(st.sampled_from(["all", "none"])), 0.0))
    answers = draw(st.permutations(answers))
    return requesting, own, foreign, draft, [_valid(draft, *answer) for answer in answers]


def _valid(
    draft: schemas.RequestDraft, position: int, offer: str, share: float
) -> tuple[int, str, int | None]:
    """An answer that is well formed: a part offer names at most the personnel asked for."""
    asked = draft.lines[position - 1].personnel
    return position, offer, max(1, round(asked * share)) if offer == "part" else None


@RULES
@given(case=foreign_answers())
def test_an_agency_answers_only_for_itself(
    demo: Demo,
    case: tuple[str, str, str, schemas.RequestDraft, list[tuple[int, str, int | None]]],
) -> None:
    requesting, own, _, draft, answers = case
    cast = make_cast(
        demo,
        {
            "requester": (requesting, [(Role.REQUESTER, requesting)]),
            "responder": (own, [(Role.RESPONDER, own)]),
        },
        draft,
    )
    number = filed(demo, cast["requester"], draft)
    responder = cast["responder"]
    given_answers = schemas.ResponseInput(
        answers=[
            schemas.LineAnswer.model_validate(
                {"line": position, "offer": offer, "personnel": personnel}
            )
            for position, offer, personnel in answers
        ]
    )

    def work(session: Session) -> None:
        respond(session, demo.key, responder, current(session, number), given_answers)

    refused(Forbidden, lambda: audited(demo, responder, "request.respond", number, work))

    # Nothing of the answer stays, not even the lines that were the responder's own.
    assert statuses(demo, number) == ("submitted", ["submitted"] * len(draft.lines), 0)
    assert_refusal_recorded(demo, responder, number, "denied")


# Signing a version that changed --------------------------------------------------------------


@dataclass(frozen=True)
class ChangedVersion:
    draft: schemas.RequestDraft
    supporting: str
    requesting: str
    signed_first: bool  # the read version was signed before it was amended
    amendment: schemas.AmendmentInput | None  # None: a SHA-256 that was never the request's
    other_sha256: str


@st.composite
def changed_versions(draw: st.DrawFn) -> ChangedVersion:
    requesting = draw(paths)
    supporting = draw(codes.filter(lambda code: code != root(requesting)))
    draft = draw(drafts([supporting]))
    changes = st.builds(
        schemas.LineChange,
        line=st.integers(1, len(draft.lines)),
        personnel=st.none() | st.integers(1, 10_000),
    )
    amendment = st.builds(
        schemas.AmendmentInput, note=codes, changes=st.lists(changes, min_size=1, max_size=3)
    )
    return ChangedVersion(
        draft=draft,
        supporting=supporting,
        requesting=requesting,
        signed_first=draw(st.booleans()),
        amendment=draw(st.none() | amendment),
        other_sha256=draw(st.from_regex(r"[0-9a-f]{64}", fullmatch=True)),
    )


@RULES
@given(case=changed_versions())
def test_an_approval_binds_the_version_read(demo: Demo, case: ChangedVersion) -> None:
    supporting = case.supporting
    cast = make_cast(
        demo,
        {
            "requester": (case.requesting, [(Role.REQUESTER, case.requesting)]),
            "responder": (supporting, [(Role.RESPONDER, supporting)]),
            "approver": (supporting, [(Role.APPROVER, supporting)]),
        },
        case.draft,
    )
    number = filed(demo, cast["requester"], case.draft)
    offered(demo, cast["responder"], number)
    with session_scope(demo.engine) as session:
        read = content_sha256(find(session, number))
    if case.signed_first:
        signing(demo, cast["approver"], number, read)
    if case.amendment is None:
        assume(case.other_sha256 != read)
        signed = case.other_sha256
    else:
        amendment = case.amendment
        requester = cast["requester"]
        audited(
            demo,
            requester,
            "request.amend",
            number,
            lambda s: amend(s, demo.key, requester, current(s, number), amendment).number,
        )
        offered(demo, cast["responder"], number)
        signed = read

    # The revision sent is the one stored (a client that read again only the ETag): what is
    # refused is the signature, not a lost update.
    error = refused(Refused, lambda: signing(demo, cast["approver"], number, signed))

    assert "changed after the version you read" in error.message
    # Signed, and not amended since, the lines stay approved; else they await a signature.
    awaiting = "approved" if case.signed_first and case.amendment is None else "offered"
    assert statuses(demo, number)[:2] == ("submitted", [awaiting] * len(case.draft.lines))
    assert_refusal_recorded(demo, cast["approver"], number, "refused")
    if awaiting == "offered":  # signed on the version now current, the same lines pass
        signing(demo, cast["approver"], number)
        assert statuses(demo, number)[1] == ["approved"] * len(case.draft.lines)
