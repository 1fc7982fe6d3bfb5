"""Decision days: the only days on which an optimal plan needs to start or end a deployment.

Let T be the days on which some datum changes: day 0 and the day after the horizon, the first
day and the day after the last of every requirement, task and cap, and for every unit the first
day it may be present and the day after the last (availability, and for a deployed unit its
maximum-deployment date). Let C be the closure of T under adding or subtracting the maximum
length of any unit not yet deployed, kept inside [0, horizon].

Claim: some optimal plan (for the whole lexicographic objective) starts and ends every
deployment on days of C (a deployment "ends" on the day after its last day).

Proof. Take an optimal plan and a change day t (a day on which some deployment starts or ends)
not in C. Let O be the set of change days of the plan reachable from t by steps of +-m, where m
is the maximum length of a fresh unit whose deployment both starts and ends at days of O
at exactly that length; no day of O is in C, because C is closed under those steps. Shift every
change day in O by the same delta. Within the interval in which no shifted day meets a day of C
or another change day, (a) every daily configuration of present units stays the same, only the
number of days each configuration lasts changes, by +-delta; data are constant between days of
C, so each day's cost (shortfall, excess, tie-break) is that of its configuration, and every
level of the objective changes linearly in delta; moves and transport do not change; (b) caps,
availability and deployed units' maxima are fixed by days of T and stay satisfied, since each
configuration is unchanged and stays between the same days of C; (c) a fresh unit whose two
ends are both in O keeps its length; one with one end in O is strictly under its maximum (else
the other end would be in O), so a small shift keeps it within. A vector that is linear in
delta is lexicographically non-increasing in one of the two directions, so shifting that way
until a day of O meets a day of C, another change day, or a fresh unit reaches its maximum
(which joins its other end to O) keeps the plan optimal. Each such event lowers the number of
change days outside C or merges them, so repeating ends with every change day in C.

The model therefore works on segments: maximal runs of days between consecutive days of C.
`tests/planning/test_segments.py` checks the claim against the plain daily model on random
small scenarios.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from mobilize.planning.instance import PlanningInstance


@dataclass(frozen=True)
class Segment:
    index: int
    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def data_change_days(instance: PlanningInstance) -> set[int]:
    days = {0, instance.horizon}
    for need in instance.needs:
        days.update((need.first, need.last + 1))
    for cap in instance.caps:
        days.update((cap.first, cap.last + 1))
    for unit in instance.units:
        days.update((unit.earliest_first, unit.latest_last + 1))
    for stay in instance.previous:  # so that the adopted plan is a plan of the model
        days.update((stay.first, stay.last + 1))
    return {day for day in days if 0 <= day <= instance.horizon}


def decision_days(instance: PlanningInstance) -> list[int]:
    """C: the data change days closed under +- the maximum length of every fresh unit."""
    lengths = {
        u.max_days for u in instance.units if u.location is None and u.max_days < instance.horizon
    }
    days = data_change_days(instance)
    frontier = set(days)
    while frontier:
        reached = {
            day + sign * length for day in frontier for length in lengths for sign in (1, -1)
        }
        frontier = {day for day in reached if 0 <= day <= instance.horizon} - days
        days |= frontier
    return sorted(days)


def segments(instance: PlanningInstance, every_day: bool = False) -> list[Segment]:
    """The segments between decision days (or one per day, for the plain daily model)."""
    bounds = list(range(instance.horizon + 1)) if every_day else decision_days(instance)
    return [
        Segment(index, first, following - 1)
        for index, (first, following) in enumerate(itertools.pairwise(bounds))
    ]
