"""The JSON API: `create_app()` for uvicorn (`mobilize serve`) and for the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.models import Agency
from mobilize.api.context import ApiContext, Context, CurrentActor, audited
from mobilize.api.housekeeping import housekeeping
from mobilize.api.problems import install_problem_handlers, problem_responses
from mobilize.audit.heads import public_key_pem
from mobilize.audit.sealer import Sealer, latest_head
from mobilize.audit.service import verify_trail
from mobilize.audit.witness import FileWitness
from mobilize.core.db import make_engine
from mobilize.core.errors import NotFound
from mobilize.core.migrate import ensure_schema
from mobilize.core.settings import Settings, audit_key, load_settings, witness_file
from mobilize.jobs.api import router as jobs_router
from mobilize.jobs.plan_job import PLAN_JOB, plan_handler
from mobilize.jobs.worker import InProcessWorker
from mobilize.operations.api import router as operations_router
from mobilize.requests.api import router as requests_router
from mobilize.requests.schemas import AuditReport
from mobilize.web.app import error_page, install_web

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


def create_app(settings: Settings | None = None, run_jobs: bool = True) -> FastAPI:
    """The app; with `run_jobs`, an in-process worker runs plan jobs while it serves."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    key = audit_key(settings)
    witness = FileWitness(witness_file(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = InProcessWorker(engine, key, {PLAN_JOB: plan_handler(engine, key)})
        sealer = Sealer(engine, key, witness, before_seal=housekeeping(key))
        if run_jobs:
            worker.start()
            sealer.start()
            app.state.worker = worker
        try:
            yield
        finally:
            if run_jobs:
                sealer.close()
                worker.close()

    app = FastAPI(
        title="mobilize",
        summary="Interagency support requests and deployment planning.",
        version="0.1.0",
        lifespan=lifespan,
        # The interactive docs pages load their scripts from a CDN, which an air-gapped
        # network does not reach: the schema is at /openapi.json for any local viewer.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = ApiContext(
        engine=engine,
        audit_key=key,
        witness=witness,
        token_failures_per_minute=settings.token_failures_per_minute,
    )
    install_problem_handlers(app, page_error=error_page)
    # Every route authenticates, so any may answer 429 to an address past its failures.
    throttled = problem_responses(429)
    for router in (general, requests_router, operations_router, jobs_router):
        app.include_router(router, responses=throttled)
    install_web(app)
    return app
