"""Commitments over the API: read-only, scoped like the pages (the subtree the caller may view)."""

from __future__ import annotations

import django_filters
from rest_framework import viewsets

from vanguard.commitments.models import Commitment, Status, Verdict
from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.core.filters import FilterSet, IdFilter
from vanguard.orgs.filters import in_subtree


class CommitmentSerializer(ModelSerializer):
    class Meta:
        model = Commitment
        fields = [
            "id", "campaign", "member", "organisation", "template", "item_index", "by_leader", "status", "audience",
            "published_from", "published_until", "text", "verdict", "verdict_note", "rated_at", "public_kept",
            "public_partly", "public_not_kept",
        ]  # fmt: skip
        read_only_fields = fields


class CommitmentFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Commitments of members of this organisation's subtree")
    campaign = IdFilter(field_name="campaign_id")
    member = IdFilter(field_name="member_id")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)

    class Meta:
        model = Commitment
        fields = ["organisation", "campaign", "member", "status", "verdict"]


class CommitmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Commitments (承诺): the text in force, where and until when it is published, the branch's verdict and the
    public's counts per verdict (never who rated)."""

    queryset = Commitment.objects.order_by("org_path", "member_id", "pk")
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter
