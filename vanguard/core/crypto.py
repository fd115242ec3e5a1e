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
import hmac
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
def _hash_key(key_material: str) -> bytes:
    return _derive(b"vanguard-lookup", key_material)


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(settings.FIELD_ENCRYPTION_KEY).encrypt(nonce, plaintext.encode(), None)
    return VERSION + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token.startswith(VERSION):
        raise ValueError("cannot decrypt: unknown format")
    raw = base64.b64decode(token[len(VERSION) :])
    try:
        return _cipher(settings.FIELD_ENCRYPTION_KEY).decrypt(raw[:12], raw[12:], None).decode()
    except InvalidTag as exc:
        raise ValueError("cannot decrypt: wrong VANGUARD_FIELD_KEY or corrupted value") from exc


def lookup_hash(plaintext: str) -> str:
    """Deterministic keyed hash for exact-value search (hex, 64 characters)."""
    return hmac.new(_hash_key(settings.FIELD_ENCRYPTION_KEY), plaintext.encode(), hashlib.sha256).hexdigest()
