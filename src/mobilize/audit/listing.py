"""Reading the audit log as lists: recent activity with filters, and what a record changed.

The page and the JSON API ask the same function, `list_records`, with a `Readable` that the
caller works out from the reader's rights (`operations.trail`): this package knows records,
not who may read which request or operation. Newest first, by id (the order records were
written in), with limit and offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from mobilize.audit.models import AuditRecord
from mobilize.core.paging import Paged

MAX_LIMIT = 200
# Objects that belong to an operation and are named `<operation>/<part>`.
PARTS_OF_OPERATIONS = ("plan", "task", "unit")
Order = Literal["newest", "oldest"]


@dataclass(frozen=True)
class Readable:
    """The records a reader may see: all of them, or their own, those on the requests and
    operations (with their plans, tasks and units) they may read, and those by people of the
    agencies they administer."""

    everything: bool
    actor: str
    requests: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()  # those the reader administers, with their parts


@dataclass(frozen=True)
class TrailFilter:
    """What to list. `agency` takes its parts too (`DoD` finds `DoD/Army`); `action` is an
    exact action or a prefix ending in a dot (`request.`); `text` is searched in the object's
    id, the action, the actor and the reason given."""

    actor: str | None = None
    agency: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None
    until: date | None = None
    text: str | None = None
    order: Order = "newest"


@dataclass(frozen=True)
class TrailPage(Paged):
    records: list[AuditRecord]


def list_records(
    session: Session,
    readable: Readable,
    wanted: TrailFilter,
    limit: int = 50,
    offset: int = 0,
) -> TrailPage:
    """The records `readable` allows that match `wanted`, one page of them.

    `limit` is capped at `MAX_LIMIT`; `offset` counts from the newest (or the oldest, with
    `wanted.order == "oldest"`)."""
    limit = max(1, min(limit, MAX_LIMIT))
    conditions = [_readable(readable), *_matching(wanted)]
    total = session.scalar(select(func.count(AuditRecord.id)).where(*conditions)) or 0
    order = AuditRecord.id.desc() if wanted.order == "newest" else AuditRecord.id.asc()
    query = select(AuditRecord).where(*conditions).order_by(order).limit(limit).offset(offset)
    records = list(session.scalars(query))
    return TrailPage(records=records, total=total, limit=limit, offset=max(offset, 0))


def _readable(readable: Readable) -> ColumnElement[bool]:
    if readable.everything:
        return true()
    kind, object_id = AuditRecord.object_type, AuditRecord.object_id
    allowed = [AuditRecord.actor == readable.actor]
    if readable.requests:
        allowed.append(and_(kind == "request", object_id.in_(sorted(readable.requests))))
    if readable.operations:
        names = sorted(readable.operations)
        allowed.append(and_(kind == "operation", object_id.in_(names)))
        parts = [object_id.startswith(name + "/", autoescape=True) for name in names]
        allowed.append(and_(kind.in_(PARTS_OF_OPERATIONS), or_(*parts)))
    for agency in sorted(readable.agencies):
        allowed.append(
            (AuditRecord.agency == agency)
            | AuditRecord.agency.startswith(agency + "/", autoescape=True)
        )
    return or_(*allowed)


def _matching(wanted: TrailFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if wanted.actor:
        found.append(AuditRecord.actor == wanted.actor)
    if wanted.agency:
        agency = wanted.agency
        found.append(
            (AuditRecord.agency == agency)
            | AuditRecord.agency.startswith(agency + "/", autoescape=True)
        )
    if wanted.action:
        action = wanted.action
        if action.endswith("."):
            found.append(AuditRecord.action.startswith(action, autoescape=True))
        else:
            found.append(AuditRecord.action == action)
    if wanted.object_type:
        found.append(AuditRecord.object_type == wanted.object_type)
    if wanted.object_id:
        found.append(AuditRecord.object_id == wanted.object_id)
    found.extend(_in_dates(wanted.since, wanted.until))
    if wanted.text:
        text = wanted.text
        found.append(
            AuditRecord.object_id.icontains(text, autoescape=True)
            | AuditRecord.action.icontains(text, autoescape=True)
            | AuditRecord.actor.icontains(text, autoescape=True)
            | AuditRecord.detail.icontains(text, autoescape=True)
        )
    return found


def _in_dates(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    """Whole days in UTC, both ends included."""
    found = []
    if since:
        found.append(AuditRecord.at >= datetime.combine(since, time(), UTC))
    if until:
        found.append(AuditRecord.at < datetime.combine(until + timedelta(days=1), time(), UTC))
    return found


@dataclass(frozen=True)
class FieldChange:
    """One field a record changed: its path (`lines[2].status`) and the values either side
    (None when the field was absent)."""

    field: str
    before: Any
    after: Any

    @property
    def label(self) -> str:
        """The path as words: `lines.3.status` reads `line 3 status`, `lines[2]` `line 2`."""
        words = self.field.replace("[", ".").replace("]", "").split(".")
        shown = []
        for index, word in enumerate(words):
            follows_number = index + 1 < len(words) and words[index + 1].isdigit()
            plural = follows_number and word.endswith("s")
            shown.append(word[:-1] if plural else word.replace("_", " "))
        return " ".join(shown)


def field_changes(before: Any, after: Any) -> list[FieldChange]:
    """What changed between a record's before and after, field by field; a field that holds
    the same value on both sides is left out. Nested objects and lists are walked, so a
    request's changed line reads `lines[2].status: offered → approved`."""
    changes: list[FieldChange] = []
    _walk("", before, after, changes)
    return changes


def _walk(path: str, before: Any, after: Any, changes: list[FieldChange]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            _walk(f"{path}.{key}" if path else str(key), before.get(key), after.get(key), changes)
        return
    if isinstance(before, list) and isinstance(after, list) and _all_objects(before + after):
        for index in range(max(len(before), len(after))):
            old = before[index] if index < len(before) else None
            new = after[index] if index < len(after) else None
            _walk(f"{path or 'item'}[{index + 1}]", old, new, changes)
        return
    if before is None and isinstance(after, dict):
        _walk(path, {}, after, changes)
        return
    if after is None and isinstance(before, dict):
        _walk(path, before, {}, changes)
        return
    changes.append(FieldChange(path or "value", before, after))


def _all_objects(items: list[Any]) -> bool:
    return all(isinstance(item, dict) for item in items)


# How an outcome reads on a page: "ok" is the change itself, the others say why not.
OUTCOME_WORDS = {
    "ok": "done",
    "denied": "refused: not allowed",
    "refused": "refused by a rule",
    "stale": "refused: someone changed it first",
    "throttled": "refused: too many attempts",
    "unauthenticated": "refused: not signed in",
}


def outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome)
