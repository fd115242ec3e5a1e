"""Member events move into the one hash-chained audit trail (core.AuditEntry); the old table goes."""

from django.db import migrations

KINDS = {
    "created": "members.member.created",
    "updated": "members.member.updated",
    "imported": "members.member.imported",
    "hosting_started": "members.member.hosting_started",
    "hosting_ended": "members.member.hosting_ended",
    "transfer_started": "members.transfer.started",
    "transfer_accepted": "members.transfer.accept",
    "transfer_refused": "members.transfer.refuse",
    "transfer_cancelled": "members.transfer.cancel",
}


def copy_events(apps, schema_editor):
    from vanguard.core import audit  # canonical() reads plain attributes, so historical models hash alike

    MemberEvent = apps.get_model("members", "MemberEvent")
    AuditEntry = apps.get_model("core", "AuditEntry")
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = last if last else (0, audit.GENESIS)
    batch = []
    events = MemberEvent.objects.select_related("member").order_by("at", "pk")
    for event in events.iterator(chunk_size=2000):
        changes = {("id_number_masked" if k == "id_number" else k): v for k, v in (event.changes or {}).items()}
        data = {}
        if event.kind == "imported":
            data["file"] = event.summary
        elif event.kind == "hosting_started":
            changes = {"host_organisation": ["", event.summary]}
        elif event.kind == "hosting_ended":
            changes = {"host_organisation": [event.summary, ""]}
        elif event.summary:
            data["summary"] = event.summary
        seq += 1
        entry = AuditEntry(
            seq=seq,
            at=event.at,
            event=KINDS.get(event.kind, f"members.member.{event.kind}"[:64]),
            actor_id=event.actor_id,
            actor_role="",
            actor_organisation_id=None,
            object_type="members.member",
            object_id=str(event.member_id),
            object_repr=str(event.member.name)[:200],
            organisation_id=event.member.organisation_id,
            changes=changes,
            data=data,
            prev_hash=prev,
        )
        entry.hash = prev = audit.entry_hash(entry)
        batch.append(entry)
        if len(batch) >= 2000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_paths_collate_c"),
        ("core", "0002_audit_entry"),
    ]

    operations = [
        migrations.RunPython(copy_events, migrations.RunPython.noop),
        migrations.DeleteModel(name="MemberEvent"),
    ]
