"""Checking the audit log: every record against its leaf, the tree against every signed head,
and the log against the latest head the witness holds.

One pass over the leaves in tree order recomputes each record's leaf hash and the tree's root
at every size a head names (the right edge is enough: O(log n) hashes at a time). The witness
check is RFC 9162's: a consistency proof from the witness's head to the database's latest head,
checked by the pure verifier; a head the log cannot prove it extends is a rollback, named by
the records missing since the last head both still agree on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.chain import record_leaf_hash
from mobilize.audit.heads import TreeHead, head_is_signed, public_key_of
from mobilize.audit.merkle import EMPTY_ROOT, Frontier, consistency_proof, verify_consistency
from mobilize.audit.models import AuditLeaf, AuditRecord, AuditTreeHead, entry_of, head_of
from mobilize.audit.witness import Witness, latest


@dataclass(frozen=True)
class TrailReport:
    records: int  # records in the database, sealed or not
    sealed: int  # the size of the tree the latest signed head closes
    problems: tuple[str, ...]

    @property
    def first_break(self) -> str | None:
        return self.problems[0] if self.problems else None

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    """The tree as the records in the database now give it."""

    leaves: list[bytes] = field(default_factory=list)
    roots: dict[int, bytes] = field(default_factory=lambda: {0: EMPTY_ROOT})
    present: int = 0
    problems: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # a run of sealed records not found


def check_trail(session: Session, key: bytes, witness: Witness | None) -> TrailReport:
    public = public_key_of(key)
    heads = [head_of(row) for row in session.scalars(select(AuditTreeHead).order_by("tree_size"))]
    witnessed = witness.heads() if witness is not None else []
    walk = _walk_leaves(session, {head.size for head in heads} | {h.size for h in witnessed})
    unsealed, unsealed_problems = _check_unsealed(session)
    problems = [
        *_witness_problems(witnessed, heads, walk, public),
        *walk.problems,
        *_head_problems(heads, walk, public),
        *unsealed_problems,
    ]
    sealed = heads[-1].size if heads else 0
    return TrailReport(walk.present + unsealed, sealed, tuple(problems))


def _walk_leaves(session: Session, sizes: set[int]) -> _Walk:
    walk, frontier = _Walk(), Frontier()
    query = (
        select(AuditLeaf.leaf_index, AuditLeaf.record_id, AuditLeaf.leaf_hash, AuditRecord)
        .outerjoin(AuditRecord, AuditRecord.id == AuditLeaf.record_id)
        .order_by(AuditLeaf.leaf_index)
        .execution_options(yield_per=1000)
    )
    for index, record_id, sealed_hash, record in session.execute(query):
        if index != frontier.size and not walk.problems:
            walk.problems.append(f"leaf {frontier.size} of the tree is missing")
        if record is None:
            walk.missing.append(record_id)
        else:
            _end_missing_run(walk)
            _check_record(record, sealed_hash, walk)
        # The tree is the sealed leaves; whether each record still gives its leaf is the
        # check above, whether the leaves still give the signed roots the heads' check.
        walk.leaves.append(bytes.fromhex(sealed_hash))
        frontier.append(walk.leaves[-1])
        if frontier.size in sizes:
            walk.roots[frontier.size] = frontier.root()
    _end_missing_run(walk)
    return walk


def _check_record(record: AuditRecord, sealed_hash: str, walk: _Walk) -> None:
    """A problem noted when the record's fields no longer give the leaf that was sealed."""
    walk.present += 1
    content = record_leaf_hash(entry_of(record))
    if content == sealed_hash:
        return
    if content != record.hash and record.hash == sealed_hash:
        walk.problems.append(f"record #{record.id} was altered after it was written")
    elif content != record.hash:
        walk.problems.append(
            f"record #{record.id} is not the record sealed in its place: "
            "records were reordered, replaced or deleted"
        )
    else:
        walk.problems.append(
            f"record #{record.id} is not the record sealed in its place: it was altered with "
            "its hash recomputed, or its leaf was changed"
        )


def _end_missing_run(walk: _Walk) -> None:
    if not walk.missing:
        return
    first, last, count = walk.missing[0], walk.missing[-1], len(walk.missing)
    if count == 1:
        walk.problems.append(f"record #{first} is missing (it was sealed into the tree)")
    else:
        walk.problems.append(
            f"records #{first} to #{last} are missing ({count} sealed records deleted)"
        )
    walk.missing = []


def _check_unsealed(session: Session) -> tuple[int, list[str]]:
    """Records not in the tree yet (appended since the last seal): each against its own
    leaf hash."""
    query = (
        select(AuditRecord)
        .outerjoin(AuditLeaf, AuditLeaf.record_id == AuditRecord.id)
        .where(AuditLeaf.record_id.is_(None))
        .order_by(AuditRecord.id)
        .execution_options(yield_per=1000)
    )
    count, problems = 0, []
    for record in session.scalars(query):
        count += 1
        if record_leaf_hash(entry_of(record)) != record.hash:
            problems.append(f"record #{record.id} was altered after it was written")
    return count, problems


def _head_problems(heads: list[TreeHead], walk: _Walk, public: Ed25519PublicKey) -> list[str]:
    size = len(walk.leaves)
    if not heads:
        return [f"the tree's {size} leaves have no signed head"] if size else []
    for head in heads:
        if not head_is_signed(head, public):
            return [f"{head.describe()} is not signed with this key: it was altered or forged"]
    newest = heads[-1]
    if newest.size > size:
        return [
            f"records sealed as leaves {size} to {newest.size - 1} are missing: "
            f"the tree has {size} leaves but {newest.describe()}"
        ]
    if newest.size < size:
        return [f"{size - newest.size} leaves were added after {newest.describe()} unsigned"]
    for head in heads:
        if walk.roots.get(head.size) != bytes.fromhex(head.root_hash):
            return [
                f"the first {head.size} records do not give the root of {head.describe()}: "
                "records or leaves were changed and their hashes recomputed"
            ]
    return []


def _witness_problems(
    witnessed: list[TreeHead], heads: list[TreeHead], walk: _Walk, public: Ed25519PublicKey
) -> list[str]:
    held = latest(witnessed)
    if held is None:
        return []
    forged = next((head for head in witnessed if not head_is_signed(head, public)), None)
    if forged is not None:
        return [f"the witness holds {forged.describe()}, not signed with this key"]
    newest = heads[-1] if heads else None
    if _extends(held, newest, walk):
        return []
    size = newest.size if newest else 0
    agreed = max(
        (
            head
            for head in witnessed
            if head.size <= size and walk.roots.get(head.size) == bytes.fromhex(head.root_hash)
        ),
        key=lambda head: head.size,
        default=None,
    )
    since = agreed.describe() if agreed else "the empty log"
    missing = held.size - (agreed.size if agreed else 0)
    return [
        f"rollback: {missing} record(s) sealed after {since} are missing or replaced; "
        f"the witness holds {held.describe()}, the database's log {size} sealed record(s)"
    ]


def _extends(held: TreeHead, newest: TreeHead | None, walk: _Walk) -> bool:
    """RFC 9162 consistency: the database's newest head extends the witness's."""
    if newest is None:
        return held.size == 0
    if held.size > newest.size or newest.size > len(walk.leaves):
        return False
    proof = consistency_proof(held.size, walk.leaves[: newest.size])
    old_root, root = bytes.fromhex(held.root_hash), bytes.fromhex(newest.root_hash)
    return verify_consistency(held.size, newest.size, old_root, root, proof)
