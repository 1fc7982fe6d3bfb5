"""The general JSON routes (who am I, the agencies, the audit log); `mobilize.server`
composes them with the domains' routers and the web application."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.models import Agency
from mobilize.audit.heads import public_key_pem
from mobilize.audit.listing import TrailFilter, list_records
from mobilize.audit.sealer import latest_head
from mobilize.audit.service import verify_trail
from mobilize.core.errors import NotFound
from mobilize.edge.context import Context, CurrentActor, audited
from mobilize.edge.problems import problem_responses
from mobilize.edge.trail import Limit, Offset, RecordPage, record_out, trail_filter
from mobilize.operations.trail import readable_by
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
    """Check every record, the Merkle tree, every signed head and the witness's latest head;
    names the first problem (a rollback first)."""

    def work(session: Session) -> AuditReport:
        report = verify_trail(session, ctx.audit_key, ctx.witness)
        return AuditReport(
            intact=report.intact, records=report.records, first_break=report.first_break
        )

    return audited(ctx, actor, "audit.verify", ("audit", None), work)


class TreeHeadOut(BaseModel):
    tree_size: int
    root_hash: str
    issued_at: datetime
    signature: str = Field(description="Ed25519 over the head, hex (`audit.heads`).")
    public_key: str = Field(description="The key that checks it, PEM.")


@general.get(
    "/audit/head",
    response_model=TreeHeadOut,
    responses=problem_responses(401, 404),
    tags=["audit"],
)
def audit_head(ctx: Context, actor: CurrentActor) -> TreeHeadOut:
    """The latest signed tree head of the audit log and the public key that checks it: what
    a witness or an auditor keeps to hold the log to its past."""

    def work(session: Session) -> TreeHeadOut:
        head = latest_head(session)
        if head is None:
            raise NotFound("the audit log has no signed head yet")
        return TreeHeadOut(
            tree_size=head.size,
            root_hash=head.root_hash,
            issued_at=head.issued_at,
            signature=head.signature,
            public_key=public_key_pem(ctx.audit_key),
        )

    return audited(ctx, actor, "audit.head", ("audit", None), work)


@general.get(
    "/audit/records",
    response_model=RecordPage,
    responses=problem_responses(401, 422),
    tags=["audit"],
)
def audit_records(
    ctx: Context,
    actor: CurrentActor,
    wanted: Annotated[TrailFilter, Depends(trail_filter)],
    limit: Limit = 50,
    offset: Offset = 0,
) -> RecordPage:
    """Recent records the caller may read (their own, those on the requests and operations
    they are party to, and, for admins, those of their agencies' people), newest first, with
    filters; each with what it changed field by field."""

    def work(session: Session) -> RecordPage:
        found = list_records(session, readable_by(session, actor), wanted, limit, offset)
        items = [record_out(record) for record in found.records]
        return RecordPage(items=items, total=found.total, limit=found.limit, offset=found.offset)

    return audited(ctx, actor, "audit.read", ("audit", None), work)
