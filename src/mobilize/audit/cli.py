"""`mobilize audit`: seal, verify, prove a record's inclusion, check a proof, the public key."""

from __future__ import annotations

import json
from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer

from mobilize.audit.heads import public_key_pem, read_public_key
from mobilize.audit.proofs import check_inclusion_proof, inclusion_proof
from mobilize.audit.sealer import seal_now
from mobilize.audit.service import verify_trail
from mobilize.cli_support import audit_witness, open_engine, signing_key, stderr, stdout
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput, LogRolledBack, MobilizeError

audit_app = typer.Typer(help="The audit log: signed heads, proofs.", no_args_is_help=True)


@audit_app.command("seal")
def audit_seal() -> None:
    """Put the records appended since the last seal into the tree and sign its head (the
    server does this every few seconds); the witness file remembers the head."""
    head = seal_now(open_engine(), signing_key(), audit_witness())
    stdout.print(f"sealed: {head.describe()}" if head else "nothing to seal")


@audit_app.command("verify")
def audit_verify() -> None:
    """Seal what is pending, then check every record, the tree, every signed head and the
    witness's latest head; exit 1 naming the first problem (a rollback first)."""
    engine, key, witness = open_engine(), signing_key(), audit_witness()
    with suppress(LogRolledBack):  # named below, with the records missing since which head
        seal_now(engine, key, witness)
    with session_scope(engine) as session:
        report = verify_trail(session, key, witness)
    if not report.intact:
        raise MobilizeError(
            f"audit log broken ({report.records} record(s)): " + "; ".join(report.problems)
        )
    stdout.print(
        f"audit log intact: {report.records} record(s), {report.sealed} sealed under a signed "
        "head the witness's latest head is consistent with"
    )


@audit_app.command("prove")
def audit_prove(
    record_id: Annotated[int, typer.Argument(help="The audit record's id.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
) -> None:
    """Print the proof that a record is in the signed tree (sealing first if need be); check
    it with `mobilize audit check-proof FILE --public-key KEY.pem`."""
    engine = open_engine()
    seal_now(engine, signing_key(), audit_witness())
    with session_scope(engine) as session:
        proof = inclusion_proof(session, record_id)
    text = json.dumps(proof, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output is None:
        stdout.print(text, markup=False, end="")
    else:
        output.write_text(text)


@audit_app.command("public-key")
def audit_public_key(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
) -> None:
    """The public half of the signing key (PEM): all a third party needs to check proofs."""
    pem = public_key_pem(signing_key())
    if output is None:
        stdout.print(pem, markup=False, end="")
    else:
        output.write_text(pem)


@audit_app.command("check-proof")
def audit_check_proof(
    proof_file: Annotated[Path, typer.Argument(help="A proof from `mobilize audit prove`.")],
    public_key: Annotated[Path, typer.Option(help="The log's public key (PEM).")],
) -> None:
    """Check an inclusion proof with the public key only (no database, no secret key)."""
    try:
        proof = json.loads(proof_file.read_text())
        key = read_public_key(public_key.read_bytes())
    except (OSError, ValueError) as error:
        raise InvalidInput(f"cannot read the proof or the key: {error}") from None
    problem = check_inclusion_proof(proof, key)
    if problem is not None:
        raise MobilizeError(f"the proof does not hold: {problem}")
    head = proof["tree_head"]
    stderr.print(
        f"record #{proof['record']['id']} is leaf {proof['leaf_index']} of the tree of "
        f"{head['tree_size']} records signed {head['issued_at']}: the proof holds"
    )
