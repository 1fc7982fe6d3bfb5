"""Random pass problems of any size, for benchmarks and tests (no drawdown plan needed).

Units sit in cells of `locations` x `capabilities`; each cell may spare between 15% and 60%
of its eligible personnel on any day, changing every few days, so coverage binds often and
blocks must be staggered.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from mobilize.passes.instance import PassInstance, PassPolicy, PassUnit, split_into_blocks

CAPABILITIES = ("MP", "ENG", "LOG", "MED", "AVN", "HQ")


def random_pass_instance(
    units: int,
    blocks: int = 3,
    window: int = 14,
    length: int = 4,
    locations: int = 12,
    seed: int = 0,
    first_day: date = date(2018, 12, 20),
) -> PassInstance:
    rng = random.Random(seed)
    policy = PassPolicy()
    made = []
    for index in range(units):
        cell = (f"L{rng.randrange(locations):02d}", rng.choice(CAPABILITIES))
        first = 0 if rng.random() < 0.8 else rng.randrange(window - length + 1)
        last = window - 1 if rng.random() < 0.8 else rng.randrange(first + length - 1, window)
        strength = rng.randrange(20, 400)
        made.append(
            PassUnit(
                id=f"u{index:05d}",
                capability=cell[1],
                location=cell[0],
                strength=strength,
                distance_km=round(rng.uniform(5, 300), 1),
                blocks=split_into_blocks(strength, blocks),
                starts=tuple(range(first, last - length + 2)),
            )
        )
    members: dict[tuple[str, str], int] = defaultdict(int)
    for unit in made:
        members[unit.cell] += unit.strength
    covered, required = {}, {}
    for cell, strength in members.items():
        spare, row = rng.uniform(0.15, 0.6), []
        for day in range(window):
            if day % rng.randrange(2, 5) == 0:
                spare = rng.uniform(0.15, 0.6)
            row.append(round(strength * spare))
        covered[cell] = (strength,) * window
        required[cell] = tuple(strength - room for room in row)
    return PassInstance(
        first_day=first_day,
        window=window,
        length=length,
        weights=tuple(policy.weight(first_day + timedelta(days=d)) for d in range(window)),
        units=tuple(made),
        covered=covered,
        required=required,
    )
