"""Typical examples, lecture groups, talks and training classes over the API: read-only, scoped like the pages."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Q, Sum
from rest_framework import serializers, viewsets

from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.core.filters import FilterSet, IdFilter
from vanguard.exemplars.models import AudienceKind, ClassKind, ExampleKind, Exemplar, LectureGroup, Talk, TrainingClass
from vanguard.orgs.filters import in_subtree


class ExemplarSerializer(ModelSerializer):
    class Meta:
        model = Exemplar
        fields = [
            "id", "kind", "member", "organisation", "selected_by", "campaign", "title", "deeds", "selected_on",
            "publicised_on", "channel", "publicity_note",
        ]  # fmt: skip
        read_only_fields = fields


class ExemplarFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Typical examples of this organisation's subtree")
    campaign = IdFilter(field_name="campaign_id")
    kind = django_filters.ChoiceFilter(choices=ExampleKind.choices)

    class Meta:
        model = Exemplar
        fields = ["organisation", "campaign", "kind"]


class ExemplarViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Typical examples (先进典型): exemplary members and organisations, who selected them, their publicity."""

    queryset = Exemplar.objects.order_by("-selected_on", "-pk")
    serializer_class = ExemplarSerializer
    filterset_class = ExemplarFilter


class LectureGroupSerializer(ModelSerializer):
    lecturers = serializers.IntegerField(source="lecturer_count", read_only=True)
    talks = serializers.IntegerField(source="talk_count", read_only=True)

    class Meta:
        model = LectureGroup
        fields = ["id", "organisation", "name", "campaign", "set_up_on", "lecturers", "talks"]
        read_only_fields = fields


class LectureGroupFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Lecture groups set up in this organisation's subtree")
    campaign = IdFilter(field_name="campaign_id")

    class Meta:
        model = LectureGroup
        fields = ["organisation", "campaign"]


class LectureGroupViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Lecture groups (宣讲团) with the number of their lecturers and talks."""

    queryset = LectureGroup.objects.annotate(
        lecturer_count=Count("lecturers", distinct=True), talk_count=Count("talks", distinct=True)
    ).order_by("-set_up_on", "-pk")
    serializer_class = LectureGroupSerializer
    filterset_class = LectureGroupFilter


class TalkSerializer(ModelSerializer):
    speaker = serializers.IntegerField(source="speaker.member_id", read_only=True)

    class Meta:
        model = Talk
        fields = [
            "id", "group", "speaker", "given_at", "given_on", "topic", "place", "audience_kind", "audience_size",
        ]  # fmt: skip
        read_only_fields = fields


class TalkFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Talks given in this organisation's subtree")
    group = IdFilter(field_name="group_id")
    audience_kind = django_filters.ChoiceFilter(choices=AudienceKind.choices)

    class Meta:
        model = Talk
        fields = ["organisation", "group", "audience_kind"]


class TalkViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Talks given by lecture groups: where, to whom, how many (the speaker is a member id)."""

    queryset = Talk.objects.select_related("speaker").order_by("-given_on", "-pk")
    serializer_class = TalkSerializer
    filterset_class = TalkFilter


class TrainingClassSerializer(ModelSerializer):
    trainees = serializers.IntegerField(source="trainee_count", read_only=True)
    completed = serializers.IntegerField(read_only=True)
    laid_off_members = serializers.IntegerField(read_only=True)
    re_employed = serializers.IntegerField(read_only=True)
    hours_attended = serializers.DecimalField(max_digits=12, decimal_places=1, read_only=True)

    class Meta:
        model = TrainingClass
        fields = [
            "id", "organisation", "kind", "title", "campaign", "starts_on", "ends_on", "hours", "place", "trainees",
            "completed", "laid_off_members", "re_employed", "hours_attended",
        ]  # fmt: skip
        read_only_fields = fields


class TrainingClassFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Classes held in this organisation's subtree")
    campaign = IdFilter(field_name="campaign_id")
    kind = django_filters.ChoiceFilter(choices=ClassKind.choices)

    class Meta:
        model = TrainingClass
        fields = ["organisation", "campaign", "kind"]


class TrainingClassViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Training classes (key staff, skills for laid-off members, other) with their trainees' counts, no names."""

    queryset = TrainingClass.objects.annotate(
        trainee_count=Count("trainees"),
        completed=Count("trainees", filter=Q(trainees__completed=True)),
        laid_off_members=Count("trainees", filter=Q(trainees__laid_off=True, trainees__member__isnull=False)),
        re_employed=Count(
            "trainees",
            filter=Q(trainees__laid_off=True, trainees__member__isnull=False, trainees__outcome="re_employed"),
        ),
        hours_attended=Sum("trainees__hours_attended", default=0),
    ).order_by("-starts_on", "-pk")
    serializer_class = TrainingClassSerializer
    filterset_class = TrainingClassFilter
