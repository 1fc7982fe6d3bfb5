"""What a load balancer asks: is the process up (`/health`), can it serve (`/ready`)?

`/health` touches nothing, so a database outage does not make the balancer restart every
server; `/ready` answers 503 (problem+json, with `Retry-After`) while the database or the job
queue cannot be reached, so the balancer sends requests elsewhere until they come back.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from mobilize.core.db import database_name, session_scope
from mobilize.edge.context import Context
from mobilize.edge.problems import problem_responses

# Out of the OpenAPI document: they are the load balancer's, answer anyone without a token,
# and are no part of the API's contract (nor of its reviewed authorization matrix).
router = APIRouter(tags=["health"], include_in_schema=False)


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    queue: str


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up and answering."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses=problem_responses(503))
def ready(request: Request, ctx: Context) -> Readiness:
    """The database answers and the job queue is reachable: this server can take requests."""
    with session_scope(ctx.engine) as session:
        session.execute(text("SELECT 1"))
    queue = getattr(request.app.state, "queue", None)
    queue_name = "none"
    if queue is not None:
        queue.check()
        queue_name = queue.name
    return Readiness(status="ready", database=database_name(ctx.engine), queue=queue_name)
