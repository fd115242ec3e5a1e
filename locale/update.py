"""Refresh the catalogues from the source and list what the Chinese ones still lack.

Run from anywhere as ``.venv/bin/python locale/update.py``: it re-runs
``makemessages`` for zh_Hans, zh_Hant and en (needs GNU gettext), then prints
every untranslated or fuzzy entry of zh_Hans and zh_Hant and exits 1 if there
is any, so a new English string cannot slip into the UI untranslated.  After
translating, run ``manage.py compile_catalogues``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["zh_Hans", "zh_Hant", "en"]
CHECKED = ["zh_Hans", "zh_Hant"]  # en is the source language: its msgstrs stay empty
IGNORE = [".venv", "e2e", "bench", "staticfiles", "test-artifacts"]


def run_makemessages() -> None:
    """Extract the source strings into every catalogue, dropping obsolete entries."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("VANGUARD_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("makemessages", locale=LOCALES, no_obsolete=True, ignore_patterns=IGNORE, verbosity=0)


def problems(locale: str) -> list[str]:
    """One line for each untranslated or fuzzy entry of a catalogue."""
    import polib

    path = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return [f"{locale}: {path} is missing"]
    catalogue = polib.pofile(str(path))
    found = [f"{locale}: untranslated: {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
    found += [f"{locale}: fuzzy: {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-only", action="store_true", help="skip makemessages; only report")
    args = parser.parse_args(argv)
    if not args.check_only:
        run_makemessages()
    lines = [line for locale in CHECKED for line in problems(locale)]
    for line in lines:
        print(line)
    if lines:
        print(f"{len(lines)} entries need a translation: edit locale/*/LC_MESSAGES/django.po", file=sys.stderr)
        return 1
    print("zh_Hans and zh_Hant are complete; now run: VANGUARD_DEMO=1 .venv/bin/python manage.py compile_catalogues")
    return 0


if __name__ == "__main__":
    sys.exit(main())
