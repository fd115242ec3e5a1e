"""Opinions over REST, read-only: opinions (contact details only for staff who handle the unit) and problems
(never who raised them)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vanguard.core.api import ModelSerializer
from vanguard.opinions import selectors_contact
from vanguard.opinions.models import Opinion, Problem

OPINION_FIELDS = [
    "id", "organisation", "campaign", "channel", "direction", "source_group", "received_on", "text", "problem",
    "contact",
]  # fmt: skip


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    receipt = serializers.CharField()


class OpinionSerializer(ModelSerializer):
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Opinion
        fields = OPINION_FIELDS
        read_only_fields = fields

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, opinion: Opinion) -> dict | None:
        """Who raised it and the receipt: only for staff who may change the unit's records, else null."""
        request = self.context.get("request")
        if request is None or not selectors_contact.may_see_contact(request.user, opinion):
            return None
        return {"name": opinion.name, "phone": opinion.phone, "email": opinion.email, "receipt": opinion.receipt}


PROBLEM_FIELDS = [
    "id", "organisation", "campaign", "title", "summary", "keywords", "status", "category", "responsible",
    "deadline", "forwarded_at", "reply", "replied_at", "rectification", "rectified_at", "escalated_at",
    "listed_at", "opinion_count",
]  # fmt: skip


class ProblemSerializer(ModelSerializer):
    opinion_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Problem
        fields = PROBLEM_FIELDS
        read_only_fields = fields
