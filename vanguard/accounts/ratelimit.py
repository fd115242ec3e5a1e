"""Limits per client address for the public pages (opinions' submissions and receipt look-ups, ballots' bad codes).

Counters live in Django's cache (settings CACHES; Redis when several web
processes must share them), never in the database, and are keyed by a keyed
hash of the address, so not even the cache holds the address itself.  A rate
is written "10/h": at most 10 requests per fixed window of an hour ("5/10m",
"100/d" work too).
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from vanguard.accounts.throttling import client_address

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

# scope -> (the setting that overrides it, the default rate); apps add theirs with register_scope().
_SCOPES: dict[str, tuple[str, str]] = {}


def register_scope(scope: str, *, setting: str, default: str) -> None:
    parse_rate(default)  # a bad default is a programming error: fail at import, not on the first request
    _SCOPES[scope] = (setting, default)


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds


@functools.lru_cache(maxsize=64)  # a pure function of the setting's text, asked on every guarded request
def parse_rate(text: str) -> Rate:
    """ "10/h" → Rate(10, 3600); a malformed rate is a configuration error, raised at once."""
    match = _RATE.match(text or "")
    if not match:
        raise ValueError(f"A rate is written like 10/h or 5/10m, not {text!r}")
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * UNITS[unit])


def rate_for(scope: str) -> Rate:
    setting, default = _SCOPES[scope]
    return parse_rate(getattr(settings, setting, default))


def _key(scope: str, request: HttpRequest, window: int) -> str:
    address = client_address(request) or "unknown"
    digest = salted_hmac("vanguard.accounts.ratelimit", address).hexdigest()[:32]
    return f"rate:{scope}:{digest}:{int(time.time()) // window}"


def hit(scope: str, request: HttpRequest) -> bool:
    """Count one request of `scope` from the client's address; False once the address is over its limit."""
    rate = rate_for(scope)
    key = _key(scope, request, rate.window)
    # add() is a no-op if the window's counter exists; incr() is atomic on Redis and within one process on locmem.
    cache.add(key, 0, timeout=rate.window + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=rate.window + 60)
        count = 1
    return count <= rate.limit


def exceeded(scope: str, request: HttpRequest) -> bool:
    """Whether the client's address is already over its limit of `scope`, without counting this request."""
    rate = rate_for(scope)
    count = cache.get(_key(scope, request, rate.window)) or 0
    return count >= rate.limit


def retry_after(scope: str) -> int:
    """Seconds until the current window ends."""
    window = rate_for(scope).window
    return window - int(time.time()) % window
