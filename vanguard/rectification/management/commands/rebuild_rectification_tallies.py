"""python manage.py rebuild_rectification_tallies [--campaign PK] [--check]: rebuild (or verify) the item tallies."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from vanguard.campaigns.models import Campaign
from vanguard.rectification import tallies
from vanguard.rectification.models import ItemTally


def _snapshot(campaign) -> set:
    rows = ItemTally.objects.filter(items__gt=0)
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    return set(rows.values_list("organisation_id", "campaign_id", "category", "status", "timing", "items"))


class Command(BaseCommand):
    help = "Recount the rectification item tallies behind the figures (after bulk loads or restores)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, help="Only this campaign (its primary key).")
        parser.add_argument("--check", action="store_true", help="Only report whether the kept tallies are right.")

    def handle(self, *args, campaign: int | None, check: bool, **options):
        chosen = None
        if campaign is not None:
            chosen = Campaign.objects.filter(pk=campaign).first()
            if chosen is None:
                raise CommandError(f"No campaign {campaign}.")
        if not check:
            self.stdout.write(f"{tallies.rebuild(chosen)} tallies written.")
            return
        kept = _snapshot(chosen)
        with transaction.atomic():
            tallies.rebuild(chosen)
            fresh = _snapshot(chosen)
            transaction.set_rollback(True)
        if kept != fresh:
            raise CommandError(
                f"{len(kept ^ fresh)} tallies differ; run rebuild_rectification_tallies without --check."
            )
        self.stdout.write("The tallies are right.")
