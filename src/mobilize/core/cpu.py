"""How much of the CPU a worker's solves may take from the servers on the same machine.

A solve keeps cores busy for its whole run (a repeatable plan on one CP-SAT thread, its
holiday passes on 8); a request needs a core for a few milliseconds now and then. Where
`mobilize worker` shares a machine with `mobilize serve`, the worker runs at a lower priority,
so that a request that wakes up gets a core at once and the solve takes what the requests
leave:

- `idle` (the default): Linux's SCHED_IDLE policy. A thread of normal priority that wakes up
  always preempts an idle-policy thread on its core (the scheduler's rule, not a weight), so a
  request waits for no solver thread. Idle-policy threads still get a small share of a core
  that normal threads keep busy (they are not starved), and the whole core when it is free:
  on a machine of its own the worker solves as fast as before. Elsewhere: nice 19.
- `low`: nice 10, a smaller share when both want the CPU; a request may still wait for a
  solver thread's time slice to end.
- `normal`: as the process was started (a machine of the worker's own, or measuring).

The policy and the nice value belong to a thread on Linux and are inherited by the threads it
starts: `lower_priority` sets them on every thread the process has so far (an imported library
may have started one), and is called before the worker starts its own. Servers never call it:
they keep their normal priority.
"""

from __future__ import annotations

import contextlib
import os

CPU_PRIORITIES = ("idle", "low", "normal")
LOW_NICE = 10
IDLE_NICE = 19  # where SCHED_IDLE is not available


def lower_priority(priority: str) -> str:
    """Lower the calling thread's priority (and so that of the threads it starts from now on)
    to `priority`, one of `CPU_PRIORITIES`; what was set, in words."""
    if priority not in CPU_PRIORITIES:
        raise ValueError(f"CPU priority {priority!r}: one of {', '.join(CPU_PRIORITIES)}")
    if priority == "normal":
        return "normal priority"
    if priority == "idle" and _set_idle_policy():
        return "SCHED_IDLE"
    nice = LOW_NICE if priority == "low" else IDLE_NICE
    for thread in _threads():
        with contextlib.suppress(ProcessLookupError):  # a thread that has just ended
            current = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, max(nice, current))
    return f"nice {os.getpriority(os.PRIO_PROCESS, 0)}"


def _threads() -> list[int]:
    """This process's threads (Linux), or the calling one (0) where they cannot be listed."""
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def _set_idle_policy() -> bool:
    setter = getattr(os, "sched_setscheduler", None)
    policy = getattr(os, "SCHED_IDLE", None)
    if setter is None or policy is None:
        return False
    try:
        for thread in _threads():
            with contextlib.suppress(ProcessLookupError):  # a thread that has just ended
                setter(thread, policy, os.sched_param(0))
    except OSError:  # refused (a container's seccomp profile, say): fall back to nice
        return False
    return True
