"""Escalate overdue problems to the organisation above the responsible one (DOMAIN §5.1)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from vanguard.opinions import services


class Command(BaseCommand):
    help = (
        "Escalate every forwarded or replied problem past its deadline, not yet escalated, to the organisation "
        "above the one responsible, and print how many. Meant to run once a day from cron or a systemd timer "
        "(e.g. `0 6 * * * manage.py escalate_overdue_problems`); running it again the same day escalates nothing "
        "twice."
    )

    def handle(self, *args, **options) -> None:
        count = services.escalate_overdue()
        self.stdout.write(
            ngettext("%(n)d overdue problem escalated.", "%(n)d overdue problems escalated.", count) % {"n": count}
        )
