"""Protection of sensitive personal data: reversible encryption and a keyed lookup hash, with key rotation.

AES-256-GCM (authenticated, random 96-bit nonce) from `cryptography`
encrypts; it is ten times faster than Fernet, which matters when a million-row
roster is imported.  An HMAC-SHA256 makes an exact-match index that reveals
nothing without the key.

settings.FIELD_ENCRYPTION_KEY is a secret, not a key: HKDF-SHA256 (RFC 5869)
derives from it a key per purpose (encryption, lookup hash) and a short key
id.  A stored value reads `g2:<key id>:<base64(nonce, ciphertext, tag)>`, so a
reader knows which key sealed it without trying them all.

Rotation: while settings.FIELD_ENCRYPTION_KEY_OLD names the previous secret,
values under either key decrypt and `lookup_hashes` gives a value's hash under
each, so a search finds rows not yet re-keyed; `manage.py rotate_field_key`
re-keys the columns that models declare in `encrypted_fields`
({encrypted column: its lookup-hash column or None}).

Values written before HKDF (`g1:`, keys taken as SHA-256 of a label and the
secret, no key id) stay readable under either secret and are found by their
old hash, so a database made before the change (the demo's) keeps working;
rotate_field_key converts them.  The g1 reader can go once no database holds
g1 values (Vanguard was not in production when it was replaced).
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.db.models import Model, Q

VERSION = "g2:"
LEGACY_VERSION = "g1:"
KEY_ID_LENGTH = 8  # hex digits: 32 bits tell two keys apart; the rotation refuses the (unlikely) tie
# Fixed and public: HKDF's salt separates Vanguard's derivations from any other use of the same secret.
HKDF_SALT = b"vanguard.core.crypto"
PURPOSES = ("encryption", "lookup hash", "key id")


def derive(secret: str, purpose: str) -> bytes:
    """A 32-byte key for `purpose` (one of PURPOSES) from the configured secret: HKDF-SHA256."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    info = b"vanguard field key v2: " + purpose.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=info).derive(secret.encode())


@dataclass(frozen=True, eq=False)
class FieldKey:
    """What one secret seals and hashes with, and how its values begin."""

    id: str  # "" for the pre-HKDF derivation, whose values carry no key id
    prefix: str
    cipher: AESGCM = field(repr=False)
    # HMAC-SHA256's inner and outer hashes with the key absorbed (RFC 2104), copied per value: the same
    # digests as hmac.new(key, value, sha256) at a third of the cost, which shows on a million-row import.
    inner: object = field(repr=False)
    outer: object = field(repr=False)

    @classmethod
    def from_keys(cls, key_id: str, prefix: str, encryption: bytes, lookup: bytes) -> FieldKey:
        padded = lookup.ljust(64, b"\x00")  # SHA-256's block is 64 bytes
        return cls(
            id=key_id,
            prefix=prefix,
            cipher=AESGCM(encryption),
            inner=hashlib.sha256(bytes(b ^ 0x36 for b in padded)),
            outer=hashlib.sha256(bytes(b ^ 0x5C for b in padded)),
        )

    def encrypt_many(self, plaintexts: list[str]) -> list[str]:
        seal, prefix = self.cipher.encrypt, self.prefix
        nonces = os.urandom(12 * len(plaintexts))  # drawn in one call
        return [
            prefix + base64.b64encode(nonces[i : i + 12] + seal(nonces[i : i + 12], text.encode(), None)).decode()
            for i, text in zip(range(0, len(nonces), 12), plaintexts, strict=True)
        ]

    def lookup_hash_many(self, plaintexts: list[str]) -> list[str]:
        inner_pad, outer_pad = self.inner, self.outer
        digests = []
        for text in plaintexts:
            inner = inner_pad.copy()
            inner.update(text.encode())
            outer = outer_pad.copy()
            outer.update(inner.digest())
            digests.append(outer.hexdigest())
        return digests

    def open(self, token: str) -> str:
        """The plaintext of a value this key sealed; ValueError if it did not (or the value was altered)."""
        if not token.startswith(self.prefix):
            raise ValueError("cannot decrypt: sealed under another key")
        raw = base64.b64decode(token[len(self.prefix) :])
        try:
            return self.cipher.decrypt(raw[:12], raw[12:], None).decode()
        except InvalidTag as exc:
            raise ValueError("cannot decrypt: wrong key or corrupted value") from exc


@lru_cache(maxsize=8)
def field_key(secret: str) -> FieldKey:
    """The HKDF-derived keys of a secret."""
    key_id = derive(secret, "key id")[: KEY_ID_LENGTH // 2].hex()
    return FieldKey.from_keys(
        key_id, f"{VERSION}{key_id}:", derive(secret, "encryption"), derive(secret, "lookup hash")
    )


@lru_cache(maxsize=8)
def legacy_field_key(secret: str) -> FieldKey:
    """The keys values were sealed with before HKDF (g1): SHA-256 of a label, a zero byte and the secret."""

    def derive_legacy(label: bytes) -> bytes:
        return hashlib.sha256(label + b"\x00" + secret.encode()).digest()

    return FieldKey.from_keys(
        "", LEGACY_VERSION, derive_legacy(b"vanguard-encrypt")[:16], derive_legacy(b"vanguard-lookup")
    )


@dataclass(frozen=True)
class Keyring:
    """The current key, which seals and hashes every new value, and the keys still read during a rotation."""

    current: FieldKey
    previous: FieldKey | None
    legacy: tuple[FieldKey, ...]  # the g1 derivations of the same secrets, current first

    @property
    def keys(self) -> tuple[FieldKey, ...]:
        """Every key a stored value may be under, current first."""
        return (self.current, *((self.previous,) if self.previous else ()), *self.legacy)

    def open(self, token: str) -> tuple[str, FieldKey]:
        """The plaintext and the key that sealed `token`; ValueError if no configured key did."""
        if token.startswith(VERSION):
            key_id = token[len(VERSION) : len(VERSION) + KEY_ID_LENGTH]
            for key in (self.current, self.previous):
                if key is not None and key.id == key_id:
                    return key.open(token), key
            raise ValueError(
                f"cannot decrypt: sealed under key id {key_id}, which is neither VANGUARD_FIELD_KEY's "
                f"({self.current.id}) nor VANGUARD_FIELD_KEY_OLD's ({self.previous.id if self.previous else 'unset'})"
            )
        if token.startswith(LEGACY_VERSION):
            for key in self.legacy:  # no key id: the authentication tag tells
                try:
                    return key.open(token), key
                except ValueError:
                    continue
            raise ValueError("cannot decrypt: a g1 value under neither VANGUARD_FIELD_KEY nor VANGUARD_FIELD_KEY_OLD")
        raise ValueError("cannot decrypt: unknown format")


@lru_cache(maxsize=8)
def _keyring(current: str, previous: str) -> Keyring:
    secrets = (current, previous) if previous and previous != current else (current,)
    return Keyring(
        current=field_key(current),
        previous=field_key(previous) if len(secrets) > 1 else None,
        legacy=tuple(legacy_field_key(secret) for secret in secrets),
    )


def keyring() -> Keyring:
    """The keys configured in settings (read on every call, so tests may override them)."""
    return _keyring(settings.FIELD_ENCRYPTION_KEY, getattr(settings, "FIELD_ENCRYPTION_KEY_OLD", "") or "")


def encrypt(plaintext: str) -> str:
    return encrypt_many([plaintext])[0]


def encrypt_many(plaintexts: list[str]) -> list[str]:
    """encrypt() for a batch, under the current key: the key is looked up once, and the nonces drawn in one call."""
    return keyring().current.encrypt_many(plaintexts)


def decrypt(token: str) -> str:
    """The plaintext of a stored value sealed under any configured key (current, previous, or their g1 forms)."""
    return keyring().open(token)[0]


def lookup_hash(plaintext: str) -> str:
    """Deterministic keyed hash for exact-value search (hex, 64 characters), under the current key: what is stored."""
    return lookup_hash_many([plaintext])[0]


def lookup_hash_many(plaintexts: list[str]) -> list[str]:
    """lookup_hash() for a batch, with the key looked up once."""
    return keyring().current.lookup_hash_many(plaintexts)


def lookup_hashes(plaintext: str) -> list[str]:
    """Every hash a stored row holding `plaintext` may carry: search with `hash__in=` so rows not yet re-keyed match."""
    return [key.lookup_hash_many([plaintext])[0] for key in keyring().keys]


def encrypted_columns() -> Iterator[tuple[type[Model], str, str | None]]:
    """(model, encrypted column, its lookup-hash column or None) for every model declaring `encrypted_fields`."""
    for model in apps.get_models():
        for token_field, hash_field in getattr(model, "encrypted_fields", {}).items():
            yield model, token_field, hash_field


def stale_q(token_field: str) -> Q:
    """Rows whose `token_field` holds a value under a key other than the current one (not yet re-keyed)."""
    return Q(**{f"{token_field}__gt": ""}) & ~Q(**{f"{token_field}__startswith": keyring().current.prefix})


def rekeying_pending(model: type[Model]) -> bool:
    """Whether some of `model`'s encrypted values are not under the current key yet (a rotation is unfinished).

    While they are, their lookup hashes are the old key's: a bulk matcher that
    hashes under the current key only (a roster import) would miss them.  The
    answer costs a scan of the table (about a second for a million members), so
    "none" is remembered for a minute: every process writes under the current
    key, so none can appear while the keys stay as they are.
    """
    ring = keyring()
    memo = (model._meta.label, ring.current.id, ring.previous.id if ring.previous else "")
    if time.monotonic() - _settled.get(memo, -SETTLED_FOR) < SETTLED_FOR:
        return False
    fields = getattr(model, "encrypted_fields", {})
    pending = any(model._default_manager.filter(stale_q(name)).exists() for name in fields)
    if not pending:
        _settled[memo] = time.monotonic()
    return pending


SETTLED_FOR = 60.0  # seconds
_settled: dict[tuple[str, str, str], float] = {}  # (model, key ids) → when nothing was found pending
