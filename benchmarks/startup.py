"""Two `mobilize serve` processes started at the same moment on an empty PostgreSQL database,
RUNS times, each time on a fresh database (dropped afterwards): how many runs both servers
came up answering /ready with no traceback, and how long the slower one took.

    .venv/bin/python benchmarks/startup.py [postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mobilize.core.db import make_engine

RUNS = 10
SERVERS = 2
READY_WITHIN = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(url: str, log: Path, witness: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = os.environ | {
        "MOBILIZE_DATABASE_URL": url,
        "MOBILIZE_AUDIT_KEY": "bench",
        # The run's own witness: the default one, beside a key file, remembers heads of
        # earlier runs' databases, and the sealer (rightly) refuses to seal a fresh one.
        "MOBILIZE_AUDIT_WITNESS_FILE": str(witness),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "mobilize", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, port


def ready(process: subprocess.Popen[bytes], port: int, began: float) -> float | None:
    """Seconds from the start until /ready answered 200; None if the process died first."""
    while time.monotonic() - began < READY_WITHIN:
        if process.poll() is not None:
            return None
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return time.monotonic() - began
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return None


def one_run(admin_url: str, folder: Path) -> float | None:
    name = f"mobilize_startup_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    logs = [folder / f"{name}-{n}.log" for n in range(SERVERS)]
    began = time.monotonic()
    started = [start(url, log, folder / f"{name}.witness") for log in logs]
    try:
        times = [ready(process, port, began) for process, port in started]
    finally:
        for process, _ in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    failed = [
        (n, log.read_text(errors="replace"))
        for n, (t, log) in enumerate(zip(times, logs, strict=True))
        if t is None or "Traceback" in log.read_text(errors="replace")
    ]
    for n, text_of_log in failed:  # why, so that a failure can be understood afterwards
        print(f"server {n}: exit {started[n][0].returncode}, ready {times[n] is not None}")
        print("\n".join(f"    {line}" for line in text_of_log.splitlines()[-15:]))
    return max(t for t in times if t is not None) if not failed else None


def main() -> None:
    admin_url = (
        sys.argv[1]
        if len(sys.argv) > 1
        else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    with tempfile.TemporaryDirectory() as folder:
        results = [one_run(admin_url, Path(folder)) for _ in range(RUNS)]
    clean = [t for t in results if t is not None]
    print(f"{len(clean)} of {RUNS} runs: {SERVERS} servers started cleanly on an empty database")
    if clean:
        median, longest = statistics.median(clean), max(clean)
        print(f"slower server ready after {median:.1f} s median, {longest:.1f} s max")


if __name__ == "__main__":
    main()
