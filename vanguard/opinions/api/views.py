"""Opinions over REST, read-only and scoped like the pages."""

from __future__ import annotations

import django_filters
from django.db.models import Count
from rest_framework import viewsets

from vanguard.core.api import ScopedViewSetMixin
from vanguard.core.filters import FilterSet, IdFilter
from vanguard.opinions.api.serializers import OpinionSerializer, ProblemSerializer
from vanguard.opinions.models import Channel, Direction, Opinion, Problem, ProblemStatus
from vanguard.orgs.filters import in_subtree


class OpinionFilter(FilterSet):
    organisation = IdFilter(method=in_subtree("org_path"), label="Opinions of this organisation's subtree")
    problem = IdFilter(field_name="problem_id")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)

    class Meta:
        model = Opinion
        fields = ["organisation", "problem", "channel", "direction"]


class OpinionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Opinions collected within the caller's organisations, newest first."""

    queryset = Opinion.objects.order_by("-received_on", "-pk")
    serializer_class = OpinionSerializer
    filterset_class = OpinionFilter


class ProblemFilter(FilterSet):
    organisation = IdFilter(method=in_subtree("org_path"), label="Problems grouped in this organisation's subtree")
    responsible = IdFilter(method=in_subtree("responsible_path"), label="Problems forwarded into this subtree")
    status = django_filters.ChoiceFilter(choices=ProblemStatus.choices)

    class Meta:
        model = Problem
        fields = ["organisation", "responsible", "status"]


class ProblemViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Problems grouped in, or forwarded into, the caller's organisations; who raised them is never shown."""

    queryset = Problem.objects.annotate(opinion_count=Count("opinions")).order_by("-created_at", "-pk")
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter
