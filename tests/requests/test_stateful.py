"""Random users drive random steps of the request workflow; a plain model says what must happen.

The model is the issue's rules written out again, independently of `requests.states` and of the
service's checks: who may do what, the statuses of a request and its lines, the version and the
revision. After every step the database agrees with it, the step (or its refusal) is the last
record of the audit trail, and the chain verifies.

Where a call is wrong in several ways at once (a stranger with a stale revision), the service
may name any one of them: the model gives the set of errors it may raise.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mobilize.audit.models import AuditRecord
from mobilize.audit.service import OUTCOMES, Entry, run_audited, verify_trail
from mobilize.auth.models import Role
from mobilize.auth.service import Actor, actor_of, add_user
from mobilize.core.db import session_scope
from mobilize.core.errors import (
    Forbidden,
    InvalidInput,
    MobilizeError,
    PreconditionFailed,
    Refused,
)
from mobilize.requests import schemas
from mobilize.requests import service as rules
from mobilize.requests.models import SupportRequest

KEY = b"stateful-audit-key"
AGENCIES = ("DHS", "DHS/CBP", "DoD", "DoD/Army", "DOJ", "DOE")
R, S, A, P = Role.REQUESTER, Role.RESPONDER, Role.APPROVER, Role.PLANNER
# Who is there from the start: the right people for each step, and the wrong ones.
CAST: dict[str, tuple[str, tuple[tuple[Role, str], ...]]] = {
    "dhs.req": ("DHS", ((R, "DHS"),)),
    "cbp.req": ("DHS/CBP", ((R, "DHS/CBP"),)),
    "dod.resp": ("DoD", ((S, "DoD"),)),
    "army.resp": ("DoD/Army", ((S, "DoD/Army"),)),
    "doj.resp": ("DOJ", ((S, "DOJ"),)),
    "dod.appr": ("DoD", ((A, "DoD"),)),
    "army.appr": ("DoD/Army", ((A, "DoD/Army"),)),
    "doj.both": ("DOJ", ((S, "DOJ"), (A, "DOJ"))),
    # Would sign their own agency's requests: as a department, as a part of one.
    "dhs.appr": ("DHS", ((A, "DoD"), (A, "DOJ"))),
    "cbp.appr": ("DHS/CBP", ((A, "DoD"),)),
    "cbp.plan": ("DHS/CBP", ((P, "DHS"),)),
    "army.plan": ("DoD/Army", ((P, "DoD"),)),
    "doe.all": ("DOE", tuple((role, "DOE") for role in (R, S, A, P))),  # a party to nothing
}
START = date(2030, 1, 1)

# The model ------------------------------------------------------------------------------------

AWAITING = ("submitted", "acknowledged")  # an answer
ANSWERED = ("offered", "declined")
APPROVED = ("approved", "partially_approved")
SIGNED = (*APPROVED, "denied")
PUT = (*AWAITING, *ANSWERED, *SIGNED, "in_execution")  # to the supporting agencies, not over
BEFORE_EXECUTION = ("draft", *AWAITING, *ANSWERED, *SIGNED)


def covers(upper: str, agency: str) -> bool:
    return agency == upper or agency.startswith(upper + "/")


def in_line(one: str, other: str) -> bool:
    return covers(one, other) or covers(other, one)


@dataclass(frozen=True)
class User:
    name: str
    agency: str
    grants: frozenset[tuple[Role, str]]

    def holds(self, role: Role, agency: str) -> bool:
        return any(held == role and covers(path, agency) for held, path in self.grants)


@dataclass
class Line:
    agency: str
    capability: str
    component: str | None
    personnel: int
    starts_on: date
    ends_on: date
    status: str = "draft"
    offers: list[tuple[int, int]] = field(default_factory=list)  # (version, personnel)

    def latest_offer(self, version: int) -> int:
        return next((n for v, n in reversed(self.offers) if v == version), 0)


@dataclass
class Request:
    number: str
    requesting: str
    filed_by: str
    lines: list[Line]
    status: str = "draft"
    version: int = 1
    revision: int = 1

    def party(self, user: User) -> bool:
        """A draft is seen by the requester's line only; once submitted, by the addressed too."""
        addressed = [] if self.status == "draft" else [line.agency for line in self.lines]
        agencies = {self.requesting, *addressed}
        return any(in_line(path, agency) for _, path in user.grants for agency in agencies)

    def planner(self, user: User) -> bool:
        agencies = {self.requesting, *(line.agency for line in self.lines)}
        return user.holds(R, self.requesting) or any(user.holds(P, a) for a in agencies)

    def runs_whole(self, user: User) -> bool:
        """The requester's side (no request here names an operation with a lead)."""
        return user.holds(R, self.requesting) or user.holds(P, self.requesting)

    def entitled(self, user: User) -> list[Line]:
        if self.runs_whole(user):
            return list(self.lines)
        return [line for line in self.lines if user.holds(P, line.agency)]

    def line(self, position: int) -> Line:
        if not 1 <= position <= len(self.lines):
            raise Expect(InvalidInput)
        return self.lines[position - 1]


class Expect(Exception):
    """What the service may answer instead of doing the step."""

    def __init__(self, *kinds: type[MobilizeError]) -> None:
        super().__init__(kinds)
        self.kinds = frozenset(kinds)


def gate(
    request: Request, user: User, revision: int, allowed: bool, statuses: tuple[str, ...]
) -> None:
    """The checks before anything is changed: a party, on the revision stored, allowed to do
    this (`allowed`), from one of `statuses`. Any failing one may be the one named."""
    kinds: set[type[MobilizeError]] = set()
    if not request.party(user):
        kinds.add(Forbidden)
    if revision != request.revision:
        kinds.add(PreconditionFailed)
    if not allowed:
        kinds.add(Forbidden)
    if request.status not in statuses:
        kinds.add(Refused)
    if kinds:
        raise Expect(*kinds)


def check_lines(requesting: str, drafts: list[schemas.LineDraft]) -> list[Line]:
    """Lines ask other agencies; law enforcement goes to DoD only for guard forces."""
    for draft in drafts:
        if in_line(requesting, draft.supporting_agency):
            raise Expect(Refused)
        military = covers("DoD", draft.supporting_agency)
        if draft.capability == "LEO" and military and draft.component != "guard":
            raise Expect(Refused)
    return [
        Line(d.supporting_agency, d.capability, d.component, d.personnel, d.starts_on, d.ends_on)
        for d in drafts
    ]


def model_create(user: User, draft: schemas.RequestDraft) -> Request:
    if not user.holds(R, user.agency):
        raise Expect(Forbidden)
    return Request("?", user.agency, user.name, check_lines(user.agency, draft.lines))


def model_edit(request: Request, user: User, revision: int, edit: schemas.RequestEdit) -> None:
    gate(request, user, revision, user.holds(R, request.requesting), ("draft",))
    if edit.lines is not None:
        request.lines = check_lines(request.requesting, edit.lines)


def model_submit(request: Request, user: User, revision: int) -> None:
    gate(request, user, revision, user.holds(R, request.requesting), ("draft",))
    request.status = "submitted"
    for line in request.lines:
        line.status = "submitted"


def model_respond(
    request: Request, user: User, revision: int, answers: list[schemas.LineAnswer]
) -> None:
    gate(request, user, revision, True, ("submitted", "in_execution"))
    for answer in answers:
        line = request.line(answer.line)
        if not user.holds(S, line.agency):
            raise Expect(Forbidden)  # an agency answers only for itself
        if answer.offer == "acknowledge":
            move(line, AWAITING[:1], "acknowledged")
            continue
        move(line, AWAITING, "declined" if answer.offer == "none" else "offered")
        if answer.offer == "part" and (answer.personnel or line.personnel + 1) > line.personnel:
            raise Expect(InvalidInput)
        offered = {"all": line.personnel, "none": 0}.get(answer.offer, answer.personnel or 0)
        line.offers.append((request.version, offered))


def move(line: Line, sources: tuple[str, ...], target: str) -> None:
    if line.status not in sources:
        raise Expect(Refused)
    line.status = target


def model_decide(
    request: Request, user: User, revision: int, decision: schemas.ApprovalInput, fresh: bool
) -> None:
    """`fresh`: the SHA-256 signed is the one of the version now current."""
    self_approval = (
        user.name == request.filed_by
        or in_line(request.requesting, user.agency)
        or user.holds(R, request.requesting)  # may file or amend for it: signs for itself
    )
    kinds: set[type[MobilizeError]] = {Forbidden} if self_approval else set()
    if not fresh:
        kinds.add(Refused)
    try:
        gate(request, user, revision, True, ("submitted", "in_execution"))
    except Expect as expected:
        kinds |= expected.kinds
    if kinds:
        raise Expect(*kinds)
    for line in decided_lines(request, user, decision):
        decide_line(request, line, decision)


def decided_lines(request: Request, user: User, decision: schemas.ApprovalInput) -> list[Line]:
    if decision.lines is not None:
        lines = [request.line(position) for position in decision.lines]
    elif not any(user.holds(A, x.agency) for x in request.lines):
        raise Expect(Forbidden)
    else:
        lines = [x for x in request.lines if x.status == "offered" and user.holds(A, x.agency)]
    if not lines:
        raise Expect(Refused)
    if not all(user.holds(A, line.agency) for line in lines):
        raise Expect(Forbidden)
    return lines


def decide_line(request: Request, line: Line, decision: schemas.ApprovalInput) -> None:
    position = str(request.lines.index(line) + 1)
    offered = line.latest_offer(request.version)
    if decision.decision == "deny":
        move(line, ("offered",), "denied")
        return
    if set(decision.criteria) != set(rules.criteria_for(line.agency)):
        raise Expect(InvalidInput)  # every criterion judged, and only those
    if any(judged.judgement == "not_satisfied" for judged in decision.criteria.values()):
        raise Expect(Refused)
    personnel = decision.personnel.get(position, offered)
    if personnel > offered:
        raise Expect(InvalidInput)
    move(line, ("offered",), "approved" if personnel >= line.personnel else "partially_approved")


def model_amend(
    request: Request, user: User, revision: int, amendment: schemas.AmendmentInput
) -> None:
    gate(request, user, revision, user.holds(R, request.requesting), ("submitted", "in_execution"))
    changed = [request.line(change.line) for change in amendment.changes]
    if any(line.status not in PUT for line in changed):
        raise Expect(Refused)
    for line in request.lines:
        if line.status in PUT:
            line.status = "submitted"  # put again, and signed again
    for change in amendment.changes:
        line = request.lines[change.line - 1]
        line.ends_on = change.ends_on or line.ends_on
        line.personnel = change.personnel or line.personnel
        if line.ends_on < line.starts_on:
            raise Expect(InvalidInput)
    request.version += 1


def model_cancel(request: Request, user: User, revision: int) -> None:
    gate(request, user, revision, user.holds(R, request.requesting), ("draft", "submitted"))
    for line in request.lines:
        move(line, BEFORE_EXECUTION, "cancelled")
    request.status = "cancelled"


def model_execute(request: Request, user: User, revision: int) -> None:
    gate(request, user, revision, request.planner(user), ("submitted", "in_execution"))
    signed = [line for line in request.entitled(user) if line.status in APPROVED]
    if not signed:
        raise Expect(Refused)
    for line in signed:
        line.status = "in_execution"
    request.status = "in_execution"


def model_close(request: Request, user: User, revision: int) -> None:
    gate(request, user, revision, request.runs_whole(user), ("in_execution",))
    for line in request.lines:
        if line.status == "in_execution":
            line.status = "closed"
    request.status = "closed"


# What the random users send -------------------------------------------------------------------


@st.composite
def line_drafts(draw: st.DrawFn) -> schemas.LineDraft:
    starts_on = START + timedelta(days=draw(st.integers(0, 10)))
    return schemas.LineDraft(
        capability=draw(st.sampled_from(["LOG", "MED", "LEO"])),
        component=draw(st.sampled_from(["active", "guard", "civilian", None])),
        personnel=draw(st.integers(1, 20)),
        location=draw(st.sampled_from(["SDC", "RGV"])),
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=draw(st.integers(0, 30))),
        # Mostly agencies a DHS request may ask; now and then its own department.
        supporting_agency=draw(st.sampled_from(AGENCIES[2:]) | st.sampled_from(AGENCIES)),
    )


line_lists = st.lists(line_drafts(), min_size=1, max_size=3)
# Lines DHS and CBP may ask: of other departments, and law enforcement only of guard forces.
askable = line_drafts().filter(
    lambda line: (
        not in_line("DHS", line.supporting_agency)
        and not (
            line.capability == "LEO"
            and covers("DoD", line.supporting_agency)
            and line.component != "guard"
        )
    )
)
grants = st.frozensets(
    st.tuples(st.sampled_from(list(Role)), st.sampled_from(AGENCIES)), max_size=3
)


def answers(positions: int, own: list[int]) -> st.SearchStrategy[list[schemas.LineAnswer]]:
    """Answers mostly to the responder's `own` lines; else to any line, or one not there."""
    lines = st.integers(1, positions + 1)
    answer = st.builds(
        schemas.LineAnswer,
        line=st.sampled_from(own) | lines if own else lines,
        offer=st.sampled_from(["all", "all", "part", "none", "acknowledge"]),
        personnel=st.none() | st.integers(1, 25),
    )
    return st.lists(answer, min_size=1, max_size=3)


def criteria(kind: str) -> st.SearchStrategy[dict[str, schemas.CriterionJudgement]]:
    """The criteria of `kind`'s lines (DoD's, or another department's), each judged; now and
    then one is left out or not satisfied."""
    names = rules.criteria_for(kind)
    how = st.sampled_from(["not_satisfied", "not_applicable", "left_out"])
    return st.just(judged(names)) | st.builds(judged, st.just(names), st.sampled_from(names), how)


def judged(
    names: list[str], odd: str | None = None, how: str = "satisfied"
) -> dict[str, schemas.CriterionJudgement]:
    """Every criterion in `names` satisfied, but `odd`, which is judged `how` or left out."""
    judgements = {name: "satisfied" if name != odd else how for name in names}
    return {
        name: schemas.CriterionJudgement.model_validate(
            {"judgement": judgement, "note": "" if judgement == "satisfied" else "why"}
        )
        for name, judgement in judgements.items()
        if judgement != "left_out"
    }


# The machine --------------------------------------------------------------------------------

Fits = Callable[[Request, User], bool]


def workflow_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    """A machine against `engine`, which outlives each run of it: users made by one run stay
    (their names are unique), and each run files requests of its own."""
    serial = itertools.count()
    actors: dict[str, Actor] = {}
    cast = {
        name: User(name, agency, frozenset((role, path) for role, path in roles))
        for name, (agency, roles) in CAST.items()
    }
    _add_users(engine, actors, cast.values())

    class Workflow(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.users = dict(cast)
            self.requests: dict[str, Request] = {}
            self.shas: dict[tuple[str, int], str] = {}  # (number, version) -> SHA-256 read
            self.last_id = 0

        # A story to start from: a request taken some way along, by the people who may ------

        @initialize(data=st.data(), lines=st.lists(askable, min_size=1, max_size=3))
        def story(self, data: st.DataObject, lines: list[schemas.LineDraft]) -> None:
            """A request of DHS or CBP, taken some steps along, for the random steps that
            follow to meet in any status (each run has one at least)."""
            user = self.users[data.draw(st.sampled_from(["dhs.req", "cbp.req"]), label="filer")]
            number = self.do_create(user, lines)
            assert number is not None, "a request to other departments is filed"
            self.tell(data, number, data.draw(st.integers(0, 12), label="steps"))

        # Random steps by random users (mostly ones who hold the role the step needs) --------

        @rule(agency=st.sampled_from(AGENCIES), held=grants)
        def new_user(self, agency: str, held: frozenset[tuple[Role, str]]) -> None:
            user = User(f"random{next(serial)}", agency, held)
            _add_users(engine, actors, [user])
            self.users[user.name] = user

        @precondition(lambda self: len(self.requests) < 2)  # steps enough to go far with each
        @rule(data=st.data(), lines=line_lists)
        def create(self, data: st.DataObject, lines: list[schemas.LineDraft]) -> None:
            self.do_create(self.pick_user(data, lambda u: u.holds(R, u.agency)), lines)

        @rule(data=st.data(), lines=st.none() | line_lists)
        def edit(self, data: st.DataObject, lines: list[schemas.LineDraft] | None) -> None:
            request, user, revision = self.pick(data, requester)
            edit = schemas.RequestEdit(title="Edited", lines=lines)
            self.step(
                request,
                user,
                "request.edit",
                lambda m: model_edit(m, user, revision, edit),
                lambda s, actor, change: rules.edit_request(s, KEY, actor, change, edit),
                revision,
            )

        @rule(data=st.data())
        def submit(self, data: st.DataObject) -> None:
            self.do_submit(*self.pick(data, requester))

        @rule(data=st.data())
        def respond(self, data: st.DataObject) -> None:
            request, user, revision = self.pick(data, responder)
            own = [i for i, line in enumerate(request.lines, 1) if user.holds(S, line.agency)]
            given = data.draw(answers(len(request.lines), own), label="answers")
            self.do_respond(request, user, revision, given)

        @rule(
            data=st.data(),
            verdict=st.sampled_from(["approve", "approve", "deny"]),
            sha=st.sampled_from(["fresh", "fresh", "fresh", "stale", "made up"]),
            kind=st.sampled_from(["fitting", "DoD", "DOJ"]),
        )
        def decide(
            self, data: st.DataObject, verdict: Literal["approve", "deny"], sha: str, kind: str
        ) -> None:
            request, user, revision = self.pick(data, signer)
            if kind == "fitting":  # the criteria of the first line this user may sign
                mine = [line.agency for line in request.lines if user.holds(A, line.agency)]
                kind = mine[0] if mine else "DoD"
            positions = st.lists(st.integers(1, len(request.lines) + 1), min_size=1, max_size=2)
            personnel = st.dictionaries(
                st.integers(1, len(request.lines)).map(str), st.integers(1, 25), max_size=1
            )
            decision = {
                "decision": verdict,
                "lines": data.draw(st.none() | positions, label="lines"),
                "personnel": data.draw(st.just({}) | personnel, label="personnel"),
                "criteria": data.draw(criteria(kind), label="criteria"),
            }
            self.do_decide(request, user, revision, sha, decision)

        @rule(data=st.data())
        def amend(self, data: st.DataObject) -> None:
            request, user, revision = self.pick(data, requester)
            change = st.builds(
                schemas.LineChange,
                line=st.integers(1, len(request.lines) + 1),
                ends_on=st.none() | st.integers(0, 45).map(lambda d: START + timedelta(days=d)),
                personnel=st.none() | st.integers(1, 20),
            )
            changes = data.draw(st.lists(change, min_size=1, max_size=2), label="changes")
            self.do_amend(request, user, revision, changes)

        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            request, user, revision = self.pick(data, requester)
            self.step(
                request,
                user,
                "request.cancel",
                lambda m: model_cancel(m, user, revision),
                lambda s, actor, change: rules.cancel(s, KEY, actor, change, "not needed"),
                revision,
            )

        @rule(data=st.data())
        def execute(self, data: st.DataObject) -> None:
            self.do_execute(*self.pick(data, planner))

        @rule(data=st.data())
        def close(self, data: st.DataObject) -> None:
            self.do_close(*self.pick(data, planner))

        @rule(data=st.data(), steps=st.integers(1, 6))
        def advance(self, data: st.DataObject, steps: int) -> None:
            """Up to `steps` steps of the story of one request, each by someone who may take
            it: random steps seldom get a request past its answers."""
            number = data.draw(st.sampled_from(sorted(self.requests)), label="request")
            self.tell(data, number, steps)

        def tell(self, data: st.DataObject, number: str, steps: int) -> None:
            for _ in range(steps):
                if not self.next_of_story(data, self.requests[number]):
                    return
                self.database_agrees_with_the_model()

        def next_of_story(self, data: st.DataObject, request: Request) -> bool:
            step = next_step(request)
            if request.status in ("submitted", "in_execution"):
                # Now and then the requester changes what is asked, as DHS extended the support.
                step = data.draw(st.sampled_from([step] * 5 + ["amend"]), label="step")
            fits = FITS[step]
            users = sorted(name for name, user in self.users.items() if fits(request, user))
            if not users:
                return False
            user = self.users[data.draw(st.sampled_from(users), label="user")]
            revision = request.revision
            if step == "submit":
                self.do_submit(request, user, revision)
            elif step == "respond":
                self.do_respond(request, user, revision, data.draw(full_answers(request, user)))
            elif step == "approve":
                line = next(x for x in request.lines if offered_to(x, user))
                position = request.lines.index(line) + 1
                fewer = st.integers(1, line.latest_offer(request.version))
                decision = {
                    "decision": data.draw(st.sampled_from(["approve"] * 3 + ["deny"])),
                    "lines": [position],
                    "criteria": judged(rules.criteria_for(line.agency)),
                    "personnel": data.draw(st.just({}) | fewer.map(lambda n: {str(position): n})),
                }
                self.do_decide(request, user, revision, "fresh", decision)
            elif step == "amend":
                self.do_amend(request, user, revision, data.draw(extensions(request)))
            elif step == "execute":
                self.do_execute(request, user, revision)
            else:
                self.do_close(request, user, revision)
            return True

        # The steps ------------------------------------------------------------------------

        def do_create(self, user: User, lines: list[schemas.LineDraft]) -> str | None:
            draft = schemas.RequestDraft(title="Support", justification="Needed", lines=lines)
            actor = actors[user.name]
            expected, model = self.predict(lambda: model_create(user, draft))
            number, error = self.call(
                user,
                "request.create",
                None,
                lambda s: rules.create_request(s, KEY, actor, draft).number,
            )
            self.check(expected, error, user, "request.create", number)
            if model is not None and number is not None:
                model.number = number
                self.requests[number] = model
            return number

        def do_submit(self, request: Request, user: User, revision: int) -> None:
            self.step(
                request,
                user,
                "request.submit",
                lambda m: model_submit(m, user, revision),
                lambda s, actor, change: rules.submit_request(s, KEY, actor, change),
                revision,
            )

        def do_respond(
            self, request: Request, user: User, revision: int, given: list[schemas.LineAnswer]
        ) -> None:
            response = schemas.ResponseInput(answers=given)
            self.step(
                request,
                user,
                "request.respond",
                lambda m: model_respond(m, user, revision, given),
                lambda s, actor, change: rules.respond(s, KEY, actor, change, response),
                revision,
            )

        def do_decide(
            self, request: Request, user: User, revision: int, sha: str, fields: dict[str, Any]
        ) -> None:
            sha256, fresh = self.sha_read(request, sha)
            decision = schemas.ApprovalInput.model_validate({"version_sha256": sha256, **fields})
            self.step(
                request,
                user,
                f"request.{decision.decision}",
                lambda m: model_decide(m, user, revision, decision, fresh),
                lambda s, actor, change: rules.decide(s, KEY, actor, change, decision),
                revision,
            )

        def do_close(self, request: Request, user: User, revision: int) -> None:
            self.step(
                request,
                user,
                "request.close",
                lambda m: model_close(m, user, revision),
                lambda s, actor, change: rules.close(s, KEY, actor, change),
                revision,
            )

        def do_amend(
            self, request: Request, user: User, revision: int, changes: list[schemas.LineChange]
        ) -> None:
            amendment = schemas.AmendmentInput(note="Changed", changes=changes)
            self.step(
                request,
                user,
                "request.amend",
                lambda m: model_amend(m, user, revision, amendment),
                lambda s, actor, change: rules.amend(s, KEY, actor, change, amendment),
                revision,
            )

        def do_execute(self, request: Request, user: User, revision: int) -> None:
            self.step(
                request,
                user,
                "request.execute",
                lambda m: model_execute(m, user, revision),
                lambda s, actor, change: rules.execute(s, KEY, actor, change),
                revision,
            )

        # After every step --------------------------------------------------------------------

        @invariant()
        def database_agrees_with_the_model(self) -> None:
            with session_scope(engine) as session:
                for number, model in self.requests.items():
                    stored = _find(session, number)
                    assert (stored.status, stored.version, stored.revision) == (
                        model.status,
                        model.version,
                        model.revision,
                    ), number
                    assert [line.status for line in stored.lines] == [
                        line.status for line in model.lines
                    ], number
                    assert_signatures_bind(stored)
                report = verify_trail(session, KEY)
            assert report.intact, report.first_break

        # Helpers -----------------------------------------------------------------------------

        def pick_user(self, data: st.DataObject, fits: Callable[[User], bool]) -> User:
            """Mostly someone who holds the role the step needs, else anyone at all."""
            fitting = sorted(name for name, user in self.users.items() if fits(user))
            names = st.sampled_from(sorted(self.users))
            if fitting:
                names = st.sampled_from(fitting) | names
            return self.users[data.draw(names, label="user")]

        def pick(self, data: st.DataObject, fits: Fits) -> tuple[Request, User, int]:
            """A request, a user, and the revision they send: now and then a stale one."""
            number = data.draw(st.sampled_from(sorted(self.requests)), label="request")
            request = self.requests[number]
            user = self.pick_user(data, lambda u: fits(request, u))
            read = data.draw(st.sampled_from(["now"] * 9 + ["before the last change"]))
            return request, user, request.revision - (read != "now")

        def sha_read(self, request: Request, how: str) -> tuple[str, bool]:
            """The SHA-256 the approver signs, and whether it is the current version's: read
            now, read at an earlier version, or one the request never had."""
            with session_scope(engine) as session:
                now = rules.content_sha256(_find(session, request.number))
            if request.status != "draft":
                # Once submitted, the signed text changes only with the version.
                read = self.shas.setdefault((request.number, request.version), now)
                assert read == now, "the text signed changed without a new version"
            earlier = [
                sha
                for (number, version), sha in self.shas.items()
                if number == request.number and version < request.version
            ]
            if how == "stale" and earlier:
                return earlier[-1], False
            if how == "made up":
                return "0" * 64, False
            return now, True

        def predict(self, simulate: Callable[[], Any]) -> tuple[frozenset[type], Any]:
            try:
                return frozenset(), simulate()
            except Expect as expected:
                return expected.kinds, None

        def step(
            self,
            request: Request,
            user: User,
            action: str,
            simulate: Callable[[Request], None],
            work: Callable[[Session, Actor, rules.Change], SupportRequest],
            revision: int,
        ) -> None:
            """Do `work` as `user` through `run_audited`; check it against `simulate`, which
            changes a copy of the model that is kept when the step is done."""
            model = copy.deepcopy(request)
            expected, _ = self.predict(lambda: simulate(model))
            change = rules.Change(request.number, revision)
            actor = actors[user.name]
            _, error = self.call(
                user, action, request.number, lambda s: work(s, actor, change).number
            )
            self.check(expected, error, user, action, request.number)
            if not expected:
                model.revision += 1
                self.requests[request.number] = model

        def call(
            self, user: User, action: str, number: str | None, work: Callable[[Session], str]
        ) -> tuple[str | None, MobilizeError | None]:
            self.last_id = _last_audit_id(engine)
            refusal = Entry(user.name, user.agency, action, "request", number)
            try:
                return run_audited(engine, KEY, work, refusal), None
            except MobilizeError as error:
                return None, error

        def check(
            self,
            expected: frozenset[type],
            error: MobilizeError | None,
            user: User,
            action: str,
            number: str | None,
        ) -> None:
            """The service did what the model says, and the audit trail's last record says so."""
            if not expected:
                assert error is None, f"{action} by {user.name}: refused: {error}"
            else:
                assert error is not None, f"{action} by {user.name}: done, expected {expected}"
                assert type(error) in expected, f"{action} by {user.name}: {error!r}"
            with session_scope(engine) as session:
                records = session.scalars(
                    select(AuditRecord).where(AuditRecord.id > self.last_id)
                ).all()
            outcome = "ok" if error is None else OUTCOMES.get(type(error))
            if outcome is None:  # bad input: nothing was done, nothing recorded
                assert records == []
                return
            assert [(r.actor, r.action, r.outcome) for r in records] == [
                (user.name, action, outcome)
            ]
            if number is not None:
                assert records[0].object_id == number

    return Workflow


def assert_signatures_bind(request: SupportRequest) -> None:
    """A line stands signed only by a signature on the current version: after an amendment
    the old ones are void, and the line awaits an answer and a signature again."""
    current = rules.content_sha256(request)
    signed = {a.line_id for a in request.approvals if a.version_sha256 == current}
    for line in request.lines:
        if line.status in (*SIGNED, "in_execution", "closed"):
            assert line.id in signed, f"{request.number} line {line.position}: no signature"
        elif line.status in (*AWAITING, *ANSWERED):
            assert line.id not in signed, f"{request.number} line {line.position}: signed"


# Who would take each step of the story, and which step is next.


def requester(request: Request, user: User) -> bool:
    return user.holds(R, request.requesting)


def responder(request: Request, user: User) -> bool:
    return any(user.holds(S, line.agency) for line in request.lines if line.status in AWAITING)


def signer(request: Request, user: User) -> bool:
    """Holds the approver role for a line (and may yet be of the requesting agency's line)."""
    return any(user.holds(A, line.agency) for line in request.lines)


def offered_signer(request: Request, user: User) -> bool:
    """Holds the approver role for an offered line: the requesting agency's own approvers too,
    who are refused (and the story tries again)."""
    return any(offered_to(line, user) for line in request.lines)


def offered_to(line: Line, user: User) -> bool:
    """An offered line that `user` may sign."""
    return line.status == "offered" and user.holds(A, line.agency)


def planner(request: Request, user: User) -> bool:
    return request.planner(user)


FITS: dict[str, Fits] = {
    "submit": requester,
    "respond": responder,
    "approve": offered_signer,
    "amend": requester,
    "execute": planner,
    "close": planner,
    "none": lambda request, user: False,
}


def next_step(request: Request) -> str:
    statuses = {line.status for line in request.lines}
    if request.status == "draft":
        return "submit"
    if request.status not in ("submitted", "in_execution"):
        return "none"
    for step, waiting in (
        ("respond", AWAITING),
        ("approve", ANSWERED[:1]),
        ("execute", APPROVED),
    ):
        if statuses & set(waiting):
            return step
    return "close" if request.status == "in_execution" else "none"


@st.composite
def full_answers(draw: st.DrawFn, request: Request, user: User) -> list[schemas.LineAnswer]:
    """The user's agency answers every line to it that awaits an answer: all, part or none."""
    given = []
    for position, line in enumerate(request.lines, 1):
        if line.status in AWAITING and user.holds(S, line.agency):
            offer = draw(st.sampled_from(["all", "all", "part", "none"]))
            personnel = draw(st.integers(1, line.personnel)) if offer == "part" else None
            answer = {"line": position, "offer": offer, "personnel": personnel}
            given.append(schemas.LineAnswer.model_validate(answer))
    return given


@st.composite
def extensions(draw: st.DrawFn, request: Request) -> list[schemas.LineChange]:
    """A line extended (or not) and its personnel changed (or not)."""
    position = draw(st.integers(1, len(request.lines)))
    ends_on = request.lines[position - 1].ends_on + timedelta(days=draw(st.integers(0, 30)))
    personnel = draw(st.none() | st.integers(1, 20))
    return [schemas.LineChange(line=position, ends_on=ends_on, personnel=personnel)]


def _add_users(engine: Engine, actors: dict[str, Actor], users: Iterable[User]) -> None:
    with session_scope(engine) as session:
        for user in users:
            roles = [(role, path) for role, path in sorted(user.grants)]
            actors[user.name] = actor_of(add_user(session, KEY, user.name, user.agency, roles))


def _find(session: Session, number: str) -> SupportRequest:
    return session.scalars(select(SupportRequest).where(SupportRequest.number == number)).one()


def _last_audit_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.coalesce(func.max(AuditRecord.id), 0))) or 0


def test_random_steps_by_random_users_follow_the_rules(engine: Engine) -> None:
    run_state_machine_as_test(
        workflow_machine(engine),
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
