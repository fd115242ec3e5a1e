"""Organisations over REST, read-only, scoped like the pages; with subtree counts."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from vanguard.core.api import ScopedViewSetMixin
from vanguard.core.filters import FilterSet, IdFilter
from vanguard.orgs import hooks, selectors
from vanguard.orgs.api.serializers import OrganisationSerializer
from vanguard.orgs.models import Kind, Organisation, Sector


class OrganisationFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    sector = django_filters.ChoiceFilter(choices=Sector.choices)
    parent = IdFilter(field_name="parent_id")
    code = django_filters.CharFilter()

    class Meta:
        model = Organisation
        fields = ["kind", "sector", "parent", "code"]


class SubtreeCountsSerializer(serializers.Serializer):
    """Counts over the whole subtree: organisations by kind, then members by category and by status, and so on."""

    organisations_by_kind = serializers.DictField(child=serializers.IntegerField())

    def get_fields(self):
        # Read when the schema is generated, after every app has registered its figures (orgs.hooks).
        fields = super().get_fields()
        for name in hooks.subtree_figure_names():
            fields[name] = serializers.DictField(child=serializers.IntegerField())
        return fields


class OrganisationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Organisations within the caller's subtrees, in tree order."""

    queryset = Organisation.objects.all().order_by("path")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter

    @extend_schema(responses=SubtreeCountsSerializer)
    @action(detail=True)
    def counts(self, request, pk=None, format=None):  # noqa: A002 - DRF passes format
        """Counts for the whole subtree below this organisation."""
        organisation = self.get_object()
        return Response(
            {
                "organisations_by_kind": selectors.organisation_counts_by_kind(organisation),
                **selectors.subtree_figures(organisation),  # members by category and by status, ... (orgs.hooks)
            }
        )
