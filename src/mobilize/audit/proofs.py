"""Inclusion proofs a third party checks with the public key alone.

A proof is a JSON document: the record's fields (its entry), its leaf index, the signed tree
head it is proved against (size, root hash, time, Ed25519 signature) and the RFC 9162 audit
path. `check_inclusion_proof` is pure and needs nothing of this application but the key:
it recomputes the leaf hash from the fields, folds the path into a root, compares it with the
head's and checks the head's signature.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.chain import entry_bytes, entry_fields
from mobilize.audit.heads import TreeHead, head_is_signed
from mobilize.audit.merkle import inclusion_path, leaf_hash, verify_inclusion
from mobilize.audit.models import AuditLeaf, AuditRecord, entry_of
from mobilize.audit.sealer import latest_head
from mobilize.core.errors import NotFound

PROOF_FORMAT = "mobilize audit inclusion proof v1"


def inclusion_proof(session: Session, record_id: int) -> dict[str, Any]:
    """The proof that record `record_id` is in the tree of the latest signed head."""
    record = session.get(AuditRecord, record_id)
    if record is None:
        raise NotFound(f"no audit record #{record_id}")
    leaf = session.scalars(select(AuditLeaf).where(AuditLeaf.record_id == record_id)).first()
    head = latest_head(session)
    if leaf is None or head is None or leaf.leaf_index >= head.size:
        raise NotFound(f"audit record #{record_id} is not sealed yet: `mobilize audit seal`")
    leaves = session.scalars(
        select(AuditLeaf.leaf_hash)
        .where(AuditLeaf.leaf_index < head.size)
        .order_by(AuditLeaf.leaf_index)
    ).all()
    path = inclusion_path(leaf.leaf_index, [bytes.fromhex(value) for value in leaves])
    return {
        "format": PROOF_FORMAT,
        "record": entry_fields(entry_of(record)),
        "leaf_index": leaf.leaf_index,
        "tree_head": {
            "tree_size": head.size,
            "root_hash": head.root_hash,
            "issued_at": head.issued_at.isoformat(),
            "signature": head.signature,
        },
        "audit_path": [node.hex() for node in path],
    }


def check_inclusion_proof(proof: dict[str, Any], public_key: Ed25519PublicKey) -> str | None:
    """None when the proof holds; else what is wrong with it."""
    try:
        signed = proof["tree_head"]
        head = TreeHead(
            int(signed["tree_size"]),
            str(signed["root_hash"]),
            datetime.fromisoformat(str(signed["issued_at"])),
            str(signed["signature"]),
        )
        index = int(proof["leaf_index"])
        path = [bytes.fromhex(str(node)) for node in proof["audit_path"]]
        leaf = leaf_hash(entry_bytes(dict(proof["record"])))
        root = bytes.fromhex(head.root_hash)
    except (KeyError, TypeError, ValueError) as error:
        return f"not an inclusion proof: {error}"
    if not head_is_signed(head, public_key):
        return "the tree head is not signed by this public key"
    if not verify_inclusion(index, head.size, leaf, path, root):
        return f"the record is not leaf {index} of {head.describe()}"
    return None
