"""Member list pages read their ids from an index alone (core.pagination's ids-first page).

Every sort's index ends in the id (the tie-breaker the list adds), and on
PostgreSQL the path index also carries, as INCLUDE columns, what the list
sorts and filters on and the scope tests (the host organisation): a district's
page under any sort or filter is then an index-only range scan and a sort of
ids.  The INCLUDE columns are PostgreSQL's only; Django's model state records
the key columns (an Index with `include` would warn on SQLite), and
core.bulk's drop-and-rebuild keeps the index as PostgreSQL defines it.
"""

from django.db import migrations, models

LIST_ORDER = models.Index(fields=["org_path", "name", "id"], name="member_list_order")
INCLUDED = ["birth_date", "joined_on", "gender", "category", "status", "organisation_id", "host_organisation_id"]


def create_list_order(apps, schema_editor):
    model = apps.get_model("members", "Member")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(model, LIST_ORDER)
        return
    columns = ", ".join(f'"{column}"' for column in INCLUDED)
    schema_editor.execute(
        f'CREATE INDEX "member_list_order" ON "members_member" ("org_path", "name", "id") INCLUDE ({columns})'
    )


def drop_list_order(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("members", "Member"), LIST_ORDER)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_list_sort_indexes"),
        ("orgs", "0002_alter_organisation_kind"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="member", name="member_path_name"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="member", index=LIST_ORDER)],
            database_operations=[migrations.RunPython(create_list_order, drop_list_order)],
        ),
        migrations.RemoveIndex(model_name="member", name="member_birth_date"),
        migrations.RemoveIndex(model_name="member", name="member_name_order"),
        migrations.RemoveIndex(model_name="member", name="member_joined_on"),
        migrations.AddIndex(
            model_name="member", index=models.Index(fields=["birth_date", "id"], name="member_birth_date_id")
        ),
        migrations.AddIndex(model_name="member", index=models.Index(fields=["name", "id"], name="member_name_id")),
        migrations.AddIndex(
            model_name="member", index=models.Index(fields=["joined_on", "id"], name="member_joined_on_id")
        ),
    ]
