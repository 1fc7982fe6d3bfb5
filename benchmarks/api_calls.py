"""What each call of the load mix costs the API process: CPU milliseconds and SQL statements.

The load benchmark (`benchmarks/load.py`) says how fast the crowd is served; this says why,
call by call, without the noise of 24 clients on 2 cores: the app in this process (FastAPI's
TestClient), on a fresh PostgreSQL database holding the demo exchange (dropped afterwards),
each call of `benchmarks/load_mix.py` made ROUNDS times in turn. CPU is this process's (the
client's share included, the same for every call); statements are counted at the driver.
Prints a Markdown table and the mix-weighted CPU per request (the mix's 35/20/45 weights).

    .venv/bin/python benchmarks/api_calls.py [--rounds 40] [--trace CALL]

`--trace CALL` (a name of the table, e.g. `submit`) prints the statements of that call's first
measured round instead of timing it: where its round trips go.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

from mobilize.core.db import make_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ADMIN_URL, KEY, OPERATION, prepare
from load import LINE as LOAD_LINE

LINE = LOAD_LINE.model_dump(mode="json")  # the line the load benchmark files
# Share of all requests in the load mix: reads 35 (me 30%, list 30%, one request 25%, tasks
# 15%), racing acknowledgements 20, whole workflows 45 (four calls each).
MIX = {
    "GET /api/me": 0.35 * 0.30,
    "GET /api/requests": 0.35 * 0.30,
    "GET /api/requests/{n}": 0.35 * 0.25,
    "GET /api/operations/{o}/tasks": 0.35 * 0.15,
    "ack (race)": 0.20,
    "file": 0.45,
    "submit": 0.45,
    "offer": 0.45,
    "sign": 0.45,
}


class Meter:
    """CPU and statements per call name."""

    def __init__(self, trace: str = "") -> None:
        self.trace = trace
        self.reset()
        event.listen(Engine, "before_cursor_execute", self._count)

    def reset(self) -> None:
        self.cpu: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        self.current = ""

    def _count(self, _connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements[self.current] += 1
        if self.trace and self.current == self.trace and self.calls[self.current] == 0:
            print(f"-- {' '.join(statement.split())[:300]}")

    @contextmanager
    def call(self, name: str) -> Iterator[None]:
        self.current = name
        began = time.process_time()
        yield
        self.cpu[name] += time.process_time() - began
        self.calls[name] += 1
        self.current = ""


def one_round(client: Any, meter: Meter, tokens: dict[str, str], raced: list[str]) -> None:
    def call(name: str, method: str, path: str, role: str, **options: Any) -> Any:
        headers = {"Authorization": f"Bearer {tokens[role]}", **options.pop("headers", {})}
        with meter.call(name):
            return client.request(method, path, headers=headers, **options)

    number, stale = raced
    call("GET /api/me", "GET", "/api/me", "requester")
    call("GET /api/requests", "GET", "/api/requests?limit=20", "requester")
    call("GET /api/requests/{n}", "GET", f"/api/requests/{number}", "responder")
    call("GET /api/operations/{o}/tasks", "GET", f"/api/operations/{OPERATION}/tasks", "requester")
    ack = {"answers": [{"line": 1, "offer": "acknowledge"}]}
    path = f"/api/requests/{number}/responses"
    call("ack (race)", "POST", path, "responder", json=ack, headers={"If-Match": stale})
    draft = {"title": "Load", "justification": "load", "lines": [LINE]}
    filed = call("file", "POST", "/api/requests", "requester", json=draft,
                 headers={"Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
    assert filed.status_code == 201, filed.text
    number, etag = filed.json()["number"], filed.headers["ETag"]
    submitted = call("submit", "POST", f"/api/requests/{number}/submit", "requester",
                     headers={"If-Match": etag})  # fmt: skip
    offer = {"answers": [{"line": 1, "offer": "all"}]}
    offered = call("offer", "POST", f"/api/requests/{number}/responses", "responder", json=offer,
                   headers={"If-Match": submitted.headers["ETag"]})  # fmt: skip
    shown = offered.json()
    criteria = {name: {"judgement": "satisfied", "note": "load"}
                for name in shown["lines"][0]["criteria"]}  # fmt: skip
    decision = {"version_sha256": shown["version_sha256"], "decision": "approve",
                "criteria": criteria}  # fmt: skip
    signed = call("sign", "POST", f"/api/requests/{number}/decisions", "approver", json=decision,
                  headers={"If-Match": offered.headers["ETag"]})  # fmt: skip
    assert signed.status_code == 200, signed.text


def report(meter: Meter) -> None:
    print("| call | CPU ms | statements |")
    print("|---|---:|---:|")
    for name in MIX:
        calls = meter.calls[name]
        print(f"| {name} | {meter.cpu[name] * 1000 / calls:.1f} | "
              f"{meter.statements[name] / calls:.1f} |")  # fmt: skip
    weighted = sum(meter.cpu[name] / meter.calls[name] * share for name, share in MIX.items())
    print(f"\nmix-weighted: {weighted / sum(MIX.values()) * 1000:.1f} ms CPU per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--trace", default="", help="print this call's statements once")
    args = parser.parse_args()
    database = f"mobilize_calls_{uuid.uuid4().hex[:10]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            os.environ |= {
                "MOBILIZE_DATABASE_URL": url,
                "MOBILIZE_AUDIT_KEY": KEY,
                "MOBILIZE_AUDIT_WITNESS_FILE": str(Path(scratch) / "audit.witness"),
            }
            tokens, raced = prepare(url, args.rounds)
            measure(tokens, raced, args.rounds, args.trace)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def measure(tokens: dict[str, str], raced: list[list[str]], rounds: int, trace: str) -> None:
    from fastapi.testclient import TestClient

    from mobilize.server import create_app

    meter = Meter()
    with TestClient(create_app(run_jobs=False)) as client:
        one_round(client, meter, tokens, raced[0])  # warm-up: imports, statement caches
        meter.reset()
        meter.trace = trace
        for index in range(rounds):
            one_round(client, meter, tokens, raced[index % len(raced)])
    report(meter)


if __name__ == "__main__":
    main()
