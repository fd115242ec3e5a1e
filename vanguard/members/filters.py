"""Filters of the member list, shared by the page and the API."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from vanguard.accounts.scoping import restrict
from vanguard.core import crypto, dates, idnumber, tree
from vanguard.core.chinese import search_variants
from vanguard.core.filters import FilterSet, IdChoiceFilter, TranslatedOrderingFilter
from vanguard.members.models import Category, Gender, Member, Status
from vanguard.orgs.models import Organisation, Sector

AGE_BANDS = {
    "under_35": (None, 35),
    "35_45": (35, 46),
    "46_55": (46, 56),
    "56_65": (56, 66),
    "over_65": (66, None),
}
AGE_BAND_CHOICES = [
    ("under_35", _("Under 35")),
    ("35_45", _("35 to 45")),
    ("46_55", _("46 to 55")),
    ("56_65", _("56 to 65")),
    ("over_65", _("Over 65")),
]


def age_band_q(band: str, today: datetime.date | None = None) -> Q:
    """Members whose age today lies in the band, as a birth-date range (uses the index)."""
    today = today or timezone.localdate()
    low, high = AGE_BANDS[band]
    query = Q()
    if low is not None:  # at least `low` years old: born on or before today minus low years
        query &= Q(birth_date__lte=dates.add_years(today, -low))
    if high is not None:  # younger than `high`: born after today minus high years
        query &= Q(birth_date__gt=dates.add_years(today, -high))
    return query


# What an unset choice reads as (django's default is "---------").
ALL = _("All")


def visible_organisations(request) -> QuerySet[Organisation]:
    """Only organisations the user may see can narrow the list (an unknown one is a form error)."""
    return restrict(Organisation.objects.all(), request.user if request else None)


# Each sort goes on to these keys, in the same direction, so the order is total (a page boundary never
# splits or repeats rows sharing a name or a date) and matches an index ending in the id (migration 0009).
TIE_BREAKERS = {"org_path": ("name", "pk")}


class MemberOrderingFilter(TranslatedOrderingFilter):
    def filter(self, qs: QuerySet, value) -> QuerySet:
        qs = super().filter(qs, value)
        keys = list(qs.query.order_by)
        if value in EMPTY_VALUES or not keys:
            return qs
        first = keys[0]
        sign = "-" if first.startswith("-") else ""
        named = {key.lstrip("-") for key in keys}
        more = [f"{sign}{key}" for key in TIE_BREAKERS.get(first.lstrip("-"), ("pk",)) if key not in named]
        return qs.order_by(*keys, *more)


class MemberFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or ID number"), method="filter_q")
    organisation = IdChoiceFilter(
        label=_("Within organisation"), queryset=visible_organisations, method="filter_subtree"
    )
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Category.choices, empty_label=ALL)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=ALL)
    gender = django_filters.ChoiceFilter(label=_("Gender"), choices=Gender.choices, empty_label=ALL)
    sector = django_filters.ChoiceFilter(
        label=_("Sector"), choices=Sector.choices, method="filter_sector", empty_label=ALL
    )
    age_band = django_filters.ChoiceFilter(
        label=_("Age"), choices=AGE_BAND_CHOICES, method="filter_age_band", empty_label=ALL
    )
    ordering = MemberOrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("birth_date", "birth_date"), ("joined_on", "joined_on"), ("org_path", "org_path")),
        field_labels={
            "name": _("Name"),
            "birth_date": _("Birth date"),
            "joined_on": _("Date joined"),
            "org_path": _("Organisation"),
        },
    )

    class Meta:
        model = Member
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        normalised = idnumber.normalise(value)
        if len(normalised) == 18:
            return queryset.filter(id_number_hash__in=crypto.lookup_hashes(normalised))  # every key, during a rotation
        query = Q()
        for variant in search_variants(value):
            query |= Q(name__startswith=variant)
        return queryset.filter(query)

    def filter_subtree(self, queryset: QuerySet, name: str, value: Organisation | None) -> QuerySet:
        return queryset.filter(tree.subtree_q("org_path", value.path)) if value else queryset

    def filter_sector(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A subquery, not a join: PostgreSQL hashes the sector's organisations once and tests each row of an
        # index-only scan against it, instead of looking every row's organisation up.
        if not value:
            return queryset
        return queryset.filter(organisation_id__in=Organisation.objects.filter(sector=value).values("pk"))

    def filter_age_band(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(age_band_q(value)) if value in AGE_BANDS else queryset


# The filters an export of the list's results carries; the organisation is the export job's own.
EXPORTED_FILTERS = ("q", "category", "status", "gender", "sector", "age_band")


def export_filters(data) -> dict[str, str]:
    """The list's filters worth carrying into an export job: known names with a value, as plain strings."""
    return {name: str(data[name]) for name in EXPORTED_FILTERS if data.get(name)}


def filter_members(queryset: QuerySet[Member], *, user, params: dict[str, str]) -> QuerySet[Member]:
    """`queryset` narrowed by the member list's filters as `user` would see them; no rows if one is invalid.

    For work done outside a request (an export job of "these results"), so it checks the values again:
    what was valid when the job started may not be once it runs.
    """
    filterset = MemberFilter(params, queryset=queryset, request=SimpleNamespace(user=user))
    if not filterset.is_valid():
        return queryset.none()
    return filterset.qs
