"""Helpers the apps' tests share: a refusal's codes, and asserting a call is refused with one of them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError


def codes(error: ValidationError) -> set[str]:
    """Every code a ValidationError carries, whether about fields or not."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def refused(code: str, call: Callable, **kwargs) -> ValidationError:
    """`call(**kwargs)` raises a ValidationError whose only code is `code`; returns it for further checks."""
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    assert codes(caught.value) == {code}, caught.value
    return caught.value
