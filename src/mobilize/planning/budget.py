"""How much search a solve may do: deterministic work (repeatable) or wall-clock seconds.

Repeatable mode (the default) measures search in CP-SAT's deterministic time, a count of work
done that does not depend on the machine's load, and runs CP-SAT's parallel workers in
deterministic batches (`interleave_search`). Every share of the budget — per level, per
capability, per neighbourhood — is taken from work spent so far, never from the clock, so the
same scenario, seed and settings give the same plan on a busy machine as on a quiet one. The
wall clock is then only a safety stop: when it is reached the plan is still returned, and
`stopped_by_clock` says that this run may not repeat.

Wall-clock mode (`mobilize plan --time-limit`) is the older contract: the budget is seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from mobilize.planning.cpsat import configured_solver


@dataclass
class Budget:
    """A budget of `limit` units (deterministic time, or seconds in wall-clock mode); a part
    of a larger budget charges its parent too."""

    limit: float
    repeatable: bool
    deadline: float  # time.perf_counter() value of the wall-clock stop
    parent: Budget | None = None
    spent: float = 0.0
    began: float = field(default_factory=time.perf_counter)
    stopped_by_clock: bool = False

    @classmethod
    def start(cls, repeatable: bool, work: float, seconds: float) -> Budget:
        """A whole solve's budget: `work` deterministic units with a stop after `seconds`
        (repeatable), or `seconds` of wall clock."""
        deadline = time.perf_counter() + seconds
        return cls(work if repeatable else seconds, repeatable, deadline)

    def used(self) -> float:
        return self.spent if self.repeatable else time.perf_counter() - self.began

    def remaining(self) -> float:
        return max(0.0, self.limit - self.used())

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def part(self, limit: float) -> Budget:
        """A budget of `limit` charged to this one as it is spent (a caller may give a part
        a floor beyond what is left, so that a last level still gets a moment)."""
        return Budget(limit, self.repeatable, self.deadline, self)

    def solver(self, limit: float, workers: int, seed: int, probing: bool = True) -> Solver:
        """A CP-SAT solver limited to `limit` of this budget (and, repeatable, to the safety
        stop); its work is charged when it returns (`Solver.solve`)."""
        if not self.repeatable:
            return Solver(self, configured_solver(max(0.01, limit), workers, seed, probing))
        solver = configured_solver(max(0.01, self.seconds_left()), workers, seed, probing)
        solver.parameters.max_deterministic_time = max(0.001, limit)
        # the portfolio's subsolvers in deterministic batches, the same whatever the load;
        # on one thread too, where it beats the plain single-thread search by far
        solver.parameters.interleave_search = True
        return Solver(self, solver)

    def charge(self, work: float) -> None:
        self.spent += work
        if self.repeatable and time.perf_counter() >= self.deadline:
            self.stopped_by_clock = True
        if self.parent is not None:
            self.parent.charge(work)
            self.parent.stopped_by_clock |= self.stopped_by_clock


@dataclass
class Solver:
    """A configured CP-SAT solver that charges its budget for the work each solve does."""

    budget: Budget
    cp_sat: cp_model.CpSolver

    def solve(
        self, model: cp_model.CpModel, callback: cp_model.CpSolverSolutionCallback | None = None
    ) -> cp_model.CpSolverStatus:
        status = self.cp_sat.solve(model, callback)
        self.budget.charge(self.cp_sat.response_proto.deterministic_time)
        return status
