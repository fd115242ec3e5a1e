"""Escalate overdue rectification items and weak-organisation remedies to the organisation above (DOMAIN §5.1, §6)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from vanguard.rectification.services import items, remedies


class Command(BaseCommand):
    help = (
        "Escalate every rectification item still owed past its deadline, not yet escalated, to the organisation "
        "above the one responsible, and every open weak-organisation remedy past its deadline likewise; "
        "print how many. Meant to run once a day from cron or a systemd timer "
        "(e.g. `5 6 * * * manage.py escalate_overdue_items`); running it again the same day escalates nothing "
        "twice. --as-of DATE judges overdue as on that day (a catch-up run after the job was down)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="judge overdue as on this day (YYYY-MM-DD)")

    def handle(self, *args, **options) -> None:
        today = None
        if options.get("as_of"):
            try:
                today = datetime.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of takes a date as YYYY-MM-DD") from None
        count = items.escalate_overdue(today=today)
        self.stdout.write(
            ngettext("%(n)d overdue item escalated.", "%(n)d overdue items escalated.", count) % {"n": count}
        )
        count = remedies.escalate_overdue(today=today)
        self.stdout.write(
            ngettext("%(n)d overdue remedy escalated.", "%(n)d overdue remedies escalated.", count) % {"n": count}
        )
