"""Campaigns over REST, read-only: campaigns with their phases, steps, batches and windows; units; step records
with their evidence; the progress figures of an organisation and its children."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vanguard.campaigns import evidence
from vanguard.campaigns.models import Batch, Campaign, Evidence, Phase, Step, StepRecord, Unit, Window
from vanguard.core.api import ModelSerializer


class StepSerializer(ModelSerializer):
    class Meta:
        model = Step
        fields = ["id", "key", "name", "description", "responsible", "required", "due_day", "order"]
        read_only_fields = fields


class PhaseSerializer(ModelSerializer):
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "key", "name", "order", "days", "acceptance", "steps"]
        read_only_fields = fields


class WindowSerializer(ModelSerializer):
    class Meta:
        model = Window
        fields = ["phase", "starts_on", "ends_on"]
        read_only_fields = fields


class BatchSerializer(ModelSerializer):
    windows = WindowSerializer(many=True, read_only=True)

    class Meta:
        model = Batch
        fields = ["id", "key", "name", "order", "starts_on", "is_default", "windows"]
        read_only_fields = fields


CAMPAIGN_FIELDS = [
    "id", "name", "theme", "organisation", "organisation_name", "template", "starts_on", "ends_on", "status",
    "is_pilot", "launched_at",
]  # fmt: skip


class CampaignSerializer(ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS
        read_only_fields = fields


class CampaignDetailSerializer(CampaignSerializer):
    phases = PhaseSerializer(many=True, read_only=True)
    batches = BatchSerializer(many=True, read_only=True)

    class Meta(CampaignSerializer.Meta):
        fields = [*CAMPAIGN_FIELDS, "phases", "batches"]
        read_only_fields = fields


class UnitSerializer(ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id", "campaign", "organisation", "organisation_name", "unit_class", "batch", "phase", "state",
            "is_pilot", "required_done",
        ]  # fmt: skip
        read_only_fields = fields


class EvidenceSerializer(ModelSerializer):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "kind", "summary", "added_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_summary(self, piece: Evidence) -> str:
        try:
            return str(evidence.get(piece.kind).describe(piece))
        except LookupError:
            return piece.kind


class StepRecordSerializer(ModelSerializer):
    campaign = serializers.IntegerField(source="unit.campaign_id", read_only=True)
    organisation = serializers.IntegerField(source="unit.organisation_id", read_only=True)
    step_key = serializers.CharField(source="step.key", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = StepRecord
        fields = [
            "id", "campaign", "unit", "organisation", "step", "step_key", "note", "actor_role", "recorded_at",
            "evidence",
        ]  # fmt: skip
        read_only_fields = fields


class FiguresSerializer(serializers.Serializer):
    """One organisation's subtree in the campaign (selectors.Figures)."""

    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_name = serializers.CharField(source="organisation.name")
    units = serializers.IntegerField()
    by_phase = serializers.DictField(
        child=serializers.IntegerField(), help_text="Units now in each phase, by phase id (finished units apart)."
    )
    not_started = serializers.IntegerField()
    awaiting = serializers.IntegerField()
    returned = serializers.IntegerField()
    finished = serializers.IntegerField()
    accepted = serializers.IntegerField(help_text="Phase acceptances behind the units: phases passed.")
    required_total = serializers.IntegerField()
    required_done = serializers.IntegerField()
    done_percent = serializers.FloatField()
    overdue = serializers.IntegerField(help_text="Required steps past their deadline and not recorded.")


class ProgressPhaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    key = serializers.CharField()
    name = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    organisation = serializers.IntegerField(source="organisation.pk")
    phases = ProgressPhaseSerializer(many=True)
    total = FiguresSerializer()
    children = FiguresSerializer(many=True)
