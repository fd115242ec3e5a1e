import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from vanguard.core import crypto

SECRET = "correct horse battery staple"
ID_NUMBER = "11010519491231002X"


def rfc5869_sha256(secret: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 written out from RFC 5869 (extract, then expand), independently of `cryptography`."""
    prk = hmac.new(salt, secret, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def legacy_token(secret: str, plaintext: str) -> tuple[str, str]:
    """A value and its hash as Vanguard stored them before HKDF (g1), written out from that version's code."""
    key = hashlib.sha256(b"vanguard-encrypt\x00" + secret.encode()).digest()[:16]
    nonce = b"\x07" * 12
    token = "g1:" + base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), None)).decode()
    lookup_key = hashlib.sha256(b"vanguard-lookup\x00" + secret.encode()).digest()
    return token, hmac.new(lookup_key, plaintext.encode(), hashlib.sha256).hexdigest()


@given(st.text(max_size=60))
def test_round_trip_and_fresh_nonce(text):
    token = crypto.encrypt(text)
    assert crypto.decrypt(token) == text
    assert crypto.encrypt(text) != token  # a random nonce: equal values do not look equal


def test_wrong_key_or_tampering_is_refused():
    token = crypto.encrypt("50010319900101123X")
    with override_settings(FIELD_ENCRYPTION_KEY="another key"):
        with pytest.raises(ValueError):
            crypto.decrypt(token)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(ValueError):
        crypto.decrypt(tampered)
    with pytest.raises(ValueError):
        crypto.decrypt("x1:" + token[3:])


def test_lookup_hash_is_keyed_and_deterministic():
    ours = crypto.lookup_hash(ID_NUMBER)
    assert ours == crypto.lookup_hash(ID_NUMBER) and len(ours) == 64
    with override_settings(FIELD_ENCRYPTION_KEY="another key"):
        assert crypto.lookup_hash(ID_NUMBER) != ours


def test_keys_are_hkdf_sha256_of_the_secret_one_per_purpose():
    derived = {purpose: crypto.derive(SECRET, purpose) for purpose in crypto.PURPOSES}
    for purpose, key in derived.items():
        info = b"vanguard field key v2: " + purpose.encode()
        assert key == rfc5869_sha256(SECRET.encode(), crypto.HKDF_SALT, info)
    assert len(set(derived.values())) == len(crypto.PURPOSES)  # encryption and lookup never share a key
    assert all(len(key) == 32 for key in derived.values())
    # Known answers: a change here would make every stored value unreadable and unsearchable.
    assert derived["encryption"].hex() == "c01e307c37df8737d0cdbc4237c084840a3706b9ee8b8ad020ef3bc39f7e39b7"
    assert derived["lookup hash"].hex() == "3853d04fa496aaa1ee154c3df9960d2f2cd11562046b5042c7cb75583f7e9dc5"
    assert crypto.field_key(SECRET).id == "86025240"
    with pytest.raises(ValueError):
        crypto.derive(SECRET, "signing")


def test_values_are_sealed_and_hashed_with_the_derived_keys(settings):
    settings.FIELD_ENCRYPTION_KEY = SECRET
    settings.FIELD_ENCRYPTION_KEY_OLD = ""
    for value in [ID_NUMBER, "", "身份证"]:
        expected = hmac.new(crypto.derive(SECRET, "lookup hash"), value.encode(), hashlib.sha256).hexdigest()
        assert crypto.lookup_hash(value) == expected
    assert crypto.lookup_hash(ID_NUMBER) == "97e32eb6ea14c37f39f3e8c488ea8914895c742a87cc50d51033064a7fc5e15a"
    token = crypto.encrypt(ID_NUMBER)
    assert token.startswith("g2:86025240:")
    raw = base64.b64decode(token[len("g2:86025240:") :])
    assert AESGCM(crypto.derive(SECRET, "encryption")).decrypt(raw[:12], raw[12:], None) == ID_NUMBER.encode()


def test_batches_agree_with_single_values():
    values = [ID_NUMBER, "50010319900101123X", ""]
    assert crypto.lookup_hash_many(values) == [crypto.lookup_hash(v) for v in values]
    assert [crypto.decrypt(t) for t in crypto.encrypt_many(values)] == values
    assert crypto.lookup_hash_many([]) == crypto.encrypt_many([]) == []


def test_during_a_rotation_both_keys_read_and_search_and_the_new_one_writes(settings):
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_KEY_OLD = "old secret", ""
    old_token, old_hash = crypto.encrypt(ID_NUMBER), crypto.lookup_hash(ID_NUMBER)
    settings.FIELD_ENCRYPTION_KEY = "new secret"
    with pytest.raises(ValueError, match="neither"):
        crypto.decrypt(old_token)  # the old key is not configured: refused, not garbage
    assert old_hash not in crypto.lookup_hashes(ID_NUMBER)
    settings.FIELD_ENCRYPTION_KEY_OLD = "old secret"
    assert crypto.decrypt(old_token) == ID_NUMBER
    new_token = crypto.encrypt(ID_NUMBER)
    assert new_token.startswith(crypto.field_key("new secret").prefix)
    assert crypto.lookup_hash(ID_NUMBER) != old_hash  # what is stored is the new key's
    hashes = crypto.lookup_hashes(ID_NUMBER)
    assert hashes[0] == crypto.lookup_hash(ID_NUMBER) and old_hash in hashes
    settings.FIELD_ENCRYPTION_KEY_OLD = ""
    assert crypto.decrypt(new_token) == ID_NUMBER


def test_values_from_before_hkdf_stay_readable_and_searchable(settings):
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_KEY_OLD = SECRET, ""
    token, digest = legacy_token(SECRET, ID_NUMBER)
    assert crypto.decrypt(token) == ID_NUMBER
    assert digest in crypto.lookup_hashes(ID_NUMBER)
    assert digest != crypto.lookup_hash(ID_NUMBER)  # new values get the HKDF hash
    # Under the old secret during a rotation too; under neither, refused.
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_KEY_OLD = "new secret", SECRET
    assert crypto.decrypt(token) == ID_NUMBER and digest in crypto.lookup_hashes(ID_NUMBER)
    settings.FIELD_ENCRYPTION_KEY_OLD = ""
    with pytest.raises(ValueError):
        crypto.decrypt(token)
