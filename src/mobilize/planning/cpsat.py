"""One way to set up a CP-SAT solve, used by every model of the package."""

from __future__ import annotations

from ortools.sat.python import cp_model


def configured_solver(
    time_limit: float, workers: int, seed: int, probing: bool = True
) -> cp_model.CpSolver:
    """A solver with its time limit, worker threads and seed (and probing off when asked:
    it costs more than it gives on many small models)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if not probing:
        solver.parameters.cp_model_probing_level = 0
    return solver
