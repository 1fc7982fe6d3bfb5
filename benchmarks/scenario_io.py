"""How long reading, validating, storing and exporting a scenario takes, by size.

Run with `make bench`; prints a Markdown table for docs/benchmarks.md. PostgreSQL is measured
too when MOBILIZE_TEST_POSTGRES_URL is set. Times are the median of a few runs, in one process,
so that the sizes can be compared with each other on the same machine.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.operations.service import export_scenario, import_scenario
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from mobilize.scenario.loader import parse_scenario
from mobilize.scenario.schemas import Scenario
from mobilize.scenario.writer import dump_scenario

SIZES = (1_000, 10_000)
REPEATS = 3


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def database_round_trip(url: str, scenario: Scenario) -> tuple[float, float]:
    engine = make_engine(url)
    upgrade(engine)

    def store() -> None:
        with session_scope(engine) as session:
            import_scenario(session, scenario, replace=True)

    def read_back() -> None:
        with session_scope(engine) as session:
            assert export_scenario(session, scenario.name) == scenario

    store_seconds = median_seconds(store)
    export_seconds = median_seconds(read_back)
    engine.dispose()
    return store_seconds, export_seconds


def main() -> None:
    postgres_url = os.environ.get("MOBILIZE_TEST_POSTGRES_URL")
    print(
        "| units | YAML size | parse + validate | import SQLite | export SQLite |"
        + (" import PostgreSQL | export PostgreSQL |" if postgres_url else "")
    )
    print("|---:|---:|---:|---:|---:|" + ("---:|---:|" if postgres_url else ""))
    for size in SIZES:
        scenario = generate_scenario(GeneratorSettings(units=size, locations=40, days=90, seed=1))
        text = dump_scenario(scenario)
        parse = median_seconds(lambda text=text: parse_scenario(text))  # type: ignore[misc]
        with tempfile.TemporaryDirectory() as directory:
            sqlite = database_round_trip(f"sqlite:///{Path(directory) / 'bench.db'}", scenario)
        row = f"| {size:,} | {len(text) / 1e6:.1f} MB | {parse:.2f} s |"
        row += f" {sqlite[0]:.2f} s | {sqlite[1]:.2f} s |"
        if postgres_url:
            postgres = database_round_trip(postgres_url, scenario)
            row += f" {postgres[0]:.2f} s | {postgres[1]:.2f} s |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
