"""Fixtures for the browser journeys: one Chromium per session, a fresh page per test, numbered screenshots.

The journeys run against pytest-django's `live_server` with Debian's Chromium (never a downloaded browser).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

# Playwright's sync API keeps an event loop running in the main thread, which makes Django refuse
# ORM calls from fixtures and assertions there; the calls are in fact synchronous, so allow them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    """Skip locally, but fail in CI, where a silently skipped journey would look like a pass."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (the CI environment variable is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium package to run the e2e journeys")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request) -> Iterator:
    # A browser in mainland China: Accept-Language zh-CN, which Django maps to zh-hans.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"FAILED-{request.node.name}.png", full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class Screenshots:
    """Numbered full-page screenshots in test-artifacts/e2e/; some are also the README's pictures."""

    def __init__(self) -> None:
        self.count = 0
        self.update_docs = os.environ.get("VANGUARD_UPDATE_SCREENSHOTS") == "1"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, slug: str, *, docs: str | None = None) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=path, full_page=True)
        if docs and self.update_docs:
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / docs)
        return path


@pytest.fixture(scope="session")
def shot() -> Callable[..., Path]:
    """`shot(page, "tree", docs="tree.png")` saves NN-tree.png (and docs/screenshots/tree.png when asked).

    Numbering runs through the session; the previous run's numbered pictures are removed first.
    """
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return Screenshots()
