"""Institutions (建章立制) and weak-organisation remedies (软弱涣散整顿), read-only and scoped like the pages."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from rest_framework import viewsets

from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.core.filters import YES_NO, FilterSet, IdFilter
from vanguard.orgs.filters import in_subtree
from vanguard.rectification.models import (
    Cause,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    Remedy,
    RemedyStatus,
)
from vanguard.rectification.services.institutions import in_force_q

INSTITUTION_FIELDS = [
    "id", "organisation", "campaign", "kind", "title", "rule", "procedure", "standard", "measures", "trade", "post",
    "status", "effective_from", "effective_until", "supersedes", "file_name", "problems", "items", "created_at",
]  # fmt: skip

REMEDY_FIELDS = [
    "id", "organisation", "campaign", "screening_entry", "cause", "cause_text", "replace_head", "station_team",
    "sort_out", "team_from", "team", "reorganisation", "deadline", "status", "closing_assessment", "closed_at",
    "escalated_at", "created_at",
]  # fmt: skip

# Strict "true"/"false": a boolean filter would take anything else as "either", which the schema does not allow.


class InstitutionSerializer(ModelSerializer):
    class Meta:
        model = Institution
        fields = INSTITUTION_FIELDS
        read_only_fields = fields


class InstitutionFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Rules of this organisation's subtree")
    kind = django_filters.ChoiceFilter(choices=InstitutionKind.choices)
    status = django_filters.ChoiceFilter(choices=InstitutionStatus.choices)
    in_force = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_in_force", label="In force today (true) or not (false)"
    )

    class Meta:
        model = Institution
        fields = ["organisation", "kind", "status", "in_force"]

    def filter_in_force(self, queryset, name, value):
        q = in_force_q(timezone.localdate())
        return queryset.filter(q) if value == "true" else queryset.exclude(q)


class InstitutionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Rules, requirements and signs of unqualified members drawn up by the caller's organisations."""

    queryset = Institution.objects.prefetch_related("problems", "items").order_by("org_path", "-effective_from", "pk")
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter


class RemedySerializer(ModelSerializer):
    class Meta:
        model = Remedy
        fields = REMEDY_FIELDS
        read_only_fields = fields


class RemedyFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Remedies of this organisation's subtree")
    cause = django_filters.ChoiceFilter(choices=Cause.choices)
    status = django_filters.ChoiceFilter(choices=RemedyStatus.choices)
    overdue = django_filters.ChoiceFilter(choices=YES_NO, method="filter_overdue", label="Open and past the deadline")

    class Meta:
        model = Remedy
        fields = ["organisation", "cause", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"status": RemedyStatus.OPEN, "deadline__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value == "true" else queryset.exclude(**overdue)


class RemedyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Remedies of weak organisations within the caller's organisations."""

    queryset = Remedy.objects.order_by("deadline", "pk")
    serializer_class = RemedySerializer
    filterset_class = RemedyFilter
