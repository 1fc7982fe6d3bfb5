"""Plan a stored operation: snapshot, plan, passes, store, written once for every edge
(`mobilize plan --operation`, the plan job, `mobilize demo run`).

The solve runs outside any transaction (it may take minutes): the operation is read in one
transaction, the plan stored in another. How it is stored is the caller's: the job stores it
and finishes itself in one transaction (so a re-run stores nothing twice), the demo adopts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobilize.core.db import session_scope
from mobilize.operations.plans import adopted_document, snapshot, store_plan
from mobilize.operations.service import get_operation
from mobilize.passes.service import PassRequest, with_passes
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import ProgressListener
from mobilize.scenario.schemas import Scenario

T = TypeVar("T")
Store = Callable[[Session, Scenario, PlanDocument], T]


@dataclass(frozen=True)
class PlanRun(Generic[T]):
    scenario: Scenario
    document: PlanDocument
    stored: T  # what the store step returned (the plan's number, by default)


def store_as_next_plan(key: bytes) -> Store[int]:
    """The default store step: the operation's next proposed plan; its number."""

    def store(session: Session, scenario: Scenario, document: PlanDocument) -> int:
        return store_plan(session, key, scenario, document).number

    return store


def plan_operation(
    engine: Engine,
    operation: str | None,
    request: PlanRequest,
    passes: PassRequest | None,
    store: Store[T],
    listener: ProgressListener | None = None,
    attempts: Callable[[Callable[[], T]], T] = lambda step: step(),
) -> PlanRun[T]:
    """Plan the operation as it stands (a re-plan keeps to its adopted plan), then its holiday
    passes when `passes` is given and the operation has a pass window, unless the solve was
    stopped (a cancel keeps the plan found so far and stops there); then `store` it, in a
    transaction run through `attempts` (a job retries it while the database restarts, rather
    than lose a long solve)."""
    with session_scope(engine) as session:
        scenario = snapshot(session, operation)
        adopted = adopted_document(session, get_operation(session, scenario.name))
    document = make_plan(scenario, replace(request, adopted=adopted), listener)
    if passes is not None and not request.config.stopped:
        document = with_passes(scenario, document, passes, listener)

    def stored() -> T:
        with session_scope(engine) as session:
            return store(session, scenario, document)

    return PlanRun(scenario, document, attempts(stored))
