"""The translation catalogues: complete in Chinese, compiled, up to date with the source, and in use."""

from __future__ import annotations

import datetime
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
CHINESE = ["zh_Hans", "zh_Hant"]
# What makemessages never looks at (kept in step with locale/update.py).
IGNORED = {".venv", "e2e", "bench", "locale", "staticfiles", "test-artifacts", "var", "node_modules"}
Entry = polib.POEntry | polib.MOEntry
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq")

# printf-style placeholders: %(name)s, %d, %5.2f ... ({{ var }} in blocktranslate becomes %(var)s).
PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[^{}]*\}")


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def key(entry: Entry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def placeholders(text: str, entry: Entry) -> Counter[str]:
    found = Counter(p for p in PRINTF.findall(text) if p != "%%")
    if "python-brace-format" in entry.flags:
        found.update(BRACES.findall(text))
    return found


def translations(entry: Entry) -> dict[int, str]:
    return dict(entry.msgstr_plural) if entry.msgid_plural else {0: entry.msgstr}


@pytest.mark.parametrize("locale", CHINESE)
def test_chinese_catalogue_is_complete(locale: str) -> None:
    catalogue = polib.pofile(str(po_path(locale)))
    assert catalogue.metadata.get("Language") == locale
    assert catalogue.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert len(catalogue) > 0
    untranslated = [e.msgid for e in catalogue.untranslated_entries() if not e.fuzzy]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    hint = "fill them in and run locale/update.py"
    assert not untranslated, f"{locale}: untranslated entries ({hint}): {untranslated}"
    assert not fuzzy, f"{locale}: fuzzy entries, check and remove the flag ({hint}): {fuzzy}"

    wrong = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        forms = translations(entry)
        if entry.msgid_plural and set(forms) != {0}:
            wrong.append(f"{entry.msgid!r}: Chinese has one plural form, found msgstr{sorted(forms)}")
        expected = placeholders(entry.msgid_plural or entry.msgid, entry)
        for form in forms.values():
            if placeholders(form, entry) != expected:
                wrong.append(f"{entry.msgid!r} → {form!r}: placeholders {dict(expected)} expected")
    assert not wrong, f"{locale}: " + "\n".join(wrong)


@pytest.mark.parametrize("path", sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po")), ids=lambda p: p.parts[-3])
def test_compiled_catalogue_matches_source(path: Path) -> None:
    mo_path = path.with_suffix(".mo")
    hint = "run `VANGUARD_DEMO=1 .venv/bin/python manage.py compile_catalogues`"
    assert mo_path.exists(), f"{mo_path} is missing: {hint}"
    po = polib.pofile(str(path))
    mo = polib.mofile(str(mo_path))
    expected = {key(e): translations(e) for e in po.translated_entries()}
    compiled = {key(e): translations(e) for e in mo if e.msgid}
    assert compiled == expected, f"{mo_path} is stale: {hint}"
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms"), hint


def test_catalogues_cover_every_source_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings) -> None:
    """Extract the strings afresh with Django's makemessages (xgettext) in a copy of the tree."""
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        reason = f"GNU gettext ({', '.join(missing_tools)}) is not on PATH: cannot extract strings from the source"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must install the gettext package)")
        pytest.skip(reason)

    root = Path(settings.BASE_DIR)
    copy = tmp_path / "tree"

    def not_source(directory: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            path = Path(directory, name)
            if name.startswith(".") or name == "__pycache__" or (path.parent == root and name in IGNORED):
                skipped.add(name)
            elif path.is_file() and path.suffix not in SOURCE_SUFFIXES:
                skipped.add(name)
        return skipped

    shutil.copytree(root, copy, ignore=not_source)
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    settings.LOCALE_PATHS = [str(copy / "locale")]
    call_command("makemessages", locale=["zh_Hans"], verbosity=0)

    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    source = {key(e) for e in fresh if not e.obsolete and e.msgid}
    assert len(source) > 50, "makemessages found suspiciously few strings"
    for locale in CHINESE:
        committed = {key(e) for e in polib.pofile(str(po_path(locale))) if not e.obsolete}
        missing = sorted(msgid for _ctx, msgid, _plural in source - committed)
        assert not missing, (
            f"{locale} lacks strings that the source uses: run `.venv/bin/python locale/update.py`, "
            f"translate, then `manage.py compile_catalogues`: {missing}"
        )


def test_simplified_chinese_is_what_users_see() -> None:
    with translation.override("zh-hans"):
        assert date_format(datetime.date(2005, 1, 5)) == "2005年1月5日"
        assert gettext("Members") == "党员"
        rendered = Template('{% load i18n %}{% translate "Branch" %} · {% translate "Relation transfer" %}').render(
            Context()
        )
        assert rendered == "党支部 · 组织关系接转"
    with translation.override("zh-hant"):
        assert gettext("Members") == "黨員"
    with translation.override("en"):
        assert gettext("Members") == "Members"
