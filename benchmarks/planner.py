"""Our planner against two baselines, greedy and the plain time-indexed CP-SAT model
(`time_indexed.py`), on the reference scenario and generated ones (100 to 3,000 units); and
the bounds: ours (with its source) and the LP relaxation of our model (`planning/lp_bound`).

Run with `make bench` or `python benchmarks/planner.py [--sizes 100,300] [--time-limit 60]`.
Our planner runs in its default repeatable mode with `--time-limit` work units (the "work"
column: units spent, less when the safety stop at ten times the limit in seconds ended it on a
loaded machine); the baselines get `--time-limit` seconds of wall clock. Each solve runs in
its own process so that its peak memory is its own; every plan is checked by the independent
verifier. Prints Markdown tables for docs/benchmarks.md.
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

from time_indexed import solve_time_indexed

from mobilize.planning.assemble import assemble_plan
from mobilize.planning.instance import build_instance
from mobilize.planning.lp_bound import lp_shortfall_bound
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.segments import segments
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import verify_plan
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from mobilize.scenario.loader import load_scenario
from mobilize.scenario.schemas import Scenario
from mobilize.scenario.writer import dump_scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "border-2018.yaml"
SIZES = (100, 300, 1_000, 3_000)
# The budget: 60 s up to 1,000 units, 120 s for 3,000.
TIME_LIMITS = {3_000: 120.0}


SOLVERS = ("greedy", "time-indexed", "cp-sat")
LP_SECONDS = 300.0  # a safety stop for the LP bound, measured apart from the plans


def plan_with(scenario: Scenario, solver: str, time_limit: float, workers: int) -> PlanDocument:
    if solver == "time-indexed":
        instance = build_instance(scenario)
        deployments, document = solve_time_indexed(instance, time_limit, workers)
        return assemble_plan(instance, deployments, document)
    request = PlanRequest(
        solver="greedy" if solver == "greedy" else "cp-sat",
        config=SolverConfig(time_limit=time_limit, workers=workers),
    )
    return make_plan(scenario, request)


def run_bound(scenario_path: Path) -> dict[str, object]:
    instance = build_instance(load_scenario(scenario_path))
    found = lp_shortfall_bound(instance, segments(instance), LP_SECONDS)
    return {"lp": found.value, "lp_solved": found.solved, "lp_seconds": round(found.seconds, 1)}


def run_one(scenario_path: Path, solver: str, time_limit: float, workers: int) -> dict[str, object]:
    if solver == "lp-bound":
        return run_bound(scenario_path)
    scenario = load_scenario(scenario_path)
    began = time.perf_counter()
    plan = plan_with(scenario, solver, time_limit, workers)
    seconds = time.perf_counter() - began
    verification = verify_plan(scenario, plan)
    metrics = verification.metrics
    assert plan.solver is not None
    return {
        "solver": solver,
        "seconds": round(seconds, 1),
        "status": plan.solver.status,
        "gap": plan.solver.gap,
        "bound": plan.solver.bound,
        "bound_source": plan.solver.bound_source,
        "work": plan.solver.budget.spent if plan.solver.budget else None,
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
    output = subprocess.run(
        ["nice", "-n", "10", *command], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def ratio(baseline: object, ours: object) -> str:
    if not isinstance(baseline, int) or not isinstance(ours, int):
        return ""
    if ours == 0:
        return "=" if baseline == 0 else "inf"
    return f"{baseline / ours:.2f}"


def best_bound(ours: dict[str, object], lp: dict[str, object]) -> str:
    """The higher of our planner's reported shortfall bound and the LP's, and whose it is."""
    stages = str(ours["levels"])
    if ours["bound"] is None or not isinstance(lp["lp"], int):
        return ""
    # the plan's bound is the shortfall level's unless that level was proved (then exact)
    proved = not stages.startswith("f")
    mine = float(str(ours["shortfall"])) if proved else float(str(ours["bound"]))
    source = "the optimum" if proved else str(ours["bound_source"] or "cp-sat")
    if lp["lp"] > mine:
        return f"{lp['lp']:,} (LP relaxation)"
    return f"{round(mine):,} ({source})"


def table_row(name: str, result: dict[str, object]) -> str:
    gap = result["gap"]
    gap_text = f"{gap:.2%}" if isinstance(gap, float) else ""
    cells = [
        name,
        result["solver"],
        result["seconds"],
        "" if result["work"] is None else result["work"],
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
        "| scenario | solver | seconds | work | status (levels) | gap | shortfall | excess | moves "
        "| person-km | peak MB | verified |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
    bounds = []
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
            results = {s: measure(path, s, time_limit, options.workers) for s in SOLVERS}
            for result in results.values():
                print(table_row(name, result), flush=True)
            ours, greedy, plain = results["cp-sat"], results["greedy"], results["time-indexed"]
            ratios.append(
                f"| {name} | {ratio(greedy['shortfall'], ours['shortfall'])} "
                f"| {ratio(plain['shortfall'], ours['shortfall'])} "
                f"| {ratio(greedy['excess'], ours['excess'])} "
                f"| {ratio(plain['excess'], ours['excess'])} |"
            )
            lp = measure(path, "lp-bound", time_limit, options.workers)
            bounds.append(
                f"| {name} | {ours['bound']} ({ours['bound_source']}) | {lp['lp']:,} "
                f"({lp['lp_seconds']} s{'' if lp['lp_solved'] else ', stopped'}) "
                f"| {best_bound(ours, lp)} |"
            )
    print(
        "\n| scenario | greedy / ours shortfall | time-indexed / ours shortfall "
        "| greedy / ours excess | time-indexed / ours excess |\n|---|---:|---:|---:|---:|"
    )
    print("\n".join(ratios))
    print("\n| scenario | our bound (source) | LP relaxation (HiGHS) | best bound |")
    print("|---|---|---|---|")
    print("\n".join(bounds))


if __name__ == "__main__":
    main()
