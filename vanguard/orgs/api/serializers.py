from rest_framework import serializers

from vanguard.core.api import ModelSerializer
from vanguard.orgs.models import Organisation


class OrganisationSerializer(ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    sector_display = serializers.CharField(source="get_sector_display", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "kind_display", "sector", "sector_display", "code", "parent", "depth"]
        read_only_fields = fields
