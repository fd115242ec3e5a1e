"""Close the ballots whose last day has passed (their rules then fire), and delete expired sheet files."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from vanguard.ballots import services, tasks


class Command(BaseCommand):
    help = (
        "Close every open ballot whose closing day has passed and that waits on no paper keying, so that its "
        "results show and the campaign's rules fire on them; delete ballot-sheet files past their keeping time. "
        "Meant to run once a day from cron or a systemd timer; running it again closes nothing twice."
    )

    def handle(self, *args, **options) -> None:
        closed = services.close_due()
        purged = tasks.purge_expired()
        self.stdout.write(
            ngettext("%(n)d ballot closed.", "%(n)d ballots closed.", len(closed)) % {"n": len(closed)}
            + " "
            + ngettext("%(n)d sheet file deleted.", "%(n)d sheet files deleted.", purged) % {"n": purged}
        )
