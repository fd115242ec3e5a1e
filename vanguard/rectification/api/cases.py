"""Cases over the API: read with VIEW_CASES (never VIEW), transitions posted like the pages take them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from vanguard.core.access import Action, restrict
from vanguard.core.api import ModelSerializer, ScopedViewSetMixin
from vanguard.members.models import Member
from vanguard.rectification.models import Case
from vanguard.rectification.services import cases
from vanguard.rectification.workflows import CASE


class CaseSerializer(ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "id",
            "member",
            "organisation",
            "year",
            "campaign",
            "appraisal_result",
            "stage",
            "opened_reason",
            "opened_at",
            "helper",
            "education_until",
            "reappraisal_grade",
            "application_on",
            "intended_outcome",
            "intended_reasons",
            "notified_at",
            "notified_how",
            "statement_due",
            "statement",
            "statement_waived",
            "proposed_outcome",
            "proposed_reasons",
            "proposed_at",
            "outcome",
            "decided_at",
            "correct_until",
            "closed_at",
        ]


class CaseTransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=[t.name for t in CASE.transitions])
    reason = serializers.CharField(required=False, allow_blank=True)
    helper = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all(), required=False)
    until = serializers.DateField(required=False)
    grade = serializers.CharField(required=False, allow_blank=True)
    outcome = serializers.CharField(required=False, allow_blank=True)
    how = serializers.CharField(required=False, allow_blank=True)
    text = serializers.CharField(required=False, allow_blank=True)
    statement = serializers.CharField(required=False, allow_blank=True)


class CaseViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """不合格党员处置: cases of the caller's branches and below (VIEW_CASES: branch, above, office)."""

    queryset = Case.objects.order_by("-pk")
    serializer_class = CaseSerializer

    def get_queryset(self):
        # Reads and writes alike need VIEW_CASES; who may take a step is the transition's own check.
        return restrict(Case.objects.order_by("-pk"), self.request.user, Action.VIEW_CASES)

    @extend_schema(request=CaseTransitionSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None, **kwargs):
        case = self.get_object()
        given = CaseTransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        name = data.pop("transition")
        case = cases.take(case=case, name=name, actor=request.user, **data)
        return Response(CaseSerializer(case).data)
