"""What a request action would change, said before it is done, and what it did, after.

`preview_action` runs the action itself inside a savepoint and rolls the savepoint back:
the confirmation page shows exactly what the service would do (the lines whose status would
change, the units that would be released), with no second copy of a rule; a refusal is the
service's own, before anything is asked of the user. `run_action` runs it for real and
returns the same account, for the message on the page landed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from mobilize.auth.service import Actor
from mobilize.requests.access import Change, find_request
from mobilize.requests.actions import RequestAction
from mobilize.requests.models import RequestLine, SupportRequest


@dataclass(frozen=True)
class LineChange:
    position: int
    words: str  # "20 MP at ELC, 20 Dec 2018 to 10 Jan 2019 (DoD)"
    before: str  # its status before
    after: str  # and after
    released: tuple[str, ...] = ()  # units whose fill the change releases


@dataclass(frozen=True)
class ActionOutcome:
    number: str
    action: str  # the audit name: request.approve, request.cancel...
    status_before: str
    status_after: str
    lines: tuple[LineChange, ...]  # the lines it changes

    def summary(self) -> str:
        """One sentence for the page landed on: what changed."""
        parts = [f"{self.number} {_words(self.status_after)}"]
        if self.status_after == self.status_before:
            parts = [self.number]
        for line in self.lines:
            text = f"line {line.position} {_words(line.after)}"
            if line.released:
                text += f" ({', '.join(line.released)} released)"
            parts.append(text)
        return ": ".join(parts[:1]) + (": " + "; ".join(parts[1:]) if len(parts) > 1 else "")


def preview_action(
    session: Session,
    key: bytes,
    actor: Actor,
    action: RequestAction,
    audit: str,
    change: Change,
    payload: Any,
) -> ActionOutcome:
    """What `action` would do now, without doing it (a savepoint rolled back)."""
    savepoint = session.begin_nested()
    try:
        return run_action(session, key, actor, action, audit, change, payload)
    finally:
        savepoint.rollback()
        session.expire_all()


def run_action(
    session: Session,
    key: bytes,
    actor: Actor,
    action: RequestAction,
    audit: str,
    change: Change,
    payload: Any,
) -> ActionOutcome:
    """Do `action` and say what it changed."""
    request = find_request(session, change.number, lock=False)
    status, lines = request.status, _line_states(request)
    action.run(session, key, actor, change, payload)
    session.flush()
    changed = tuple(
        _changed(line, *lines[line.position])
        for line in request.lines
        if (line.status, _active(line)) != lines[line.position]
    )
    return ActionOutcome(request.number, audit, status, request.status, changed)


def _line_states(request: SupportRequest) -> dict[int, tuple[str, tuple[str, ...]]]:
    return {line.position: (line.status, _active(line)) for line in request.lines}


def _active(line: RequestLine) -> tuple[str, ...]:
    return tuple(fill.unit.code for fill in line.fills if fill.active)


def _changed(line: RequestLine, before: str, active_before: tuple[str, ...]) -> LineChange:
    released = tuple(code for code in active_before if code not in _active(line))
    return LineChange(line.position, line_words(line), before, line.status, released)


def line_words(line: RequestLine) -> str:
    return (
        f"{line.personnel:,} {line.capability} at {line.location}, "
        f"{line.starts_on:%d %b %Y} to {line.ends_on:%d %b %Y} ({line.supporting_agency.path})"
    )


def _words(status: str) -> str:
    return status.replace("_", " ")
