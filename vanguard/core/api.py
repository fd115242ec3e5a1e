"""The API's shared piece: viewsets narrowed by the same scoping function as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from vanguard.core.access import Action, restrict


class ScopedViewSetMixin:
    """Reads see the VIEW scope; writes look the object up in the CHANGE scope (404 outside it)."""

    def get_queryset(self):
        action = Action.VIEW if self.request.method in ("GET", "HEAD", "OPTIONS") else Action.CHANGE
        return restrict(super().get_queryset(), self.request.user, action)


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError in DRF's shape (field -> messages)."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(
            {field: [str(m) for e in errs for m in e] for field, errs in exc.error_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": [str(m) for m in exc.messages]})
