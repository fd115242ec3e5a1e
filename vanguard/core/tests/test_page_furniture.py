"""What every page carries: the favicon (linked, and at /favicon.ico where browsers look unasked), labelled inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted({*ROOT.glob("vanguard/templates/**/*.html"), *ROOT.glob("vanguard/*/templates/**/*.html")})
INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
TYPE = re.compile(r"""\stype=["']?(\w+)""", re.IGNORECASE)
ID = re.compile(r"""\sid=["']([^"']+)["']""", re.IGNORECASE)
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("vanguard/favicon.ico")
    icon = Path(finders.find("vanguard/favicon.ico")).read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO directory header, not a renamed PNG or SVG


def test_every_page_links_its_icons(client, city):
    from conftest import PASSWORD

    client.login(username=city.office.username, password=PASSWORD)
    for path in ("/accounts/login/", f"/orgs/{city.root.pk}/"):
        html = client.get(path).content.decode()
        links = re.findall(r'<link rel="icon" href="([^"]+)"', html)
        assert links == [static("vanguard/favicon.ico"), static("vanguard/favicon.svg")], path
    assert b"<svg" in Path(finders.find("vanguard/favicon.svg")).read_bytes()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_input_has_a_label(template: Path):
    """A text box a user types into (the organisation look-ups included) is named by a <label for=…> or aria-label."""
    source = template.read_text()
    missing = []
    for tag in INPUT.findall(source):
        kind = TYPE.search(tag)
        if kind and kind.group(1).lower() in UNLABELLED_TYPES or "aria-label" in tag:
            continue
        found = ID.search(tag)
        if not found or f'for="{found.group(1)}"' not in source:
            missing.append(tag[:80])
    assert not missing, f"inputs without a label in {template.name}: {missing}"
