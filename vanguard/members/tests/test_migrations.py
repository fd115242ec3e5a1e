"""Member events already recorded move into the audit trail with an intact chain (migration members 0006)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("members", "0005_paths_collate_c"), ("core", "0002_audit_entry")]
AFTER = [("members", "0006_member_events_into_audit_trail")]


@pytest.mark.django_db(transaction=True)
def test_member_events_become_chained_audit_entries():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organisation = apps.get_model("orgs", "Organisation")
    Member = apps.get_model("members", "Member")
    MemberEvent = apps.get_model("members", "MemberEvent")
    org = Organisation.objects.create(name="甲支部", kind="branch", path="0001", depth=0)
    member = Member.objects.create(
        name="张三", gender="M", birth_date=datetime.date(1970, 1, 1), joined_on=datetime.date(1995, 7, 1),
        organisation=org, org_path=org.path,
    )  # fmt: skip
    now = timezone.now()
    MemberEvent.objects.create(member=member, kind="created", summary="", at=now)
    MemberEvent.objects.create(
        member=member, kind="updated", summary="", changes={"phone": ["", "138"], "id_number": ["", "1101**"]}
    )
    MemberEvent.objects.create(member=member, kind="hosting_started", summary="乙支部")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        AuditEntry = executor.loader.project_state(AFTER).apps.get_model("core", "AuditEntry")
        entries = list(AuditEntry.objects.order_by("seq"))
        assert [e.event for e in entries] == [
            "members.member.created",
            "members.member.updated",
            "members.member.hosting_started",
        ]
        assert entries[1].changes == {"phone": ["", "138"], "id_number_masked": ["", "1101**"]}
        assert entries[2].changes == {"host_organisation": ["", "乙支部"]}
        assert {e.object_id for e in entries} == {str(member.pk)} and entries[0].organisation_id == org.pk
        call_command("verify_audit")  # the chain the migration wrote is intact
    finally:
        call_command("migrate", verbosity=0)  # leave the schema as the rest of the suite expects
