"""Protection of sensitive personal data: reversible encryption and a keyed lookup hash.

AES-128-GCM (authenticated, random 96-bit nonce) from `cryptography`
encrypts; it is ten times faster than Fernet, which matters when a million-row
roster is imported.  An HMAC-SHA256 under a separate derived key makes an
exact-match index that reveals nothing without the key.  Both keys derive from
settings.FIELD_ENCRYPTION_KEY; stored values carry a version prefix so the
scheme can change later without guessing.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = "g1:"


def _derive(purpose: bytes, key_material: str) -> bytes:
    return hashlib.sha256(purpose + b"\x00" + key_material.encode()).digest()


@lru_cache(maxsize=4)
def _cipher(key_material: str) -> AESGCM:
    return AESGCM(_derive(b"vanguard-encrypt", key_material)[:16])


@lru_cache(maxsize=4)
def _hmac_pads(key_material: str) -> tuple:
    """HMAC-SHA256's inner and outer hashes with the key absorbed (RFC 2104), copied per value.

    The same digests as hmac.new(key, value, sha256), at a third of the cost: on a
    million-row import the per-call key set-up was the largest part of hashing.
    """
    key = _derive(b"vanguard-lookup", key_material).ljust(64, b"\x00")  # SHA-256's block is 64 bytes
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def encrypt(plaintext: str) -> str:
    return encrypt_many([plaintext])[0]


def decrypt(token: str) -> str:
    if not token.startswith(VERSION):
        raise ValueError("cannot decrypt: unknown format")
    raw = base64.b64decode(token[len(VERSION) :])
    try:
        return _cipher(settings.FIELD_ENCRYPTION_KEY).decrypt(raw[:12], raw[12:], None).decode()
    except InvalidTag as exc:
        raise ValueError("cannot decrypt: wrong VANGUARD_FIELD_KEY or corrupted value") from exc


def encrypt_many(plaintexts: list[str]) -> list[str]:
    """encrypt() for a batch: the key is looked up once, and the nonces drawn in one call."""
    seal = _cipher(settings.FIELD_ENCRYPTION_KEY).encrypt
    nonces = os.urandom(12 * len(plaintexts))
    return [
        VERSION + base64.b64encode(nonces[i : i + 12] + seal(nonces[i : i + 12], text.encode(), None)).decode()
        for i, text in zip(range(0, len(nonces), 12), plaintexts, strict=True)
    ]


def lookup_hash_many(plaintexts: list[str]) -> list[str]:
    """lookup_hash() for a batch, with the key looked up once."""
    inner_pad, outer_pad = _hmac_pads(settings.FIELD_ENCRYPTION_KEY)
    hashes = []
    for text in plaintexts:
        inner = inner_pad.copy()
        inner.update(text.encode())
        outer = outer_pad.copy()
        outer.update(inner.digest())
        hashes.append(outer.hexdigest())
    return hashes


def lookup_hash(plaintext: str) -> str:
    """Deterministic keyed hash for exact-value search (hex, 64 characters)."""
    return lookup_hash_many([plaintext])[0]
