"""Protection of sensitive personal data: reversible encryption and a keyed lookup hash.

Fernet (AES-128-CBC + HMAC) from `cryptography` encrypts; an HMAC-SHA256 with a
separate derived key makes an exact-match index that reveals nothing without
the key.  Both keys derive from settings.FIELD_ENCRYPTION_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _derive(purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + b"\x00" + settings.FIELD_ENCRYPTION_KEY.encode()).digest()


@lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"vanguard-encrypt")))


@lru_cache(maxsize=4)
def _hash_key(key_material: str) -> bytes:
    return _derive(b"vanguard-lookup")


def encrypt(plaintext: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong VANGUARD_FIELD_KEY or corrupted value") from exc


def lookup_hash(plaintext: str) -> str:
    """Deterministic keyed hash for exact-value search (hex, 64 characters)."""
    key = _hash_key(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()
