"""Load campaign template files (YAML, see docs/campaign-templates.md) into the database.

All files are loaded in one transaction: if any file has a problem, every
problem of every file is printed (file, line, key path) and nothing is
stored.  Loading a file whose definition is already stored changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from vanguard.campaigns import blueprints
from vanguard.campaigns.models import CampaignTemplate


class _Refused(Exception):
    pass


class Command(BaseCommand):
    help = "Load campaign template YAML files; reloading an unchanged file changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A template file (.yaml).")

    def handle(self, *args: object, **options: object) -> None:
        paths = [Path(p) for p in options["paths"]]
        report: list[str] = []
        failures: list[str] = []
        known = set(CampaignTemplate.objects.values_list("key", flat=True))
        try:
            with transaction.atomic():
                for path in paths:
                    try:
                        text = path.read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError) as exc:
                        failures.append(_("%(file)s: cannot be read: %(error)s") % {"file": path, "error": exc})
                        continue
                    try:
                        template, changed = blueprints.install(text, source_name=str(path))
                    except blueprints.TemplateInvalid as exc:
                        failures += [_line(path, problem) for problem in exc.problems]
                        continue
                    if not changed:
                        what = _("unchanged")
                    elif template.key in known:
                        what = _("changed")
                    else:
                        what = _("created")
                    known.add(template.key)
                    report.append(
                        _("%(file)s: template “%(key)s” (%(name)s) %(what)s.")
                        % {"file": path, "key": template.key, "name": template.name, "what": what}
                    )
                if failures:
                    raise _Refused
        except _Refused:
            for line in failures:
                self.stderr.write(line)
            raise CommandError(
                _("%(count)s problem(s) found; nothing was loaded.") % {"count": len(failures)}
            ) from None
        for line in report:
            self.stdout.write(line)


def _line(path: Path, problem: blueprints.Problem) -> str:
    place = f"{path}:{problem.line}" if problem.line is not None else str(path)
    return f"{place}: {problem.path or '-'}: {problem.message}"
