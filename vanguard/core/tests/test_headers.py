"""Security headers and caching: CSP everywhere with no inline code in any template, HSTS in production,
`private, no-store` on personal pages and on the API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted({*ROOT.glob("vanguard/templates/**/*.html"), *ROOT.glob("vanguard/*/templates/**/*.html")})

DJANGO_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE_ATTRIBUTE = re.compile(r"""[\s"'](?:data-)?(on[a-z]+|style|hx-on\S*)\s*=""", re.IGNORECASE)


def inline_code(source: str) -> list[str]:
    """What a Content-Security-Policy without 'unsafe-inline' would refuse in this template source."""
    source = DJANGO_COMMENT.sub("", source)
    found = []
    for attributes, body in SCRIPT.findall(source):
        if body.strip() or "src=" not in attributes:
            found.append(f"inline <script>{body.strip()[:40]}")
    if re.search(r"<style\b", source, re.IGNORECASE):
        found.append("<style> element")
    for tag in TAG.findall(source):
        found += [f"{name}= attribute in {tag[:60]}" for name in INLINE_ATTRIBUTE.findall(tag)]
    if re.search(r"javascript:", source, re.IGNORECASE):
        found.append("javascript: URL")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">\n  go();\n</script>',
        '<script src="/static/x.js">go()</script>',
        "<style>p { color: red }</style>",
        '<p style="color: red">',
        '<button type="button" onclick="go()">',
        '<input\n  onchange="go()">',
        '<form hx-on:submit="go()">',
        '<form hx-on::after-request="go()">',
        '<div data-hx-on-click="go()">',
        '<a href="javascript:go()">',
        '<div class="x"style="color: red">',
    ],
)
def test_the_scan_finds_inline_code(snippet):
    assert inline_code(snippet)


def test_the_scan_lets_files_comments_and_data_attributes_pass():
    clean = """{# a <style> or onclick= in a comment #}{% comment %}<script>x()</script>{% endcomment %}
    <script src="{% static 'vanguard/app.js' %}" defer></script>
    <button data-children="children-1" hx-get="/x" hx-trigger="click once">▸</button>
    <p>Look at the style of this: online=yes</p>"""
    assert inline_code(clean) == []


def test_no_template_has_inline_scripts_styles_or_handlers():
    assert len(TEMPLATES) > 20, "the scan found too few templates: are the globs right?"
    offenders = {}
    for path in TEMPLATES:
        found = inline_code(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, f"the Content-Security-Policy refuses these: {offenders}"


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_unsafe_inline(client, city):
    pages = [reverse("login")]
    client.force_login(city.secretary_a)
    pages += [reverse("orgs:tree"), reverse("members:detail", args=[city.member_a.pk]), reverse("api-docs")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = csp(response)
        assert policy["script-src"] == "script-src 'self'", url
        assert policy["style-src"] == "style-src 'self'", url
        assert policy["default-src"] == "default-src 'self'", url
        assert policy["frame-ancestors"] == "frame-ancestors 'none'", url
        assert "unsafe" not in response["Content-Security-Policy"], url


@pytest.mark.django_db
def test_api_docs_load_every_script_from_a_file(client, city):
    client.force_login(city.secretary_a)
    html = client.get(reverse("api-docs")).content.decode()
    assert inline_code(html) == []
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert len(sources) == 3
    start_up = client.get(sources[-1].replace("&amp;", "&"))
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in start_up.content.decode()


@pytest.mark.django_db
def test_base_page_tells_htmx_to_keep_to_the_policy(client, city):
    client.force_login(city.secretary_a)
    html = client.get(reverse("orgs:tree")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config, "htmx would add an inline <style> for its indicators"
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives and "public" not in directives


@pytest.mark.django_db
def test_personal_pages_and_api_answers_are_not_stored(client, city):
    anonymous_api = client.get("/api/members/")
    assert anonymous_api.status_code in (401, 403) and no_store(anonymous_api)

    client.force_login(city.secretary_a)
    member_page = client.get(reverse("members:detail", args=[city.member_a.pk]))
    assert member_page.status_code == 200
    assert member_page["Cache-Control"] == "private, no-store"
    api_list = client.get("/api/members/")
    assert api_list.status_code == 200 and city.member_a.name in api_list.content.decode()
    assert api_list["Cache-Control"] == "private, no-store"
    assert no_store(client.get(reverse("orgs:tree")))
    assert no_store(client.get("/no/such/page/"))


@pytest.mark.django_db
def test_a_view_that_says_public_is_overruled(client, city, rf):
    from django.http import HttpResponse
    from django.utils.cache import patch_cache_control

    from vanguard.core.middleware import PrivateCacheMiddleware

    def view(request):
        response = HttpResponse("personal")
        patch_cache_control(response, public=True, max_age=3600)
        return response

    request = rf.get("/members/1/")
    request.user = city.secretary_a
    response = PrivateCacheMiddleware(view)(request)
    assert no_store(response)
    static = rf.get("/static/vanguard/app.css")
    static.user = city.secretary_a
    assert "no-store" not in PrivateCacheMiddleware(view)(static)["Cache-Control"]


PRODUCTION = {"VANGUARD_SECRET_KEY": "x" * 50, "VANGUARD_FIELD_KEY": "y" * 32, "VANGUARD_ALLOWED_HOSTS": "testserver"}
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/accounts/login/", **json.loads(%r))
print(json.dumps({
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "headers": {k: response.get(k) for k in (
        "Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
        "Content-Security-Policy",
    )},
}))
"""


def production(env: dict, **request: object) -> dict:
    """Settings and headers of the login page under `env`, requested over HTTPS unless `secure=False`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VANGUARD_") and k != "DJANGO_SETTINGS_MODULE"}
    clean.update(env, DJANGO_SETTINGS_MODULE="vanguard.settings", DATABASE_URL="sqlite:///:memory:")
    code = PROBE % json.dumps({"secure": True, **request})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_and_the_other_security_headers():
    probe = production(PRODUCTION)
    assert probe["hsts_seconds"] == 31536000
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_hsts_seconds_come_from_the_environment_and_are_off_in_the_demo():
    assert production({**PRODUCTION, "VANGUARD_HSTS_SECONDS": "600"})["headers"]["Strict-Transport-Security"] == (
        "max-age=600"
    )
    demo = production({"VANGUARD_DEMO": "1", "VANGUARD_ALLOWED_HOSTS": "testserver"})
    assert demo["hsts_seconds"] == 0 and demo["headers"]["Strict-Transport-Security"] is None


def test_behind_a_proxy_hsts_follows_the_forwarded_scheme():
    env = {**PRODUCTION, "VANGUARD_PROXY_COUNT": "1"}
    plain = production(env, secure=False)
    assert plain["headers"]["Strict-Transport-Security"] is None
    forwarded = production(env, secure=False, HTTP_X_FORWARDED_PROTO="https")
    assert forwarded["headers"]["Strict-Transport-Security"] == "max-age=31536000"
    # Without a proxy configured, a client's own X-Forwarded-Proto is not believed.
    spoofed = production(PRODUCTION, secure=False, HTTP_X_FORWARDED_PROTO="https")
    assert spoofed["headers"]["Strict-Transport-Security"] is None
