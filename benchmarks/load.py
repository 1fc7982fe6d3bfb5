"""The API under a crowd: `mobilize serve --workers 2` on PostgreSQL, driven by Locust.

On a fresh PostgreSQL database (dropped afterwards) holding the demo exchange: CLIENTS Locust
clients for SECONDS, closed loop, against 2 API processes on loopback, with the mix of
`benchmarks/load_mix.py` (35% reads, 20% acknowledgements racing with stale ETags, 45% whole
workflows: file with an Idempotency-Key -> submit -> offer -> sign with If-Match). Reports
requests/s, p50/p95/p99 per operation and the statuses; then a flood of bad tokens beside a
run of normal filings (their median with and without the flood); then the integrity checks:
request numbers gapless, each request's revision equal to its successful writes in the audit
trail, `mobilize audit verify` intact.

    .venv/bin/python benchmarks/load.py [--clients 24] [--seconds 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from mobilize.audit.models import AuditRecord
from mobilize.auth.service import actor_named, create_token
from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.edge.context import etag
from mobilize.requests import schemas
from mobilize.requests.demo import load_demo
from mobilize.requests.models import SupportRequest
from mobilize.requests.service import Change, create_request, submit_request
from mobilize.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KEY = "load-audit-key"
ROLES = {"requester": "dhs.requester", "responder": "doj.responder", "approver": "doj.approver"}
OPERATION = "Border support 2018"
ATTACKER = "127.0.0.2"
LINE = schemas.LineDraft(
    capability="LEO",
    component="civilian",
    personnel=5,
    location="SDC",
    starts_on=date(2018, 12, 5),
    ends_on=date(2018, 12, 20),
    supporting_agency="DOJ",
)
sys.path.insert(0, str(ROOT))
from tests.processes import Server  # noqa: E402


def prepare(url: str, race: int) -> tuple[dict[str, str], list[list[str]]]:
    """The demo loaded; the three users' tokens; `race` submitted requests and their ETags."""
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_demo(session, KEY.encode(), load_scenario(ROOT / "scenarios" / "border-2018.yaml"))
        tokens = {role: create_token(session, KEY.encode(), name) for role, name in ROLES.items()}
    pool = []
    with session_scope(engine) as session:
        requester = actor_named(session, ROLES["requester"])
        for index in range(race):
            draft = schemas.RequestDraft(title=f"race {index}", justification="j", lines=[LINE])
            made = create_request(session, KEY.encode(), requester, draft)
            made = submit_request(session, KEY.encode(), requester, Change(made.number, 1))
            pool.append([made.number, etag(made.revision)])
    engine.dispose()
    return tokens, pool


def cpu_ticks() -> tuple[int, int]:
    """The machine's busy (user, nice, system, interrupts) and stolen clock ticks so far: a
    virtual machine's host may take a share of its cores while it is busy (steal)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq, steal


def report_machine(before: tuple[int, int], began: float, requests: int) -> None:
    """What the crowd cost the whole machine (servers, PostgreSQL and Locust alike) per
    request, in CPU time; that does not move with what the host takes, which requests/s do."""
    busy, steal = (now - then for now, then in zip(cpu_ticks(), before, strict=True))
    ticks = os.sysconf("SC_CLK_TCK")
    wall = time.monotonic() - began
    stolen = steal / ticks / (wall * (os.cpu_count() or 1))
    print(
        f"machine: {busy / ticks * 1000 / max(requests, 1):.1f} ms of CPU per request "
        f"(servers, PostgreSQL and Locust), {stolen:.0%} of the cores stolen by the host"
    )


def run_locust(base: str, args: argparse.Namespace, env: dict[str, str], folder: Path) -> None:
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "load_mix.py"),
        "--headless", "--users", str(args.clients), "--spawn-rate", str(args.clients),
        "--run-time", f"{args.seconds}s", "--host", base, "--csv", str(folder / "stats"),
        "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
    ]  # fmt: skip
    subprocess.run(command, env=os.environ | env, check=False, stdout=subprocess.DEVNULL)


def report_locust(folder: Path, statuses: dict[str, int]) -> None:
    rows = list(csv.DictReader((folder / "stats_stats.csv").open()))
    print(
        f"{'operation':<32}{'requests':>9}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'failed':>7}"
    )
    for row in rows:
        name = "all" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"{name:<32}{row['Request Count']:>9}{float(row['Requests/s']):>8.1f}"
            f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}{row['Failure Count']:>7}"
        )
    print("statuses:", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))


def filing_times(base: str, token: str, count: int) -> list[float]:
    draft = schemas.RequestDraft(title="timed filing", justification="j", lines=[LINE])
    body = draft.model_dump(mode="json")
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            answer = client.post(
                "/api/requests", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            times.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text
    return times


def flood(base: str, total: int, seconds: float, statuses: Counter[str]) -> None:
    """`total` requests with tokens nobody issued, spread evenly over `seconds`."""
    started = time.monotonic()
    # From another loopback address than the users': the server limits failures per source.
    transport = httpx.HTTPTransport(local_address=ATTACKER)
    with httpx.Client(base_url=base, timeout=10, transport=transport) as client:
        for index in range(total):
            pause = started + index * seconds / total - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                answer = client.get("/api/me", headers={"Authorization": f"Bearer bad-{index}"})
                statuses[str(answer.status_code)] += 1
            except httpx.TransportError as error:
                statuses[type(error).__name__] += 1


def bad_token_study(base: str, token: str, args: argparse.Namespace) -> None:
    quiet = statistics.median(filing_times(base, token, args.filings))
    statuses: Counter[str] = Counter()
    flooders = [
        threading.Thread(target=flood, args=(base, args.flood // 4, args.flood_seconds, statuses))
        for _ in range(4)
    ]
    for thread in flooders:
        thread.start()
    time.sleep(1)
    during = statistics.median(filing_times(base, token, args.filings))
    for thread in flooders:
        thread.join()
    print(
        f"bad tokens: {sum(statuses.values())} in {args.flood_seconds:g} s "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}); "
        f"filing median {quiet * 1000:.0f} ms quiet, {during * 1000:.0f} ms during "
        f"({during / quiet - 1:+.0%})"
    )


def _ordinals_by_year(numbers: Sequence[str]) -> dict[str, list[int]]:
    """RFA-2018-0003 -> {"RFA-2018": [3]}: numbers are counted per year."""
    by_year: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        prefix, ordinal = number.rsplit("-", 1)
        by_year[prefix].append(int(ordinal))
    return by_year


def _gapless(ordinals: list[int]) -> bool:
    return sorted(ordinals) == list(range(1, len(ordinals) + 1))


def integrity(url: str, env: dict[str, str]) -> bool:
    engine = make_engine(url)
    with session_scope(engine) as session:
        numbers = session.scalars(select(SupportRequest.number)).all()
        gapless = all(_gapless(ordinals) for ordinals in _ordinals_by_year(numbers).values())
        writes = dict(
            session.execute(
                select(AuditRecord.object_id, func.count())
                .where(AuditRecord.object_type == "request", AuditRecord.outcome == "ok")
                .group_by(AuditRecord.object_id)
            ).all()
        )
        revisions = dict(
            session.execute(select(SupportRequest.number, SupportRequest.revision)).all()
        )
    engine.dispose()
    off = {number: (revision, writes.get(number, 0)) for number, revision in revisions.items()}
    off = {number: pair for number, pair in off.items() if pair[0] != pair[1]}
    verified = subprocess.run(
        [sys.executable, "-m", "mobilize", "audit", "verify"],
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=False,
    )
    print(f"integrity: {len(numbers)} requests, numbers gapless: {gapless}")
    print(f"integrity: revisions = successful writes: {not off} ({len(off)} differ)")
    said = (verified.stdout + verified.stderr).strip()
    print(f"integrity: audit verify exit {verified.returncode}: {said[:400]}")
    return gapless and not off and verified.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--race", type=int, default=300, help="submitted requests raced on")
    parser.add_argument("--flood", type=int, default=2000, help="bad-token requests")
    parser.add_argument("--flood-seconds", type=float, default=20)
    parser.add_argument("--filings", type=int, default=40, help="timed filings per median")
    args = parser.parse_args()

    database = f"mobilize_load_{uuid.uuid4().hex[:10]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)
    server = None
    try:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            # The witness of this run's log, not one left by an earlier run (which would
            # rightly call this fresh database a rollback).
            env = {
                "MOBILIZE_DATABASE_URL": url,
                "MOBILIZE_AUDIT_KEY": KEY,
                "MOBILIZE_AUDIT_WITNESS_FILE": str(folder / "audit.witness"),
            }
            tokens, pool = prepare(url, args.race)
            server = Server(env, folder / "serve.log", args.workers)
            server.wait_ready()
            base = server.base
            load_env = {
                "LOAD_TOKENS": json.dumps(tokens),
                "LOAD_RACE": json.dumps(pool),
                "LOAD_OPERATION": OPERATION,
                "LOAD_STATUSES": str(folder / "statuses.json"),
            }
            print(f"{args.clients} clients, {args.seconds} s, {args.workers} API workers, "
                  f"PostgreSQL, {os.cpu_count()} cores")  # fmt: skip
            before, began = cpu_ticks(), time.monotonic()
            run_locust(base, args, load_env, folder)
            statuses: dict[str, Any] = json.loads((folder / "statuses.json").read_text())
            report_machine(before, began, sum(statuses.values()))
            report_locust(folder, statuses)
            bad_token_study(base, tokens["requester"], args)
            ok = integrity(url, env)
            server.kill(signal.SIGTERM)
    finally:
        if server is not None:
            server.kill(signal.SIGTERM)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
