"""Study over the API, read-only and scoped like the pages: sessions, study records and credit standings."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Q
from rest_framework import serializers, viewsets

from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.core.filters import FilterSet, IdFilter
from vanguard.orgs.filters import in_subtree
from vanguard.study import credits
from vanguard.study.models import RECORD_ACTIVITIES, SESSION_KINDS, Session, Standing, StudyRecord


class SessionSerializer(ModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    organisation = serializers.IntegerField(source="meeting.organisation_id", read_only=True)
    kind = serializers.CharField(source="meeting.kind", read_only=True)
    title = serializers.CharField(source="meeting.title", read_only=True)
    held_on = serializers.DateField(source="meeting.held_on", read_only=True)
    present = serializers.IntegerField(read_only=True)
    absent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Session
        fields = [
            "id", "organisation", "campaign", "phase", "kind", "title", "held_on", "given_by", "hours", "recorded_at",
            "present", "absent",
        ]  # fmt: skip
        read_only_fields = fields


class SessionFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Sessions held in this organisation's subtree")
    campaign = IdFilter(field_name="campaign_id")
    kind = django_filters.ChoiceFilter(field_name="meeting__kind", choices=[(k.value, k.label) for k in SESSION_KINDS])

    class Meta:
        model = Session
        fields = ["organisation", "campaign", "kind"]


class SessionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Study sessions (a meeting each), with their attendance counts once recorded."""

    queryset = (
        Session.objects.select_related("meeting")
        .annotate(
            present=Count("meeting__attendance", filter=Q(meeting__attendance__present=True)),
            absent=Count("meeting__attendance", filter=Q(meeting__attendance__present=False)),
        )
        .order_by("-meeting__held_on", "-pk")
    )
    serializer_class = SessionSerializer
    filterset_class = SessionFilter


class StudyRecordSerializer(ModelSerializer):
    class Meta:
        model = StudyRecord
        fields = [
            "id", "member", "recorded_at_organisation", "campaign", "phase", "activity", "studied_on", "hours", "what",
            "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class StudyRecordFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Records of members of this organisation's subtree")
    campaign = IdFilter(field_name="campaign_id")
    member = IdFilter(field_name="member_id")
    activity = django_filters.ChoiceFilter(choices=[(a.value, a.label) for a in RECORD_ACTIVITIES])

    class Meta:
        model = StudyRecord
        fields = ["organisation", "campaign", "member", "activity"]


class StudyRecordViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Study outside the sessions, seen by the member's side and by the organisation that recorded it."""

    queryset = StudyRecord.objects.order_by("-studied_on", "-pk")
    serializer_class = StudyRecordSerializer
    filterset_class = StudyRecordFilter


class StandingSerializer(ModelSerializer):
    earned = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    required = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    complete = serializers.BooleanField(read_only=True)

    class Meta:
        model = Standing
        fields = [
            "id", "member", "campaign", "phase", "category", "earned", "required", "complete", "attended", "missed",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class StandingFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Members of this organisation's subtree")
    campaign = IdFilter(field_name="campaign_id")
    phase = IdFilter(field_name="phase_id")
    member = IdFilter(field_name="member_id")

    class Meta:
        model = Standing
        fields = ["organisation", "campaign", "phase", "member"]


class StandingViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Each member's credits per phase, counted from what was recorded and valued by the campaign's rules as they
    stand (never ranked: ordered by member)."""

    queryset = Standing.objects.order_by("org_path", "member_id", "phase_id")
    serializer_class = StandingSerializer
    filterset_class = StandingFilter

    def get_queryset(self):
        return credits.valued(super().get_queryset())
