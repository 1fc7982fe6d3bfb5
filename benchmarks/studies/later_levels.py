"""How long CP-SAT takes to prove the passes' second level (blocks of a unit together), post
by post, with the first level met and held.

A study, not part of `make bench`: posts of a random pass problem drawn at random, each post's
first level met by `passes.aggregate`, the exchanges of `passes.exchange` run, then CP-SAT
minimising block-days together for `--seconds` per post with the exchanged passes as hint.
Measured on 2026-11-28 (2 cores, 2,000 units, seed 1, 12 posts of which 11 measured, 20 s,
8 workers): proved on 2 (12.0 s, 14.5 s), not on 9; rerun, 1 of 10 (docs/benchmarks.md).

`python benchmarks/studies/later_levels.py [--units 2000] [--posts 11] [--seconds 20]`
"""

from __future__ import annotations

import argparse
import random
import time

from ortools.sat.python import cp_model

from mobilize.passes.aggregate import passes_meeting_bound
from mobilize.passes.evaluate import overlap_block_days, weighted_days_home
from mobilize.passes.exchange import exchange_passes
from mobilize.passes.generator import random_pass_instance
from mobilize.passes.model import build_pass_model, hint_passes
from mobilize.passes.solve import _parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=8)
    options = parser.parse_args()
    instance = random_pass_instance(options.units, seed=options.seed)
    parts = list(_parts(instance.units).items())
    random.Random(7).shuffle(parts)
    print("| post | units | exchanges | CP-SAT | found | bound | seconds |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for key, members in parts[: options.posts]:
        slack = instance.slack(members[0].cell)
        bound, passes = passes_meeting_bound(instance, members, slack, time.perf_counter() + 3)
        value = weighted_days_home(instance, passes)
        if value < bound:
            print(f"| {key} | {len(members)} | first level not met: skipped | | | | |")
            continue
        exchanged = exchange_passes(instance, members, list(passes), slack, time.perf_counter() + 1)
        built = build_pass_model(instance, members)
        built.model.add(built.levels["home"] == -value)
        built.model.minimize(built.levels["together"])
        hint_passes(built, tuple(exchanged))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = options.seconds
        solver.parameters.num_workers = options.workers
        began = time.perf_counter()
        status = solver.solve(built.model)
        print(
            f"| {key} | {len(members)} | {overlap_block_days(instance, exchanged)} "
            f"| {solver.status_name(status)} | {solver.objective_value:.0f} "
            f"| {solver.best_objective_bound:.0f} | {time.perf_counter() - began:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
