"""Real `mobilize` processes for the tests that need them (start-up races, killed workers):
each on a free loopback port, its output in a file, always ended by the test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.cluster import free_port

READY_WITHIN = 60.0  # seconds: migrations on an empty database and uvicorn's start


class Process:
    """One `mobilize ...` process; `log` holds what it printed."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as output:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "mobilize", *args],
                env=os.environ | env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a kill reaches uvicorn's children
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
        self.popen.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def thread_policies(pid: int) -> set[int]:
    """The scheduling policies of a process's threads (Linux)."""
    found = set()
    for thread in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that has just ended
            found.add(os.sched_getscheduler(int(thread)))
    return found


class Server(Process):
    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        serve = ["serve", "--port", str(self.port), "--workers", str(workers)]
        super().__init__(serve, env, log)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        """Until /ready answers 200 (bounded); fails with the server's output otherwise."""
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"server exited {self.popen.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base}/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not ready in {READY_WITHIN} s:\n{self.output()}")


@contextmanager
def servers(count: int, env: dict[str, str], folder: Path) -> Iterator[list[Server]]:
    """`count` servers started at once on the same database, ended afterwards."""
    started = [Server(env, folder / f"serve-{n}.log") for n in range(count)]
    try:
        yield started
    finally:
        for server in started:
            server.kill(signal.SIGTERM)


class Worker(Process):
    def __init__(self, env: dict[str, str], log: Path, queues: str = "plan") -> None:
        super().__init__(["worker", "--queues", queues], env, log)

    @property
    def pid(self) -> int:
        return self.popen.pid


@contextmanager
def workers(count: int, env: dict[str, str], folder: Path) -> Iterator[list[Worker]]:
    """`count` `mobilize worker` processes, ended afterwards."""
    started = [Worker(env, folder / f"worker-{n}.log") for n in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            worker.kill(signal.SIGTERM)
