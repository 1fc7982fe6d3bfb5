"""The JSON API's general routes (who am I, agencies, the audit check); `mobilize.server`
composes them with the domains' routers and the web application."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.models import Agency
from mobilize.api.context import Context, CurrentActor, audited
from mobilize.api.problems import problem_responses
from mobilize.audit.service import verify_trail
from mobilize.requests.schemas import AuditReport

general = APIRouter(prefix="/api")


class Me(BaseModel):
    username: str
    agency: str
    grants: list[str]


class AgencyOut(BaseModel):
    path: str
    name: str


@general.get("/me", response_model=Me, responses=problem_responses(401), tags=["auth"])
def me(actor: CurrentActor) -> Me:
    """Who the token belongs to, and the roles it holds where."""
    grants = sorted(f"{role.value}@{agency}" for agency, role in actor.grants)
    return Me(username=actor.username, agency=actor.agency, grants=grants)


@general.get(
    "/agencies", response_model=list[AgencyOut], responses=problem_responses(401), tags=["auth"]
)
def agencies(ctx: Context, actor: CurrentActor) -> list[AgencyOut]:
    """Every agency, by its path in the tree."""

    def work(session: Session) -> list[AgencyOut]:
        found = session.scalars(select(Agency)).all()
        return sorted((AgencyOut(path=a.path, name=a.name) for a in found), key=lambda a: a.path)

    return audited(ctx, actor, "agency.list", ("agency", None), work)


@general.get(
    "/audit/verify", response_model=AuditReport, responses=problem_responses(401), tags=["audit"]
)
def verify_audit(ctx: Context, actor: CurrentActor) -> AuditReport:
    """Check every link of the audit chain and its signed head; names the first break."""

    def work(session: Session) -> AuditReport:
        report = verify_trail(session, ctx.audit_key)
        return AuditReport(
            intact=report.intact, records=report.records, first_break=report.first_break
        )

    return audited(ctx, actor, "audit.verify", ("audit", None), work)
