"""The packages' layers: the domains' services below, the JSON API (`api`) and the pages (`web`)
side by side over them, what both share in `edge`, and `server` putting them together.

The graph is read from the source with `ast`, imports inside functions included: an import
moved into a function only defers a cycle, it does not remove it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mobilize

SOURCE = Path(mobilize.__file__).parent
FRONT_ENDS = {"api", "web", "edge"}
# Allowed to import the front ends: the composition root and the command line.
ABOVE_FRONT_ENDS = {"server", "cli", "__main__"}


def package_of(path: Path) -> str:
    """`mobilize/jobs/service.py` -> `jobs`; a top-level module is a package of its own."""
    parts = path.relative_to(SOURCE).parts
    return parts[0] if len(parts) > 1 else path.stem


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name.split(".")[1] for name in names if name.startswith("mobilize.")}
    return found


def import_graph() -> dict[str, set[str]]:
    """Package -> the other packages of `mobilize` it imports."""
    graph: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        package = package_of(path)
        graph.setdefault(package, set()).update(imported_packages(path) - {package})
    return graph


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, waiting = set(), list(graph.get(start, ()))
    while waiting:
        package = waiting.pop()
        if package == goal:
            return True
        if package not in seen:
            seen.add(package)
            waiting.extend(graph.get(package, ()))
    return False


def test_the_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    assert {"requests", "operations", "jobs"} <= graph["api"]
    assert {"requests", "operations", "jobs", "edge"} <= graph["web"]
    assert "operations" in graph["jobs"]


def test_no_domain_imports_a_front_end() -> None:
    graph = import_graph()
    offending = {
        package: sorted(imports & (FRONT_ENDS | ABOVE_FRONT_ENDS))
        for package, imports in graph.items()
        if package not in FRONT_ENDS | ABOVE_FRONT_ENDS
        and imports & (FRONT_ENDS | ABOVE_FRONT_ENDS)
    }
    assert offending == {}


def test_api_and_web_are_siblings() -> None:
    graph = import_graph()
    assert "web" not in graph["api"]
    assert "api" not in graph["web"]


def test_no_import_cycle_runs_through_api_web_or_edge() -> None:
    graph = import_graph()
    assert [package for package in sorted(FRONT_ENDS) if reaches(graph, package, package)] == []


def test_reaches_finds_a_cycle() -> None:
    assert reaches({"api": {"jobs"}, "jobs": {"operations"}, "operations": {"api"}}, "api", "api")
    assert not reaches({"api": {"jobs"}, "jobs": {"operations"}}, "api", "api")
