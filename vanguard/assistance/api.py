"""Pairings, funds and grants over the API: read-only, scoped like the pages."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from vanguard.assistance.models import Fund, Grant, GrantStatus, Pairing, PairingKind
from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.core.filters import FilterSet, IdFilter
from vanguard.orgs.filters import in_subtree


class PairingSerializer(ModelSerializer):
    helped = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id", "kind", "organisation", "helper_member", "helper_organisation", "helped", "partner_name",
            "partner_organisation", "hardship", "started_on", "ended_on",
        ]  # fmt: skip
        read_only_fields = fields


class PairingFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Pairings arranged in this organisation's subtree")
    kind = django_filters.ChoiceFilter(choices=PairingKind.choices)

    class Meta:
        model = Pairing
        fields = ["organisation", "kind"]


class PairingViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Pairings (结对): 1+1 and 1+2 between members, 双结对 between organisations and people or communities."""

    queryset = Pairing.objects.prefetch_related("helped").order_by("-started_on", "-pk")
    serializer_class = PairingSerializer
    filterset_class = PairingFilter


class FundSerializer(ModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "organisation", "name", "set_up_on", "income_fen", "granted_fen", "balance_fen"]
        read_only_fields = fields


class FundFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Funds held in this organisation's subtree")

    class Meta:
        model = Fund
        fields = ["organisation"]


class FundViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Assistance funds (帮扶基金) with their income, grants paid and balance, in whole fen (分)."""

    queryset = Fund.objects.order_by("org_path", "name", "pk")
    serializer_class = FundSerializer
    filterset_class = FundFilter


class GrantSerializer(ModelSerializer):
    class Meta:
        model = Grant
        fields = [
            "id", "fund", "beneficiary", "member", "pairing", "amount_fen", "purpose", "status", "requested_on",
            "decided_role", "decided_at_organisation", "decided_on", "reason",
        ]  # fmt: skip
        read_only_fields = fields


class GrantFilter(FilterSet):
    fund = IdFilter(field_name="fund_id")
    status = django_filters.ChoiceFilter(choices=GrantStatus.choices)

    class Meta:
        model = Grant
        fields = ["fund", "status"]


class GrantViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Grants from the funds: requested, then approved and paid or refused, each decision by a named role."""

    queryset = Grant.objects.order_by("-requested_on", "-pk")
    serializer_class = GrantSerializer
    filterset_class = GrantFilter
