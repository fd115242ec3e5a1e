"""python manage.py seed_demo --scale demo|city: the demo city, or the benchmark city."""

from django.core.management.base import BaseCommand, CommandError

from vanguard.core import demo
from vanguard.members import tallies
from vanguard.orgs.models import Organisation


class Command(BaseCommand):
    help = "Load the demo city (--scale demo) or the seed-000 benchmark city (--scale city) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "city"], default="demo")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when organisations already exist.")
        parser.add_argument("--members", type=int, default=1_500_000, help="Members at --scale city.")

    def handle(self, *args, scale, if_empty, members, **options):
        if Organisation.objects.exists():
            if if_empty:
                self.stdout.write("The database already holds organisations; nothing loaded.")
                self.print_logins(demo.demo_logins())
                return
            raise CommandError("The database already holds organisations; seed_demo fills an empty one.")
        if scale == "city":
            demo.build_city(member_target=members, progress=self.stdout.write)
            self.stdout.write(f"{tallies.rebuild()} member tallies")
            return
        logins = demo.build_demo(progress=self.stdout.write)
        tallies.rebuild()  # the demo bulk-inserts members, bypassing the services that keep tallies
        self.print_logins(logins)

    def print_logins(self, logins: list[demo.DemoLogin]) -> None:
        if not logins:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {demo.DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<11} {login.role:<11} {login.organisation}")
