"""python manage.py recount_study [--standings] [--check]: recount (or verify) study's kept figures."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from vanguard.campaigns.models import Campaign
from vanguard.study import credits, tallies
from vanguard.study.models import CreditTally, Session, SessionTally, Standing


def _kept() -> set[tuple]:
    credit = CreditTally.objects.exclude(recorded=0, complete=0).values_list(
        "organisation_id", "campaign_id", "phase_id", "category", "recorded", "complete"
    )
    session = SessionTally.objects.exclude(sessions=0, attendance_rows=0, credited_rows=0).values_list(
        "organisation_id", "campaign_id", "phase_id", "kind", "sessions", "attendance_rows", "credited_rows"
    )
    return {("credit", *row) for row in credit} | {("session", *row) for row in session}


class Command(BaseCommand):
    help = "Recount the study tallies of every campaign (after bulk loads or restores); --standings first counts "
    "every standing again from the attendance and records."

    def add_arguments(self, parser):
        parser.add_argument("--standings", action="store_true", help="Count the standings again first.")
        parser.add_argument("--check", action="store_true", help="Only report whether the kept tallies are right.")

    def handle(self, *args, standings: bool, check: bool, **options):
        campaigns = Campaign.objects.filter(pk__in=Session.objects.values("campaign_id")) | Campaign.objects.filter(
            pk__in=Standing.objects.values("campaign_id")
        )
        kept = _kept() if check else set()
        with transaction.atomic():
            for campaign in campaigns.distinct().order_by("pk"):
                if standings and not check:
                    self.stdout.write(f"{campaign}: {credits.rebuild_all(campaign=campaign)} standings")
                self.stdout.write(f"{campaign}: {tallies.recount(campaign)} tallies")
            if check:
                fresh = _kept()
                transaction.set_rollback(True)
        if check:
            if kept != fresh:
                raise CommandError(f"{len(kept ^ fresh)} tallies differ; run recount_study without --check.")
            self.stdout.write("The tallies are right.")
