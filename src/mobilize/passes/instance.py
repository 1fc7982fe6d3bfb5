"""The pass problem: who may go home when, and how many may be away from each post each day.

Built from a scenario and the drawdown plan's deployments (the plan is fixed: passes never move a
unit). Days are numbered from the first day of the pass window (0 .. window - 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from mobilize.planning.evaluate import Coverage, Deployment, counts_towards, coverage
from mobilize.planning.instance import PlanningInstance
from mobilize.scenario.schemas import Passes


@dataclass(frozen=True)
class PassPolicy:
    """How much a day at home is worth. By default Christmas Eve and Day and New Year's Eve
    and Day count double: the days families most want people home, and the days a staff
    would trade two ordinary days for. Change `holidays` or `holiday_weight` for another
    calendar (Thanksgiving, Eid...)."""

    holidays: tuple[tuple[int, int], ...] = ((12, 24), (12, 25), (12, 31), (1, 1))
    holiday_weight: int = 2
    ordinary_weight: int = 1

    def weight(self, day: date) -> int:
        if (day.month, day.day) in self.holidays:
            return self.holiday_weight
        return self.ordinary_weight


@dataclass(frozen=True)
class PassUnit:
    """An eligible unit: deployed at `location` and able to take at least one pass there."""

    id: str
    capability: str
    location: str
    strength: int
    distance_km: float  # home to location
    blocks: tuple[int, ...]  # personnel of each block, largest first
    starts: tuple[int, ...]  # window days a pass may start (it fits the window and deployment)
    counts: bool = True  # towards coverage of its cell (not an active unit on a LEO need)

    @property
    def block_sizes(self) -> list[tuple[int, int]]:
        """(personnel, how many blocks) per distinct block size: blocks of one size are
        interchangeable, so the model counts them instead of naming each."""
        sizes: dict[int, int] = {}
        for size in self.blocks:
            sizes[size] = sizes.get(size, 0) + 1
        return sorted(sizes.items(), reverse=True)

    @property
    def cell(self) -> tuple[str, str]:
        return (self.location, self.capability)


@dataclass(frozen=True)
class PassInstance:
    first_day: date  # the window's first date
    window: int  # days in the window
    length: int  # days of one pass
    weights: tuple[int, ...]  # per window day
    units: tuple[PassUnit, ...]
    # per (location, capability), per window day: personnel present and required
    covered: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    required: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)

    def date_of(self, day: int) -> date:
        return self.first_day + timedelta(days=day)

    @cached_property
    def unit_by_id(self) -> dict[str, PassUnit]:
        return {unit.id: unit for unit in self.units}

    def slack(self, cell: tuple[str, str]) -> tuple[int, ...]:
        """Personnel of `cell` who may be away each day: a pass never takes coverage below
        min(required, covered), so only what is above the requirement may leave."""
        covered = self.covered.get(cell, (0,) * self.window)
        required = self.required.get(cell, (0,) * self.window)
        return tuple(max(0, have - need) for have, need in zip(covered, required, strict=True))

    def days_away(self, start: int) -> range:
        return range(start, start + self.length)

    def value(self, start: int) -> int:
        """Weighted days at home of one person on a pass starting on `start`."""
        return sum(self.weights[day] for day in self.days_away(start))


def split_into_blocks(strength: int, blocks: int) -> tuple[int, ...]:
    """`blocks` blocks as equal as whole people allow (sizes differ by at most one, larger
    first); fewer blocks when the unit has fewer people than blocks."""
    count = min(blocks, strength)
    base, extra = divmod(strength, count)
    return tuple(base + 1 if index < extra else base for index in range(count))


def build_pass_instance(
    instance: PlanningInstance,
    deployments: tuple[Deployment, ...],
    settings: Passes,
    policy: PassPolicy | None = None,
) -> PassInstance:
    policy = policy or PassPolicy()
    offset = instance.day_of(settings.from_)
    window = (settings.to - settings.from_).days + 1
    units = []
    for deployment in sorted(deployments):
        unit = instance.unit_by_id[deployment.unit]
        distance = instance.distance_km(unit, deployment.location)
        if distance > settings.max_home_distance_km:
            continue
        first = max(0, deployment.first - offset)
        last = min(window - 1, deployment.last - offset)
        starts = tuple(range(first, last - settings.length_days + 2))
        if not starts:
            continue  # not deployed long enough inside the window for one pass
        units.append(
            PassUnit(
                id=unit.id,
                capability=unit.capability,
                location=deployment.location,
                strength=unit.strength,
                distance_km=distance,
                blocks=split_into_blocks(unit.strength, settings.blocks),
                starts=starts,
                counts=counts_towards(instance, unit),
            )
        )
    covered = coverage(instance, deployments)
    cells = {u.cell for u in units if u.counts}
    return PassInstance(
        first_day=settings.from_,
        window=window,
        length=settings.length_days,
        weights=tuple(policy.weight(settings.from_ + timedelta(days=d)) for d in range(window)),
        units=tuple(units),
        covered={cell: _window_of(covered, cell, offset, window) for cell in cells},
        required={
            cell: tuple(instance.required(*cell, offset + day) for day in range(window))
            for cell in cells
        },
    )


def _window_of(
    covered: Coverage, cell: tuple[str, str], offset: int, window: int
) -> tuple[int, ...]:
    row = covered.get(cell)
    if row is None:
        return (0,) * window
    return tuple(row[offset + day] for day in range(window))
