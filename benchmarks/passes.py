"""The pass planner against first fit, on random pass problems of 2,000 and 4,000 units.

Run with `make bench` or
`python benchmarks/passes.py [--sizes 2000:10,4000:30] [--seeds 1,2,3] [--workers 8]`.
Each problem: 3 blocks per unit, a 14-day window, 4-day passes, 12 locations x 6 capabilities,
each post able to spare 15-60% of its people on any day (`passes.generator`). Each solve runs in
its own process, so its peak memory is its own. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from mobilize.passes.evaluate import overlap_block_days, pass_score
from mobilize.passes.generator import random_pass_instance
from mobilize.passes.solve import (
    FIRST_LEVEL_DONE,
    away_exceeds_slack,
    greedy_passes,
    solve_passes,
)
from mobilize.planning.staged import Progress

CASES = ((2_000, 10.0), (4_000, 30.0))  # (units, seconds): the targets


def run_one(units: int, time_limit: float, workers: int, seed: int) -> dict[str, object]:
    instance = random_pass_instance(units, blocks=3, window=14, length=4, seed=seed)
    began = time.perf_counter()
    greedy = greedy_passes(instance)
    greedy_seconds = time.perf_counter() - began
    first_level: list[float] = []  # when the first level's rounds ended

    def listen(progress: Progress) -> None:
        if progress.level == FIRST_LEVEL_DONE:
            first_level.append(progress.elapsed)

    began = time.perf_counter()
    passes, solver = solve_passes(instance, time_limit=time_limit, workers=workers, listener=listen)
    seconds = time.perf_counter() - began
    home = -pass_score(instance, passes)[0]
    return {
        "units": units,
        "seed": seed,
        "blocks": sum(len(unit.blocks) for unit in instance.units),
        "time_limit": time_limit,
        "seconds": round(seconds, 1),
        "first_level_seconds": round(first_level[0], 1),
        "status": solver.status,
        "levels": "/".join(stage.status[0] for stage in solver.stages),
        "home": home,
        "bound": solver.bound,
        "gap": solver.gap,
        "passes": len(passes),
        "together": overlap_block_days(instance, passes),
        "together_bound": solver.stages[1].bound,
        "greedy_together": overlap_block_days(instance, greedy),
        "greedy_home": -pass_score(instance, greedy)[0],
        "greedy_passes": len(greedy),
        "greedy_seconds": round(greedy_seconds, 2),
        "checked": not away_exceeds_slack(instance, passes)
        and not away_exceeds_slack(instance, greedy),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def measure(units: int, time_limit: float, workers: int, seed: int) -> dict[str, object]:
    command = [sys.executable, __file__, "--one", str(units), "--time-limit", str(time_limit)]
    command += ["--workers", str(workers), "--seed", str(seed)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def table_row(result: dict[str, object]) -> str:
    home, greedy = result["home"], result["greedy_home"]
    assert isinstance(home, int)
    assert isinstance(greedy, int)
    cells = [
        f"{result['units']:,} units, {result['blocks']:,} blocks, seed {result['seed']}",
        f"{result['seconds']} (limit {result['time_limit']:.0f})",
        f"{result['first_level_seconds']}",
        f"{result['status']} {result['levels']}",
        f"{home:,}",
        f"{result['bound']:,.0f}",
        f"{result['gap']:.3%}",
        f"{result['passes']:,}",
        f"{result['together']:,} (bound {result['together_bound']:,.0f})",
        f"{greedy:,} ({result['greedy_passes']:,} passes, {result['greedy_together']:,} "
        f"together, {result['greedy_seconds']} s)",
        f"{home / max(1, greedy):.3f}",
        f"{result['peak_mb']:,}",
        "yes" if result["checked"] else "NO",
    ]
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--time-limit", type=float, default=10.0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sizes",
        default=",".join(f"{units}:{seconds:g}" for units, seconds in CASES),
        help="units:seconds,...",
    )
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seeds", default="1,2,3", help="problems to generate (one row each)")
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one is not None:
        print(json.dumps(run_one(options.one, options.time_limit, options.workers, options.seed)))
        return
    print(
        "| problem | seconds | first level done | status (levels) | weighted person-days home "
        "| bound | gap | passes | block-days together | first fit | CP-SAT / first fit "
        "| peak MB | coverage kept |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for case in options.sizes.split(","):
        units, seconds = case.split(":")
        for seed in options.seeds.split(","):
            result = measure(int(units), float(seconds), options.workers, int(seed))
            print(table_row(result), flush=True)


if __name__ == "__main__":
    main()
