"""What every form needs when it refuses: each problem in plain words, keyed by the form
field it is about, so that the page shows them all at once — in a summary at the top that
links to the fields, and beside each field — with what was typed kept (the GOV.UK and USWDS
pattern). The words come from the kind of problem (pydantic's error type) and the field, never
from the validator's own message ("Input should be a valid integer, unable to parse ...")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from mobilize.core.errors import MobilizeError
from mobilize.core.inputs import DAY_EXAMPLES

# What a field is called in a message ("Enter the number of people ...").
FIELD_WORDS = {
    "title": "a title",
    "justification": "the justification: why the people are needed",
    "capability": "a capability",
    "component": "a component (active, guard or civilian), or any",
    "personnel": "the number of people",
    "location": "a location",
    "starts_on": "the start date",
    "ends_on": "the end date",
    "supporting_agency": "the agency the line is addressed to",
    "reason": "a reason",
    "note": "a note",
    "offer": "an answer",
    "decision": "approve or deny",
    "judgement": "a judgement",
    "line": "a line",
    "unit": "a unit",
    "id": "an id for the team",
    "name": "a name",
    "strength": "the team's strength",
    "lat": "the latitude",
    "lon": "the longitude",
    "home": "the home station",
}
EXAMPLES = {"lat": "32.64", "lon": "-117.08", "personnel": "1,200", "strength": "1,200"}
CHOSEN = {"capability", "component", "location", "supporting_agency", "offer", "decision", "line"}
WHOLE_NUMBER_TYPES = {"int_parsing", "int_type", "int_from_float", "value_error"}


def plain_message(field: str, error: ErrorDetails) -> str:
    """One problem of `field` in the words a person reads."""
    kind = error["type"]
    words = FIELD_WORDS.get(field, field.replace("_", " "))
    context: dict[str, Any] = dict(error.get("ctx") or {})
    verb = "Choose" if field in CHOSEN else "Enter"
    if kind == "dates_out_of_order":
        return f"The end date must be on or after the start date ({context['starts_on']})"
    if field == "lines" and kind == "too_short":
        return "Add at least one line"
    if kind in ("missing", "string_too_short"):
        return f"{verb} {words}"
    if kind.startswith("date"):
        return f"Enter {words} as {DAY_EXAMPLES}"
    if kind in ("float_parsing", "float_type"):
        return f"Enter {words} as a number, like {EXAMPLES.get(field, '12.5')}"
    if kind in WHOLE_NUMBER_TYPES and field in ("personnel", "strength"):
        return f"Enter {words} as a whole number, like 1,200"
    if kind == "greater_than_equal":
        return f"Enter {words}: at least {context['ge']:,}"
    if kind == "less_than_equal":
        return f"Enter {words}: at most {context['le']:,}"
    if kind in ("literal_error", "enum"):
        return f"Choose {words}"
    return str(error["msg"]).removeprefix("Value error, ")


def plain_errors(
    invalid: ValidationError, form_name: Callable[[tuple[int | str, ...]], str]
) -> dict[str, str]:
    """Every problem of `invalid` by the form field it is about (`form_name` maps pydantic's
    location to the field's name); the first problem of a field wins."""
    errors: dict[str, str] = {}
    for error in invalid.errors():
        location = tuple(error["loc"])
        field = _field_of(location, error)
        errors.setdefault(form_name(location), plain_message(field, error))
    return errors


def _field_of(location: tuple[int | str, ...], error: ErrorDetails) -> str:
    if error["type"] == "dates_out_of_order":
        return "ends_on"
    named = [part for part in location if isinstance(part, str)]
    return named[-1] if named else "form"


def refusal_errors(
    refused: MobilizeError, form_name: Callable[[tuple[int | str, ...]], str]
) -> dict[str, str]:
    """A service's refusal by form field: each field it names (`refused.fields`), else the
    whole message at the top of the form."""
    if not refused.fields:
        return {"form": refused.message}
    return {
        form_name(tuple(int(p) if p.isdigit() else p for p in path.split("."))): message
        for path, message in refused.fields.items()
    }


def summary(errors: Mapping[str, str], labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """The error summary's links: (the field's id, the message as the summary says it, e.g.
    "Line 2: Enter the number of people ...")."""
    shown = []
    for name, message in errors.items():
        label = labels.get(name)
        shown.append((name, f"{label}: {message}" if label else message))
    return shown
