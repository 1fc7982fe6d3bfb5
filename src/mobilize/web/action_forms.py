"""The request page's action forms read as the registry's inputs (`requests.actions`).

A form that does not pass is refused with `InvalidFields` keyed by the id of the field each
problem is about (`personnel-3`, `criterion-risk`, `new-strength`), in plain words, so that
the page comes back with each message beside its field and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from mobilize.core.errors import InvalidFields
from mobilize.requests import schemas
from mobilize.web.forms import plain_errors

M = TypeVar("M", bound=schemas.Strict)
Location = tuple[int | str, ...]
# Where the problems of a new team's fields are shown: their fields' ids.
NEW_UNIT_FIELDS = {"id": "new-id", "name": "new-name", "component": "new-component"}
NEW_UNIT_FIELDS |= {"strength": "new-strength", "home": "new-home"}
NEW_UNIT_FIELDS |= {"lat": "new-lat", "lon": "new-lon"}


def read_payload(action: str, form: dict[str, str]) -> Any:
    """The action's input from its form; None for the actions that take none."""
    readers: dict[str, Callable[[dict[str, str]], Any]] = {
        "respond": _answers,
        "decide": _decision,
        "amend": _amendment,
        "cancel": _reason,
        "fill": _fill,
    }
    reader = readers.get(action)
    return reader(form) if reader else None


def whole(text: str | None, field: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise InvalidFields({field: f"Enter a whole number, not {text!r}"}) from None


def _valid(model: type[M], raw: dict[str, Any], form_name: Callable[[Location], str]) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as invalid:
        raise InvalidFields(plain_errors(invalid, form_name)) from None


def _reason(form: dict[str, str]) -> schemas.ReasonInput:
    raw = {"reason": form.get("reason", "")}
    return _valid(schemas.ReasonInput, raw, lambda _: "cancel-reason")


def _fill(form: dict[str, str]) -> schemas.FillInput:
    raw: dict[str, Any] = {"line": form.get("line", ""), "note": form.get("note", "")}
    if form.get("unit"):
        raw["unit"] = form["unit"]
    else:
        raw["new_unit"] = {
            "id": form.get("new-id", ""),
            "name": form.get("new-name", ""),
            "component": form.get("new-component", ""),
            "strength": form.get("new-strength", ""),
            "home": {
                "name": form.get("new-home", ""),
                "lat": form.get("new-lat", ""),
                "lon": form.get("new-lon", ""),
            },
        }

    def form_name(location: Location) -> str:
        if location[:1] == ("new_unit",) and len(location) > 1:
            if location[1:] == ("home", "name"):
                return "new-home"
            return NEW_UNIT_FIELDS.get(str(location[-1]), "fill-unit")
        return "fill-line" if location[:1] == ("line",) else "fill-unit"

    return _valid(schemas.FillInput, raw, form_name)


def _answers(form: dict[str, str]) -> schemas.ResponseInput:
    answers, positions = [], []
    for name, offer in form.items():
        if name.startswith("offer-") and offer:
            position = name.removeprefix("offer-")
            positions.append(position)
            answers.append(
                {
                    "line": position,
                    "offer": offer,
                    "personnel": form.get(f"personnel-{position}") or None,
                    "note": form.get(f"note-{position}", ""),
                }
            )
    if not answers:
        raise InvalidFields({"respond-problem": "Choose an answer for at least one line"})

    def form_name(location: Location) -> str:
        if location[:1] == ("answers",) and len(location) > 2:
            field = {"offer": "offer", "note": "note"}.get(str(location[2]), "personnel")
            return f"{field}-{positions[int(location[1])]}"
        return "respond-problem"

    return _valid(schemas.ResponseInput, {"answers": answers}, form_name)


def _decision(form: dict[str, str]) -> schemas.ApprovalInput:
    criteria = {
        name.removeprefix("criterion-"): {
            "judgement": judgement,
            "note": form.get(f"note-{name.removeprefix('criterion-')}", ""),
        }
        for name, judgement in form.items()
        if name.startswith("criterion-") and judgement
    }
    lines = [whole(name.removeprefix("line-"), "decide-problem") for name in form if _ticked(name)]
    if not lines:  # never None from a form: None would decide every line the user may
        raise InvalidFields({"decide-problem": "tick the lines you decide"})
    raw = {
        "version_sha256": form.get("version_sha256", ""),
        "decision": form.get("decision", ""),
        "lines": lines,
        "criteria": criteria,
    }

    def form_name(location: Location) -> str:
        if location[:1] == ("criteria",) and len(location) > 1:
            judged = len(location) > 2 and location[2] == "judgement"
            return f"{'criterion' if judged else 'note'}-{location[1]}"
        return "decision" if location[:1] == ("decision",) else "decide-problem"

    return _valid(schemas.ApprovalInput, raw, form_name)


def _ticked(name: str) -> bool:
    return name.startswith("line-")


def _amendment(form: dict[str, str]) -> schemas.AmendmentInput:
    changes: list[dict[str, Any]] = []
    for name in form:
        if name.startswith(("amend-personnel-", "amend-ends_on-")):
            position = name.rsplit("-", 1)[1]
            personnel = form.get(f"amend-personnel-{position}") or None
            ends_on = form.get(f"amend-ends_on-{position}") or None
            change = {"line": position, "personnel": personnel, "ends_on": ends_on}
            if (personnel or ends_on) and change not in changes:
                changes.append(change)
    if not changes:
        raise InvalidFields({"amend-problem": "Change the personnel or the end of a line"})

    def form_name(location: Location) -> str:
        if location[:1] == ("changes",) and len(location) > 2:
            return f"amend-{location[2]}-{changes[int(location[1])]['line']}"
        return "amend-note" if location[:1] == ("note",) else "amend-problem"

    return _valid(
        schemas.AmendmentInput, {"note": form.get("note", ""), "changes": changes}, form_name
    )
