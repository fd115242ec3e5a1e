"""python manage.py seed_demo --scale demo|city: the demo city, or the benchmark city, built by every app's step."""

from django.core.management.base import BaseCommand, CommandError

from vanguard.core import demo


class Command(BaseCommand):
    help = "Load the demo city (--scale demo) or the seed-000 benchmark city (--scale city) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "city"], default="demo")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when organisations already exist.")
        parser.add_argument("--members", type=int, default=demo.CITY_MEMBERS, help="Members at --scale city.")

    def handle(self, *args, scale, if_empty, members, **options):
        loaded = demo.loaded()
        if loaded:
            if if_empty:
                self.stdout.write(f"The database already holds {' and '.join(loaded)}; nothing loaded.")
                self.print_logins(demo.logins())
                return
            raise CommandError(f"The database already holds {' and '.join(loaded)}; seed_demo fills an empty one.")
        demo.run(scale, member_target=members, progress=self.stdout.write)
        if scale == "demo":
            self.print_logins(demo.logins())

    def print_logins(self, logins: list[demo.DemoLogin]) -> None:
        if not logins:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {demo.DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<11} {login.role:<11} {login.organisation}")
