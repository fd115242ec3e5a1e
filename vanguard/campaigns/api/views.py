"""Campaigns over REST, read-only and scoped like the pages: campaigns, their progress, units, step records."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from vanguard.accounts.scoping import Action, restrict
from vanguard.campaigns import dashboard, selectors
from vanguard.campaigns.api.serializers import (
    CampaignDetailSerializer,
    CampaignSerializer,
    ProgressSerializer,
    StepRecordSerializer,
    UnitSerializer,
)
from vanguard.campaigns.models import Batch, Campaign, Evidence, Phase, StepRecord, Unit, UnitState
from vanguard.core import tree
from vanguard.core.api import ScopedViewSetMixin
from vanguard.core.converters import ID_MAX, parse_id
from vanguard.core.filters import ID_SCHEMA, INVALID_ID, FilterSet, IdFilter
from vanguard.orgs.models import Organisation


class CampaignViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Campaigns run by an organisation of the caller's, or with a unit in their organisations."""

    queryset = Campaign.objects.select_related("organisation").order_by("-starts_on", "-pk")

    def get_serializer_class(self):
        return CampaignDetailSerializer if self.action == "retrieve" else CampaignSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("phases", Phase.objects.order_by("order").prefetch_related("steps")),
                Prefetch("batches", Batch.objects.order_by("order").prefetch_related("windows")),
            )
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "organisation",
                {**ID_SCHEMA},
                description="The organisation whose children are shown; by default the caller's highest one in "
                "the campaign.",
            )
        ],
        responses=ProgressSerializer,
    )
    @action(detail=True)
    def progress(self, request, pk=None, format=None):  # noqa: A002 - DRF passes format
        """The progress figures of an organisation's subtree in the campaign and of each of its children."""
        campaign = self.get_object()
        raw = request.query_params.get("organisation", "")
        if raw:
            try:
                organisation_id = parse_id(raw.strip())
            except ValueError:
                raise exceptions.ValidationError({"organisation": [INVALID_ID % {"max": ID_MAX}]}) from None
            organisation = Organisation.objects.filter(pk=organisation_id).first()
            if organisation is None or not dashboard.may_see(request.user, campaign, organisation):
                raise exceptions.NotFound(
                    _("Nothing with this id within your organisations: %(names)s.") % {"names": "organisation"}
                )
        else:
            organisation = dashboard.top_organisations(request.user, campaign).first()
            if organisation is None:
                raise exceptions.NotFound()
        return Response(ProgressSerializer(selectors.progress(campaign, organisation)).data)


def _in_subtree(queryset, name, value):
    path = Organisation.objects.filter(pk=value).values_list("path", flat=True).first()
    return queryset.filter(tree.subtree_q("org_path", path)) if path else queryset.none()


class UnitFilter(FilterSet):
    campaign = IdFilter(field_name="campaign_id")
    organisation = IdFilter(method=_in_subtree, label="Units of this organisation's subtree")
    phase = IdFilter(field_name="phase_id")
    batch = IdFilter(field_name="batch_id")
    state = django_filters.ChoiceFilter(choices=UnitState.choices)

    class Meta:
        model = Unit
        fields = ["campaign", "organisation", "phase", "batch", "state"]


class CampaignUnitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Units (organisations taking part in a campaign) within the caller's organisations, in tree order."""

    queryset = Unit.objects.select_related("organisation").order_by("campaign_id", "org_path")
    serializer_class = UnitSerializer
    filterset_class = UnitFilter


class StepRecordFilter(FilterSet):
    campaign = IdFilter(field_name="unit__campaign_id")
    unit = IdFilter(field_name="unit_id")
    step = IdFilter(field_name="step_id")

    class Meta:
        model = StepRecord
        fields = ["campaign", "unit", "step"]


class StepRecordViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Steps the units within the caller's organisations recorded, with their evidence kinds and summaries."""

    queryset = (
        StepRecord.objects.select_related("unit", "step")
        .prefetch_related(Prefetch("evidence", Evidence.objects.order_by("pk")))
        .order_by("pk")
    )
    serializer_class = StepRecordSerializer
    filterset_class = StepRecordFilter

    def get_queryset(self):
        # Scoped through the unit: `restrict` reads a relation's scope field only as a path on an organisation.
        units = restrict(Unit.objects.all(), self.request.user, Action.VIEW).values("pk")
        return self.queryset.filter(unit_id__in=units)
