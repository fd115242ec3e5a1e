"""python manage.py import_members PATH --org CODE [--dry-run]: a member roster from a spreadsheet."""

from vanguard.rosters.management.commands._roster_command import RosterImportCommand
from vanguard.rosters.services import import_members


class Command(RosterImportCommand):
    help = "Import a member roster (.xlsx, .xls, .ods, .csv) into an organisation; all rows or none."
    importer = import_members
