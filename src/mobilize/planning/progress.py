"""A live line on stderr while CP-SAT works: level, elapsed time, objective, bound, gap."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

from mobilize.planning.solve import Progress


class SolveProgress:
    """Context manager; pass `update` to the solver as its progress listener."""

    def __init__(self, console: Console) -> None:
        self._display = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._display.add_task("building the model", total=None)

    def __enter__(self) -> SolveProgress:
        self._display.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._display.stop()

    def update(self, progress: Progress) -> None:
        text = f"{progress.level}: "
        if progress.objective is None or progress.bound is None:
            text += "searching"
        else:
            gap = (progress.objective - progress.bound) / max(1.0, abs(progress.objective))
            text += (
                f"objective {progress.objective:,.0f}  bound {progress.bound:,.0f}  gap {gap:.2%}"
            )
        self._display.update(self._task, description=text)
