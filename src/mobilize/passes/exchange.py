"""The later levels improved by exchanges that keep the first (a local search).

Once a post's weighted person-days at home are at their optimum, every coverage row is nearly
an exact sum and a search that changes one block at a time (CP-SAT's, for one) finds little
to improve. Three exchanges keep the days at home exactly and coverage within the rules:

- a pass moved to another start day of the same value (its days at home weigh the same), when
  the days it now covers have room;
- two passes of different units exchanging start days, when they have the same personnel or
  their start days the same value (the days at home are unchanged either way), and the days
  whose load changes have room;
- a pass handed to a free block of the same personnel of another unit of the post that may
  start that day (nothing changes but who goes: a nearer home).

Each is made when it lowers (blocks of a unit away together, person-km of home distance), so
the result is never worse on any level. `exchange_passes` runs them until none helps or the
deadline passes.
"""

from __future__ import annotations

import time
from collections import defaultdict

from mobilize.passes.evaluate import Pass, overlap_block_days
from mobilize.passes.instance import PassInstance, PassUnit

LaterScore = tuple[int, int]  # (block-days away together, person-km)


def exchange_passes(
    instance: PassInstance,
    units: tuple[PassUnit, ...],
    passes: list[Pass],
    slack: tuple[int, ...] | None,
    deadline: float,
) -> list[Pass]:
    """`passes` of one post (`units`, `slack` its room per day; None: no coverage rule)
    improved on the later levels by the exchanges of the module's docstring."""
    post = _Post(instance, units, passes, slack, deadline)
    improved = True
    while improved and not post.late():
        improved = post.relocate() | post.swap() | post.hand_over()
    return post.plan


class _Post:
    def __init__(
        self,
        instance: PassInstance,
        units: tuple[PassUnit, ...],
        passes: list[Pass],
        slack: tuple[int, ...] | None,
        deadline: float,
    ):
        self.instance = instance
        self.deadline = deadline
        self.units = {unit.id: unit for unit in units}
        self.plan = list(passes)
        self.slack = slack
        self.load = [0] * instance.window
        self.of_unit: dict[str, set[int]] = defaultdict(set)  # plan indices of each unit's passes
        for index, granted in enumerate(self.plan):
            self._add(granted.start, granted.personnel)
            self.of_unit[granted.unit].add(index)

    def late(self) -> bool:
        return time.perf_counter() >= self.deadline

    def relocate(self) -> bool:
        """Move passes to start days of the same value."""
        improved = False
        for index, granted in enumerate(self.plan):
            if self.late():
                break
            value = self.instance.value(granted.start)
            for start in self.units[granted.unit].starts:
                if start == granted.start or self.instance.value(start) != value:
                    continue
                moved = Pass(granted.unit, start, granted.personnel)
                if self._try({index: moved}):
                    improved = True
                    break
        return improved

    def swap(self) -> bool:
        """Exchange the start days of two passes of different units."""
        improved = False
        for first in range(len(self.plan)):
            if self.late():
                break
            for second in range(first + 1, len(self.plan)):
                mine, theirs = self.plan[first], self.plan[second]
                if not self._may_swap(mine, theirs):
                    continue
                if self._together(mine.unit) + self._together(theirs.unit) == 0:
                    continue  # a swap changes only blocks together, and there are none
                swapped = {
                    first: Pass(mine.unit, theirs.start, mine.personnel),
                    second: Pass(theirs.unit, mine.start, theirs.personnel),
                }
                improved |= self._try(swapped)
        return improved

    def hand_over(self) -> bool:
        """Give a pass to a free block of the same personnel of a nearer or less busy unit."""
        improved = False
        free = self._free_blocks()
        for index, granted in enumerate(self.plan):
            if self.late():
                break
            for other in list(free[granted.personnel]):
                if other == granted.unit or granted.start not in self.units[other].starts:
                    continue
                if self._try({index: Pass(other, granted.start, granted.personnel)}):
                    free[granted.personnel].remove(other)
                    free[granted.personnel].append(granted.unit)
                    improved = True
                    break
        return improved

    def _may_swap(self, mine: Pass, theirs: Pass) -> bool:
        if mine.unit == theirs.unit or mine.start == theirs.start:
            return False
        same_value = self.instance.value(mine.start) == self.instance.value(theirs.start)
        if mine.personnel != theirs.personnel and not same_value:
            return False  # the days at home would change
        return (
            theirs.start in self.units[mine.unit].starts
            and mine.start in self.units[theirs.unit].starts
        )

    def _try(self, changes: dict[int, Pass]) -> bool:
        """Make `changes` (plan index: new pass) if coverage allows and the later levels drop."""
        old = {index: self.plan[index] for index in changes}
        touched = {granted.unit for granted in (*old.values(), *changes.values())}
        before = self._score(touched)
        for granted in old.values():
            self._add(granted.start, -granted.personnel)
        for granted in changes.values():
            self._add(granted.start, granted.personnel)
        self._put(changes)
        if self._within_room() and self._score(touched) < before:
            return True
        for granted in changes.values():  # undo
            self._add(granted.start, -granted.personnel)
        for granted in old.values():
            self._add(granted.start, granted.personnel)
        self._put(old)
        return False

    def _put(self, passes: dict[int, Pass]) -> None:
        for index, granted in passes.items():
            self.of_unit[self.plan[index].unit].discard(index)
            self.plan[index] = granted
            self.of_unit[granted.unit].add(index)

    def _score(self, units: set[str]) -> LaterScore:
        together = sum(self._together(unit) for unit in units)
        distance = sum(
            round(self.units[unit].distance_km) * self.plan[index].personnel
            for unit in units
            for index in self.of_unit[unit]
        )
        return together, distance

    def _together(self, unit: str) -> int:
        """Block-days on which a block of `unit` is away with another of its blocks."""
        return overlap_block_days(self.instance, [self.plan[i] for i in self.of_unit[unit]])

    def _add(self, start: int, personnel: int) -> None:
        for day in self.instance.days_away(start):
            self.load[day] += personnel

    def _within_room(self) -> bool:
        if self.slack is None:
            return True
        return all(load <= room for load, room in zip(self.load, self.slack, strict=True))

    def _free_blocks(self) -> dict[int, list[str]]:
        """Per personnel: the units with a block of that size not on pass (an entry a block)."""
        taken: dict[tuple[str, int], int] = defaultdict(int)
        for granted in self.plan:
            taken[(granted.unit, granted.personnel)] += 1
        free: dict[int, list[str]] = defaultdict(list)
        for unit in self.units.values():
            for size in unit.blocks:
                if taken[(unit.id, size)] > 0:
                    taken[(unit.id, size)] -= 1
                else:
                    free[size].append(unit.id)
        return free
