from rest_framework import serializers

from vanguard.core.api import ModelSerializer
from vanguard.members.models import Member


class MemberSerializer(ModelSerializer):
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    id_number_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "id_number",
            "id_number_masked",
            "joined_on",
            "status",
            "category",
            "mobile_since",
            "mobile_place",
            "organisation",
            "host_organisation",
            "work_unit",
            "post",
            "phone",
        ]
        read_only_fields = ["host_organisation"]
