"""The service network, people away, cards and lost-contact cases over the API: read-only, scoped like the pages."""

from __future__ import annotations

import django_filters
from rest_framework import viewsets

from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.core.filters import FilterSet, IdFilter
from vanguard.mobility.models import (
    Card,
    LostContact,
    LostStatus,
    MobileRecord,
    PointRole,
    RecordStatus,
    ServicePoint,
)
from vanguard.orgs.filters import in_subtree


class ServicePointSerializer(ModelSerializer):
    class Meta:
        model = ServicePoint
        fields = ["id", "organisation", "role", "name", "service_area", "province", "services", "contact", "set_up_on"]
        read_only_fields = fields


class ServicePointFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Service bodies in this organisation's subtree")
    role = django_filters.ChoiceFilter(choices=PointRole.choices)

    class Meta:
        model = ServicePoint
        fields = ["organisation", "role"]


class ServicePointViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The mobile-member service network: centres, stations, contact points, organisations in other provinces."""

    queryset = ServicePoint.objects.order_by("org_path", "role", "pk")
    serializer_class = ServicePointSerializer
    filterset_class = ServicePointFilter


class MobileRecordSerializer(ModelSerializer):
    class Meta:
        model = MobileRecord
        fields = [
            "id", "member", "name", "home_organisation", "home_name", "inflow_organisation", "destination",
            "away_since", "contact", "work", "status", "received_on", "ended_on",
        ]  # fmt: skip
        read_only_fields = fields


class MobileRecordFilter(FilterSet):
    home = IdFilter(method=in_subtree("home_path"), label="Records whose home side is in this subtree")
    inflow = IdFilter(method=in_subtree("inflow_path"), label="Records whose inflow side is in this subtree")
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices)

    class Meta:
        model = MobileRecord
        fields = ["home", "inflow", "status"]


class MobileRecordViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """People away (流动登记): each once, seen by their home side and their inflow side."""

    queryset = MobileRecord.objects.order_by("-away_since", "-pk")
    serializer_class = MobileRecordSerializer
    filterset_class = MobileRecordFilter


class CardSerializer(ModelSerializer):
    class Meta:
        model = Card
        fields = [
            "id",
            "member",
            "record",
            "number",
            "issued_by",
            "issued_on",
            "valid_until",
            "renewals",
            "returned_on",
        ]
        read_only_fields = fields


class CardFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Cards issued in this organisation's subtree")
    member = IdFilter(field_name="member_id")

    class Meta:
        model = Card
        fields = ["organisation", "member"]


class CardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Mobile-member cards (流动党员活动证): number, validity, renewals, return."""

    queryset = Card.objects.order_by("-issued_on", "-pk")
    serializer_class = CardSerializer
    filterset_class = CardFilter


class LostContactSerializer(ModelSerializer):
    class Meta:
        model = LostContact
        fields = [
            "id", "member", "organisation", "lost_since", "last_known", "status", "found_on", "found_where",
            "closed_on", "closing_reason",
        ]  # fmt: skip
        read_only_fields = fields


class LostContactFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Cases of this organisation's subtree")
    status = django_filters.ChoiceFilter(choices=LostStatus.choices)

    class Meta:
        model = LostContact
        fields = ["organisation", "status"]


class LostContactViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Lost-contact members (失联党员) and what became of the search for them."""

    queryset = LostContact.objects.order_by("-lost_since", "-pk")
    serializer_class = LostContactSerializer
    filterset_class = LostContactFilter
