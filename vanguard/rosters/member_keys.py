"""The member key (党员编号) an export carries, so that a file with masked ID numbers imports again.

A key reads `M<pk>-<tag>`: the member's primary key, which no edit,
transfer or re-import changes, and eight characters (40 bits) of an HMAC of
it under the site's secret key.  The tag means nobody can write a valid key
for a member they were never given in an export, so a key cannot be used to
probe who is on record, and a mistyped key is refused instead of matching
another member.  The primary key is no secret (pages show it in their
addresses); only the tag is.

The secret is Django's SECRET_KEY (with SECRET_KEY_FALLBACKS while it is
being rotated), not the field key: the field key is rotated on a schedule
and exports should keep importing across that.
"""

from __future__ import annotations

import base64
import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "vanguard.rosters.member_key"
TAG_LENGTH = 8
_SHAPE = re.compile(rf"^M([0-9]{{1,20}})-([A-Z2-7]{{{TAG_LENGTH}}})$")


def _tag(pk: int, secret: str) -> str:
    digest = salted_hmac(SALT, str(pk), secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:TAG_LENGTH]


def member_key(pk: int) -> str:
    """The key an export writes for the member with this primary key."""
    return f"M{pk}-{_tag(pk, settings.SECRET_KEY)}"


def read(value: str) -> int | None:
    """The primary key a key names, or None when it is not one Vanguard gave out (mistyped, made up)."""
    match = _SHAPE.match("".join(str(value or "").split()).upper())
    if match is None:
        return None
    pk = int(match.group(1))
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        if constant_time_compare(_tag(pk, secret), match.group(2)):
            return pk
    return None
