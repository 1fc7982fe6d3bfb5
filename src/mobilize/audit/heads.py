"""Signed tree heads, pure: what a head says (size, root hash, time), how it is signed with
Ed25519 and checked with the public half of the key alone.

The key stays what it was (`core.settings.audit_key`: 32 random bytes as hex, or any text in
`MOBILIZE_AUDIT_KEY`); the Ed25519 seed is those bytes, or the SHA-256 of a text that is not
64 hex digits, so a deployment keeps its key file and gains a public key to hand out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from mobilize.audit.chain import utc_text

# Bound into every signature, so that a head's signature means nothing anywhere else.
HEAD_CONTEXT = "mobilize audit tree head v1"


@dataclass(frozen=True)
class TreeHead:
    """A signed statement: the log's first `size` leaves have Merkle root `root_hash`."""

    size: int
    root_hash: str  # hex
    issued_at: datetime
    signature: str  # hex, Ed25519 over `head_message`

    def describe(self) -> str:
        return f"the head of {self.size} record(s) signed {self.issued_at:%Y-%m-%d %H:%M:%S} UTC"


def head_message(size: int, root_hash: str, issued_at: datetime) -> bytes:
    return f"{HEAD_CONTEXT}\n{size}\n{root_hash}\n{utc_text(issued_at)}\n".encode()


def signing_key_of(key: bytes) -> Ed25519PrivateKey:
    text = key.decode(errors="replace").strip()
    try:
        seed = bytes.fromhex(text) if len(text) == 64 else b""
    except ValueError:
        seed = b""
    return Ed25519PrivateKey.from_private_bytes(seed or hashlib.sha256(key).digest())


def public_key_of(key: bytes) -> Ed25519PublicKey:
    return signing_key_of(key).public_key()


def public_key_pem(key: bytes) -> str:
    pem = public_key_of(key).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


def read_public_key(pem: bytes) -> Ed25519PublicKey:
    loaded = load_pem_public_key(pem)
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return loaded


def sign_head(key: bytes, size: int, root_hash: str, issued_at: datetime) -> TreeHead:
    signature = signing_key_of(key).sign(head_message(size, root_hash, issued_at))
    return TreeHead(size, root_hash, issued_at, signature.hex())


def head_is_signed(head: TreeHead, public_key: Ed25519PublicKey) -> bool:
    try:
        signature = bytes.fromhex(head.signature)
        public_key.verify(signature, head_message(head.size, head.root_hash, head.issued_at))
    except (InvalidSignature, ValueError):
        return False
    return True
