"""A worker's priority: lowered for every thread it has and will have, never raised. Each case
runs in a process of its own, as a lowered priority cannot be raised again."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mobilize.core.cpu import lower_priority

# A thread started before the call, the call, then a thread started after it; each thread's
# policy and nice value as the kernel reports them.
PROBE = """
import os, sys, threading
from mobilize.core.cpu import lower_priority

def report(name):
    print(name, os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0), flush=True)

before_go = threading.Event()
def before():
    before_go.wait()
    report("before")
early = threading.Thread(target=before)
early.start()
print("set", lower_priority(sys.argv[1]), flush=True)
before_go.set()
early.join()
later = threading.Thread(target=report, args=("after",))
later.start()
later.join()
report("main")
"""


def probe(priority: str) -> dict[str, list[str]]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, priority], capture_output=True, text=True, check=True
    )
    return {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines()}


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_idle_puts_every_thread_on_the_idle_policy() -> None:
    seen = probe("idle")
    assert seen["set"] == ["SCHED_IDLE"]
    for thread in ("before", "after", "main"):
        assert int(seen[thread][0]) == os.SCHED_IDLE, thread


def test_low_sets_nice_10_on_every_thread() -> None:
    seen = probe("low")
    expected = max(10, os.getpriority(os.PRIO_PROCESS, 0))  # never raised
    assert seen["set"] == ["nice", str(expected)]
    for thread in ("before", "after", "main"):
        assert int(seen[thread][1]) == expected, thread


def test_normal_changes_nothing() -> None:
    seen = probe("normal")
    assert seen["set"] == ["normal", "priority"]
    assert int(seen["main"][1]) == os.getpriority(os.PRIO_PROCESS, 0)


def test_an_unknown_priority_is_refused() -> None:
    with pytest.raises(ValueError, match="one of idle, low, normal"):
        lower_priority("high")
