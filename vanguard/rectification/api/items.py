"""Rectification plans and items over the API: read-only and scoped like the pages; an item's transitions are
posted to `{pk}/transition/` and taken by the same services (a refusal is a 400 with its reason)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from vanguard.accounts.scoping import Action, restrict
from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.core.filters import YES_NO, FilterSet, IdFilter
from vanguard.opinions.models import Category
from vanguard.orgs.filters import in_subtree
from vanguard.rectification.models import ItemStatus, PlanStatus, RectificationItem, RectificationPlan
from vanguard.rectification.services import items as services
from vanguard.rectification.workflows import ITEM

PLAN_FIELDS = [
    "id", "campaign", "organisation", "member", "title", "text", "status", "audience", "published_at", "created_at",
]  # fmt: skip

ITEM_FIELDS = [
    "id", "plan", "responsible", "owner", "title", "description", "category", "deadline", "explanation", "status",
    "timing", "done_text", "done_at", "closed_on", "escalated_at", "listed_at", "circulated_at", "problem",
    "self_analysis", "appraisal_result", "remedial_order", "visit", "created_at",
]  # fmt: skip


class PlanSerializer(ModelSerializer):
    class Meta:
        model = RectificationPlan
        fields = PLAN_FIELDS
        read_only_fields = fields


class PlanFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Plans of this organisation's subtree")
    campaign = IdFilter(field_name="campaign")
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = RectificationPlan
        fields = ["organisation", "campaign", "status"]


class PlanViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """整改方案 of the caller's organisations."""

    queryset = RectificationPlan.objects.order_by("org_path", "pk")
    serializer_class = PlanSerializer
    filterset_class = PlanFilter


class ItemSerializer(ModelSerializer):
    class Meta:
        model = RectificationItem
        fields = ITEM_FIELDS
        read_only_fields = fields


class ItemFilter(FilterSet):
    organisation = IdFilter(method=in_subtree(), label="Items of plans in this organisation's subtree")
    plan = IdFilter(field_name="plan")
    status = django_filters.ChoiceFilter(choices=ItemStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    # "true" or "false" only: a boolean filter takes anything else as "no filter", which the schema forbids.
    escalated = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_escalated", label="Escalated as overdue (true) or not (false)"
    )

    class Meta:
        model = RectificationItem
        fields = ["organisation", "plan", "status", "category", "escalated"]

    def filter_escalated(self, queryset, name, value):
        return queryset.filter(escalated_at__isnull=value != "true")


class ItemTransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=[t.name for t in ITEM.transitions])
    text = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    explanation = serializers.CharField(required=False, allow_blank=True)
    deadline = serializers.DateField(required=False)


class ItemViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """整改事项 the caller's organisations hold or are responsible for."""

    queryset = RectificationItem.objects.order_by("deadline", "pk")
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def get_queryset(self):
        # Who may take a step is the transition's own check (the verifier acts above), so writes read with VIEW.
        return restrict(RectificationItem.objects.order_by("deadline", "pk"), self.request.user, Action.VIEW)

    @extend_schema(request=ItemTransitionSerializer, responses=ItemSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None, **kwargs):
        item = self.get_object()
        given = ItemTransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        name = data.pop("transition")
        item = services.take(item=item, actor=request.user, transition=name, **data)
        return Response(ItemSerializer(item).data)
