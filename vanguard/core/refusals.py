"""The refusals every app's services raise alike: a ValidationError about one field that keeps its code, a
refusal to act outside one's subtree, a required text, a date not in the future."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.core.access import Action, can_at_path


def invalid(field: str, message: str, code: str) -> ValidationError:
    """A refusal about one field that keeps its code (a dict given to ValidationError drops `code=`)."""
    return ValidationError({field: ValidationError(message, code=code)})


def require(actor, path: str, message: str) -> None:
    """Refused (code "forbidden") unless `actor` may change things at `path`; an empty path is nobody's."""
    if not path or not can_at_path(actor, Action.CHANGE, path):
        raise ValidationError(message, code="forbidden")


def text(value: str | None, field: str, message: str, code: str, *, required: bool = True) -> str:
    """The value stripped; refused with `message` when it is empty and required."""
    value = (value or "").strip()
    if required and not value:
        raise invalid(field, message, code)
    return value


def not_future(on: datetime.date, field: str, today: datetime.date | None = None) -> None:
    if on > (today or timezone.localdate()):
        raise invalid(field, _("The date %(date)s is in the future.") % {"date": on}, "future_date")
