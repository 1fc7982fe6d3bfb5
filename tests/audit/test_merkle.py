"""RFC 9162's tree, proofs and their checks agree with one another for every small size."""

from __future__ import annotations

import hashlib

import pytest

from mobilize.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    node_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(f"record {n}".encode()) for n in range(33)]


def test_hashes_are_domain_separated_as_rfc_9162_says() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    a, b = LEAVES[0], LEAVES[1]
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    # Three leaves split 2 + 1: the left subtree is the largest power of two below three.
    assert tree_root(LEAVES[:3]) == node_hash(node_hash(a, b), LEAVES[2])


@pytest.mark.parametrize("size", range(1, 34))
def test_the_right_edge_gives_the_same_root(size: int) -> None:
    frontier = Frontier()
    for leaf in LEAVES[:size]:
        frontier.append(leaf)
    assert frontier.root() == tree_root(LEAVES[:size])
    again = Frontier.from_json(frontier.size, frontier.to_json())
    again.append(LEAVES[0])
    assert again.root() == tree_root([*LEAVES[:size], LEAVES[0]])


@pytest.mark.parametrize("size", range(1, 34))
def test_every_inclusion_path_checks_and_no_other_leaf_does(size: int) -> None:
    leaves, root = LEAVES[:size], tree_root(LEAVES[:size])
    for index in range(size):
        path = inclusion_path(index, leaves)
        assert verify_inclusion(index, size, leaves[index], path, root)
        other = leaves[(index + 1) % size]
        assert size == 1 or not verify_inclusion(index, size, other, path, root)


@pytest.mark.parametrize("size", range(1, 34))
def test_every_consistency_proof_checks_and_a_rewritten_past_does_not(size: int) -> None:
    leaves, root = LEAVES[:size], tree_root(LEAVES[:size])
    for old_size in range(1, size + 1):
        old_root = tree_root(leaves[:old_size])
        proof = consistency_proof(old_size, leaves)
        assert verify_consistency(old_size, size, old_root, root, proof)
        rewritten = [leaf_hash(b"forged"), *leaves[1:]]
        forged_root = tree_root(rewritten[:old_size])
        assert not verify_consistency(old_size, size, forged_root, root, proof)
