"""The rectification figures over REST: `GET /api/rectification-figures/{organisation}/?campaign=`.

The organisation is looked up in the caller's VIEW scope (404 outside it); the
case block is null unless the caller holds VIEW_CASES at the organisation.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.response import Response

from vanguard.campaigns import selectors as campaign_selectors
from vanguard.core.api import ScopedViewSetMixin
from vanguard.core.converters import ID_MAX, parse_id
from vanguard.core.filters import ID_SCHEMA, INVALID_ID
from vanguard.orgs.models import Organisation
from vanguard.rectification import figures


def _counts() -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField())


class ChildSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation_id")
    name = serializers.CharField()
    total = serializers.IntegerField()
    closed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    overdue = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)


class OverdueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    responsible = serializers.IntegerField(source="responsible_id")
    deadline = serializers.DateField()
    status = serializers.CharField()


class ItemsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    closed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField()
    by_category = serializers.DictField(child=_counts())
    children = ChildSerializer(many=True)
    overdue_items = OverdueItemSerializer(many=True)


class CaseChildSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    name = serializers.CharField()
    open = serializers.IntegerField()
    closed = serializers.IntegerField()


class CasesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_stage = serializers.DictField(child=_counts())
    by_child = serializers.SerializerMethodField()

    def get_by_child(self, cases) -> list[dict]:
        return CaseChildSerializer(
            [{"organisation": pk, "name": n, "open": o, "closed": c} for pk, n, o, c in cases.by_child], many=True
        ).data


class RemediesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    by_cause = serializers.DictField(child=_counts())


class FiguresSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation.pk")
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    today = serializers.DateField()
    items = ItemsSerializer()
    cases = CasesSerializer(allow_null=True)
    remedies = RemediesSerializer()
    institutions = _counts()


class RectificationFiguresViewSet(ScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The rectification figures of an organisation's subtree (the figures page as data)."""

    queryset = Organisation.objects.all().order_by("path")
    serializer_class = FiguresSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", {**ID_SCHEMA}, description="Only this campaign's items (by their plan).")
        ],
        responses=FiguresSerializer,
    )
    def retrieve(self, request, *args, **kwargs):
        organisation = self.get_object()
        campaign = None
        raw = request.query_params.get("campaign", "")
        if raw:
            try:
                campaign_id = parse_id(raw.strip())
            except ValueError:
                raise exceptions.ValidationError({"campaign": [INVALID_ID % {"max": ID_MAX}]}) from None
            campaign = campaign_selectors.campaigns_for(request.user).filter(pk=campaign_id).first()
            if campaign is None:
                raise exceptions.NotFound(
                    _("Nothing with this id within your organisations: %(names)s.") % {"names": "campaign"}
                )
        result = figures.compute(organisation=organisation, campaign=campaign, user=request.user)
        return Response(FiguresSerializer(result).data)
