"""Load a scenario file into a `Scenario`, or refuse it with every problem found.

Three passes, each collecting rather than stopping: syntax (`source`), field types (Pydantic,
record by record so one bad unit does not hide the next), then the rules (`checks`).
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from mobilize.core.errors import InvalidScenario, Problem
from mobilize.scenario.checks import Draft, run_rules
from mobilize.scenario.schemas import (
    Cap,
    Capability,
    IsoDate,
    Location,
    Passes,
    Policy,
    Requirement,
    Scenario,
    Task,
    Unit,
)
from mobilize.scenario.source import FieldPath, ParsedDocument, parse_text, read_document

SECTIONS: dict[str, type[BaseModel]] = {
    "locations": Location,
    "capabilities": Capability,
    "units": Unit,
    "requirements": Requirement,
    "tasks": Task,
    "caps": Cap,
}
_SECTIONS_WITH_IDS = ("locations", "capabilities", "units", "tasks")
_Model = TypeVar("_Model", bound=BaseModel)


def load_scenario(path: Path) -> Scenario:
    """Read, parse and validate a YAML or JSON scenario file."""
    return _validate(read_document(path))


def parse_scenario(text: str, source: str = "<scenario>", as_json: bool = False) -> Scenario:
    """Validate scenario text; `source` names it in problem messages."""
    return _validate(parse_text(text, source=source, as_json=as_json))


def _validate(document: ParsedDocument) -> Scenario:
    if document.problems:
        raise InvalidScenario(document.problems)
    data = document.data
    if not isinstance(data, dict):
        kind = type(data).__name__
        message = f"expected a mapping of scenario fields (name, start, end, ...), got a {kind}"
        raise InvalidScenario([document.problem((), message)])
    problems = _check_types_and_rules(data, document)
    if problems:
        raise InvalidScenario(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return Scenario.model_validate(data)


def _check_types_and_rules(data: dict[str, Any], document: ParsedDocument) -> list[Problem]:
    problems = _header_problems(data, document)
    draft = Draft(
        start=_quietly(TypeAdapter(IsoDate), data.get("start")),
        end=_quietly(TypeAdapter(IsoDate), data.get("end")),
        policy=_quietly(TypeAdapter(Policy), data.get("policy", {})) or Policy(),
        passes=_quietly(TypeAdapter(Passes), data.get("passes")),
        record_ids={section: _raw_ids(data.get(section)) for section in _SECTIONS_WITH_IDS},
    )
    for section, model in SECTIONS.items():
        records = data.get(section)
        if not isinstance(records, list):
            continue  # reported by the header check
        valid, record_problems = _validate_records(section, records, model, document)
        setattr(draft, section, valid)
        problems += record_problems
    problems += [document.problem(path, message) for path, message in run_rules(draft)]
    return problems


def _header_problems(data: dict[str, Any], document: ParsedDocument) -> list[Problem]:
    """Check everything but the records inside the sections, which are checked one by one."""
    header = {k: [] if k in SECTIONS and isinstance(v, list) else v for k, v in data.items()}
    try:
        Scenario.model_validate(header)
    except ValidationError as error:
        return [_problem(detail, (), Scenario, document) for detail in error.errors()]
    return []


def _validate_records(
    section: str, records: list[Any], model: type[_Model], document: ParsedDocument
) -> tuple[list[tuple[int, _Model]], list[Problem]]:
    valid: list[tuple[int, _Model]] = []
    problems: list[Problem] = []
    for index, record in enumerate(records):
        try:
            valid.append((index, model.model_validate(record)))
        except ValidationError as error:
            prefix: FieldPath = (section, index)
            problems += [_problem(detail, prefix, model, document) for detail in error.errors()]
    return valid, problems


def _quietly(adapter: TypeAdapter[Any], value: Any) -> Any:
    """The validated value, or None when invalid (its problem is reported elsewhere)."""
    if value is None:
        return None
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _raw_ids(records: Any) -> list[tuple[int, str]]:
    if not isinstance(records, list):
        return []
    return [
        (index, record["id"])
        for index, record in enumerate(records)
        if isinstance(record, dict) and isinstance(record.get("id"), str)
    ]


def _problem(
    detail: ErrorDetails, prefix: FieldPath, model: type[BaseModel], document: ParsedDocument
) -> Problem:
    path: FieldPath = (*prefix, *detail["loc"])
    return document.problem(path, _describe(detail, model))


def _describe(detail: ErrorDetails, model: type[BaseModel]) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field(detail, model)
    if kind == "value_error":
        return str(detail.get("ctx", {}).get("error", detail["msg"]))
    if kind in {"tuple_type", "list_type"}:
        return f"expected a list, got {_shown(detail['input'])}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"expected a mapping of fields, got {_shown(detail['input'])}"
    message = detail["msg"]
    return f"{message[0].lower()}{message[1:]}, got {_shown(detail['input'])}"


def _unknown_field(detail: ErrorDetails, model: type[BaseModel]) -> str:
    name = str(detail["loc"][-1])
    allowed = _field_names(model, detail["loc"][:-1])
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return f"unknown field (did you mean {close[0]!r}?)"
    return f"unknown field (allowed: {', '.join(allowed)})"


def _field_names(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names (as written in files) of the record at `loc` inside `model`."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None or isinstance(part, int):
            continue
        current = next(
            (
                _record_type(f.annotation)
                for n, f in current.model_fields.items()
                if part in {n, f.alias}
            ),
            None,
        )
    if current is None:
        return []
    return [f.alias or n for n, f in current.model_fields.items()]


def _record_type(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X`, `X | None` or `tuple[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in {tuple, list, typing.Union, types.UnionType}:
        for argument in typing.get_args(annotation):
            found = _record_type(argument)
            if found is not None:
                return found
    return None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
