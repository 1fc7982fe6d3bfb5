"""What every LP bound shares: the HiGHS set-up (quiet, one thread, a safety stop), its rows
in compressed form, and the solve read as a valid bound.

HiGHS prints its banner to standard output when the first solver of a process is made,
whatever its options; `mobilize plan -f json` must write nothing but the plan there, so that
first construction happens with standard output sent to the null device.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

import highspy
import numpy as np


@dataclass(frozen=True)
class LpBound:
    value: int  # a valid lower bound (0 when the LP was not solved)
    solved: bool
    seconds: float
    columns: int
    rows: int


@dataclass
class Rows:
    """Rows in compressed form for HiGHS."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, terms: Mapping[int, float], lower: float, upper: float) -> None:
        self.starts.append(len(self.indices))
        self.indices.extend(terms)
        self.values.extend(terms.values())
        self.lower.append(lower)
        self.upper.append(upper)

    def add_to(self, highs: highspy.Highs) -> None:
        if not self.lower:
            return
        highs.addRows(
            len(self.lower),
            np.array(self.lower),
            np.array(self.upper),
            len(self.indices),
            np.array(self.starts, dtype=np.int32),
            np.array(self.indices, dtype=np.int32),
            np.array(self.values),
        )


def solve_for_bound(highs: highspy.Highs, offset: float = 0.0) -> tuple[bool, int]:
    """Run `highs`; whether it proved its optimum, and that optimum plus `offset` rounded up
    (0 when not proved)."""
    highs.run()
    solved = bool(highs.getModelStatus() == highspy.HighsModelStatus.kOptimal)
    if not solved:
        return False, 0
    objective = highs.getInfo().objective_function_value + offset
    # the interior point method ends within relative tolerances of about 1e-8: stay below
    return True, max(0, math.ceil(objective - 1e-6 * max(1.0, abs(objective))))


def new_highs(seconds: float, solver: str) -> highspy.Highs:
    """A silent single-thread HiGHS with `seconds` as its safety stop; `solver`: "simplex"
    or "ipm"."""
    _swallow_banner()
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(0.1, seconds))
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("solver", solver)
    return highs


@functools.cache
def _swallow_banner() -> None:
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
