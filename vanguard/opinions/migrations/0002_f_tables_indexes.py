"""The five tables find a period's problems through their opinions (problem, date, path): an index-only scan.

Measured on the city's year of opinions (bench/opinions_tables.py): the problems' grouped query fell from
about 150 ms to about 60 ms on the same loaded machine.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("opinions", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="opinion",
            index=models.Index(fields=["problem", "received_on", "org_path"], name="opinion_problem_period"),
        ),
    ]
