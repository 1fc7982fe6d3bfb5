"""The rules a scenario must satisfy beyond its field types, one function per rule.

Each rule reads a `Draft`: the parts of the file that are well-typed, with their original
positions, so that every problem in a file is reported in one run even when some records are
malformed. A rule yields `(field path, message)` findings.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from mobilize.scenario.schemas import (
    Cap,
    Capability,
    Component,
    Location,
    Passes,
    Policy,
    Requirement,
    Task,
    Unit,
)
from mobilize.scenario.source import FieldPath

Finding = tuple[FieldPath, str]
_MAX_LISTED_IDS = 12


@dataclass
class Draft:
    """The well-typed parts of a scenario file, each record with its index in the file."""

    start: date | None = None
    end: date | None = None
    policy: Policy = field(default_factory=Policy)
    passes: Passes | None = None
    locations: list[tuple[int, Location]] = field(default_factory=list)
    capabilities: list[tuple[int, Capability]] = field(default_factory=list)
    units: list[tuple[int, Unit]] = field(default_factory=list)
    requirements: list[tuple[int, Requirement]] = field(default_factory=list)
    tasks: list[tuple[int, Task]] = field(default_factory=list)
    caps: list[tuple[int, Cap]] = field(default_factory=list)
    # Ids as written in each section, malformed records included: a location with a bad
    # latitude must not also make every unit that names it "unknown".
    record_ids: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def location_ids(self) -> set[str]:
        return {record_id for _, record_id in self.record_ids.get("locations", [])}

    @property
    def capability_ids(self) -> set[str]:
        return {record_id for _, record_id in self.record_ids.get("capabilities", [])}


def check_horizon(draft: Draft) -> Iterator[Finding]:
    if draft.start and draft.end and draft.end < draft.start:
        yield ("end",), f"end {draft.end} is before start {draft.start}"


def check_unique_ids(draft: Draft) -> Iterator[Finding]:
    for section, ids in draft.record_ids.items():
        first_index: dict[str, int] = {}
        for index, record_id in ids:
            if record_id in first_index:
                where = f"{section}[{first_index[record_id]}]"
                yield (section, index, "id"), f"duplicate id {record_id!r} (first at {where})"
            else:
                first_index[record_id] = index


class _Placed(Protocol):
    """A record that names a capability and (maybe) a location."""

    @property
    def capability(self) -> str: ...

    @property
    def location(self) -> str | None: ...


def check_references(draft: Draft) -> Iterator[Finding]:
    def location(path: FieldPath, value: str | None) -> Iterator[Finding]:
        if value is not None and value not in draft.location_ids:
            yield path, _unknown("location", value, draft.location_ids)

    def capability(path: FieldPath, value: str) -> Iterator[Finding]:
        if value not in draft.capability_ids:
            yield path, _unknown("capability", value, draft.capability_ids)

    placed: dict[str, Sequence[tuple[int, _Placed]]] = {
        "units": draft.units,
        "requirements": draft.requirements,
        "tasks": draft.tasks,
    }
    for section, records in placed.items():
        for index, record in records:
            yield from capability((section, index, "capability"), record.capability)
            yield from location((section, index, "location"), record.location)


def _unknown(kind: str, value: str, known: set[str]) -> str:
    if len(known) <= _MAX_LISTED_IDS:
        listed = ", ".join(sorted(known)) or "none defined"
        return f"unknown {kind} {value!r} (known: {listed})"
    close = difflib.get_close_matches(value, sorted(known), n=3)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    return f"unknown {kind} {value!r} ({hint}{len(known)} are defined)"


def check_date_ranges(draft: Draft) -> Iterator[Finding]:
    def ordered(
        path: FieldPath, first: date | None, last: date | None, names: str
    ) -> Iterator[Finding]:
        first_name, last_name = names.split("/")
        if first and last and last < first:
            yield (*path, last_name), f"{last_name} {last} is before {first_name} {first}"

    for index, requirement in draft.requirements:
        yield from ordered(("requirements", index), requirement.from_, requirement.to, "from/to")
    for index, task in draft.tasks:
        yield from ordered(("tasks", index), task.from_, task.until, "from/until")
    for index, cap in draft.caps:
        yield from ordered(("caps", index), cap.from_, cap.to, "from/to")
    for index, unit in draft.units:
        window = (unit.available_from, unit.available_until)
        yield from ordered(("units", index), *window, "available_from/available_until")
    if draft.passes:
        yield from ordered(("passes",), draft.passes.from_, draft.passes.to, "from/to")


def check_deployed_units(draft: Draft) -> Iterator[Finding]:
    """A unit deployed on `start` says since when; a unit not deployed says nothing of it."""
    for index, unit in draft.units:
        path: FieldPath = ("units", index, "deployed_since")
        if unit.location is not None and unit.deployed_since is None:
            yield path, f"required for a unit deployed on start (it is at {unit.location})"
        elif unit.location is None and unit.deployed_since is not None:
            yield path, "only for a unit deployed on start: give its location too, or remove it"
        elif unit.deployed_since and draft.start and unit.deployed_since > draft.start:
            since = unit.deployed_since
            yield (
                path,
                f"{since} is after start {draft.start}; a unit arriving later is not deployed",
            )


def check_law_enforcement(draft: Draft) -> Iterator[Finding]:
    """Posse Comitatus: active-duty forces may not do law enforcement."""
    restricted = set(draft.policy.law_enforcement_capabilities)
    for index, unit in draft.units:
        if unit.component is Component.ACTIVE and unit.capability in restricted:
            yield (
                ("units", index, "capability"),
                (
                    f"an active unit cannot have law-enforcement capability {unit.capability!r} "
                    "(Posse Comitatus Act); use component guard or civilian"
                ),
            )


def check_passes(draft: Draft) -> Iterator[Finding]:
    passes = draft.passes
    if passes is None or passes.to < passes.from_:
        return
    window_days = (passes.to - passes.from_).days + 1
    if passes.length_days > window_days:
        yield (
            ("passes", "length_days"),
            (f"{passes.length_days} days do not fit in the {window_days}-day window"),
        )
    if draft.start and passes.from_ < draft.start:
        yield ("passes", "from"), f"{passes.from_} is before start {draft.start}"
    if draft.end and passes.to > draft.end:
        yield ("passes", "to"), f"{passes.to} is after end {draft.end}"


RULES: tuple[Callable[[Draft], Iterator[Finding]], ...] = (
    check_horizon,
    check_unique_ids,
    check_references,
    check_date_ranges,
    check_deployed_units,
    check_law_enforcement,
    check_passes,
)


def run_rules(draft: Draft) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(draft)]
