"""Tree paths compared byte by byte on PostgreSQL.

Paths hold digits only, so every collation orders them alike; but under a
database collation such as zh_CN.UTF-8 (or even C.UTF-8) each comparison goes
through strcoll and PostgreSQL cannot use abbreviated sort keys.  With
COLLATE "C", subtree range scans and the member indexes that lead with
org_path (built from scratch after a big roster import) compare with memcmp.
Both columns change together: comparing two columns of different collations
is an error.  SQLite compares bytes already.  Django does not model the
collation (db_collation "C" does not exist on SQLite), so an AlterField of
these columns must keep it.
"""

from django.db import migrations

from vanguard.core import tree

COLUMNS = [("orgs_organisation", "path"), ("members_member", "org_path")]


def collate(collation: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column in COLUMNS:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({tree.PATH_MAX_LENGTH}) COLLATE {collation}'
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_leaner_member_indexes"),
        ("orgs", "0002_alter_organisation_kind"),
    ]

    operations = [migrations.RunPython(collate('"C"'), collate('pg_catalog."default"'))]
