"""How fast the web pages answer with the reference operation loaded and a plan adopted.

A real server (`mobilize serve`: uvicorn, one worker, its own process) on 127.0.0.1 and a
signed-in client over a real socket; each page asked for REPEATS times after one warm-up; prints the
median and the 95th percentile per page as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.operations.plans import adopt_plan, snapshot, store_plan
from mobilize.operations.service import get_operation
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.requests.demo import demo_users, load_demo
from mobilize.scenario.loader import load_scenario

REFERENCE = Path(__file__).resolve().parents[1] / "scenarios" / "border-2018.yaml"
KEY = b"benchmark-key"
REPEATS = 100
DASHBOARD = "/operations/Border support 2018"
PAGES = (
    DASHBOARD + "?on=2018-12-20",
    "/requests",
    "/requests/new",
    "/requests/RFA-2018-0002",
    DASHBOARD + "/plans",
    DASHBOARD + "/plans/1",
    DASHBOARD + "/passes",
    DASHBOARD + "/strength?on=2018-12-24",
    "/audit?type=request&id=RFA-2018-0002",
    "/audit",  # recent activity, nothing typed
    "/requests?view=list&sort=-number",
    DASHBOARD + "/strength?on=2018-12-24&location=SDC",  # a place on the map
    DASHBOARD + "/support?on=2018-12-24",
)


def prepared_database(folder: Path) -> str:
    """The demo loaded, planned (CP-SAT, 20 s) and the plan adopted."""
    url = f"sqlite:///{folder}/pages.db"
    engine = make_engine(url)
    upgrade(engine)
    passwords = {user.username: "benchmark" for user in demo_users()}
    with session_scope(engine) as session:
        load_demo(session, KEY, load_scenario(REFERENCE), passwords)
        scenario = snapshot(session, None)
    document = make_plan(scenario, PlanRequest(config=SolverConfig(time_limit=20, workers=2)))
    with session_scope(engine) as session:
        number = store_plan(session, KEY, scenario, document).number
        adopt_plan(session, KEY, get_operation(session), number)
    engine.dispose()
    return url


def serve(url: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    """`mobilize serve` in a process of its own, as in use (a server thread in this process
    would share its interpreter lock with the client and add its switch interval to every
    answer). The audit witness is the run's own: the default one, beside a key file, remembers
    heads of earlier runs' databases and would (rightly) refuse to seal this fresh one."""
    environment = os.environ | {
        "MOBILIZE_DATABASE_URL": url,
        "MOBILIZE_AUDIT_KEY": KEY.decode(),
        "MOBILIZE_AUDIT_WITNESS_FILE": str(folder / "audit.witness"),
    }
    command = [str(Path(sys.executable).parent / "mobilize"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def signed_in(base: str) -> httpx.Client:
    """httpx sends `Secure` cookies over https only (browsers over loopback too), so the
    client carries the two cookies over by hand."""
    # As browsers do: no Nagle delay on the client's small writes.
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    client = httpx.Client(base_url=base, transport=httpx.HTTPTransport(socket_options=nodelay))
    form = client.get("/sign-in")
    _keep(client, form, "mobilize_sign_in")
    token = re.search(r'name="form_token" value="([^"]+)"', form.text)
    assert token is not None
    data = {"form_token": token.group(1), "username": "army.planner", "password": "benchmark"}
    answer = client.post("/sign-in", data=data)
    assert answer.status_code == 303, answer.text
    _keep(client, answer, "mobilize_session")
    return client


def _keep(client: httpx.Client, response: httpx.Response, name: str) -> None:
    for header in response.headers.get_list("set-cookie"):
        cookie_name, _, rest = header.partition("=")
        if cookie_name == name:
            client.cookies.set(name, rest.split(";", 1)[0])


def measure(client: httpx.Client, path: str) -> tuple[float, float]:
    client.get(path)  # warm-up
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - began)
        assert answer.status_code == 200, (path, answer.status_code)
    times.sort()
    return statistics.median(times), times[int(0.95 * len(times)) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = prepared_database(Path(folder))
        port = free_port()
        server = serve(url, port, Path(folder))
        try:
            client = signed_in(f"http://127.0.0.1:{port}")
            results = [(path, *measure(client, path)) for path in PAGES]
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"| page | median ms | p95 ms |  ({REPEATS} requests each)")
    print("|---|---:|---:|")
    for path, median, p95 in results:
        print(f"| `{path}` | {median * 1000:.1f} | {p95 * 1000:.1f} |")


if __name__ == "__main__":
    main()
