"""The scenario file format as typed, immutable domain objects.

The contract is ../shared/spec/scenario-and-plan.md. Optional dates stay `None` when the file
leaves them out, so that a scenario round-trips without loss; `Scenario` resolves the defaults
(`from`/`to` default to the horizon, `max_deployment_days` to the policy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_iso_date(value: Any) -> Any:
    """Accept `YYYY-MM-DD` text or a date; refuse timestamps, numbers and other forms."""
    if isinstance(value, datetime):
        raise ValueError(f"expected a date as YYYY-MM-DD, got a date and time {value.isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"not a calendar date: {value!r} ({error})") from None
    raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")


IsoDate = Annotated[date, BeforeValidator(_parse_iso_date)]
Identifier = Annotated[str, Field(strict=True, min_length=1, max_length=100)]
Text = Annotated[str, Field(strict=True)]
Personnel = Annotated[int, Field(strict=True, gt=0)]
NonNegativeCount = Annotated[int, Field(strict=True, ge=0)]
Days = Annotated[int, Field(strict=True, gt=0)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]


class Component(StrEnum):
    """Under which authority people serve; the rules differ by component."""

    ACTIVE = "active"
    GUARD = "guard"
    CIVILIAN = "civilian"


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )


class Location(_Record):
    id: Identifier
    name: Text
    lat: Latitude
    lon: Longitude


class Capability(_Record):
    id: Identifier
    name: Text


class Home(_Record):
    name: Text
    lat: Latitude
    lon: Longitude


class Unit(_Record):
    id: Identifier
    name: Text | None = None
    capability: Identifier
    component: Component
    agency: Text | None = None
    strength: Personnel
    home: Home
    location: Identifier | None = None
    deployed_since: IsoDate | None = None
    available_from: IsoDate | None = None
    available_until: IsoDate | None = None
    max_deployment_days: Days | None = None

    @property
    def is_deployed_on_start(self) -> bool:
        return self.location is not None


class Requirement(_Record):
    """At least `personnel` of `capability` at `location` on each day of the range."""

    location: Identifier
    capability: Identifier
    personnel: Personnel
    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None


class Task(_Record):
    """A named requirement that ends when the work is done (`until`, inclusive)."""

    id: Identifier
    location: Identifier
    capability: Identifier
    personnel: Personnel
    from_: IsoDate | None = Field(default=None, alias="from")
    until: IsoDate | None = None


class Cap(_Record):
    """At most `max_personnel` of `component` (all components when `None`) deployed each day."""

    component: Component | None = None
    max_personnel: NonNegativeCount
    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None


class Policy(_Record):
    max_deployment_days: Days = 180
    law_enforcement_capabilities: tuple[Identifier, ...] = ("LEO",)


class Passes(_Record):
    """The holiday pass window and how units are split into blocks."""

    from_: IsoDate = Field(alias="from")
    to: IsoDate
    length_days: Days
    blocks: Days
    max_home_distance_km: Annotated[float, Field(strict=True, ge=0)]


@dataclass(frozen=True)
class DateRange:
    """Inclusive range of days."""

    first: date
    last: date

    def __len__(self) -> int:
        return max(0, (self.last - self.first).days + 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def days(self) -> Iterator[date]:
        for offset in range(len(self)):
            yield self.first + timedelta(days=offset)

    def clip(self, other: DateRange) -> DateRange:
        return DateRange(max(self.first, other.first), min(self.last, other.last))


class Scenario(_Record):
    name: Annotated[str, Field(strict=True, min_length=1)]
    description: Text | None = None
    start: IsoDate
    end: IsoDate
    locations: tuple[Location, ...]
    capabilities: tuple[Capability, ...]
    units: tuple[Unit, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    tasks: tuple[Task, ...] = ()
    caps: tuple[Cap, ...] = ()
    policy: Policy = Policy()
    passes: Passes | None = None

    @property
    def horizon(self) -> DateRange:
        return DateRange(self.start, self.end)

    def requirement_days(self, requirement: Requirement) -> DateRange:
        return DateRange(requirement.from_ or self.start, requirement.to or self.end)

    def task_days(self, task: Task) -> DateRange:
        return DateRange(task.from_ or self.start, task.until or self.end)

    def cap_days(self, cap: Cap) -> DateRange:
        return DateRange(cap.from_ or self.start, cap.to or self.end)

    def max_deployment_days(self, unit: Unit) -> int:
        return unit.max_deployment_days or self.policy.max_deployment_days

    def is_law_enforcement(self, capability: str) -> bool:
        return capability in self.policy.law_enforcement_capabilities
