"""What import_members and import_orgs share: arguments, the acting user, the progress bar, the report."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vanguard.orgs.models import Organisation
from vanguard.rosters.services import ImportReport


class RosterImportCommand(BaseCommand):
    importer = None  # import_members or import_organisations

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--org", required=True, help="Official code of the organisation to import into.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; change nothing.")
        parser.add_argument(
            "--user", default="", help="Username to act as (their scope applies; default: the first superuser)."
        )

    def handle(self, *args, path: Path, org: str, dry_run: bool, user: str, **options):
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        matches = list(Organisation.objects.filter(code=org)[:2])
        if len(matches) != 1:
            raise CommandError(f"{'No' if not matches else 'More than one'} organisation has the code {org}.")
        actor = self._actor(user)
        # No monitor thread: a big sheet is read by two processes only when this one has no other thread.
        tqdm.monitor_interval = 0
        with tqdm(total=0, unit=" rows", disable=options["verbosity"] == 0, file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = type(self).importer(
                path=path,
                organisation=matches[0],
                user=actor,
                commit=not dry_run,
                file_name=path.name,
                progress=progress,
            )
        self.print_report(report, dry_run)
        if not report.ok:
            raise CommandError(f"{report.problem_count} problem(s); nothing was changed.")

    def _actor(self, username: str):
        users = get_user_model().objects
        actor = users.filter(username=username).first() if username else users.filter(is_superuser=True).first()
        if actor is None:
            raise CommandError(f"No user {username!r}." if username else "No superuser exists; pass --user.")
        return actor

    def print_report(self, report: ImportReport, dry_run: bool) -> None:
        write = self.stdout.write
        sheet = f"sheet {report.sheet!r}, " if report.sheet else ""
        write(f"{report.file_name}: {sheet}header on row {report.header_row}")
        write(f"  columns: {', '.join(f'{k}={v}' for k, v in report.columns.items())}")
        verb = "would be" if dry_run else "were"
        write(
            f"  {report.created} {verb} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.skipped} blank or total rows skipped"
        )
        for change in report.changes[:50]:
            fields = "; ".join(f"{k}: {a or '—'} → {b or '—'}" for k, (a, b) in change.fields.items())
            write(f"  row {change.row} {change.name}: {fields}")
        for problem in report.problems:
            where = f"row {problem.row}" + (f", column {problem.column} ({problem.header})" if problem.column else "")
            write(self.style.ERROR(f"  {where}: {problem.message}"))
        if report.problem_count > len(report.problems):
            write(self.style.ERROR(f"  … and {report.problem_count - len(report.problems)} more problems"))
        for warning in report.warnings[:20]:
            write(self.style.WARNING(f"  row {warning.row}: {warning.message}"))
        if report.committed:
            write(self.style.SUCCESS("  committed."))
