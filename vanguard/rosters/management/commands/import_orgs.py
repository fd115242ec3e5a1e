"""python manage.py import_orgs PATH --org CODE [--dry-run]: organisations from a spreadsheet."""

from vanguard.rosters.management.commands._roster_command import RosterImportCommand
from vanguard.rosters.services import import_organisations


class Command(RosterImportCommand):
    help = "Import organisations (name, kind, code, parent code) under an organisation; all rows or none."
    importer = import_organisations
