"""Compile every ``locale/*/LC_MESSAGES/django.po`` into ``django.mo`` with polib.

Django's own ``compilemessages`` shells out to GNU ``msgfmt``, which a fresh
machine (a newcomer's laptop, a slim container) usually lacks.  polib is a
pure-Python dependency already in the lock file, so this command works
anywhere the project's virtualenv does.  Fuzzy and untranslated entries are
left out of the ``.mo`` file, exactly as ``msgfmt`` does.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def catalogue_paths(locale_dirs: list[Path]) -> list[Path]:
    """Every ``django.po`` under the given locale directories, sorted."""
    found: list[Path] = []
    for locale_dir in locale_dirs:
        found.extend(sorted(Path(locale_dir).glob("*/LC_MESSAGES/django.po")))
    return found


def compile_catalogue(po_path: Path) -> tuple[Path, int]:
    """Write the ``.mo`` beside ``po_path``; returns its path and the number of translated entries."""
    try:
        catalogue = polib.pofile(str(po_path), wrapwidth=0)
    except (OSError, ValueError) as exc:
        raise CommandError(f"{po_path}: {exc}") from exc
    mo_path = po_path.with_suffix(".mo")
    catalogue.save_as_mofile(str(mo_path))
    return mo_path, len(catalogue.translated_entries())


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without GNU gettext."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locale-dir",
            action="append",
            dest="locale_dirs",
            help="A locale directory to compile (repeatable); default: settings.LOCALE_PATHS.",
        )

    def handle(self, *args: object, **options: object) -> None:
        locale_dirs = [Path(p) for p in (options.get("locale_dirs") or settings.LOCALE_PATHS)]
        paths = catalogue_paths(locale_dirs)
        if not paths:
            raise CommandError(f"No django.po found under {', '.join(map(str, locale_dirs))}.")
        for po_path in paths:
            mo_path, count = compile_catalogue(po_path)
            if int(options.get("verbosity", 1)) >= 1:
                self.stdout.write(f"{mo_path}: {count} translated entries")
