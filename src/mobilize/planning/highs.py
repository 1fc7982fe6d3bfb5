"""The one HiGHS set-up every LP bound uses: quiet, one thread, a safety stop.

HiGHS prints its banner to standard output when the first solver of a process is made,
whatever its options; `mobilize plan -f json` must write nothing but the plan there, so that
first construction happens with standard output sent to the null device.
"""

from __future__ import annotations

import functools
import os
import sys

import highspy


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
