import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from vanguard.core import crypto


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


def test_lookup_hash_is_keyed_and_deterministic():
    value = "50010319900101123X"
    ours = crypto.lookup_hash(value)
    assert ours == crypto.lookup_hash(value) and len(ours) == 64
    with override_settings(FIELD_ENCRYPTION_KEY="another key"):
        assert crypto.lookup_hash(value) != ours


def test_lookup_hash_is_hmac_sha256_under_the_derived_key(settings):
    import hashlib
    import hmac

    settings.FIELD_ENCRYPTION_KEY = "another key"
    key = crypto._derive(b"vanguard-lookup", "another key")
    for value in ["11010519491231002X", "", "身份证"]:
        assert crypto.lookup_hash(value) == hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
