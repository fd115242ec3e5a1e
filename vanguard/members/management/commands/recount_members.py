"""python manage.py recount_members [--check]: rebuild (or verify) the member tallies behind every count page."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from vanguard.members import tallies
from vanguard.members.models import MemberTally


class Command(BaseCommand):
    help = "Recount the subtree member tallies from the member table (after bulk loads or restores)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report whether the kept tallies are right.")

    def handle(self, *args, check: bool, **options):
        if not check:
            self.stdout.write(f"{tallies.rebuild()} tallies written.")
            return
        kept = set(
            MemberTally.objects.filter(count__gt=0).values_list("organisation_id", "category", "status", "count")
        )
        with transaction.atomic():
            tallies.rebuild()
            fresh = set(MemberTally.objects.values_list("organisation_id", "category", "status", "count"))
            transaction.set_rollback(True)
        if kept != fresh:
            raise CommandError(f"{len(kept ^ fresh)} tallies differ; run recount_members without --check.")
        self.stdout.write("The tallies are right.")
