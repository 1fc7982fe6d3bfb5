"""CLI commands for the request workflow's server side: users, tokens, the audit trail, the
demo data and the API server. Registered on the main `mobilize` command (`mobilize.cli`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from mobilize.audit.cli import audit_app
from mobilize.auth.accounts import disable_user, enable_user, end_sessions, reset_password
from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token, revoke_tokens
from mobilize.cli_support import open_engine, signing_key, stderr, stdout
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput, MobilizeError
from mobilize.operations.plan_run import plan_operation
from mobilize.operations.plans import adopt_plan, adopted_plan, store_plan
from mobilize.operations.service import get_operation
from mobilize.passes.service import PassRequest
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest
from mobilize.planning.solve import SolverConfig
from mobilize.requests.demo import check_in_as_planned, demo_loaded, demo_users, load_demo
from mobilize.requests.package import set_rate
from mobilize.scenario.loader import load_scenario
from mobilize.scenario.schemas import Scenario

REFERENCE_SCENARIO = Path("scenarios/border-2018.yaml")
COMPONENTS = ("active", "guard", "civilian")

users_app = typer.Typer(help="Users and their roles per agency.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (shown once, stored as hashes).", no_args_is_help=True)
demo_app = typer.Typer(help="The reference exchange as data.", no_args_is_help=True)


def _grants(roles: list[str], agency: str) -> list[tuple[Role, str]]:
    """`approver` (in the user's agency) or `approver@DoD` (in another) -> (role, agency)."""
    grants = []
    for text in roles:
        name, _, where = text.partition("@")
        try:
            grants.append((Role(name), where or agency))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise InvalidInput(f"--role {text!r}: no role {name!r}; roles: {known}") from None
    return grants


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Sign-in name, e.g. doj.liaison.")],
    agency: Annotated[str, typer.Option(help="The user's agency path, e.g. DOJ or DoD/Army.")],
    role: Annotated[
        list[str],
        typer.Option(
            help="requester, responder, approver, planner, viewer or admin; "
            "ROLE@AGENCY for another agency. Repeat for several."
        ),
    ],
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    password: Annotated[
        bool, typer.Option("--password", help="Ask for a password (for web sign-in).")
    ] = False,
) -> None:
    """Add a user of an agency with roles; the agencies are created when missing."""
    secret = (
        typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    )
    grants = _grants(role, agency)
    with session_scope(open_engine()) as session:
        add_user(session, signing_key(), username, agency, grants, name, secret)
    stderr.print(f"added {username} of {agency}: " + ", ".join(f"{r.value}@{a}" for r, a in grants))


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable a user: no sign-in, no token; every web session and token ended at once."""
    with session_scope(open_engine()) as session:
        ended = disable_user(session, signing_key(), username)
    stderr.print(f"disabled {username}: {_ended(ended)}")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Let a disabled user sign in again (tokens revoked stay revoked)."""
    with session_scope(open_engine()) as session:
        enable_user(session, signing_key(), username)
    stderr.print(f"enabled {username}")


@users_app.command("reset-password")
def users_reset_password(
    username: str,
    ask: Annotated[
        bool, typer.Option("--ask", help="Type the new password instead of a random one.")
    ] = False,
) -> None:
    """Give a user a new password (random and printed once, unless --ask); every web session
    and token of theirs is ended."""
    chosen = typer.prompt("password", hide_input=True, confirmation_prompt=True) if ask else None
    with session_scope(open_engine()) as session:
        password = reset_password(session, signing_key(), username, chosen)
    if chosen is None:
        stdout.print(password, markup=False)
    stderr.print(f"new password for {username}; every session and token of theirs ended")


@users_app.command("sessions-end")
def users_sessions_end(username: str) -> None:
    """End every web session and revoke every token of a user, now."""
    with session_scope(open_engine()) as session:
        ended = end_sessions(session, signing_key(), username)
    stderr.print(f"{username}: {_ended(ended)}")


def _ended(ended: dict[str, int]) -> str:
    sessions, tokens = ended["sessions_ended"], ended["tokens_revoked"]
    return f"{sessions} web session(s) ended, {tokens} token(s) revoked"


@tokens_app.command("create")
def tokens_create(
    username: str, name: Annotated[str, typer.Option(help="What the token is for.")] = "api"
) -> None:
    """Create an API token and print it once; only its hash is kept."""
    with session_scope(open_engine()) as session:
        token = create_token(session, signing_key(), username, name)
    stdout.print(token, markup=False)
    stderr.print("keep it now: it is not shown again (send it as `Authorization: Bearer ...`)")


@tokens_app.command("revoke")
def tokens_revoke(username: str) -> None:
    """Revoke every token of a user; their web sessions end too."""
    with session_scope(open_engine()) as session:
        count = revoke_tokens(session, signing_key(), username)
    stderr.print(f"revoked {count} token(s) of {username}; their web sessions ended")


@demo_app.command("load")
def demo_load(
    scenario: Annotated[Path, typer.Option(help="The reference scenario.")] = REFERENCE_SCENARIO,
) -> None:
    """Load the reference operation, demo users of each agency and the 2018 requests, each
    step done through the service layer by a user of the right agency."""
    with session_scope(open_engine()) as session:
        if demo_loaded(session):
            raise MobilizeError("the database already holds requests; use an empty database")
    _load_and_show(load_scenario(scenario))


def _load_and_show(scenario: Scenario) -> None:
    passwords = {user.username: secrets.token_urlsafe(9) for user in demo_users()}
    with session_scope(open_engine()) as session:
        numbers = load_demo(session, signing_key(), scenario, passwords)
    table = Table(
        "user",
        "agency",
        "roles",
        "password",
        title="demo users: passwords shown this once (tokens: `mobilize tokens create`)",
    )
    for user in demo_users():
        roles = ", ".join(r.value for r in user.roles)
        table.add_row(user.username, user.agency, roles, passwords[user.username])
    stdout.print(table)
    stdout.print(f"loaded {scenario.name} and requests {', '.join(numbers)}")


@demo_app.command("run")
def demo_run(
    scenario: Annotated[Path, typer.Option(help="The reference scenario.")] = REFERENCE_SCENARIO,
    time_limit: Annotated[float, typer.Option(min=1, help="Seconds for the plan.")] = 20.0,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve_it: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve at the end.")] = True,
) -> None:
    """What `make run` ends with: the demo loaded into an empty database (passwords printed
    once), the operation planned and the plan adopted when none is, then the application
    served. A database already loaded is kept as it is."""
    with session_scope(open_engine()) as session:
        loaded = demo_loaded(session)
    if loaded:
        stderr.print(
            "the demo is loaded already (its passwords were shown then; start afresh "
            "by removing mobilize.db)"
        )
    else:
        _load_and_show(load_scenario(scenario))
    _plan_and_adopt(time_limit)
    if serve_it:
        stderr.print(f"serving at http://{host}:{port} (sign in as a demo user; Ctrl-C stops)")
        serve(host=host, port=port, workers=1)


def _plan_and_adopt(time_limit: float) -> None:
    engine = open_engine()
    with session_scope(engine) as session:
        operation = get_operation(session)
        if adopted_plan(session, operation) is not None:
            return
    stderr.print(f"planning {operation.name} (up to {time_limit:g} s)")
    key = signing_key()

    # Made and adopted as the joint task force's planner, as every demo step is done by the
    # user whose job it is: the plans page then says who, not "system".
    planner = "army.planner"

    def store_and_adopt(session: Session, scenario: Scenario, document: PlanDocument) -> str:
        number = store_plan(session, key, scenario, document, planner).number
        operation = get_operation(session, scenario.name)
        orders = adopt_plan(session, key, operation, number, planner)
        arrived = check_in_as_planned(session, key)
        return f"plan {number} adopted: {len(orders)} orders; {arrived} units checked in"

    request = PlanRequest(config=SolverConfig(time_limit=time_limit))
    run = plan_operation(engine, operation.name, request, PassRequest(), store_and_adopt)
    stderr.print(run.stored)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the web application and the JSON API (OpenAPI at /openapi.json)."""
    import uvicorn

    # Checked (and made, on an empty database) here, before any worker process starts: an
    # unreachable database is one line and exit 1, not a traceback from each worker.
    open_engine().dispose()
    uvicorn.run("mobilize.server:serving_app", factory=True, host=host, port=port, workers=workers)


rates_app = typer.Typer(help="An operation's rate table (the decision package's costs).")


@rates_app.command("set")
def rates_set(
    operation: Annotated[str, typer.Argument(help="Operation name.")],
    component: Annotated[str, typer.Option(help="active, guard or civilian.")],
    daily: Annotated[float, typer.Option(min=0, help="Cost of one person for one day.")],
    per_km: Annotated[float, typer.Option(min=0, help="Moving one person one kilometre.")],
) -> None:
    """Set what a person-day and a person-km cost for one component of an operation."""
    if component not in COMPONENTS:
        raise InvalidInput(f"--component {component!r}: use {', '.join(COMPONENTS)}")
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        set_rate(session, signing_key(), found, component, daily, per_km)
    stderr.print(f"{operation}: {component} costs {daily:,.2f} a day and {per_km:,.2f} a km")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")
    app.add_typer(demo_app, name="demo")
    app.add_typer(rates_app, name="rates")
    app.command()(serve)
