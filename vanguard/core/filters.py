"""Filter pieces shared by every app's list pages and API.

Every filterset derives from `FilterSet` here, and every filter on an id uses
`IdFilter` or `IdChoiceFilter`: a value the database could not hold (past
2**63 - 1, negative, `1e20`, `abc`) is a form error on that parameter — a 400
naming it in the API — instead of reaching the driver and failing there.
`core/tests/test_api_errors.py` walks every filterset to hold this.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.utils import pretty_name
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import OrderingFilter
from django_filters.fields import ModelChoiceField, ModelMultipleChoiceField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.utils import extend_schema_field

from vanguard.core.converters import ID_MAX, parse_id

INVALID_ID = _("Enter an id: a whole number from 1 to %(max)s.")
# The error code of a well-formed id naming nothing the user may see; the API answers it 404 (core.api.FilterBackend).
UNKNOWN_ID = "unknown_id"
# How the API schema declares an id, wherever one is taken (query, path, body).
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}


class IdField(forms.IntegerField):
    """An object id typed into a query string: 1 to ID_MAX, nothing else."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_id(str(value).strip())
        except ValueError:
            raise ValidationError(INVALID_ID, code="invalid", params={"max": ID_MAX}) from None


class IdChoiceField(ModelChoiceField):
    """A choice among objects by id; an ill-formed id is refused before the database is asked."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        IdField().to_python(value)
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(self.error_messages["invalid_choice"], code=UNKNOWN_ID) from exc


# Choices of a yes/no query parameter: exactly "true" or "false", so any other value is refused with a 400.
YES_NO = [("true", "true"), ("false", "false")]


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.Filter):
    """Equality on an integer id column (a primary key, or a foreign key's `_id`)."""

    field_class = IdField


@extend_schema_field(ID_SCHEMA)
class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A foreign key chosen by id among a (possibly scoped) queryset."""

    field_class = IdChoiceField


@extend_schema_field({"type": "integer", "format": "int64", "minimum": -ID_MAX - 1, "maximum": ID_MAX})
class IntegerFilter(django_filters.Filter):
    """Equality on a plain integer column: any whole number a signed 64-bit column holds."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -ID_MAX - 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class IdMultipleChoiceField(ModelMultipleChoiceField):
    def clean(self, value):
        if isinstance(value, list | tuple):
            for item in value:
                IdField().to_python(item)
        return super().clean(value)


@extend_schema_field({"type": "array", "items": ID_SCHEMA})
class IdMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Several objects by id (a many-to-many or reverse relation)."""

    field_class = IdMultipleChoiceField


def _bounded(defaults: dict) -> dict:
    """django-filter's filters for model fields, with every integer and id filter swapped for a bounded one."""
    swap = {
        django_filters.NumberFilter: IntegerFilter,
        django_filters.ModelChoiceFilter: IdChoiceFilter,
        django_filters.ModelMultipleChoiceFilter: IdMultipleChoiceFilter,
    }
    bounded = {}
    for field_class, spec in defaults.items():
        filter_class = spec["filter_class"]
        if filter_class is django_filters.NumberFilter and not issubclass(field_class, models.IntegerField):
            bounded[field_class] = spec  # decimals and floats keep django-filter's own bound
        else:
            bounded[field_class] = {**spec, "filter_class": swap.get(filter_class, filter_class)}
    # Looked up along each model field's MRO: the auto fields first, or BigAutoField would find IntegerField.
    for field_class in (models.AutoField, models.BigAutoField, models.SmallAutoField):
        bounded[field_class] = {"filter_class": IdFilter}
    for field_class in (models.BigIntegerField, models.PositiveBigIntegerField):
        bounded[field_class] = {"filter_class": IntegerFilter}
    return bounded


class FilterSet(django_filters.FilterSet):
    """Base of every filterset: filters generated from model fields take ids and integers bounded.

    Assumes integer primary keys, as every Vanguard model has.
    """

    FILTER_DEFAULTS = _bounded(FILTER_FOR_DBFIELD_DEFAULTS)


def _descending(label) -> str:
    return gettext("%s (descending)") % label


class TranslatedOrderingFilter(OrderingFilter):
    # django-filter ships only a zh_CN catalogue, which Django never picks for
    # zh-hans; keeping the string in our catalogue makes it appear in Chinese.
    descending_fmt = _("%s (descending)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Default order"))
        super().__init__(*args, **kwargs)

    def build_choices(self, fields, labels):
        """django-filter's choices, but each descending label worded when shown, in the reader's language.

        django-filter formats them once, when the filterset class is defined, which froze them in
        whatever language was active then (姓名（降序） in English).
        """
        ascending = [(param, labels.get(field, _(pretty_name(param)))) for field, param in fields.items()]
        descending = [
            (f"-{param}", labels.get(f"-{param}", lazy(_descending, str)(label))) for param, label in ascending
        ]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]
