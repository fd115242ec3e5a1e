"""Remind secretaries of their units' overdue steps (run once a day, e.g. from cron); see campaigns.reminders."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vanguard.campaigns.reminders import send_reminders


class Command(BaseCommand):
    help = "Write and e-mail reminders of overdue campaign steps; running it twice a day sends nothing new."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to remind as of (YYYY-MM-DD); today by default.")

    def handle(self, *args: object, **options: object) -> None:
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(str(options["date"]))
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from None
        count = send_reminders(today)
        self.stdout.write(f"{count} reminder(s) sent.")
