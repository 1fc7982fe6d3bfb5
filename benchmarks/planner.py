"""Greedy against CP-SAT on the reference scenario and generated ones (100 to 3,000 units).

Run with `make bench` or `python benchmarks/planner.py [--sizes 100,300] [--time-limit 60]`.
Each solve runs in its own process so that its peak memory is its own; every plan is checked
by the independent verifier. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import verify_plan
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from mobilize.scenario.loader import load_scenario
from mobilize.scenario.writer import dump_scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "border-2018.yaml"
SIZES = (100, 300, 1_000, 3_000)
# The budget: 60 s up to 1,000 units, 120 s for 3,000.
TIME_LIMITS = {3_000: 120.0}


def run_one(scenario_path: Path, solver: str, time_limit: float, workers: int) -> dict[str, object]:
    scenario = load_scenario(scenario_path)
    began = time.perf_counter()
    request = PlanRequest(
        solver="greedy" if solver == "greedy" else "cp-sat",
        config=SolverConfig(time_limit=time_limit, workers=workers),
    )
    plan = make_plan(scenario, request)
    seconds = time.perf_counter() - began
    verification = verify_plan(scenario, plan)
    metrics = verification.metrics
    assert plan.solver is not None
    return {
        "solver": solver,
        "seconds": round(seconds, 1),
        "status": plan.solver.status,
        "gap": plan.solver.gap,
        "levels": "/".join(stage.status[0] for stage in plan.solver.stages),
        "shortfall": metrics.shortfall_person_days,
        "excess": metrics.excess_person_days,
        "moves": metrics.moves,
        "transport": metrics.transport_person_km,
        "verified": verification.ok,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def measure(scenario_path: Path, solver: str, time_limit: float, workers: int) -> dict[str, object]:
    """`run_one` in a child process: its own peak memory."""
    command = [
        sys.executable,
        __file__,
        "--one",
        str(scenario_path),
        "--solver",
        solver,
        "--time-limit",
        str(time_limit),
        "--workers",
        str(workers),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def ratio(greedy: object, cp_sat: object) -> str:
    if not isinstance(greedy, int) or not isinstance(cp_sat, int):
        return ""
    if cp_sat == 0:
        return "=" if greedy == 0 else "inf"
    return f"{greedy / cp_sat:.2f}"


def table_row(name: str, result: dict[str, object]) -> str:
    gap = result["gap"]
    gap_text = f"{gap:.2%}" if isinstance(gap, float) else ""
    cells = [
        name,
        result["solver"],
        result["seconds"],
        f"{result['status']} {result['levels']}",
        gap_text,
        f"{result['shortfall']:,}",
        f"{result['excess']:,}",
        f"{result['moves']:,}",
        f"{result['transport']:,}",
        f"{result['peak_mb']:,}",
        "yes" if result["verified"] else "NO",
    ]
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--solver", default="cp-sat", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default=",".join(str(size) for size in SIZES))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=8)
    options = parser.parse_args()
    if options.one is not None:
        print(json.dumps(run_one(options.one, options.solver, options.time_limit, options.workers)))
        return
    print(
        "| scenario | solver | seconds | status (levels) | gap | shortfall | excess | moves "
        "| person-km | peak MB | verified |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
    ratios = []
    with tempfile.TemporaryDirectory() as directory:
        cases = [("reference (55 units)", REFERENCE, options.time_limit)]
        for size in (int(text) for text in options.sizes.split(",") if text):
            path = Path(directory) / f"generated-{size}.yaml"
            settings = GeneratorSettings(units=size, locations=12, days=120, seed=1)
            path.write_text(dump_scenario(generate_scenario(settings)))
            cases.append(
                (f"generated {size:,} x 12 x 120", path, TIME_LIMITS.get(size, options.time_limit))
            )
        for name, path, time_limit in cases:
            greedy = measure(path, "greedy", time_limit, options.workers)
            cp_sat = measure(path, "cp-sat", time_limit, options.workers)
            print(table_row(name, greedy), flush=True)
            print(table_row(name, cp_sat), flush=True)
            ratios.append(
                f"| {name} | {ratio(greedy['shortfall'], cp_sat['shortfall'])} "
                f"| {ratio(greedy['excess'], cp_sat['excess'])} |"
            )
    print("\n| scenario | greedy / CP-SAT shortfall | greedy / CP-SAT excess |\n|---|---:|---:|")
    print("\n".join(ratios))


if __name__ == "__main__":
    main()
