"""The reference exchange as data: the 2018 border requests, done step by step through the
service layer by users of the right agencies, so that the audit trail tells the story.

DHS asks six departments for civilian law-enforcement officers (RFA-2018-0001) and DoD for
military support (RFA-2018-0002); DoD, the operation's lead, takes both in; each department
answers, names the teams it sends (its fills) and signs for itself; the
Secretary of Defense signs, then signs the amendment extending the support from 15 December
to 31 January 2019, the surge logistics excepted, under the operation's cap of 4,000 active
duty. The two requests state the reference scenario's requirements between them, once each:
the operation is imported without its requirements, and the approved lines make them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.service import ensure_agency, ensure_reference_agencies
from mobilize.auth.models import Role
from mobilize.auth.service import Actor, actor_named, actor_of, add_user
from mobilize.core.errors import InvalidInput
from mobilize.operations.models import Operation
from mobilize.operations.plans import adopted_document
from mobilize.operations.service import import_scenario
from mobilize.requests import schemas
from mobilize.requests.fills import fill_limit, fill_line, move_fill
from mobilize.requests.models import Fill, SupportRequest
from mobilize.requests.package import set_rate
from mobilize.requests.queries import request_out
from mobilize.requests.service import (
    Change,
    accept,
    amend,
    create_request,
    decide,
    execute,
    respond,
    submit_request,
)
from mobilize.requests.states import FillStatus, LineStatus
from mobilize.scenario.schemas import Requirement, Scenario

DEPARTMENTS = ("DOJ", "DOS", "DOE", "DOT", "DOL", "DOI")
LEAD = "DoD"
ACTIVE_CAP = 4_000
# Illustrative rates (dollars per person-day, per person-km): the public record gives totals.
DEMO_RATES = {"active": (250.0, 0.25), "guard": (230.0, 0.25), "civilian": (350.0, 0.25)}
# Which department's officers go where, and the teams of the force list each sends (one
# exact fit of the scenario's LEO needs and teams).
LEO_LINES = (
    ("DOJ", "SDC", 100),
    ("DOE", "TCA", 25),
    ("DOI", "TCA", 35),
    ("DOS", "LRT", 40),
    ("DOJ", "RGV", 85),
    ("DOT", "RGV", 15),
    ("DOL", "RGV", 20),
)
LEO_TEAMS = (
    ("leo-usms", "leo-fbi"),
    ("leo-doe",),
    ("leo-uspp",),
    ("leo-dss",),
    ("leo-bop", "leo-atf"),
    ("leo-dot",),
    ("leo-dol",),
)
LEO_FROM = date(2018, 12, 5)
FILLED_ON = date(2018, 11, 30)  # the departments named their teams the week of the request
ORIGINAL_END = date(2018, 12, 15)  # the active-duty mission's end before the extension


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    agency: str
    roles: tuple[Role, ...]
    granted_in: str | None = None  # the agency the roles are held in, when not their own


def demo_users() -> list[DemoUser]:
    users = [
        DemoUser("dhs.requester", "DHS Executive Secretariat", "DHS", (Role.REQUESTER,)),
        DemoUser(
            "cbp.planner", "CBP operations planner", "DHS/CBP", (Role.PLANNER, Role.VIEWER), "DHS"
        ),
        DemoUser("dod.responder", "Joint Staff J3", "DoD", (Role.RESPONDER,)),
        DemoUser("dod.secdef", "Secretary of Defense", "DoD", (Role.APPROVER,)),
        DemoUser("army.planner", "JTF planner", "DoD/Army", (Role.PLANNER, Role.VIEWER), "DoD"),
        DemoUser("admin", "System administrator", "DHS", (Role.ADMIN,)),
    ]
    for department in DEPARTMENTS:
        name = department.lower()
        users.append(
            DemoUser(f"{name}.responder", f"{department} liaison", department, (Role.RESPONDER,))
        )
        users.append(
            DemoUser(
                f"{name}.approver", f"{department} deputy secretary", department, (Role.APPROVER,)
            )
        )
    return users


def load_demo(
    session: Session, key: bytes, scenario: Scenario, passwords: dict[str, str] | None = None
) -> list[str]:
    """Fill an empty database with the reference operation, its users and its requests;
    `passwords` by username lets them sign in to the web pages."""
    ensure_reference_agencies(session)
    # Every requirement is stated once, by the request that asks for it: the operation is
    # imported without them, and the approved lines make them (operations.requirements).
    _, military = _split_needs(scenario)
    bare = scenario.model_copy(update={"requirements": ()})
    operation = import_scenario(session, bare, key=key)
    operation.lead_agency = ensure_agency(session, LEAD)  # the joint task force's department
    _set_rates(session, key, operation)
    known = passwords or {}
    actors = {
        user.username: _add(session, key, user, known.get(user.username)) for user in demo_users()
    }
    officers = _officers_request(session, key, actors, operation)
    support = _support_request(session, key, actors, operation, military)
    return [officers.number, support.number]


def _add(session: Session, key: bytes, user: DemoUser, password: str | None) -> Actor:
    roles = [(role, user.granted_in or user.agency) for role in user.roles]
    added = add_user(session, key, user.username, user.agency, roles, user.full_name, password)
    return actor_of(added)


def _set_rates(session: Session, key: bytes, operation: Operation) -> None:
    for component, (daily, per_km) in DEMO_RATES.items():
        set_rate(session, key, operation, component, daily, per_km)


def _officers_request(
    session: Session, key: bytes, actors: dict[str, Actor], operation: Operation
) -> SupportRequest:
    draft = schemas.RequestDraft(
        title="Civilian law-enforcement officers for the southwest border",
        justification="Officers to support CBP at the ports of entry and between them.",
        operation=operation.name,
        lines=[
            schemas.LineDraft(
                capability="LEO",
                component="civilian",
                personnel=personnel,
                location=location,
                starts_on=LEO_FROM,
                ends_on=operation.end,
                supporting_agency=department,
            )
            for department, location, personnel in LEO_LINES
        ],
    )
    request = _submitted(session, key, actors["dhs.requester"], draft)
    request = accept(session, key, actors["army.planner"], _now(request))
    for department in DEPARTMENTS:
        name = department.lower()
        positions = [
            line.position for line in request.lines if line.supporting_agency.path == department
        ]
        answers = [schemas.LineAnswer(line=position, offer="all") for position in positions]
        responder = actors[f"{name}.responder"]
        request = respond(
            session, key, responder, _now(request), schemas.ResponseInput(answers=answers)
        )
        for position in positions:
            for team in LEO_TEAMS[position - 1]:
                filled = schemas.FillInput(line=position, unit=team, on=FILLED_ON)
                request = fill_line(session, key, responder, _now(request), filled)
        request = _signed(session, key, actors[f"{name}.approver"], request)
    return execute(session, key, actors["cbp.planner"], _now(request))


def _support_request(
    session: Session,
    key: bytes,
    actors: dict[str, Actor],
    operation: Operation,
    needs: list[Requirement],
) -> SupportRequest:
    """DHS asks DoD for what the border needs of the military, through 15 December; then the
    amendment extends it to 31 January but for the surge logistics, and the Secretary of
    Defense signs both (the cut to 4,000 is the operation's cap on active duty)."""
    draft = schemas.RequestDraft(
        title="Department of Defense support to CBP on the southwest border",
        justification="Logistics, aviation, medical, military police and headquarters support "
        "to CBP, and guard security forces; no law enforcement by active-duty forces.",
        operation=operation.name,
        lines=[_dod_line(operation, need) for need in needs],
    )
    request = _submitted(session, key, actors["dhs.requester"], draft)
    request = accept(session, key, actors["army.planner"], _now(request))
    request = _offered_and_signed(session, key, actors, request)
    request = _filled_with_units_on_the_ground(session, key, actors["dod.responder"], request)
    request = execute(session, key, actors["army.planner"], _now(request))
    request = amend(
        session, key, actors["dhs.requester"], _now(request), _extension(operation, needs)
    )
    request = _offered_and_signed(session, key, actors, request)
    return execute(session, key, actors["army.planner"], _now(request))


def _dod_line(operation: Operation, need: Requirement) -> schemas.LineDraft:
    starts_on = need.from_ or operation.start
    ends_on = need.to or operation.end
    return schemas.LineDraft(
        capability=need.capability,
        # Law enforcement by the military is for the guard only; the rest asks for either.
        component="guard" if need.capability in operation.law_enforcement_capabilities else None,
        personnel=need.personnel,
        location=need.location,
        starts_on=starts_on,
        ends_on=min(ends_on, ORIGINAL_END) if starts_on <= ORIGINAL_END else ends_on,
        supporting_agency="DoD",
    )


def _extension(operation: Operation, needs: list[Requirement]) -> schemas.AmendmentInput:
    """Every line needed past 15 December runs on to its end; the surge lines stop."""
    return schemas.AmendmentInput(
        note="Extended from 15 December 2018 to 31 January 2019, but for the surge logistics; "
        f"active-duty strength at most {ACTIVE_CAP:,} from 16 December (Secretary of Defense)",
        changes=[
            schemas.LineChange(line=position, ends_on=need.to or operation.end)
            for position, need in enumerate(needs, start=1)
            if (need.to or operation.end) > ORIGINAL_END
            and (need.from_ or operation.start) <= ORIGINAL_END
        ],
    )


def _split_needs(scenario: Scenario) -> tuple[list[Requirement], list[Requirement]]:
    """The scenario's requirements as the two requests state them: the civilian officers'
    (one per location, as LEO_LINES add up) and the military's (all the others)."""
    officers_at: dict[str, int] = defaultdict(int)
    for _, location, personnel in LEO_LINES:
        officers_at[location] += personnel
    officers, military = [], []
    for need in scenario.requirements:
        if need.capability == "LEO" and need.from_ == LEO_FROM:
            if officers_at.get(need.location) != need.personnel:
                raise InvalidInput(
                    f"the demo's officers for {need.location} ({officers_at.get(need.location)})"
                    f" do not add up to the scenario's {need.personnel}"
                )
            officers.append(need)
        else:
            military.append(need)
    if len(officers) != len(officers_at):
        raise InvalidInput("the scenario lacks the civilian officers' requirements the demo asks")
    return officers, military


def _filled_with_units_on_the_ground(
    session: Session, key: bytes, responder: Actor, request: SupportRequest
) -> SupportRequest:
    """DoD names the units already at each line's sector, of its capability and component,
    for as many of the line's personnel as they fit (whole units, never above what was
    signed); the longest lines first, so that the surge lines, which end on 15 December,
    take what is left. Units that fit no line stay in the force list for the planner."""
    operation = request.operation
    assert operation is not None
    taken: set[str] = set()
    lines = sorted(request.lines, key=lambda line: (line.starts_on - line.ends_on, line.position))
    for line in lines:
        left = fill_limit(request, line)
        for unit in operation.units:
            fits = (
                unit.location is not None
                and unit.location.code == line.location
                and unit.capability.code == line.capability
                and unit.code not in taken
                and unit.strength <= left
                and (line.component is None or unit.component.value == line.component)
            )
            if not fits:
                continue
            # On the ground since before the request: theirs from the operation's first day.
            filled = schemas.FillInput(line=line.position, unit=unit.code, on=operation.start)
            request = fill_line(session, key, responder, _now(request), filled)
            taken.add(unit.code)
            left -= unit.strength
    return request


def _offered_and_signed(
    session: Session, key: bytes, actors: dict[str, Actor], request: SupportRequest
) -> SupportRequest:
    answers = [
        schemas.LineAnswer(line=line.position, offer="all")
        for line in request.lines
        if line.status == LineStatus.SUBMITTED
    ]
    request = respond(
        session, key, actors["dod.responder"], _now(request), schemas.ResponseInput(answers=answers)
    )
    return _signed(session, key, actors["dod.secdef"], request)


def _submitted(
    session: Session, key: bytes, actor: Actor, draft: schemas.RequestDraft
) -> SupportRequest:
    request = create_request(session, key, actor, draft)
    return submit_request(session, key, actor, _now(request))


def _signed(
    session: Session, key: bytes, approver: Actor, request: SupportRequest
) -> SupportRequest:
    shown = request_out(session, request)
    criteria = {
        criterion: schemas.CriterionJudgement(judgement="satisfied", note="reviewed")
        for line in request.lines
        if line.status == LineStatus.OFFERED
        and approver.holds(Role.APPROVER, line.supporting_agency.path)
        for criterion in line.criteria
    }
    decision = schemas.ApprovalInput(
        version_sha256=shown.version_sha256, decision="approve", criteria=criteria
    )
    return decide(session, key, approver, _now(request), decision)


def _now(request: SupportRequest) -> Change:
    return Change(request.number, request.revision)


def check_in_as_planned(session: Session, key: bytes) -> int:
    """Each unit filled and still assigned checks in on the day the adopted plan has it arrive
    (by its department's liaison): what the seed's "support received to date" counts. Units
    checked in already are left as they are; the number checked in now."""
    operation = session.scalars(select(Operation)).one()
    adopted = adopted_document(session, operation)
    if adopted is None:
        return 0
    arrivals: dict[str, date] = {}
    for stay in sorted(adopted.deployments, key=lambda stay: stay.from_):
        arrivals.setdefault(stay.unit, stay.from_)
    fills = session.scalars(select(Fill).where(Fill.status == FillStatus.ASSIGNED.value))
    moved = 0
    for fill in list(fills):
        arrival = arrivals.get(fill.unit.code)
        if arrival is None:
            continue
        liaison = actor_named(session, f"{fill.agency.path.split('/')[0].lower()}.responder")
        number = session.get(SupportRequest, fill.request_id)
        assert number is not None
        # A unit on the ground before it was named checks in the day it was named.
        on = max(arrival, fill.events[-1].on)
        step = schemas.FillMoveInput(status=FillStatus.ON_SITE, on=on, note="checked in")
        move_fill(session, key, liaison, number.number, fill.unit.code, step)
        moved += 1
    return moved


def demo_loaded(session: Session) -> bool:
    return session.scalars(select(SupportRequest).limit(1)).first() is not None
